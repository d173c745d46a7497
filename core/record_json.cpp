#include "core/record_json.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <stdexcept>
#include <type_traits>

#include "core/json_shape.h"
#include "core/json_writer.h"
#include "core/limits.h"

namespace provena {
namespace {

using ojson = nlohmann::ordered_json;

// A JSON value as T, refusing what does not fit: nlohmann's get<int>() on a float or an
// out-of-range integer is undefined behaviour (found by fuzzing: "height": 2.2e20).
template <typename T>
T checked(const ojson& v) {
  if constexpr (std::is_integral_v<T>) {
    if (v.is_number_integer()) {
      int64_t n = v.get<int64_t>();
      if (n >= std::numeric_limits<T>::min() && n <= std::numeric_limits<T>::max()) return static_cast<T>(n);
    } else if (v.is_number_unsigned()) {
      uint64_t n = v.get<uint64_t>();
      if (n <= static_cast<uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(n);
    }
    throw std::out_of_range("expected an integer that fits, got " + v.dump());
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) throw std::invalid_argument("expected a number, got " + v.dump());
    return v.get<T>();
  } else {
    return v.get<T>();
  }
}

template <typename T>
void get(const ojson& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  out = checked<T>(*it);
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

namespace {

// Writes `key: value` for a present optional; absent values are omitted.
template <typename T>
void put(JsonWriter& w, const char* key, const std::optional<T>& v) {
  if (v) w.key(key).value(*v);
}

// A nested object written only when at least one of its values is present.
template <typename... Fields>
void put_object(JsonWriter& w, const char* key, const Fields&... fields) {
  if (!(fields.second.has_value() || ...)) return;
  w.key(key).begin_object();
  (put(w, fields.first, fields.second), ...);
  w.end_object();
}

template <typename T>
std::pair<const char*, const std::optional<T>&> f(const char* k, const std::optional<T>& v) { return {k, v}; }

}  // namespace

std::string record_to_json(const Record& r, int indent, RecordParts parts) {
  const bool all = parts == RecordParts::kAll;
  if (!all && !r.model_family && !r.model_sha256 && !r.noise_source && r.system == SystemInfo{} &&
      r.performance == PerformanceInfo{} && !r.pixel_hash && !r.template_use && !r.c2pa && !r.digital_source_type &&
      !r.aigc_label && r.extra.empty())
    return {};
  std::string out;
  out.reserve(512 + r.prompt.value_or("").size() + r.negative_prompt.value_or("").size());
  JsonWriter w(out);
  w.begin_object();
  w.key("format").value("provena");
  w.key("version").value(kRecordFormatVersion);
  w.key("tool").value(r.tool);
  const std::optional<std::string> none;
  put_object(w, "model", f("name", all ? r.model : none), f("family", r.model_family), f("sha256", r.model_sha256),
             f("hash", all ? r.model_hash : none));
  if (all) {
    put_object(w, "generation", f("prompt", r.prompt), f("negative_prompt", r.negative_prompt),
               f("width", r.requested_width), f("height", r.requested_height), f("steps", r.steps),
               f("cfg_scale", r.cfg_scale), f("seed", r.seed), f("sampler", r.sampler), f("scheduler", r.scheduler),
               f("noise_source", r.noise_source));
  } else {
    put_object(w, "generation", f("noise_source", r.noise_source));
  }
  put_object(w, "system", f("app_version", r.system.app_version), f("torch_version", r.system.torch_version),
             f("device", r.system.device), f("gpu_name", r.system.gpu_name), f("cuda", r.system.cuda));
  put_object(w, "performance", f("generation_time", r.performance.seconds),
             f("memory_usage_mb", r.performance.peak_memory_mb));
  if (all) put(w, "created_at", r.created_at);
  put(w, "pixel_hash", r.pixel_hash);
  if (r.template_use) {
    w.key("template").begin_object();
    w.key("id").value(r.template_use->id);
    put(w, "version", r.template_use->version);
    w.key("slots").begin_object();
    for (const auto& [k, v] : r.template_use->slots) w.key(k).value(v);
    w.end_object().end_object();
  }
  if (r.c2pa) {
    w.key("c2pa").begin_object();
    w.key("claim_generator").value(r.c2pa->claim_generator);
    w.key("digital_source_type");
    if (r.c2pa->digital_source_type) w.value(*r.c2pa->digital_source_type);
    else w.null();
    w.key("actions").begin_array();
    for (const auto& a : r.c2pa->actions) w.value(a);
    w.end_array().end_object();
  }
  put(w, "digital_source_type", r.digital_source_type);
  put(w, "aigc_label", r.aigc_label);
  if (!r.extra.empty()) {
    w.key("extra").begin_array();
    for (const auto& [k, v] : r.extra) w.begin_array().value(k).value(v).end_array();
    w.end_array();
  }
  w.end_object();
  if (indent < 0) return out;
  return ojson::parse(out).dump(indent, ' ', false, ojson::error_handler_t::replace);
}

Result<Record> record_from_json(std::string_view text) {
  if (auto problem = json_shape_error(text, limits::kMaxJsonDepth, limits::kMaxJsonValues))
    return make_error("invalid JSON record: " + *problem);
  ojson j;
  try {
    j = ojson::parse(text);
  } catch (const std::exception& e) {
    return make_error(std::string("invalid JSON record: ") + e.what());
  }
  try {
    if (!j.is_object() || j.value("format", "") != "provena")
      return make_error("not a Provena record (missing \"format\": \"provena\")");
    std::optional<int> version_field;
    get(j, "version", version_field);
    int version = version_field.value_or(0);
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
  j["model_family"] = r ? opt(r->model_family) : nullptr;
  j["model_sha256"] = r ? opt(r->model_sha256) : nullptr;
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
  // Computed by the library when known, else as Provena recorded it when writing the file.
  if (f.pixel_hash) j["pixel_hash"] = *f.pixel_hash;
  else if (r && r->pixel_hash) j["pixel_hash"] = *r->pixel_hash;
  if (r && !r->extra.empty()) {
    ojson extra = ojson::object();
    for (const auto& [k, v] : r->extra) extra[k] = v;
    j["extra"] = extra;
  }
  j["error"] = opt(f.error);
  if (!f.warnings.empty()) j["warnings"] = f.warnings;
  return j.dump(indent, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace provena
