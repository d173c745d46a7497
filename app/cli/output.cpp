#include "app/cli/output.h"

#include "core/infotext.h"
#include "core/record_json.h"
#include "core/text.h"

namespace provena::cli {

std::string one_line(const std::string& text, size_t max) {
  std::string out;
  size_t count = 0;
  for (size_t i = 0; i < text.size();) {
    size_t start = i;
    char32_t cp = next_code_point(text, i);
    if (count == max) return out + "…";
    if (cp == '\n' || cp == '\r' || cp == '\t') out += ' ';
    else out.append(text, start, i - start);
    ++count;
  }
  return out;
}

namespace {
void field(std::FILE* out, const char* name, const std::string& value) {
  std::fprintf(out, "  %-17s %s\n", name, value.c_str());
}
}  // namespace

void print_entry_text(std::FILE* out, const Entry& e, bool full) {
  const Record& r = e.record;
  std::string path = e.primary_path().value_or("(no file)");
  if (e.id > 0) std::fprintf(out, "#%lld  %s\n", static_cast<long long>(e.id), path.c_str());
  else std::fprintf(out, "%s\n", path.c_str());
  field(out, "tool:", r.tool);
  field(out, "image:", e.image.format + " " + std::to_string(e.image.width) + "x" + std::to_string(e.image.height) +
                           ", " + std::to_string(e.byte_size) + " bytes");
  if (r.prompt) field(out, "prompt:", full ? *r.prompt : one_line(*r.prompt, 200));
  if (r.negative_prompt) field(out, "negative prompt:", full ? *r.negative_prompt : one_line(*r.negative_prompt, 200));
  if (r.seed) field(out, "seed:", std::to_string(*r.seed));
  if (r.steps) field(out, "steps:", std::to_string(*r.steps));
  if (r.cfg_scale) field(out, "cfg scale:", format_decimal(*r.cfg_scale));
  if (r.sampler) field(out, "sampler:", *r.sampler);
  if (r.scheduler) field(out, "scheduler:", *r.scheduler);
  if (r.model) field(out, "model:", *r.model + (r.model_hash ? " [" + *r.model_hash + "]" : ""));
  if (r.requested_width && r.requested_height)
    field(out, "requested size:", std::to_string(*r.requested_width) + "x" + std::to_string(*r.requested_height));
  if (r.noise_source) field(out, "noise source:", *r.noise_source);
  if (r.created_at) field(out, "created:", *r.created_at);
  if (!full) return;
  for (const auto& [k, v] : r.extra) field(out, (k + ":").c_str(), v);
  if (r.system.device) field(out, "device:", *r.system.device);
  if (r.performance.seconds) field(out, "time:", format_decimal(*r.performance.seconds) + " s");
  if (r.performance.peak_memory_mb) field(out, "peak memory:", format_decimal(*r.performance.peak_memory_mb) + " MB");
  field(out, "content hash:", e.content_hash.hex());
  field(out, "pixel hash:", e.pixel_hash ? e.pixel_hash->hex() : "(not computed yet)");
  for (size_t i = 1; i < e.files.size(); ++i)
    field(out, e.files[i].missing ? "missing copy:" : "also at:", e.files[i].path);
  if (!e.files.empty() && e.files[0].missing) field(out, "note:", "the file is missing from disk");
}

std::string entry_json(const Entry& e, int indent) {
  ContractFields f;
  f.id = e.id;
  f.path = e.primary_path();
  f.image = e.image;
  f.content_hash = e.content_hash.hex();
  if (e.pixel_hash) f.pixel_hash = e.pixel_hash->hex();
  return contract_json(&e.record, f, indent);
}

int report_error(const Error& e) {
  std::fprintf(stderr, "provena: %s\n", e.message.c_str());
  return e.message.rfind("query error", 0) == 0 ? 2 : 1;
}

}  // namespace provena::cli
