// InvokeAI: `invokeai_metadata` (v3+, flat JSON), `sd-metadata` (v2) or the legacy
// `Dream` command line (../shared/FORMATS.md section 5).
#include <cctype>

#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {
namespace {

// v2 and Dream embed the negative prompt in square brackets: "positive [negative]".
void split_bracketed_negative(const std::string& text, Record& r) {
  size_t open = text.find('[');
  size_t close = text.rfind(']');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    std::string positive = text.substr(0, open) + text.substr(close + 1);
    while (!positive.empty() && positive.back() == ' ') positive.pop_back();
    r.prompt = positive;
    r.negative_prompt = text.substr(open + 1, close - open - 1);
  } else {
    r.prompt = text;
  }
}

Result<Record> read_v3(const std::string& text) {
  auto j = parse_json_bounded(text);
  if (!j) return j.error();
  if (!j->is_object()) return make_error("invokeai_metadata is not a JSON object");
  Record r;
  r.prompt = json_string(*j, "positive_prompt");
  r.negative_prompt = json_string(*j, "negative_prompt");
  r.seed = json_int(*j, "seed");
  if (auto s = json_int32(*j, "steps")) r.steps = s;
  r.cfg_scale = json_number(*j, "cfg_scale");
  r.sampler = json_string(*j, "scheduler");  // InvokeAI's "scheduler" names the sampler (euler_a, dpmpp_2m, ...)
  if (auto it = j->find("model"); it != j->end() && it->is_object()) {
    r.model = json_string(*it, "name");
    if (!r.model) r.model = json_string(*it, "model_name");
    r.model_hash = json_string(*it, "hash");
  }
  if (!r.model) r.model = json_string(*j, "model_name");
  if (auto w = json_int32(*j, "width")) r.requested_width = w;
  if (auto h = json_int32(*j, "height")) r.requested_height = h;
  if (auto v = json_string(*j, "app_version")) r.extra.emplace_back("Version", *v);
  return r;
}

Result<Record> read_v2(const std::string& text) {
  auto j = parse_json_bounded(text);
  if (!j) return j.error();
  if (!j->is_object()) return make_error("sd-metadata is not a JSON object");
  Record r;
  r.model = json_string(*j, "model_weights");
  r.model_hash = json_string(*j, "model_hash");
  auto img_it = j->find("image");
  if (img_it != j->end() && img_it->is_object()) {
    const auto& img = *img_it;
    const auto& p = img.contains("prompt") ? img["prompt"] : nlohmann::json();
    if (p.is_string()) {
      split_bracketed_negative(p.get<std::string>(), r);
    } else if (p.is_array() && !p.empty() && p[0].is_object()) {
      if (auto t = json_string(p[0], "prompt")) split_bracketed_negative(*t, r);
    }
    r.seed = json_int(img, "seed");
    if (auto s = json_int32(img, "steps")) r.steps = s;
    r.cfg_scale = json_number(img, "cfg_scale");
    r.sampler = json_string(img, "sampler");
    if (auto w = json_int32(img, "width")) r.requested_width = w;
    if (auto h = json_int32(img, "height")) r.requested_height = h;
  }
  return r;
}

// "a cat [ugly]" -s 50 -S 2980747362 -W 512 -H 768 -C 5 -A k_lms
Record read_dream(const std::string& text) {
  Record r;
  std::string rest = text;
  if (!rest.empty() && rest[0] == '"') {
    size_t close = rest.find('"', 1);
    if (close != std::string::npos) {
      split_bracketed_negative(rest.substr(1, close - 1), r);
      rest = rest.substr(close + 1);
    }
  }
  for (size_t i = 0; i + 1 < rest.size(); ++i) {
    if (rest[i] != '-' || (i > 0 && rest[i - 1] != ' ')) continue;
    char flag = rest[i + 1];
    size_t v = rest.find_first_not_of(' ', i + 2);
    if (v == std::string::npos) break;
    size_t end = rest.find(' ', v);
    std::string value = rest.substr(v, end == std::string::npos ? std::string::npos : end - v);
    nlohmann::json jv = value;
    switch (flag) {
      case 's': if (auto n = json_to_int32(jv)) r.steps = n; break;
      case 'S': r.seed = json_to_int(jv); break;
      case 'W': if (auto n = json_to_int32(jv)) r.requested_width = n; break;
      case 'H': if (auto n = json_to_int32(jv)) r.requested_height = n; break;
      case 'C': r.cfg_scale = json_to_number(jv); break;
      case 'A': r.sampler = value; break;
      default: break;
    }
  }
  return r;
}

}  // namespace

bool detect_invokeai(const FileMetadata& meta) {
  return find_text(meta, "invokeai_metadata") || find_text(meta, "sd-metadata") || find_text(meta, "Dream");
}

Result<Record> read_invokeai(const FileMetadata& meta) {
  Result<Record> r = make_error("no InvokeAI metadata");
  if (const std::string* v3 = text_of(meta, "invokeai_metadata")) r = read_v3(*v3);
  else if (const std::string* v2 = text_of(meta, "sd-metadata")) r = read_v2(*v2);
  else r = read_dream(*text_of(meta, "Dream"));
  if (r) r->tool = "invokeai";
  return r;
}

}  // namespace provena
