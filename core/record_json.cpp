#include "core/record_json.h"

#include <nlohmann/json.hpp>

#include "core/limits.h"

namespace provena {
namespace {

using ojson = nlohmann::ordered_json;

template <typename T>
void put(ojson& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

template <typename T>
void get(const ojson& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  out = it->template get<T>();
}

ojson c2pa_to_json(const C2paClaim& claim) {
  ojson c;
  c["claim_generator"] = claim.claim_generator;
  c["digital_source_type"] = claim.digital_source_type ? ojson(*claim.digital_source_type) : ojson(nullptr);
  c["actions"] = claim.actions;
  return c;
}

bool same_double(const std::optional<double>& a, const std::optional<double>& b) { return a == b; }

}  // namespace

bool Record::same_fields(const Record& o) const {
  return tool == o.tool && prompt == o.prompt && negative_prompt == o.negative_prompt && seed == o.seed &&
         steps == o.steps && same_double(cfg_scale, o.cfg_scale) && sampler == o.sampler &&
         scheduler == o.scheduler && model == o.model && model_hash == o.model_hash &&
         model_family == o.model_family && model_sha256 == o.model_sha256 &&
         requested_width == o.requested_width && requested_height == o.requested_height &&
         noise_source == o.noise_source && created_at == o.created_at && system == o.system &&
         performance == o.performance && pixel_hash == o.pixel_hash && template_use == o.template_use && c2pa == o.c2pa &&
         digital_source_type == o.digital_source_type && aigc_label == o.aigc_label &&
         extra == o.extra;
}

std::string record_to_json(const Record& r, int indent) {
  ojson j;
  j["format"] = "provena";
  j["version"] = kRecordFormatVersion;
  j["tool"] = r.tool;
  ojson model = ojson::object();
  put(model, "name", r.model);
  put(model, "family", r.model_family);
  put(model, "sha256", r.model_sha256);
  put(model, "hash", r.model_hash);
  j["model"] = model;
  ojson g = ojson::object();
  put(g, "prompt", r.prompt);
  put(g, "negative_prompt", r.negative_prompt);
  put(g, "width", r.requested_width);
  put(g, "height", r.requested_height);
  put(g, "steps", r.steps);
  put(g, "cfg_scale", r.cfg_scale);
  put(g, "seed", r.seed);
  put(g, "sampler", r.sampler);
  put(g, "scheduler", r.scheduler);
  put(g, "noise_source", r.noise_source);
  j["generation"] = g;
  ojson sys = ojson::object();
  put(sys, "app_version", r.system.app_version);
  put(sys, "torch_version", r.system.torch_version);
  put(sys, "device", r.system.device);
  put(sys, "gpu_name", r.system.gpu_name);
  put(sys, "cuda", r.system.cuda);
  j["system"] = sys;
  ojson perf = ojson::object();
  put(perf, "generation_time", r.performance.seconds);
  put(perf, "memory_usage_mb", r.performance.peak_memory_mb);
  j["performance"] = perf;
  put(j, "created_at", r.created_at);
  put(j, "pixel_hash", r.pixel_hash);
  if (r.template_use) {
    ojson t;
    t["id"] = r.template_use->id;
    put(t, "version", r.template_use->version);
    t["slots"] = r.template_use->slots;
    j["template"] = t;
  }
  if (r.c2pa) j["c2pa"] = c2pa_to_json(*r.c2pa);
  put(j, "digital_source_type", r.digital_source_type);
  put(j, "aigc_label", r.aigc_label);
  if (!r.extra.empty()) {
    ojson extra = ojson::array();
    for (const auto& [k, v] : r.extra) extra.push_back(ojson::array({k, v}));
    j["extra"] = extra;
  }
  return j.dump(indent, ' ', false, ojson::error_handler_t::replace);
}

Result<Record> record_from_json(std::string_view text) {
  ojson j;
  try {
    // The callback sees every nesting level; refuse absurd depth before it costs stack.
    j = ojson::parse(text, [](int depth, ojson::parse_event_t, ojson&) {
      if (depth > limits::kMaxJsonDepth) throw std::runtime_error("JSON nested too deeply");
      return true;
    });
  } catch (const std::exception& e) {
    return make_error(std::string("invalid JSON record: ") + e.what());
  }
  try {
    if (!j.is_object() || j.value("format", "") != "provena")
      return make_error("not a Provena record (missing \"format\": \"provena\")");
    int version = j.value("version", 0);
    if (version < 1) return make_error("Provena record has no valid version");
    if (version > kRecordFormatVersion)
      return make_error("Provena record version " + std::to_string(version) + " is newer than this build reads (" +
                        std::to_string(kRecordFormatVersion) + "); upgrade Provena");
    Record r;
    r.tool = j.value("tool", "provena");
    static const ojson kEmpty = ojson::object();
    const ojson& model = j.contains("model") ? j["model"] : kEmpty;
    get(model, "name", r.model);
    get(model, "family", r.model_family);
    get(model, "sha256", r.model_sha256);
    get(model, "hash", r.model_hash);
    const ojson& g = j.contains("generation") ? j["generation"] : kEmpty;
    get(g, "prompt", r.prompt);
    get(g, "negative_prompt", r.negative_prompt);
    get(g, "width", r.requested_width);
    get(g, "height", r.requested_height);
    get(g, "steps", r.steps);
    get(g, "cfg_scale", r.cfg_scale);
    get(g, "seed", r.seed);
    get(g, "sampler", r.sampler);
    get(g, "scheduler", r.scheduler);
    get(g, "noise_source", r.noise_source);
    const ojson& sys = j.contains("system") ? j["system"] : kEmpty;
    get(sys, "app_version", r.system.app_version);
    get(sys, "torch_version", r.system.torch_version);
    get(sys, "device", r.system.device);
    get(sys, "gpu_name", r.system.gpu_name);
    get(sys, "cuda", r.system.cuda);
    const ojson& perf = j.contains("performance") ? j["performance"] : kEmpty;
    get(perf, "generation_time", r.performance.seconds);
    get(perf, "memory_usage_mb", r.performance.peak_memory_mb);
    get(j, "created_at", r.created_at);
    get(j, "pixel_hash", r.pixel_hash);
    if (auto t = j.find("template"); t != j.end() && t->is_object()) {
      TemplateUse use;
      use.id = t->value("id", "");
      get(*t, "version", use.version);
      if (auto s = t->find("slots"); s != t->end()) use.slots = s->get<std::map<std::string, std::string>>();
      r.template_use = std::move(use);
    }
    if (auto c = j.find("c2pa"); c != j.end() && c->is_object()) {
      C2paClaim claim;
      claim.claim_generator = c->value("claim_generator", "");
      get(*c, "digital_source_type", claim.digital_source_type);
      if (auto a = c->find("actions"); a != c->end()) claim.actions = a->get<std::vector<std::string>>();
      r.c2pa = std::move(claim);
    }
    get(j, "digital_source_type", r.digital_source_type);
    get(j, "aigc_label", r.aigc_label);
    if (auto e = j.find("extra"); e != j.end() && e->is_array())
      for (const auto& kv : *e) r.extra.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
    return r;
  } catch (const std::exception& e) {
    return make_error(std::string("Provena record has a field of the wrong type: ") + e.what());
  }
}

std::string contract_json(const Record* r, const ContractFields& f, int indent) {
  ojson j;
  if (f.id) j["id"] = *f.id;
  j["path"] = f.path ? ojson(*f.path) : ojson(nullptr);
  auto opt = [](const auto& v) { return v ? ojson(*v) : ojson(nullptr); };
  j["tool"] = r ? ojson(r->tool) : ojson(nullptr);
  j["prompt"] = r ? opt(r->prompt) : nullptr;
  j["negative_prompt"] = r ? opt(r->negative_prompt) : nullptr;
  j["seed"] = r ? opt(r->seed) : nullptr;
  j["steps"] = r ? opt(r->steps) : nullptr;
  j["cfg_scale"] = r ? opt(r->cfg_scale) : nullptr;
  j["sampler"] = r ? opt(r->sampler) : nullptr;
  j["scheduler"] = r ? opt(r->scheduler) : nullptr;
  j["model"] = r ? opt(r->model) : nullptr;
  j["model_hash"] = r ? opt(r->model_hash) : nullptr;
  j["width"] = f.image ? ojson(f.image->width) : ojson(nullptr);
  j["height"] = f.image ? ojson(f.image->height) : ojson(nullptr);
  j["requested_width"] = r ? opt(r->requested_width) : nullptr;
  j["requested_height"] = r ? opt(r->requested_height) : nullptr;
  j["noise_source"] = r ? opt(r->noise_source) : nullptr;
  j["created_at"] = r ? opt(r->created_at) : nullptr;
  if (r && r->c2pa) {
    ojson c = c2pa_to_json(*r->c2pa);
    c["verified"] = false;  // signatures and hashes are not checked: an unverified claim
    j["c2pa"] = c;
  } else {
    j["c2pa"] = nullptr;
  }
  j["digital_source_type"] = r ? opt(r->digital_source_type) : nullptr;
  j["aigc_label"] = r ? opt(r->aigc_label) : nullptr;
  if (f.content_hash) j["content_hash"] = *f.content_hash;
  if (f.pixel_hash) j["pixel_hash"] = *f.pixel_hash;
  if (r && !r->extra.empty()) {
    ojson extra = ojson::object();
    for (const auto& [k, v] : r->extra) extra[k] = v;
    j["extra"] = extra;
  }
  j["error"] = opt(f.error);
  return j.dump(indent, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace provena
