// Where ComfyUI (and its custom save nodes) put the graphs (../shared/FORMATS.md section 4):
// - PNG: text `prompt` (API graph) and `workflow` (UI graph); animated PNG: `comf` chunks;
// - WebP/JPEG, official: EXIF Model = "prompt:" + JSON, Make = "workflow:" + JSON;
// - "Save Image Extended": Make = "Prompt: {...}", ImageDescription = "Workflow: {...}";
// - SaveImage-Plus: UserComment = {"prompt": ..., "workflow": ...}.
// The graph logic itself is in comfyui.cpp.
#include "importers/comfyui.h"
#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {
namespace {

// The JSON texts, empty when absent: views into the file's texts (no copies of 10-60 KiB
// graphs), or into the owned strings when they came out of a JSON container
// (SaveImage-Plus). Not copyable: the views may point into the object itself.
struct Graphs {
  std::string_view prompt, workflow;
  std::string owned_prompt, owned_workflow;
  Graphs() = default;
  Graphs(const Graphs&) = delete;
  Graphs& operator=(const Graphs&) = delete;
};

// "prompt:{...}" or "Prompt: {...}" → the JSON after the label, else empty.
std::string_view after_label(const std::string* text, std::string_view label) {
  if (!text || text->size() <= label.size()) return {};
  for (size_t i = 0; i < label.size(); ++i)
    if (std::tolower(static_cast<unsigned char>((*text)[i])) != label[i]) return {};
  std::string_view rest = std::string_view(*text).substr(label.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return looks_like_json_object(rest) ? rest : std::string_view();
}

void find_graphs(const FileMetadata& meta, Graphs& g) {
  if (const std::string* p = text_of(meta, "prompt"); p && looks_like_json_object(*p)) g.prompt = *p;
  if (const std::string* w = text_of(meta, "workflow"); w && looks_like_json_object(*w)) g.workflow = *w;
  for (const char* key : {"exif:Model", "exif:Make", "exif:ImageDescription", "exif:DocumentName"}) {
    const std::string* t = text_of(meta, key);
    if (g.prompt.empty()) g.prompt = after_label(t, "prompt:");
    if (g.workflow.empty()) g.workflow = after_label(t, "workflow:");
  }
  if (g.prompt.empty() && g.workflow.empty()) {
    const std::string* c = text_of(meta, "exif:UserComment");
    if (c && looks_like_json_object(*c) && c->find("\"prompt\"") != std::string::npos) {
      if (auto j = parse_json_bounded(comfyui_json_tolerant(*c)); j && j->is_object()) {
        auto take = [&](const char* key, std::string& out, std::string_view& view) {
          auto it = j->find(key);
          if (it == j->end()) return;
          if (it->is_object()) out = it->dump();
          else if (it->is_string() && looks_like_json_object(it->get_ref<const std::string&>())) out = it->get<std::string>();
          view = out;
        };
        take("prompt", g.owned_prompt, g.prompt);
        take("workflow", g.owned_workflow, g.workflow);
      }
    }
  }
}

}  // namespace

bool detect_comfyui(const FileMetadata& meta) {
  Graphs g;
  find_graphs(meta, g);
  return !g.prompt.empty() || !g.workflow.empty();
}

Result<Record> read_comfyui(const FileMetadata& meta) {
  Graphs g;
  find_graphs(meta, g);
  Result<Record> r = make_error("no ComfyUI graph");
  if (!g.prompt.empty()) r = read_comfyui_prompt_graph(g.prompt);
  if ((!r || !r->prompt) && !g.workflow.empty()) {
    auto from_workflow = read_comfyui_workflow(g.workflow);
    if (from_workflow || !r) r = std::move(from_workflow);
  }
  if (r) r->tool = "comfyui";
  return r;
}

}  // namespace provena
