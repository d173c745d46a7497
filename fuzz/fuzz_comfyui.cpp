// libFuzzer target: ComfyUI graphs, the API `prompt` graph and the UI `workflow` graph,
// from the same bytes (each refuses what is not its shape).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "importers/comfyui.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)provena::read_comfyui_prompt_graph(text);
  (void)provena::read_comfyui_workflow(text);
  return 0;
}
