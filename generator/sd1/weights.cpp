#include "generator/sd1/weights.h"

#include "core/json_shape.h"

namespace provena::sd1 {

Status load_module(torch::nn::Module& module, const SafetensorsFile& file, const std::string& prefix,
                   const std::function<std::string(const std::string&)>& rename) {
  torch::NoGradGuard no_grad;
  std::vector<std::string> missing, misshapen;
  for (auto& item : module.named_parameters()) {
    const std::string key = rename ? rename(prefix + item.key()) : prefix + item.key();
    const TensorInfo* t = file.find(key);
    if (!t) {
      missing.push_back(key);
      continue;
    }
    // Tensors stored as (C, C, 1, 1) convolutions load into (C, C) linear layers and back.
    if (t->elements() != item.value().numel()) {
      misshapen.push_back(key);
      continue;
    }
    auto v = file.read_f32(*t);
    if (!v) return v.error();
    item.value().copy_(torch::from_blob(v->data(), item.value().sizes(), torch::kFloat32));
  }
  auto list = [](const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size() && i < 5; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > 5) out += ", ... (" + std::to_string(names.size()) + " in all)";
    return out;
  };
  if (!missing.empty()) return make_error(file.path() + ": missing " + list(missing));
  if (!misshapen.empty()) return make_error(file.path() + ": wrong shape for this configuration: " + list(misshapen));
  return Ok{};
}

Result<nlohmann::json> parse_config(std::string_view text, const std::string& what) {
  if (auto problem = json_shape_error(text, 16, 1u << 20)) return make_error(what + ": " + *problem);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return make_error(what + ": not a JSON object");
  return j;
}

std::vector<std::string> names_under(const SafetensorsFile& file, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& t : file.tensors())
    if (t.name.compare(0, prefix.size(), prefix) == 0) out.push_back(t.name.substr(prefix.size()));
  return out;
}

Result<std::vector<int64_t>> shape_of(const SafetensorsFile& file, const std::string& name) {
  const TensorInfo* t = file.find(name);
  if (!t) return make_error(file.path() + ": no tensor " + name);
  return t->shape;
}

}  // namespace provena::sd1
