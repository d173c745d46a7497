// The GUI's panels, one file each, drawn into the current ImGui frame from AppState. They
// read state and push requests to the session; none waits for a result. Tests drive them
// without a window (tests/gui).
#pragma once

#include "app/gui/gui_state.h"
#include "app/gui/session.h"
#include "app/gui/thumbnails.h"

namespace provena::gui {

struct Services {
  Session& session;
  ThumbnailCache* thumbnails = nullptr;  // none: the gallery draws placeholders
};

// One frame of the whole app in the main viewport: applies finished background work,
// then draws the tab bar and the panels of the current tab. With `text`, every piece of
// text the frame draws is appended to it (through ImGui's log, which also draws lists
// unclipped): how headless tests see what a user would read.
void draw_app(AppState& state, Services& services, std::string* text = nullptr);

void panel_search(AppState& state, Services& services);
void panel_gallery(AppState& state, Services& services);
void panel_detail(AppState& state, Services& services);
void panel_stats(AppState& state, Services& services);
void panel_generate(AppState& state, Services& services);
// Picks the model the Generate tab uses ("" = the embedded one); a change of family sets
// its defaults (tiny-flow: 8 steps at guidance 2; SD 1.x: 20 at 7, as A1111).
void choose_model(GenerateState& g, const std::string& path, const std::string& family);
void panel_templates(AppState& state, Services& services);
void panel_import(AppState& state, Services& services);
// The Library tab's filter sidebar: tool, model, sampler, size and date choices that write
// their terms into the search text.
void panel_filters(AppState& state, Services& services);

// A template's text with its slots, choices, wildcards and errors in colour, wrapped.
void draw_template_text(const std::string& text);

// An ImGui context for drawing without a window or renderer (tests, benchmarks): the
// display size set, fonts built, ini file off.
void create_headless_context(float width, float height);
void destroy_headless_context();
// One frame in that context (NewFrame, draw_app, Render) with this mouse position and
// wheel movement; `text` as for draw_app.
struct FrameInput {
  float mouse_x = -1, mouse_y = -1;  // -1: no mouse
  float wheel = 0;                   // notches, negative scrolls down
};
void headless_frame(AppState& state, Services& services, const FrameInput& input = {}, std::string* text = nullptr);

// Seconds after the last keystroke before a live search runs.
inline constexpr double kSearchDebounce = 0.15;

}  // namespace provena::gui
