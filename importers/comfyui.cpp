// ComfyUI graphs (../shared/FORMATS.md section 4, ../shared/corpus/README.md "ComfyUI graphs").
//
// The API graph (`prompt`) maps node id -> {class_type, inputs}; an input is a literal or a
// link [source node id, output index]. The image in the file came from an output node, so
// the settings are those of the sampler nearest upstream of it; when several outputs exist
// the one fed by the most downstream sampler (the final hires/refiner/second-stage pass)
// wins. From that sampler, links lead to the prompts (through conditioning nodes to a text
// encoder), the model (through LoRA loaders / ModelSampling* to a loader) and the seed,
// steps, cfg and sampler (on the sampler itself or on the custom-sampler helper nodes).
//
// The UI graph (`workflow`) is turned into the same shape (positional widget values named
// by a table of core node types) and read by the same code.
//
// Everything here treats the graph as hostile: parsing refuses deep nesting and huge value
// counts, the graph refuses link cycles and absurd sizes, and every walk is bounded by a hop
// limit and a step budget, so time and memory stay proportional to the (bounded) input.
#include "importers/comfyui.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/json_shape.h"

namespace provena {
namespace {

using json = nlohmann::json;

// Real graphs nest fewer than 20 levels (workflow -> definitions -> subgraphs -> nodes ->
// inputs -> widget). 512 leaves ample room for custom nodes that store structured values,
// while keeping any recursive consumer of the parsed tree far from the end of the stack.
constexpr int kMaxJsonDepth = 512;
// Longest prompt text assembled from string-concatenation nodes. Real prompts are a few
// KiB; diamonds of concat nodes could otherwise grow the text exponentially (fuzzing).
constexpr size_t kMaxResolvedTextBytes = size_t(1) << 20;
// Every JSON value costs ~16 bytes plus its payload once parsed. Large real workflows
// (a few MiB) hold well under a million values; two million caps the parsed tree at a
// few tens of MiB however the text is shaped (a 32 MiB "[0,0,0,...]" would be 16 million).
constexpr size_t kMaxJsonValues = 2'000'000;
// The largest public workflows have a few hundred to about two thousand nodes.
constexpr size_t kMaxGraphNodes = 10'000;
// Links across the whole graph: real graphs have a handful per node.
constexpr size_t kMaxGraphLinks = 200'000;
// Samplers that each feed some output directly (the candidates for the final pass). Each
// costs one walk over the graph to count the samplers upstream of it; real graphs have a
// handful, and the cap keeps a graph of thousands of them linear in size.
constexpr size_t kMaxFinalSamplerCandidates = 64;
// Longest chain of links followed from one value (primitive -> switch -> reroute ...) and
// the deepest recursion of the prompt/model walks. Real chains are under ten links long.
constexpr int kMaxLinkHops = 128;
// Subgraphs nest a few levels at most; a definition that contains an instance of itself
// would otherwise expand forever.
constexpr int kMaxSubgraphDepth = 16;
// Node visits allowed for one value/prompt/model walk. The graph is acyclic, but diamonds
// of switch nodes could still make a branching walk exponential without a budget.
constexpr int kMaxWalkSteps = 100'000;

// ---- small helpers -------------------------------------------------------------------

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

bool contains_nocase(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t j = 0;
    while (j < needle.size()) {
      char a = hay[i + j], b = needle[j];
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
      if (a != b) break;
      ++j;
    }
    if (j == needle.size()) return true;
  }
  return false;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Integers as ComfyUI writes them; also integral floats and strict decimal strings, since
// custom nodes sometimes carry numbers as text. Anything else is "absent".
std::optional<int64_t> to_int(const json* v) {
  if (!v) return std::nullopt;
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    double d = v->get<double>();
    // 2^63 is exactly representable; anything at or past it does not fit.
    if (!std::isfinite(d) || d != std::floor(d) || d >= 9223372036854775808.0 ||
        d < -9223372036854775808.0) {
      return std::nullopt;
    }
    return static_cast<int64_t>(d);
  }
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    int64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return out;
  }
  return std::nullopt;
}

std::optional<double> to_double(const json* v) {
  if (!v) return std::nullopt;
  if (v->is_number()) {
    double d = v->get<double>();
    if (std::isfinite(d)) return d;
    return std::nullopt;
  }
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    double out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty() && std::isfinite(out)) return out;
  }
  return std::nullopt;
}

std::optional<std::string> to_name(const json* v) {
  if (!v || !v->is_string() || v->get_ref<const std::string&>().empty()) return std::nullopt;
  return v->get<std::string>();
}

std::optional<bool> to_bool(const json* v) {
  if (!v) return std::nullopt;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_number()) return v->get<double>() != 0.0;
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    if (s == "true" || s == "True") return true;
    if (s == "false" || s == "False") return false;
  }
  return std::nullopt;
}

// ---- parsing -----------------------------------------------------------------------

// Checks nesting depth and size in one linear pass over strict JSON text, before any
// parser sees it. (nlohmann's parser is iterative, but the tree it builds is consumed
// recursively elsewhere - dump, comparison - so depth is refused at the door. Its
// callback-driven parser cannot be used to enforce this: it rescans the parent object at
// every object end, which is quadratic on a wide graph.)
// Parses `text` after the NaN/Infinity repair and the shape check.
Result<json> parse_json(std::string_view text, const std::string& what) {
  std::string repaired;
  std::string_view strict = text;
  if (comfyui_json_needs_repair(text)) strict = repaired = comfyui_json_tolerant(text);
  if (auto problem = json_shape_error(strict, kMaxJsonDepth, kMaxJsonValues)) return make_error(what + ": JSON " + *problem);
  try {
    return json::parse(strict);
  } catch (const json::exception& e) {
    return make_error(what + ": invalid JSON (" + e.what() + ")");
  }
}

// Node ids in a natural order ("9" < "10" < "30:6" < "30:10" < "Sampler"): numeric parts
// compare as numbers. It only decides ties between equally good outputs.
bool id_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t i0 = i, j0 = j;
      while (i0 < a.size() && a[i0] == '0') ++i0;
      while (j0 < b.size() && b[j0] == '0') ++j0;
      size_t i1 = i0, j1 = j0;
      while (i1 < a.size() && digit(a[i1])) ++i1;
      while (j1 < b.size() && digit(b[j1])) ++j1;
      if (i1 - i0 != j1 - j0) return i1 - i0 < j1 - j0;
      int cmp = a.compare(i0, i1 - i0, b, j0, j1 - j0);
      if (cmp != 0) return cmp < 0;
      i = i1;
      j = j1;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

// ---- the API graph -------------------------------------------------------------------

// The input names that carry a node's text, in order of preference. `text` is
// CLIPTextEncode; `prompt` Power Prompt / TextEncodeQwenImageEdit; `user_prompt` Lumina 2;
// `populated_text` the Impact wildcard encoder's expanded text; `text_g` SDXL;
// `t5xxl`/`clip_l` Flux and SD3 (the T5 field carries the full prompt); `bert` HunyuanDiT;
// `tags` the ACE-Step audio encoder.
constexpr std::string_view kEncoderTextKeys[] = {
    "text", "prompt", "user_prompt", "populated_text", "wildcard_text", "text_g", "t5xxl",
    "clip_l", "clip_g", "text_l", "bert", "mt5xl", "tags"};
// Inputs that hold a string on string-producing nodes (primitives, literals, previews).
constexpr std::string_view kStringKeys[] = {
    "value", "text", "string", "prompt", "populated_text", "wildcard_text", "text_g",
    "t5xxl", "clip_l", "source", "STRING", "String", "Text", "input"};
constexpr std::string_view kIntKeys[] = {"value", "int", "INT", "number", "seed", "Value"};
constexpr std::string_view kFloatKeys[] = {"value", "float", "FLOAT", "number", "Value"};
// Loader inputs that name the checkpoint / diffusion model.
constexpr std::string_view kModelNameKeys[] = {"ckpt_name", "unet_name", "model_path", "gguf_name",
                                               "base_ckpt_name"};
// Inputs never followed when looking for a prompt: they carry models, images, latents and
// sampling helpers, not conditioning.
constexpr std::string_view kNotConditioning[] = {
    "clip", "model", "vae", "image", "images", "pixels", "mask", "control_net", "latent",
    "latent_image", "samples", "upscale_model", "clip_vision", "clip_vision_output",
    "style_model", "gligen_textbox_model", "noise", "sampler", "sigmas", "guider", "stage_c"};
// Inputs never followed when looking for the model.
constexpr std::string_view kNotModel[] = {
    "clip", "vae", "image", "images", "pixels", "mask", "positive", "negative", "conditioning",
    "latent", "latent_image", "samples", "control_net", "upscale_model", "clip_vision",
    "noise", "sampler", "sigmas", "stage_c"};

template <size_t N>
bool listed(const std::string_view (&list)[N], std::string_view s) {
  return std::find(std::begin(list), std::end(list), s) != std::end(list);
}

struct LinkRef {
  int node = -1;
  int64_t slot = 0;
};

struct Node {
  std::string id;
  std::string cls;
  const json* inputs = nullptr;  // object or null
  std::vector<int> upstream;     // nodes this node's inputs link to, in input order
  std::vector<int> downstream;   // nodes linking to this one
  bool consumed = false;         // some other node links to it
};

// Work allowance shared by one walk.
struct Budget {
  int left = kMaxWalkSteps;
  bool spend() { return left-- > 0; }
};

enum class Role { kPositive, kNegative };

class Graph {
 public:
  // `root` must outlive the graph (nodes point into it).
  static Result<Graph> build(const json& root, const std::string& what);

  Record read() const;

 private:
  const json* input(int n, std::string_view name) const {
    const json* in = nodes_[n].inputs;
    if (!in) return nullptr;
    auto it = in->find(name);
    return it == in->end() ? nullptr : &*it;
  }
  std::optional<LinkRef> link(const json& v) const;
  int target(const json* v) const {
    if (!v) return -1;
    auto l = link(*v);
    return l ? l->node : -1;
  }
  bool has_link(int n, std::string_view name) const {
    const json* v = input(n, name);
    return v && link(*v);
  }

  bool is_sampler(int n) const { return sampler_[n] != 0; }
  bool classify_sampler(int n) const;
  bool is_output(int n) const;
  bool is_switch(int n) const;
  std::vector<const json*> switch_branches(int n) const;
  // The branch a switch passes on (its first candidate), or null.
  const json* first_switch_branch(int n) const {
    auto branches = switch_branches(n);
    return branches.empty() ? nullptr : branches.front();
  }

  std::vector<int> nearest_samplers() const;
  int upstream_samplers(int s) const;
  int choose_sampler() const;

  const json* follow(const json* v, std::initializer_list<std::string_view> keys) const;
  const json* lookup(const json* v, std::initializer_list<std::string_view> keys,
                     std::string_view via) const;
  template <size_t N>
  const json* follow_value(const json* v, std::string_view own,
                           const std::string_view (&generic)[N]) const;
  std::optional<std::string> resolve_text(const json& v, std::string_view own, int hops,
                                          Budget& b) const;
  std::optional<std::string> prompt_text(const json& v, Role role, int hops, Budget& b,
                                         std::vector<char>& seen) const;
  std::optional<std::string> model_name(const json& v, int hops, Budget& b,
                                        std::vector<char>& seen) const;
  std::optional<std::pair<int, int>> latent_size(const json* v) const;

  std::vector<Node> nodes_;
  std::unordered_map<std::string, int> index_;
  std::vector<char> sampler_;  // classify_sampler() of each node, computed once
  std::vector<int> topo_;      // node indices, every node after the nodes it links to
};

std::optional<LinkRef> Graph::link(const json& v) const {
  if (!v.is_array() || v.size() != 2) return std::nullopt;
  const json& id = v[0];
  const json& slot = v[1];
  if (!slot.is_number_integer()) return std::nullopt;
  std::string key;
  if (id.is_string()) {
    key = id.get<std::string>();
  } else if (id.is_number_integer()) {
    key = id.dump();
  } else {
    return std::nullopt;
  }
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;  // dangling: treated as not connected
  int64_t index = slot.is_number_unsigned()
                      ? static_cast<int64_t>(std::min<uint64_t>(slot.get<uint64_t>(), INT64_MAX))
                      : slot.get<int64_t>();
  return LinkRef{it->second, index};
}

Result<Graph> Graph::build(const json& root, const std::string& what) {
  if (!root.is_object()) return make_error(what + ": not a JSON object");
  if (root.size() > kMaxGraphNodes) {
    return make_error(what + ": " + std::to_string(root.size()) + " entries, more than the " +
                      std::to_string(kMaxGraphNodes) + " nodes accepted");
  }
  std::vector<std::string> keys;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (!it->is_object()) continue;
    auto cls = it->find("class_type");
    if (cls == it->end() || !cls->is_string()) continue;  // not a node (e.g. Civitai extras)
    keys.push_back(it.key());
  }
  std::sort(keys.begin(), keys.end(), id_less);
  Graph g;
  for (const std::string& key : keys) {
    const json& entry = root.at(key);
    Node n;
    n.id = key;
    n.cls = entry.at("class_type").get<std::string>();
    auto in = entry.find("inputs");
    if (in != entry.end() && in->is_object()) n.inputs = &*in;
    g.index_.emplace(key, static_cast<int>(g.nodes_.size()));
    g.nodes_.push_back(std::move(n));
  }
  if (g.nodes_.empty()) return make_error(what + ": no nodes (no entry has a class_type)");

  size_t links = 0;
  for (size_t i = 0; i < g.nodes_.size(); ++i) {
    const json* in = g.nodes_[i].inputs;
    if (!in) continue;
    for (auto it = in->begin(); it != in->end(); ++it) {
      auto l = g.link(*it);
      if (!l) continue;
      if (++links > kMaxGraphLinks) {
        return make_error(what + ": more than " + std::to_string(kMaxGraphLinks) + " links");
      }
      g.nodes_[i].upstream.push_back(l->node);
      g.nodes_[l->node].consumed = true;
    }
  }

  // ComfyUI cannot execute a graph with a cycle, so one means a forged or broken graph.
  // Kahn's algorithm: a node is done once every node it links to is done.
  const size_t n = g.nodes_.size();
  std::vector<size_t> pending(n);
  for (size_t i = 0; i < n; ++i) {
    pending[i] = g.nodes_[i].upstream.size();
    for (int u : g.nodes_[i].upstream) g.nodes_[u].downstream.push_back(static_cast<int>(i));
  }
  std::vector<int> ready;
  for (size_t i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push_back(static_cast<int>(i));
  }
  g.topo_.reserve(n);
  while (!ready.empty()) {
    int u = ready.back();
    ready.pop_back();
    g.topo_.push_back(u);
    for (int v : g.nodes_[u].downstream) {
      if (--pending[v] == 0) ready.push_back(v);
    }
  }
  if (g.topo_.size() != n) {
    for (size_t i = 0; i < n; ++i) {
      if (pending[i] != 0) {
        return make_error(what + ": link cycle (at or upstream of node \"" + g.nodes_[i].id + "\")");
      }
    }
  }
  g.sampler_.resize(n);
  for (size_t i = 0; i < n; ++i) g.sampler_[i] = g.classify_sampler(static_cast<int>(i)) ? 1 : 0;
  return g;
}

bool Graph::classify_sampler(int n) const {
  const std::string& c = nodes_[n].cls;
  if (c == "KSampler" || c == "KSamplerAdvanced" || c == "SamplerCustom" ||
      c == "SamplerCustomAdvanced") {
    return true;
  }
  // Save nodes that record settings (Image Saver) carry sampler fields but sample nothing.
  if (input(n, "images")) return false;
  if (input(n, "sampler_name") && input(n, "steps") &&
      (has_link(n, "model") || has_link(n, "positive") || has_link(n, "guider"))) {
    return true;
  }
  if (has_link(n, "sampler") && has_link(n, "sigmas")) return true;
  if (has_link(n, "noise") && has_link(n, "guider")) return true;
  return false;
}

bool Graph::is_output(int n) const {
  const std::string& c = nodes_[n].cls;
  if (contains_nocase(c, "save") || contains_nocase(c, "preview")) return true;
  return !nodes_[n].consumed && has_link(n, "images");
}

bool Graph::is_switch(int n) const {
  if (input(n, "on_true") || input(n, "on_false")) return true;
  return contains_nocase(nodes_[n].cls, "switch");
}

// The switch's inputs in the order to try them: the selected branch first.
std::vector<const json*> Graph::switch_branches(int n) const {
  std::vector<const json*> out;
  const json* on_true = input(n, "on_true");
  const json* on_false = input(n, "on_false");
  if (on_true || on_false) {
    std::optional<bool> state;
    for (std::string_view k : {"switch", "boolean", "condition", "cond", "select"}) {
      if (const json* s = input(n, k)) {
        state = to_bool(follow(s, {"value", "boolean", "bool", "BOOLEAN"}));
        break;
      }
    }
    bool pick_true = state.value_or(true);
    const json* first = pick_true ? on_true : on_false;
    const json* second = pick_true ? on_false : on_true;
    if (first) out.push_back(first);
    if (second) out.push_back(second);
    return out;
  }
  // Numbered switches (select / Input = k picks input<k>, text<k>, model<k>, ...).
  std::optional<int64_t> k;
  for (std::string_view key : {"select", "Input", "index", "selector"}) {
    if (const json* s = input(n, key)) {
      k = to_int(follow(s, {"value", "int", "INT"}));
      break;
    }
  }
  const json* in = nodes_[n].inputs;
  if (!in) return out;
  if (k) {
    std::string suffix = std::to_string(*k);
    for (auto it = in->begin(); it != in->end(); ++it) {
      const std::string& name = it.key();
      if (!ends_with(name, suffix) || name.size() <= suffix.size()) continue;
      char before = name[name.size() - suffix.size() - 1];  // "input1" must not match "input11"
      if (before < '0' || before > '9') {
        out.push_back(&*it);
        break;
      }
    }
  }
  for (auto it = in->begin(); it != in->end(); ++it) {
    if (link(*it) && std::find(out.begin(), out.end(), &*it) == out.end()) out.push_back(&*it);
  }
  return out;
}

// For every node, the sampler nearest upstream of it (fewest links away; the node itself
// if it is one), or -1. One breadth-first pass down from all samplers at once, which is the
// same as walking up from each node and stopping at the first sampler met.
std::vector<int> Graph::nearest_samplers() const {
  std::vector<int> nearest(nodes_.size(), -1);
  std::deque<int> queue;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (is_sampler(static_cast<int>(i))) {
      nearest[i] = static_cast<int>(i);
      queue.push_back(static_cast<int>(i));
    }
  }
  while (!queue.empty()) {
    int u = queue.front();
    queue.pop_front();
    for (int v : nodes_[u].downstream) {
      if (nearest[v] < 0) {
        nearest[v] = nearest[u];
        queue.push_back(v);
      }
    }
  }
  return nearest;
}

// How many samplers feed `s`, directly or not: the later a pass, the more it has.
int Graph::upstream_samplers(int s) const {
  std::vector<char> seen(nodes_.size(), 0);
  std::vector<int> stack{s};
  seen[s] = 1;
  int count = 0;
  while (!stack.empty()) {
    int u = stack.back();
    stack.pop_back();
    if (u != s && is_sampler(u)) ++count;
    for (int v : nodes_[u].upstream) {
      if (!seen[v]) {
        seen[v] = 1;
        stack.push_back(v);
      }
    }
  }
  return count;
}

int Graph::choose_sampler() const {
  struct Candidate {
    int sampler;
    bool saved;  // fed to a node that writes files (not only a preview)
  };
  std::vector<Candidate> candidates;
  auto add = [&](int sampler, bool saved) {
    auto it = std::find_if(candidates.begin(), candidates.end(),
                           [&](const Candidate& c) { return c.sampler == sampler; });
    if (it != candidates.end()) {
      it->saved = it->saved || saved;
    } else if (candidates.size() < kMaxFinalSamplerCandidates) {
      candidates.push_back({sampler, saved});
    }
  };
  const std::vector<int> nearest = nearest_samplers();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    int n = static_cast<int>(i);
    if (is_output(n) && nearest[n] >= 0) add(nearest[n], contains_nocase(nodes_[n].cls, "save"));
  }
  if (candidates.empty()) {
    // No output reaches a sampler (a partial or unusual graph): the samplers that feed no
    // other sampler, found in one pass from the most downstream nodes up.
    std::vector<char> feeds_sampler(nodes_.size(), 0);
    for (auto it = topo_.rbegin(); it != topo_.rend(); ++it) {
      for (int v : nodes_[*it].downstream) {
        if (is_sampler(v) || feeds_sampler[v]) feeds_sampler[*it] = 1;
      }
    }
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (is_sampler(static_cast<int>(i)) && !feeds_sampler[i]) add(static_cast<int>(i), false);
    }
  }
  int best = -1;
  int best_depth = -1;
  bool best_saved = false;
  for (const Candidate& c : candidates) {
    int depth = upstream_samplers(c.sampler);
    if (depth > best_depth || (depth == best_depth && c.saved && !best_saved)) {
      best = c.sampler;
      best_depth = depth;
      best_saved = c.saved;
    }
  }
  return best;
}

// Follows links from `v` while it is a link: at each node takes the first input named in
// `keys` (or a switch's selected branch). Returns the literal reached, or null.
const json* Graph::follow(const json* v, std::initializer_list<std::string_view> keys) const {
  for (int hop = 0; v && hop < kMaxLinkHops; ++hop) {
    auto l = link(*v);
    if (!l) return v;
    const json* next = nullptr;
    if (is_switch(l->node)) {
      next = first_switch_branch(l->node);
    } else {
      for (std::string_view k : keys) {
        if ((next = input(l->node, k))) break;
      }
    }
    v = next;
  }
  return nullptr;
}

// From a helper link (noise, sigmas, guider, sampler), finds the node that holds one of
// `keys` - passing through switches and nodes that forward the same kind of link through an
// input named `via` (SplitSigmas) - and returns that input's value, which may itself be a
// link to a primitive.
const json* Graph::lookup(const json* v, std::initializer_list<std::string_view> keys,
                          std::string_view via) const {
  for (int hop = 0; v && hop < kMaxLinkHops; ++hop) {
    auto l = link(*v);
    if (!l) return nullptr;
    for (std::string_view k : keys) {
      if (const json* x = input(l->node, k)) return x;
    }
    const json* next = nullptr;
    if (is_switch(l->node)) {
      next = first_switch_branch(l->node);
    } else {
      next = input(l->node, via);
    }
    v = next;
  }
  return nullptr;
}

// Like follow(), for a value named `own`: a linked node that echoes the name (a "Sampler
// Selector" with sampler_name, a "Seed" node with seed) is preferred, then the generic
// primitive inputs.
template <size_t N>
const json* Graph::follow_value(const json* v, std::string_view own,
                                const std::string_view (&generic)[N]) const {
  for (int hop = 0; v && hop < kMaxLinkHops; ++hop) {
    auto l = link(*v);
    if (!l) return v;
    const json* next = nullptr;
    if (is_switch(l->node)) {
      next = first_switch_branch(l->node);
    } else {
      next = input(l->node, own);
      for (size_t i = 0; !next && i < N; ++i) next = input(l->node, generic[i]);
    }
    v = next;
  }
  return nullptr;
}

// Nodes whose string output is computed (an LLM, a captioner, a tagger): their stored
// inputs are instructions, not the text they produced, which the file does not hold.
bool generates_text(std::string_view cls, bool has_model_link) {
  if (has_model_link) return true;
  for (std::string_view hint : {"generate", "llm", "ollama", "gpt", "gemini", "caption", "tagger",
                                "interrogat", "florence"}) {
    if (contains_nocase(cls, hint)) return true;
  }
  return false;
}

std::optional<std::string> Graph::resolve_text(const json& v, std::string_view own, int hops,
                                               Budget& b) const {
  if (v.is_string()) return v.get<std::string>();
  auto l = link(v);
  if (!l || hops >= kMaxLinkHops || !b.spend()) return std::nullopt;
  const int n = l->node;
  if (is_switch(n)) {
    // A branch whose text is unknowable (an LLM's output) falls back to the other one,
    // usually the user's own text.
    for (const json* branch : switch_branches(n)) {
      if (auto t = resolve_text(*branch, own, hops + 1, b)) return t;
    }
    return std::nullopt;
  }
  if (generates_text(nodes_[n].cls, has_link(n, "clip") || has_link(n, "model"))) return std::nullopt;
  const std::string& cls = nodes_[n].cls;
  if ((contains_nocase(cls, "concat") || contains_nocase(cls, "join")) &&
      !contains_nocase(cls, "conditioning") && nodes_[n].inputs) {
    std::string delimiter;
    for (std::string_view k : {"delimiter", "separator"}) {
      if (const json* d = input(n, k)) {
        auto t = resolve_text(*d, k, hops + 1, b);
        if (!t) return std::nullopt;
        delimiter = *t;
        break;
      }
    }
    std::string joined;
    bool first = true;
    for (auto it = nodes_[n].inputs->begin(); it != nodes_[n].inputs->end(); ++it) {
      const std::string& name = it.key();
      if (name.rfind("string", 0) != 0 && name.rfind("text", 0) != 0) continue;
      auto part = resolve_text(*it, name, hops + 1, b);
      if (!part) return std::nullopt;  // one unknown part makes the whole unknown
      if (!first) joined += delimiter;
      joined += *part;
      first = false;
      // Concat nodes feeding each other in diamonds double the text at every level.
      if (joined.size() > kMaxResolvedTextBytes) return std::nullopt;
    }
    if (!first) return joined;
    return std::nullopt;
  }
  if (!own.empty()) {
    if (const json* x = input(n, own)) return resolve_text(*x, own, hops + 1, b);
  }
  for (std::string_view k : kStringKeys) {
    if (const json* x = input(n, k)) return resolve_text(*x, k, hops + 1, b);
  }
  return std::nullopt;
}

// Walks a conditioning input upstream to the text that made it. Depth first, first text
// found wins (ConditioningCombine: conditioning_1 before conditioning_2; ConditioningConcat
// and GLIGEN: conditioning_to first). A ConditioningZeroOut branch has no text.
std::optional<std::string> Graph::prompt_text(const json& v, Role role, int hops, Budget& b,
                                              std::vector<char>& seen) const {
  if (v.is_string()) return v.get<std::string>();  // a loader that takes the prompt as text
  auto l = link(v);
  if (!l || hops >= kMaxLinkHops || !b.spend()) return std::nullopt;
  const int n = l->node;
  char bit = role == Role::kPositive ? 1 : 2;
  if (seen[n] & bit) return std::nullopt;
  seen[n] |= bit;
  const std::string& cls = nodes_[n].cls;
  if (contains_nocase(cls, "zeroout") || is_sampler(n)) return std::nullopt;

  // Nodes that carry both prompts (ControlNetApplyAdvanced, LTXVConditioning, pipes and
  // contexts, Efficient Loader's text fields): take the one in the role being followed.
  const char* role_name = role == Role::kPositive ? "positive" : "negative";
  if (const json* x = input(n, role_name)) return prompt_text(*x, role, hops + 1, b, seen);

  const json* in = nodes_[n].inputs;
  if (!in) return std::nullopt;
  std::vector<const json*> conditioning;
  if (const json* c = input(n, "conditioning"); c && link(*c)) conditioning.push_back(c);
  for (auto it = in->begin(); it != in->end(); ++it) {
    if (ends_with(it.key(), "_to") && contains(it.key(), "cond") && link(*it)) {
      conditioning.push_back(&*it);
    }
  }
  for (auto it = in->begin(); it != in->end(); ++it) {
    if (contains(it.key(), "cond") && link(*it) &&
        std::find(conditioning.begin(), conditioning.end(), &*it) == conditioning.end()) {
      conditioning.push_back(&*it);
    }
  }

  if (conditioning.empty()) {
    // A text encoder: its text (possibly a link to a primitive or string node).
    for (std::string_view k : kEncoderTextKeys) {
      if (const json* x = input(n, k)) return resolve_text(*x, k, hops + 1, b);
    }
  }
  if (is_switch(n)) {
    auto branches = switch_branches(n);
    if (!branches.empty()) return prompt_text(*branches.front(), role, hops + 1, b, seen);
    return std::nullopt;
  }
  for (const json* c : conditioning) {
    if (auto t = prompt_text(*c, role, hops + 1, b, seen)) return t;
  }
  if (!conditioning.empty()) return std::nullopt;
  // A string node reached through a loader's text input.
  for (std::string_view k : kStringKeys) {
    if (const json* x = input(n, k); x && !link(*x)) return resolve_text(*x, k, hops + 1, b);
  }
  // Unknown pass-through nodes (pipes, wrappers): any link that is not a model, image...
  for (auto it = in->begin(); it != in->end(); ++it) {
    if (listed(kNotConditioning, it.key()) || !link(*it)) continue;
    if (auto t = prompt_text(*it, role, hops + 1, b, seen)) return t;
  }
  return std::nullopt;
}

// Walks a model input upstream (LoRA loaders, ModelSampling*, patches, merges, switches)
// to the loader that names the checkpoint or diffusion model.
std::optional<std::string> Graph::model_name(const json& v, int hops, Budget& b,
                                             std::vector<char>& seen) const {
  if (v.is_string()) return to_name(&v);
  auto l = link(v);
  if (!l || hops >= kMaxLinkHops || !b.spend()) return std::nullopt;
  const int n = l->node;
  if (seen[n]) return std::nullopt;
  seen[n] = 1;
  for (std::string_view k : kModelNameKeys) {
    if (const json* x = input(n, k)) {
      auto name = resolve_text(*x, k, 0, b);
      if (name && !name->empty()) return name;
    }
  }
  if (is_switch(n)) {
    auto branches = switch_branches(n);
    if (!branches.empty()) return model_name(*branches.front(), hops + 1, b, seen);
    return std::nullopt;
  }
  if (const json* m = input(n, "model")) {
    if (link(*m)) return model_name(*m, hops + 1, b, seen);
  }
  if (const json* x = input(n, "model_name")) {
    auto name = resolve_text(*x, "model_name", 0, b);
    if (name && !name->empty()) return name;
  }
  const json* in = nodes_[n].inputs;
  if (!in) return std::nullopt;
  // model1/model2 (merges) first, then pipes and other wrappers.
  for (auto it = in->begin(); it != in->end(); ++it) {
    if (it.key().rfind("model", 0) == 0 && link(*it)) {
      if (auto name = model_name(*it, hops + 1, b, seen)) return name;
    }
  }
  for (auto it = in->begin(); it != in->end(); ++it) {
    if (listed(kNotModel, it.key()) || it.key().rfind("model", 0) == 0 || !link(*it)) continue;
    if (auto name = model_name(*it, hops + 1, b, seen)) return name;
  }
  return std::nullopt;
}

// The size asked for: the empty latent at the root of the sampler's latent chain (through
// upscales, composites and earlier passes), like A1111's "Size:" for a hires image.
std::optional<std::pair<int, int>> Graph::latent_size(const json* v) const {
  for (int hop = 0; v && hop < kMaxLinkHops; ++hop) {
    auto l = link(*v);
    if (!l) return std::nullopt;
    const int n = l->node;
    const std::string& cls = nodes_[n].cls;
    if (contains_nocase(cls, "latent") && contains_nocase(cls, "empty")) {
      auto w = to_int(follow_value(input(n, "width"), "width", kIntKeys));
      auto h = to_int(follow_value(input(n, "height"), "height", kIntKeys));
      if (!w || !h) {
        // rgthree's SDXL empty latent: "1216 x 832   (landscape)".
        const json* dims = input(n, "dimensions");
        if (!dims) dims = input(n, "resolution");
        if (dims && dims->is_string()) {
          const std::string& s = dims->get_ref<const std::string&>();
          int64_t a = 0, c = 0;
          const char* p = s.data();
          const char* end = s.data() + s.size();
          auto r1 = std::from_chars(p, end, a);
          if (r1.ec == std::errc()) {
            p = r1.ptr;
            while (p < end && (*p == ' ' || *p == 'x' || *p == 'X' || *p == '*')) ++p;
            auto r2 = std::from_chars(p, end, c);
            if (r2.ec == std::errc()) {
              w = a;
              h = c;
            }
          }
        }
      }
      if (w && h && *w > 0 && *h > 0 && *w <= std::numeric_limits<int>::max() &&
          *h <= std::numeric_limits<int>::max()) {
        return std::make_pair(static_cast<int>(*w), static_cast<int>(*h));
      }
      return std::nullopt;
    }
    const json* next = nullptr;
    for (std::string_view k : {"latent_image", "samples_to", "samples", "latent", "latents",
                               "destination", "pixels", "image", "images"}) {
      if ((next = input(n, k))) break;
    }
    v = next;
  }
  return std::nullopt;
}

Record Graph::read() const {
  Record r;
  r.tool = "comfyui";
  const int s = choose_sampler();
  if (s < 0) return r;

  const int guider = target(input(s, "guider"));
  const json* sigmas = input(s, "sigmas");

  // Seed: on the sampler, or on the noise node of SamplerCustomAdvanced (RandomNoise).
  const json* seed = input(s, "seed");
  std::string_view seed_name = "seed";
  if (!seed) {
    seed = input(s, "noise_seed");
    seed_name = "noise_seed";
  }
  std::optional<int64_t> seed_value;
  if (seed) {
    seed_value = to_int(follow_value(seed, seed_name, kIntKeys));
  } else if (const json* noise = input(s, "noise")) {
    const json* noise_seed = lookup(noise, {"noise_seed", "seed"}, "noise");
    seed_value = to_int(follow_value(noise_seed, "noise_seed", kIntKeys));
  }
  if (seed_value && *seed_value >= 0) r.seed = seed_value;  // negative = "random" in custom nodes

  // Steps: on the sampler, or on the scheduler node that makes the sigmas.
  std::optional<int64_t> steps;
  if (const json* x = input(s, "steps")) {
    steps = to_int(follow_value(x, "steps", kIntKeys));
  } else if (sigmas) {
    steps = to_int(follow_value(lookup(sigmas, {"steps"}, "sigmas"), "steps", kIntKeys));
  }
  if (steps && *steps >= 0 && *steps <= std::numeric_limits<int>::max()) {
    r.steps = static_cast<int>(*steps);
  }

  // CFG: on the sampler or on a CFGGuider; BasicGuider (Flux) has none.
  if (const json* x = input(s, "cfg")) {
    r.cfg_scale = to_double(follow_value(x, "cfg", kFloatKeys));
  } else if (const json* g = input(s, "guider")) {
    r.cfg_scale = to_double(follow_value(lookup(g, {"cfg"}, "guider"), "cfg", kFloatKeys));
  }

  // Sampler and scheduler: named on the sampler, or on KSamplerSelect / the scheduler node.
  Budget text_budget;
  auto name_of = [&](const json* v, std::string_view own) -> std::optional<std::string> {
    if (!v) return std::nullopt;
    auto t = resolve_text(*v, own, 0, text_budget);
    if (t && t->empty()) return std::nullopt;
    return t;
  };
  if (const json* x = input(s, "sampler_name")) {
    r.sampler = name_of(x, "sampler_name");
  } else if (const json* x = input(s, "sampler")) {
    r.sampler = name_of(lookup(x, {"sampler_name"}, "sampler"), "sampler_name");
  }
  if (const json* x = input(s, "scheduler")) {
    r.scheduler = name_of(x, "scheduler");
  } else if (sigmas) {
    r.scheduler = name_of(lookup(sigmas, {"scheduler"}, "sigmas"), "scheduler");
  }

  // Prompts: on the sampler, or on its guider (CFGGuider positive/negative, BasicGuider
  // conditioning, DualCFGGuider cond1).
  const json* positive = input(s, "positive");
  const json* negative = input(s, "negative");
  if (!positive && guider >= 0) {
    for (std::string_view k : {"positive", "conditioning", "cond1"}) {
      if ((positive = input(guider, k))) break;
    }
  }
  if (!negative && guider >= 0) negative = input(guider, "negative");
  std::vector<char> seen(nodes_.size(), 0);
  Budget prompt_budget;
  if (positive) r.prompt = prompt_text(*positive, Role::kPositive, 0, prompt_budget, seen);
  if (negative) r.negative_prompt = prompt_text(*negative, Role::kNegative, 0, prompt_budget, seen);

  // Model: the sampler's (or guider's) model link, down to the loader.
  const json* model = input(s, "model");
  if (!model && guider >= 0) model = input(guider, "model");
  if (model) {
    std::vector<char> model_seen(nodes_.size(), 0);
    Budget model_budget;
    r.model = model_name(*model, 0, model_budget, model_seen);
  }

  if (auto size = latent_size(input(s, "latent_image"))) {
    r.requested_width = size->first;
    r.requested_height = size->second;
  }
  return r;
}

Result<Record> read_graph(const json& root, const std::string& what) {
  auto graph = Graph::build(root, what);
  if (!graph) return graph.error();
  return graph->read();
}

// ---- the UI graph --------------------------------------------------------------------

// Names of the positional widgets_values of core node types, in order. A name ending in
// '+' is a seed followed by the UI-only "control_after_generate" value ("randomize",
// "fixed", ... or, in old workflows, a boolean), which is skipped. A name ending in '~' is
// a dynamic-prompt text box: the frontend strips its C-style comments before queueing.
struct WidgetLayout {
  std::string_view node_type;
  std::string_view names;  // space separated
};
constexpr WidgetLayout kWidgetLayouts[] = {
    {"KSampler", "seed+ steps cfg sampler_name scheduler denoise"},
    {"KSamplerAdvanced",
     "add_noise noise_seed+ steps cfg sampler_name scheduler start_at_step end_at_step "
     "return_with_leftover_noise"},
    {"SamplerCustom", "add_noise noise_seed+ cfg"},
    {"RandomNoise", "noise_seed+"},
    {"KSamplerSelect", "sampler_name"},
    {"BasicScheduler", "scheduler steps denoise"},
    {"KarrasScheduler", "steps sigma_max sigma_min rho"},
    {"ExponentialScheduler", "steps sigma_max sigma_min"},
    {"PolyexponentialScheduler", "steps sigma_max sigma_min rho"},
    {"SDTurboScheduler", "steps denoise"},
    {"AlignYourStepsScheduler", "model_type steps denoise"},
    {"BetaSamplingScheduler", "steps alpha beta"},
    {"LTXVScheduler", "steps max_shift base_shift stretch terminal"},
    {"CFGGuider", "cfg"},
    {"CLIPTextEncode", "text~"},
    {"CLIPTextEncodeSDXL", "width height crop_w crop_h target_width target_height text_g~ text_l~"},
    {"CLIPTextEncodeSDXLRefiner", "ascore width height text~"},
    {"CLIPTextEncodeFlux", "clip_l~ t5xxl~ guidance"},
    {"CLIPTextEncodeSD3", "clip_l~ clip_g~ t5xxl~ empty_padding"},
    {"CLIPTextEncodeHunyuanDiT", "bert~ mt5xl~"},
    {"TextEncodeQwenImageEdit", "prompt~"},
    {"CheckpointLoaderSimple", "ckpt_name"},
    {"CheckpointLoader", "config_name ckpt_name"},
    {"ImageOnlyCheckpointLoader", "ckpt_name"},
    {"unCLIPCheckpointLoader", "ckpt_name"},
    {"UNETLoader", "unet_name weight_dtype"},
    {"UnetLoaderGGUF", "unet_name"},
    {"LoraLoader", "lora_name strength_model strength_clip"},
    {"LoraLoaderModelOnly", "lora_name strength_model"},
    {"EmptyLatentImage", "width height batch_size"},
    {"EmptySD3LatentImage", "width height batch_size"},
    {"EmptyHunyuanLatentVideo", "width height length batch_size"},
    {"EmptyLTXVLatentVideo", "width height length batch_size"},
    {"EmptyMochiLatentVideo", "width height length batch_size"},
    {"StableCascade_EmptyLatentImage", "width height compression batch_size"},
    {"LatentUpscale", "upscale_method width height crop"},
    {"FluxGuidance", "guidance"},
    {"ConditioningSetArea", "width height x y strength"},
    {"ControlNetApply", "strength"},
    {"PrimitiveNode", "value+"},
    {"PrimitiveString", "value"},
    {"PrimitiveStringMultiline", "value"},
    {"PrimitiveInt", "value+"},
    {"PrimitiveFloat", "value"},
    {"PrimitiveBoolean", "value"},
    {"ComfySwitchNode", "switch"},
    {"StringConcatenate", "string_a string_b delimiter"},
};

// What the frontend sends for a dynamic-prompt text box: /* block */ and // line comments
// removed (a line comment ends before the line break). {a|b} choices are left as written:
// the option picked at random is not recorded in the UI graph.
std::string strip_prompt_comments(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  // Once a "/*" finds no "*/", none later can: stop searching (else repeated unterminated
  // openers make this quadratic; found by fuzzing).
  bool closer_left = true;
  while (i < text.size()) {
    if (closer_left && text.compare(i, 2, "/*") == 0) {
      size_t end = text.find("*/", i + 2);
      if (end != std::string_view::npos) {
        i = end + 2;
        continue;
      }
      closer_left = false;
    } else if (text.compare(i, 2, "//") == 0) {
      while (i < text.size() && text[i] != '\n' && text[i] != '\r' &&
             text.compare(i, 3, "\xE2\x80\xA8") != 0 && text.compare(i, 3, "\xE2\x80\xA9") != 0) {
        ++i;
      }
      continue;
    }
    out.push_back(text[i++]);
  }
  return out;
}

bool is_control_value(const json& v) {
  if (v.is_boolean()) return true;
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  return s == "fixed" || s == "increment" || s == "decrement" || s == "randomize" ||
         s == "increment-wrap";
}

std::string id_string(const json& id) {
  if (id.is_string()) return id.get<std::string>();
  if (id.is_number_integer()) return id.dump();
  return std::string();
}

struct UiLink {
  std::string origin;
  int64_t slot = 0;
  std::string type;
};

struct UiNode {
  const json* node = nullptr;
  std::string type;
  int64_t mode = 0;  // 0 always, 2 never (muted), 4 bypass
};

// The id LiteGraph gives a subgraph's input node; links from it carry the instance's inputs.
constexpr std::string_view kSubgraphInputNode = "-10";

// One level of a UI graph: the top level, or one instance of a subgraph definition. Node
// ids inside an instance are prefixed with the instance's id, as ComfyUI does in the API
// graph ("30:6").
struct UiScope {
  std::string prefix;
  const json* node_list = nullptr;
  std::unordered_map<std::string, UiNode> nodes;
  std::unordered_map<int64_t, UiLink> links;
  const UiScope* parent = nullptr;   // the scope that holds the instance node
  const json* instance = nullptr;    // that instance node
  const json* definition = nullptr;  // the subgraph definition it instantiates
  std::unordered_map<std::string, const UiScope*> children;  // instance id -> its scope
};

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// Turns the UI graph into an API-shaped graph: positional widgets named by the layout table,
// links resolved through Reroute nodes, bypassed nodes and subgraph boundaries.
class UiGraphConverter {
 public:
  explicit UiGraphConverter(std::string what) : what_(std::move(what)) {}

  Result<json> convert(const json& doc) {
    const json* nodes = member(doc, "nodes");
    if (!nodes || !nodes->is_array()) return make_error(what_ + ": no \"nodes\" array");
    if (const json* defs = member(doc, "definitions")) {
      if (const json* subs = member(*defs, "subgraphs"); subs && subs->is_array()) {
        for (const json& sg : *subs) {
          const json* id = member(sg, "id");
          if (id && id->is_string()) definitions_.emplace(id->get<std::string>(), &sg);
        }
      }
    }
    UiScope& top = scopes_.emplace_back();
    Status st = load(top, *nodes, member(doc, "links"), 0);
    if (!st) return st.error();
    for (const UiScope& scope : scopes_) emit(scope);
    if (api_.empty()) return make_error(what_ + ": no nodes");
    return std::move(api_);
  }

 private:
  Status load(UiScope& scope, const json& node_list, const json* links, int depth) {
    scope.node_list = &node_list;
    if (!node_list.is_array()) return Ok{};
    total_nodes_ += node_list.size();
    if (total_nodes_ > kMaxGraphNodes) {
      return make_error(what_ + ": more than " + std::to_string(kMaxGraphNodes) + " nodes");
    }
    for (const json& n : node_list) {
      const json* id = member(n, "id");
      const json* type = member(n, "type");
      if (!id || !type || !type->is_string()) continue;
      std::string key = id_string(*id);
      if (key.empty()) continue;
      UiNode u;
      u.node = &n;
      u.type = type->get<std::string>();
      if (const json* m = member(n, "mode"); m && m->is_number_integer()) u.mode = m->get<int64_t>();
      scope.nodes.emplace(key, u);
    }
    if (links && links->is_array()) {
      for (const json& l : *links) {
        if (++total_links_ > kMaxGraphLinks) {
          return make_error(what_ + ": more than " + std::to_string(kMaxGraphLinks) + " links");
        }
        std::optional<int64_t> lid;
        UiLink ul;
        if (l.is_array() && l.size() >= 6) {  // [id, origin, origin_slot, target, target_slot, type]
          lid = to_int(&l[0]);
          ul.origin = id_string(l[1]);
          ul.slot = to_int(&l[2]).value_or(0);
          if (l[5].is_string()) ul.type = l[5].get<std::string>();
        } else if (l.is_object()) {  // schema 1 and subgraphs: {id, origin_id, origin_slot, ...}
          lid = to_int(member(l, "id"));
          if (const json* o = member(l, "origin_id")) ul.origin = id_string(*o);
          ul.slot = to_int(member(l, "origin_slot")).value_or(0);
          if (const json* t = member(l, "type"); t && t->is_string()) ul.type = t->get<std::string>();
        }
        if (lid && !ul.origin.empty()) scope.links.emplace(*lid, std::move(ul));
      }
    }
    // Subgraph instances get a scope of their own.
    for (const auto& [key, u] : scope.nodes) {
      auto def = definitions_.find(u.type);
      if (def == definitions_.end() || u.mode != 0) continue;
      if (depth >= kMaxSubgraphDepth) {
        return make_error(what_ + ": subgraphs nested deeper than " +
                          std::to_string(kMaxSubgraphDepth));
      }
      UiScope& child = scopes_.emplace_back();
      child.prefix = scope.prefix + key + ":";
      child.parent = &scope;
      child.instance = u.node;
      child.definition = def->second;
      scope.children.emplace(key, &child);
      const json* inner_nodes = member(*def->second, "nodes");
      if (!inner_nodes) continue;
      Status st = load(child, *inner_nodes, member(*def->second, "links"), depth + 1);
      if (!st) return st;
    }
    return Ok{};
  }

  // The value an input receives through link `link_id`: a link [api id, slot] to the real
  // source, or a literal (a widget value promoted onto a subgraph instance).
  std::optional<json> source(const UiScope* scope, const json& link_id) const {
    std::optional<int64_t> lid = to_int(&link_id);
    for (int hop = 0; lid && scope && hop < kMaxLinkHops; ++hop) {
      auto found = scope->links.find(*lid);
      if (found == scope->links.end()) return std::nullopt;
      const UiLink& l = found->second;
      lid.reset();
      if (l.origin == kSubgraphInputNode) {
        // Slot k of the subgraph's input node is the instance's input named like the
        // definition's k-th input: linked from outside, or a widget on the instance.
        if (!scope->instance || !scope->definition) return std::nullopt;
        const json* def_inputs = member(*scope->definition, "inputs");
        if (!def_inputs || !def_inputs->is_array() || l.slot < 0 ||
            static_cast<uint64_t>(l.slot) >= def_inputs->size()) {
          return std::nullopt;
        }
        const json* name = member((*def_inputs)[static_cast<size_t>(l.slot)], "name");
        const json* inputs = member(*scope->instance, "inputs");
        const json* values = member(*scope->instance, "widgets_values");
        if (!name || !inputs || !inputs->is_array()) return std::nullopt;
        size_t widget = 0;
        for (const json& in : *inputs) {
          bool is_widget = member(in, "widget") != nullptr;
          const json* in_name = member(in, "name");
          if (in_name && *in_name == *name) {
            const json* ln = member(in, "link");
            if (ln && !ln->is_null()) {
              lid = to_int(ln);
              scope = scope->parent;
              break;
            }
            if (is_widget && values && values->is_array() && widget < values->size()) {
              return (*values)[widget];
            }
            return std::nullopt;
          }
          if (is_widget) {
            ++widget;
            // A promoted seed may be followed by its control_after_generate value.
            bool seed = in_name && in_name->is_string() &&
                        contains(in_name->get_ref<const std::string&>(), "seed");
            if (seed && values && values->is_array() && widget < values->size() &&
                (*values)[widget].is_string() && is_control_value((*values)[widget])) {
              ++widget;
            }
          }
        }
        continue;
      }
      auto o = scope->nodes.find(l.origin);
      if (o == scope->nodes.end()) return std::nullopt;
      const UiNode& origin = o->second;
      if (auto child = scope->children.find(l.origin); child != scope->children.end()) {
        // An instance's output j is whatever feeds the definition's j-th output.
        const json* outputs = member(*child->second->definition, "outputs");
        if (!outputs || !outputs->is_array() || l.slot < 0 ||
            static_cast<uint64_t>(l.slot) >= outputs->size()) {
          return std::nullopt;
        }
        const json* ids = member((*outputs)[static_cast<size_t>(l.slot)], "linkIds");
        if (!ids || !ids->is_array() || ids->empty()) return std::nullopt;
        lid = to_int(&(*ids)[0]);
        scope = child->second;
        continue;
      }
      bool reroute = origin.type == "Reroute";
      if (!reroute && origin.mode == 0) return json::array({scope->prefix + l.origin, l.slot});
      if (!reroute && origin.mode != 4) return std::nullopt;  // muted: produces nothing
      // Reroutes and bypassed nodes pass their (matching) input through.
      const json* inputs = member(*origin.node, "inputs");
      if (!inputs || !inputs->is_array()) return std::nullopt;
      for (const json& in : *inputs) {
        const json* t = member(in, "type");
        bool type_ok = reroute || l.type.empty() || l.type == "*" ||
                       (t && t->is_string() && t->get_ref<const std::string&>() == l.type);
        const json* ln = member(in, "link");
        if (type_ok && ln && !ln->is_null()) {
          lid = to_int(ln);
          break;
        }
      }
    }
    return std::nullopt;
  }

  void emit(const UiScope& scope) {
    if (!scope.node_list || !scope.node_list->is_array()) return;
    for (const json& n : *scope.node_list) {
      const json* id = member(n, "id");
      if (!id) continue;
      std::string key = id_string(*id);
      auto found = scope.nodes.find(key);
      if (found == scope.nodes.end() || found->second.node != &n) continue;  // duplicate id
      const UiNode& u = found->second;
      if (u.mode != 0 || scope.children.count(key) || u.type == "Reroute" || u.type == "Note" ||
          u.type == "MarkdownNote") {
        continue;
      }
      json inputs = json::object();
      const json* wv = member(n, "widgets_values");
      if (wv && wv->is_object()) {
        for (auto it = wv->begin(); it != wv->end(); ++it) inputs[it.key()] = *it;
      } else if (wv && wv->is_array()) {
        name_widgets(u.type, *wv, inputs);
      }
      if (const json* ins = member(n, "inputs"); ins && ins->is_array()) {
        for (const json& in : *ins) {
          const json* name = member(in, "name");
          const json* ln = member(in, "link");
          if (!name || !name->is_string() || !ln || ln->is_null()) continue;
          if (auto value = source(&scope, *ln)) inputs[name->get<std::string>()] = std::move(*value);
        }
      }
      api_[scope.prefix + key] = json{{"class_type", u.type}, {"inputs", std::move(inputs)}};
    }
  }

  static void name_widgets(const std::string& type, const json& values, json& inputs) {
    auto layout = std::find_if(std::begin(kWidgetLayouts), std::end(kWidgetLayouts),
                               [&](const WidgetLayout& w) { return w.node_type == type; });
    if (layout == std::end(kWidgetLayouts)) return;
    size_t i = 0;
    std::string_view names = layout->names;
    while (!names.empty() && i < values.size()) {
      size_t sp = names.find(' ');
      std::string_view name = names.substr(0, sp);
      names = sp == std::string_view::npos ? std::string_view() : names.substr(sp + 1);
      bool control = !name.empty() && name.back() == '+';
      bool dynamic = !name.empty() && name.back() == '~';
      if (control || dynamic) name.remove_suffix(1);
      const json& value = values[i++];
      if (dynamic && value.is_string()) {
        inputs[std::string(name)] = strip_prompt_comments(value.get_ref<const std::string&>());
      } else {
        inputs[std::string(name)] = value;
      }
      if (control && i < values.size() && is_control_value(values[i])) ++i;
    }
  }

  std::string what_;
  std::deque<UiScope> scopes_;  // a deque keeps scopes in place as more are added
  std::unordered_map<std::string, const json*> definitions_;
  size_t total_nodes_ = 0;
  size_t total_links_ = 0;
  json api_ = json::object();
};

}  // namespace

bool comfyui_json_needs_repair(std::string_view json_text) {
  return json_text.find("NaN") != std::string_view::npos || json_text.find("Infinity") != std::string_view::npos;
}

std::string comfyui_json_tolerant(std::string_view json_text) {
  std::string out;
  out.reserve(json_text.size());
  bool in_string = false;
  auto ident = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  };
  auto token_at = [&](size_t i, std::string_view word) {
    if (json_text.compare(i, word.size(), word) != 0) return false;
    size_t end = i + word.size();
    return end == json_text.size() || !ident(json_text[end]);
  };
  for (size_t i = 0; i < json_text.size(); ++i) {
    char c = json_text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < json_text.size()) {
        out.push_back(json_text[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out.push_back(c);
      continue;
    }
    bool boundary = i == 0 || !ident(json_text[i - 1]);
    if (boundary && c == 'N' && token_at(i, "NaN")) {
      out += "null";
      i += 2;
      continue;
    }
    if (boundary && c == 'I' && token_at(i, "Infinity")) {
      out += "null";
      i += 7;
      continue;
    }
    if (boundary && c == '-' && token_at(i + 1, "Infinity")) {
      out += "null";
      i += 8;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

Result<Record> read_comfyui_prompt_graph(std::string_view prompt_json) {
  const std::string what = "ComfyUI prompt graph";
  try {
    auto doc = parse_json(prompt_json, what);
    if (!doc) return doc.error();
    return read_graph(*doc, what);
  } catch (const std::exception& e) {
    return make_error(what + ": " + e.what());
  } catch (...) {
    return make_error(what + ": unexpected failure");
  }
}

Result<Record> read_comfyui_workflow(std::string_view workflow_json) {
  const std::string what = "ComfyUI workflow";
  try {
    auto doc = parse_json(workflow_json, what);
    if (!doc) return doc.error();
    if (!doc->is_object()) return make_error(what + ": not a JSON object");
    auto api = UiGraphConverter(what).convert(*doc);
    if (!api) return api.error();
    return read_graph(*api, what);
  } catch (const std::exception& e) {
    return make_error(what + ": " + e.what());
  } catch (...) {
    return make_error(what + ": unexpected failure");
  }
}

}  // namespace provena
