// The GUI's view state: plain structs, owned by the UI thread, changed by panels (user
// input) and by completions of background work (worker.h). No ImGui types here, so tests
// and the session code read them without a window.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/library/import.h"
#include "app/library/library.h"
#include "core/prompt_template.h"
#include "db/catalog.h"
#include "db/import_folders.h"
#include "db/stats.h"

namespace provena::gui {

enum class Tab { kLibrary, kGenerate, kTemplates, kImport, kStatistics };

struct SearchState {
  std::string text;           // what the search bar holds
  std::string shown;          // the query the gallery shows results for
  std::string drawn;          // `text` as the search bar last drew it (to notice changes from elsewhere)
  std::string error;          // the parser's message for `text`, if it failed
  int error_column = 0;       // 1-based column of the error in `text`, 0 if none
  double edited_at = -1;      // ImGui time of the last edit not yet searched (-1: none)
  bool focus_request = true;  // put the keyboard in the search bar on the next frame
};

struct GalleryItem {
  int64_t id = 0;
  std::string path;           // primary file, "" when every file is missing
  std::string label;          // first words of the prompt, or the file name
  std::optional<int64_t> seed;
  int width = 0, height = 0;
  std::string thumb_key;      // pixel hash (else content hash) in hex: the thumbnail cache key
};

struct GalleryState {
  std::vector<GalleryItem> items;
  std::string next;           // cursor of the next page; "" when all are loaded
  bool loading = false;       // a page request is out
  int64_t generation = 0;     // bumped per new query; stale pages are dropped
  int64_t selected = 0;       // asset id shown in the detail panel (0: none)
  std::set<int64_t> selection;  // multi-select (ctrl/shift click)
  float thumb_size = 128;
  // Filled while drawing: the items the last frame touched (the virtualized rows only).
  std::vector<int64_t> visible;
};

struct DetailState {
  int64_t id = 0;                   // the asset the entry belongs to
  std::optional<Entry> entry;
  std::vector<LineageLink> lineage;
  std::vector<std::string> raw_pretty;  // per entry->record.raw: indented JSON, "" when not JSON
  std::string error;
  bool loading = false;
};

// The filter sidebar: the values the library holds, offered as choices; a choice writes a
// term into the search text (query_terms.h), which stays the one source of truth.
struct FilterState {
  bool loading = false, stale = true;
  std::vector<UsageRow> tools, models, samplers, sizes;  // over the whole library, most used first
  std::string date_from, date_to;                       // as typed (YYYY, YYYY-MM or YYYY-MM-DD)
  bool shown = true;
};

// The generate panel's form and its running job.
// A model the Generate tab can use: a model folder (tiny-flow; the embedded one first) or
// a checkpoint from the models registry (`provena models scan`, or the tab's Scan button).
struct ModelChoice {
  std::string name, path, family;  // family: "tiny-flow", "sd1"
  std::string hash;                // A1111's short hash (first 10 hex digits of the SHA-256)
  bool embedded = false;
};

struct GenerateState {
  std::string prompt = "a large red circle at center on a blue background";
  std::string negative;
  int64_t seed = 42;
  bool random_seed = false;  // a new seed per click; off = the seed is locked
  int steps = 8, count = 4;
  float cfg = 2.0f;
  // From a template instead of the prompt: one expansion per image. A slot value left
  // empty is picked from the template's values.
  std::string template_name;
  std::map<std::string, std::string> slot_values;
  std::string model_dir;      // "" = the embedded model
  std::string model_family = "tiny-flow";  // of the chosen model: what the form offers
  std::string noise = "cpu";  // cpu | philox (A1111's "NV")
  // SD 1.x only (tiny-flow fixes them): sampler in A1111's naming, schedule, size, CLIP skip.
  std::string sampler = "DPM++ 2M", schedule = "karras";
  int width = 512, height = 512, clip_skip = 1;
  std::vector<ModelChoice> models;  // model folders (embedded, $PROVENA_MODELS, LIBRARY/models) + the registry's
  bool models_loading = false, models_stale = true, models_scanning = false;
  std::string models_note;          // the last scan's summary or error
  bool running = false;
  std::vector<int64_t> made;  // asset ids of the last run
  std::string error;
};

// One-click reproduction of the selected image (provena-generate reproduce, a child process).
struct ReproduceState {
  int64_t original = 0;     // asset being reproduced / last reproduced
  bool running = false;
  std::string verdict;      // identical / near / similar / diverged
  std::optional<double> psnr;  // dB; none when identical
  int max_abs_diff = 0;
  int64_t reproduction = 0;  // the new asset
  std::string path, heatmap;  // the regenerated image and its difference heat map
  std::string error;        // what the generator said when it could not reproduce
};

struct StatsState {
  std::string query;  // the search the figures were computed for
  bool loading = false, stale = true;
  std::string error;
  std::vector<KeywordCount> positive, negative;
  std::vector<UsageRow> models, tools, samplers;
  // Trend of chosen keywords over time, and what the first one is used with.
  std::string trend_keywords = "masterpiece";  // comma-separated, as typed
  int trend_bucket = 2;                        // 0 day, 1 week, 2 month
  std::string trend_for;                       // keywords + bucket + query the series below are for
  std::vector<std::pair<std::string, std::vector<TrendPoint>>> trends;
  CooccurrenceReport cooccurrence;
};

// The Templates tab: the library's templates, the one being edited, a preview of its
// expansions, and suggestions mined from the prompts of the current search.
struct TemplatesState {
  bool loading = false, stale = true;
  std::vector<PromptTemplate> list;
  WildcardLists wildcards;
  std::string selected;      // name of the template in the editor; "" for a new one
  std::string name, prompt, negative, slots_text, params_text;  // the editor's fields
  bool dirty = false;        // edited since loaded or saved
  bool saving = false;
  std::string error;         // what the last save said, or the editor's syntax problem
  std::string message;       // "saved as version 3"
  // The preview: random expansions of the editor's text, recomputed when it changes.
  std::string preview_for;
  std::vector<Expansion> preview;
  std::string preview_error;
  int64_t combinations = -1;  // -1: more than the preview counts
  uint64_t preview_seed = 1;
  // Suggestions from history (prompt_history + suggest_templates over the current search).
  bool suggestions_loading = false;
  std::string suggestions_for;  // the search they were mined from
  std::vector<TemplateSuggestion> suggestions;
};

// The Import tab: the folders this library imports from, the running import, its report.
struct ImportState {
  std::string folder;                 // the path being typed
  bool folders_loading = false, folders_stale = true;
  std::vector<ImportFolder> folders;
  bool running = false;
  std::string running_what;           // "importing /x", "rescanning 3 folders"
  std::optional<ImportReport> report; // the last finished import
  std::string error;                  // why the last import could not run
  int failure_filter = 0;             // 0 all, then one per category in the report
};

struct AppState {
  Tab tab = Tab::kLibrary;               // the tab shown in the last frame
  std::optional<Tab> tab_request;        // switch to this tab in the next frame
  SearchState search;
  GalleryState gallery;
  DetailState detail;
  ReproduceState reproduce;
  GenerateState generate;
  TemplatesState templates;
  ImportState import;
  FilterState filters;
  StatsState stats;
  std::string library_dir;
  int64_t total_assets = -1;  // -1: not known yet
  std::string status;         // the last background error, shown in the status bar
};

}  // namespace provena::gui
