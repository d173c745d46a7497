#include "core/xmp.h"

#include <exiv2/exiv2.hpp>
#include <nlohmann/json.hpp>

#include <mutex>

#include "core/infotext.h"

namespace provena {
namespace {

// exiv2's XMP toolkit keeps global state (the namespace registry, the SDK itself); all
// access goes through one lock. XMP work is never on a hot path.
std::mutex& xmp_mutex() {
  static std::mutex m;
  return m;
}

void ensure_namespaces() {
  static std::once_flag once;
  std::call_once(once, [] {
    Exiv2::XmpParser::initialize();
    Exiv2::XmpProperties::registerNs(kTc260Namespace, "TC260");
    Exiv2::XmpProperties::registerNs(kProvenaXmpNamespace, "provena");
  });
}

}  // namespace

std::string AigcLabel::to_json() const {
  nlohmann::ordered_json j;
  j["Label"] = label;
  j["ContentProducer"] = content_producer;
  j["ProduceID"] = produce_id;
  j["ReservedCode1"] = reserved_code1;
  j["ContentPropagator"] = content_propagator;
  j["PropagateID"] = propagate_id;
  j["ReservedCode2"] = reserved_code2;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<std::string> build_provenance_xmp(const Record& r, const AigcLabel& label) {
  std::lock_guard lock(xmp_mutex());
  ensure_namespaces();
  try {
    Exiv2::XmpData xmp;
    if (r.prompt) {
      Exiv2::LangAltValue desc;
      desc.read("lang=\"x-default\" " + *r.prompt);
      xmp.add(Exiv2::XmpKey("Xmp.dc.description"), &desc);
    }
    xmp["Xmp.xmp.CreatorTool"] = "Provena " + r.system.app_version.value_or(PROVENA_VERSION);
    if (r.created_at) xmp["Xmp.xmp.CreateDate"] = *r.created_at;
    xmp["Xmp.iptcExt.DigitalSourceType"] = kDigitalSourceTrained;
    xmp["Xmp.TC260.AIGC"] = label.to_json();
    xmp["Xmp.provena.RecordVersion"] = "1";
    if (r.seed) xmp["Xmp.provena.Seed"] = std::to_string(*r.seed);
    if (r.steps) xmp["Xmp.provena.Steps"] = std::to_string(*r.steps);
    if (r.cfg_scale) xmp["Xmp.provena.CFGScale"] = format_decimal(*r.cfg_scale);
    if (r.sampler) xmp["Xmp.provena.Sampler"] = *r.sampler;
    if (r.scheduler) xmp["Xmp.provena.Scheduler"] = *r.scheduler;
    if (r.model) xmp["Xmp.provena.Model"] = *r.model;
    if (r.model_sha256) xmp["Xmp.provena.ModelSHA256"] = *r.model_sha256;
    if (r.noise_source) xmp["Xmp.provena.NoiseSource"] = *r.noise_source;
    if (r.negative_prompt) xmp["Xmp.provena.NegativePrompt"] = *r.negative_prompt;
    if (r.pixel_hash) xmp["Xmp.provena.PixelHash"] = *r.pixel_hash;
    std::string packet;
    if (Exiv2::XmpParser::encode(packet, xmp, Exiv2::XmpParser::useCompactFormat) != 0)
      return make_error("exiv2 could not serialize the XMP packet");
    return packet;
  } catch (const std::exception& e) {
    return make_error(std::string("exiv2: ") + e.what());
  }
}

Result<XmpFacts> read_xmp(std::string_view packet) {
  std::lock_guard lock(xmp_mutex());
  ensure_namespaces();
  try {
    Exiv2::XmpData xmp;
    if (Exiv2::XmpParser::decode(xmp, std::string(packet)) != 0) return make_error("XMP packet does not parse");
    XmpFacts f;
    for (const auto& d : xmp) {
      const std::string key = d.key();
      f.all[key] = d.toString();
      if (key == "Xmp.dc.description") {
        auto* v = dynamic_cast<const Exiv2::LangAltValue*>(&d.value());
        if (v && !v->value_.empty()) {
          auto it = v->value_.find("x-default");
          f.description = it != v->value_.end() ? it->second : v->value_.begin()->second;
        } else {
          f.description = d.toString();
        }
      } else if (key == "Xmp.xmp.CreatorTool") {
        f.creator_tool = d.toString();
      } else if (key == "Xmp.xmp.CreateDate") {
        f.create_date = d.toString();
      } else if (key == "Xmp.iptcExt.DigitalSourceType") {
        f.digital_source_type = d.toString();
      } else if (key == "Xmp.TC260.AIGC") {
        f.aigc = d.toString();
      } else if (key.rfind("Xmp.provena.", 0) == 0) {
        f.provena[key.substr(12)] = d.toString();
      }
    }
    return f;
  } catch (const std::exception& e) {
    return make_error(std::string("exiv2: ") + e.what());
  }
}

}  // namespace provena
