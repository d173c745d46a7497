// provena-gui: the desktop app, a GLFW window with ImGui's OpenGL 3 renderer over the
// panels in this folder. `provena gui` runs it.
//   provena-gui [--library DIR] [--query Q] [--tab library|generate|templates|import|statistics] [--select ID]
//               [--size WxH] [--screenshot FILE [--frames N]]
// --screenshot renders until the background work has settled (at least N frames), saves the
// window as PNG and exits: how the docs' screenshots are made and how tests see a real window.
#define GL_GLEXT_PROTOTYPES
#include <GL/gl.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "app/gui/panels.h"
#include "app/library/library.h"
#include "app/library/models.h"
#include "core/file_io.h"
#include "core/png.h"

namespace {

using namespace provena;
using namespace provena::gui;

// Fonts with Chinese and Japanese glyphs, so prompts in them render (Debian fonts-noto-cjk).
constexpr const char* kCjkFonts[] = {
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
};
constexpr float kFontSize = 17.0f;
constexpr double kSettleSeconds = 20;  // a screenshot waits at most this long for background work

// Every CJK ideograph (prompts use rare ones too: the "common" subsets lack 咪), kana and
// Hangul syllables; built once into the font atlas at start.
const ImWchar* cjk_ranges(ImGuiIO& io) {
  static ImVector<ImWchar> ranges;  // ImGui keeps the pointer for the atlas' lifetime
  if (ranges.empty()) {
    ImFontGlyphRangesBuilder b;
    b.AddRanges(io.Fonts->GetGlyphRangesChineseFull());
    b.AddRanges(io.Fonts->GetGlyphRangesJapanese());
    b.AddRanges(io.Fonts->GetGlyphRangesKorean());
    b.BuildRanges(&ranges);
  }
  return ranges.Data;
}

class GlTextures : public TextureUploader {
 public:
  void* upload(const Image& rgba) override {
    GLuint id = 0;
    glGenTextures(1, &id);
    glBindTexture(GL_TEXTURE_2D, id);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, rgba.width, rgba.height, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba.pixels.data());
    return reinterpret_cast<void*>(static_cast<uintptr_t>(id));
  }
  void release(void* texture) override {
    GLuint id = static_cast<GLuint>(reinterpret_cast<uintptr_t>(texture));
    glDeleteTextures(1, &id);
  }
};

struct Options {
  std::string library, query, tab = "library", screenshot;
  std::string import_path;  // import this folder (or file) at start
  std::string edit_template;  // open this template in the Templates tab
  std::string model;          // open the Generate tab with this model (folder or checkpoint)
  int64_t select = 0;
  int width = 1400, height = 860, frames = 10;
};

int usage() {
  std::fprintf(stderr,
               "usage: provena-gui [--library DIR] [--query Q] [--tab library|generate|templates|import|statistics] [--select ID]\n"
               "                   [--import PATH] [--template NAME] [--model PATH] [--size WxH] [--screenshot FILE [--frames N]]\n");
  return 2;
}

bool save_screenshot(GLFWwindow* window, const std::string& path) {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window, &w, &h);
  Image img;
  img.width = w;
  img.height = h;
  img.channels = 3;
  std::vector<uint8_t> flipped(static_cast<size_t>(w) * h * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, flipped.data());
  img.pixels.resize(flipped.size());
  for (int y = 0; y < h; ++y)  // OpenGL's rows run bottom-up
    std::copy_n(&flipped[static_cast<size_t>(h - 1 - y) * w * 3], static_cast<size_t>(w) * 3, &img.pixels[static_cast<size_t>(y) * w * 3]);
  auto png = encode_png(img, {{"Software", "provena-gui"}});
  if (!png) return std::fprintf(stderr, "provena-gui: %s\n", png.error().message.c_str()), false;
  if (auto st = write_file_atomic(path, *png); !st) return std::fprintf(stderr, "provena-gui: %s\n", st.error().message.c_str()), false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool tab_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    const char* v = argv[++i];
    if (a == "--library") o.library = v;
    else if (a == "--query") o.query = v;
    else if (a == "--tab") o.tab = v, tab_given = true;
    else if (a == "--import") o.import_path = v, o.tab = tab_given ? o.tab : "import";
    else if (a == "--template") o.edit_template = v, o.tab = tab_given ? o.tab : "templates";
    else if (a == "--select") o.select = std::atoll(v);
    else if (a == "--model") o.model = v, o.tab = tab_given ? o.tab : "generate";
    else if (a == "--screenshot") o.screenshot = v;
    else if (a == "--frames") o.frames = std::atoi(v);
    else if (a == "--size") {
      if (std::sscanf(v, "%dx%d", &o.width, &o.height) != 2 || o.width < 200 || o.height < 200) return usage();
    } else {
      return usage();
    }
  }
  if (o.tab != "library" && o.tab != "statistics" && o.tab != "generate" && o.tab != "templates" && o.tab != "import")
    return usage();
  const std::string library = resolve_library_dir(o.library);
  // A new library opens on the Import tab: nothing is written until something is imported.
  const bool fresh = !std::filesystem::exists(catalog_path(library));
  if (fresh && !tab_given) o.tab = "import";


  glfwSetErrorCallback([](int code, const char* text) { std::fprintf(stderr, "provena-gui: GLFW error %d: %s\n", code, text); });
  if (!glfwInit()) {
    std::fprintf(stderr, "provena-gui: cannot open a window (no display? set DISPLAY, or run under xvfb-run)\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  GLFWwindow* window = glfwCreateWindow(o.width, o.height, "Provena", nullptr, nullptr);
  if (!window) {
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);

  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is fixed; nothing to remember between runs
  ImGui::StyleColorsDark();
  bool font = false;
  for (const char* path : kCjkFonts)
    if (!font && std::filesystem::exists(path))
      font = io.Fonts->AddFontFromFileTTF(path, kFontSize, nullptr, cjk_ranges(io)) != nullptr;
  if (!font) io.Fonts->AddFontDefault();  // Latin only: CJK prompts show as '?'
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 130");

  int exit_code = 0;
  {
    GlTextures textures;
    Session session(library);
    ThumbnailCache thumbnails(library + "/thumbs", &textures);
    Services services{session, &thumbnails};
    AppState state;
    state.library_dir = library;
    state.search.text = o.query;
    session.search(state, o.query);
    if (o.select > 0) session.show_detail(state, o.select);
    if (o.tab == "statistics") state.tab_request = Tab::kStatistics;
    if (o.tab == "generate") state.tab_request = Tab::kGenerate;
    if (o.tab == "templates") state.tab_request = Tab::kTemplates;
    if (o.tab == "import") state.tab_request = Tab::kImport;
    if (!o.import_path.empty()) {
      state.import.folder = o.import_path;
      session.import(state, {o.import_path});
    }
    state.templates.selected = o.edit_template;  // loaded into the editor with the list
    if (!o.model.empty()) {
      const std::string path = std::filesystem::absolute(o.model).lexically_normal().string();
      choose_model(state.generate, path, model_family_at(path).value_or("tiny-flow"));
    }

    const auto start = std::chrono::steady_clock::now();
    int frame = 0, settled_frames = 0;
    while (!glfwWindowShouldClose(window)) {
      glfwPollEvents();
      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      ImGui::NewFrame();
      draw_app(state, services);
      ImGui::Render();
      int w = 0, h = 0;
      glfwGetFramebufferSize(window, &w, &h);
      glViewport(0, 0, w, h);
      glClearColor(0.08f, 0.08f, 0.09f, 1);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
      ++frame;
      if (!o.screenshot.empty()) {
        const bool busy = !session.idle() || thumbnails.pending() > 0 || state.gallery.loading || state.detail.loading ||
                          state.stats.loading || state.import.running || state.templates.loading;
        settled_frames = busy ? 0 : settled_frames + 1;
        const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if ((frame >= o.frames && settled_frames >= 3) || waited > kSettleSeconds) {
          exit_code = save_screenshot(window, o.screenshot) ? 0 : 1;
          break;
        }
        if (busy) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      glfwSwapBuffers(window);
    }
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_code;
}
