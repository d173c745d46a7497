// `provena template add|edit|list|show|rm|expand|suggest|export|import|wildcard ...`:
// the prompt-template library.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/library_open.h"
#include "app/cli/output.h"
#include "core/file_io.h"
#include "db/template_store.h"

namespace provena::cli {
namespace {

using nlohmann::json;

std::vector<std::string> split_bar(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t bar = s.find('|', pos);
    out.push_back(s.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
    if (bar == std::string::npos) return out;
    pos = bar + 1;
  }
}

// NAME=VALUE options (--set, --slot, --param).
std::pair<std::string, std::string> name_value(const std::string& opt, const std::string& arg) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError{opt + " expects NAME=VALUE, got '" + arg + "'"};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

const std::string& name_arg(const Args& args, const char* sub) {
  if (args.positional().size() < 2) throw UsageError{std::string("template ") + sub + " needs a NAME"};
  return args.positional()[1];
}

void apply_edits(const Args& args, PromptTemplate& t) {
  if (auto p = args.option("--prompt")) t.prompt = *p;
  if (auto n = args.option("--negative")) t.negative = *n;
  for (const auto& s : args.all("--slot")) {
    auto [name, values] = name_value("--slot", s);
    t.slots[name] = split_bar(values);
  }
  for (const auto& s : args.all("--param")) {
    auto [name, value] = name_value("--param", s);
    bool replaced = false;
    for (auto& [k, v] : t.params)
      if (k == name) v = value, replaced = true;
    if (!replaced) t.params.emplace_back(name, value);
  }
}

json template_json(const PromptTemplate& t) {
  json params = json::object();
  for (const auto& [k, v] : t.params) params[k] = v;
  return {{"name", t.name}, {"prompt", t.prompt}, {"negative", t.negative}, {"version", t.version},
          {"slots", t.slots}, {"params", params}};
}

void print_template(const PromptTemplate& t) {
  std::printf("%s (version %d)\n", t.name.c_str(), t.version);
  std::printf("  prompt:   %s\n", t.prompt.c_str());
  if (!t.negative.empty()) std::printf("  negative: %s\n", t.negative.c_str());
  for (const auto& [slot, values] : t.slots) {
    std::string joined;
    for (const auto& v : values) joined += (joined.empty() ? "" : " | ") + v;
    std::printf("  {%s}: %s\n", slot.c_str(), joined.c_str());
  }
  for (const auto& [k, v] : t.params) std::printf("  %s = %s\n", k.c_str(), v.c_str());
}

int expand(const Args& args, Catalog& catalog) {
  const std::string& name = name_arg(args, "expand");
  auto found = find_template(catalog, name);
  if (!found) return report_error(found.error());
  if (!*found) return report_error(make_error("no template named " + name));
  auto wildcards = list_wildcards(catalog);
  if (!wildcards) return report_error(wildcards.error());
  ExpandOptions options;
  options.cap = static_cast<size_t>(args.int_option("--cap", 1000, 1, static_cast<long long>(kMaxExpansions)));
  for (const auto& s : args.all("--set")) {
    auto [slot, values] = name_value("--set", s);
    options.set[slot] = split_bar(values);
  }
  bool all = args.flag("--all");
  if (all && (args.option("--count") || args.option("--seed"))) throw UsageError{"--all and --count/--seed exclude each other"};
  Result<std::vector<Expansion>> out =
      all ? expand_all(**found, *wildcards, options)
          : expand_random(**found, *wildcards, options,
                          static_cast<size_t>(args.int_option("--count", 1, 1, static_cast<long long>(kMaxExpansions))),
                          static_cast<uint64_t>(args.int_option("--seed", 0, 0, INT64_MAX)));
  if (!out) return report_error(out.error());
  if (args.flag("--json")) {
    json a = json::array();
    for (const auto& e : *out)
      a.push_back({{"prompt", e.prompt}, {"negative", e.negative}, {"choices", e.choices},
                   {"template", {{"id", (*found)->name}, {"version", (*found)->version}}}});
    std::printf("%s\n", a.dump(2).c_str());
    return kExitOk;
  }
  for (const auto& e : *out) {
    std::printf("%s\n", e.prompt.c_str());
    if (!e.negative.empty()) std::printf("  negative: %s\n", e.negative.c_str());
  }
  return kExitOk;
}

int suggest(const Args& args, Catalog& catalog) {
  auto history = prompt_history(catalog, args.option("--query").value_or(""));
  if (!history) return report_error(history.error());
  SuggestOptions options;
  options.max_suggestions = static_cast<size_t>(args.int_option("--limit", 10, 1, 1000));
  auto suggestions = suggest_templates(*history, options);
  // --save N --name NAME keeps suggestion N (1-based) as a template, its observed values
  // as the slot's values.
  if (auto save = args.option("--save")) {
    long long n = args.int_option("--save", 1, 1, static_cast<long long>(suggestions.size() ? suggestions.size() : 1));
    if (suggestions.empty()) return report_error(make_error("no suggestions to save"));
    auto name = args.option("--name");
    if (!name) throw UsageError{"--save needs --name NAME"};
    const auto& s = suggestions[static_cast<size_t>(n - 1)];
    PromptTemplate t;
    t.name = *name;
    t.prompt = s.prompt;
    for (const auto& [value, count] : s.values) t.slots["subject"].push_back(value);
    if (auto st = add_template(catalog, t); !st) return report_error(st.error());
    std::printf("saved template %s: %s\n", t.name.c_str(), t.prompt.c_str());
    return kExitOk;
  }
  if (args.flag("--json")) {
    json a = json::array();
    for (const auto& s : suggestions) {
      json values = json::array();
      for (const auto& [v, c] : s.values) values.push_back({{"value", v}, {"count", c}});
      a.push_back({{"prompt", s.prompt}, {"records", s.records}, {"prompts", s.prompts}, {"values", values}});
    }
    std::printf("%s\n", a.dump(2).c_str());
    return kExitOk;
  }
  if (suggestions.empty()) std::fprintf(stderr, "no recurring prompt patterns found (%zu distinct prompts)\n", history->size());
  for (size_t i = 0; i < suggestions.size(); ++i) {
    const auto& s = suggestions[i];
    std::printf("%zu. %s\n   %lld records, %zu distinct prompts; {subject} was:", i + 1, s.prompt.c_str(),
                static_cast<long long>(s.records), s.prompts);
    for (size_t v = 0; v < s.values.size() && v < 5; ++v)
      std::printf("%s %s (%lld)", v ? "," : "", one_line(s.values[v].first, 40).c_str(),
                  static_cast<long long>(s.values[v].second));
    std::printf("%s\n", s.values.size() > 5 ? ", ..." : "");
  }
  if (!suggestions.empty()) std::fprintf(stderr, "keep one with: provena template suggest --save N --name NAME\n");
  return kExitOk;
}

int wildcard(const Args& args, Catalog& catalog) {
  const std::string& name = name_arg(args, "wildcard");
  std::vector<std::string> values(args.positional().begin() + 2, args.positional().end());
  if (auto file = args.option("--from")) {  // one value per line, like dynamic-prompts wildcard files
    auto text = read_file(*file);
    if (!text) return report_error(text.error());
    size_t pos = 0;
    while (pos < text->size()) {
      size_t nl = text->find('\n', pos);
      std::string line = text->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty() && line[0] != '#') values.push_back(line);
      pos = nl == std::string::npos ? text->size() : nl + 1;
    }
  }
  if (values.empty() && !args.flag("--rm")) {
    auto lists = list_wildcards(catalog);
    if (!lists) return report_error(lists.error());
    auto it = lists->find(name);
    if (it == lists->end()) return report_error(make_error("no wildcard named " + name));
    for (const auto& v : it->second) std::printf("%s\n", v.c_str());
    return kExitOk;
  }
  if (auto st = set_wildcard(catalog, name, args.flag("--rm") ? std::vector<std::string>() : values); !st)
    return report_error(st.error());
  std::fprintf(stderr, args.flag("--rm") ? "removed __%s__\n" : "__%s__ has %zu values\n", name.c_str(), values.size());
  return kExitOk;
}

}  // namespace

int cmd_template(const std::vector<std::string>& argv) {
  Args args(argv, {"--json", "--all", "--rm"},
            {"--prompt", "--negative", "--slot", "--param", "--set", "--count", "--seed", "--cap", "--query", "--limit",
             "--save", "--name", "--from"});
  if (args.positional().empty())
    throw UsageError{"template needs a command: add, edit, list, show, rm, expand, suggest, export, import, wildcard"};
  const std::string& sub = args.positional()[0];
  static const char* kSubs[] = {"add", "edit", "list", "show", "rm", "expand", "suggest", "export", "import", "wildcard"};
  bool known = false;
  for (const char* s : kSubs) known = known || sub == s;
  if (!known) throw UsageError{"unknown template command '" + sub + "'"};
  const size_t want = sub == "list" || sub == "suggest" ? 1 : 2;
  if (sub != "wildcard" && args.positional().size() != want)
    throw UsageError{"template " + sub + (want == 1 ? " takes no arguments" : " takes exactly one argument") +
                     " (quote values with spaces)"};
  auto catalog = open_catalog(args, Catalog::Mode::kReadWrite);
  if (!catalog) return kExitFailures;
  Catalog& c = *catalog;

  if (sub == "add") {
    PromptTemplate t;
    t.name = name_arg(args, "add");
    if (!args.option("--prompt")) throw UsageError{"template add needs --prompt TEXT"};
    apply_edits(args, t);
    if (auto st = add_template(c, t); !st) return report_error(st.error());
    std::fprintf(stderr, "added template %s\n", t.name.c_str());
    return kExitOk;
  }
  if (sub == "edit") {
    auto found = find_template(c, name_arg(args, "edit"));
    if (!found) return report_error(found.error());
    if (!*found) return report_error(make_error("no template named " + name_arg(args, "edit")));
    apply_edits(args, **found);
    auto version = update_template(c, **found);
    if (!version) return report_error(version.error());
    std::fprintf(stderr, "template %s is now version %d\n", (*found)->name.c_str(), *version);
    return kExitOk;
  }
  if (sub == "list") {
    auto all = list_templates(c);
    if (!all) return report_error(all.error());
    if (args.flag("--json")) {
      json a = json::array();
      for (const auto& t : *all) a.push_back(template_json(t));
      std::printf("%s\n", a.dump(2).c_str());
      return kExitOk;
    }
    for (const auto& t : *all) std::printf("%-24s v%-3d %s\n", t.name.c_str(), t.version, one_line(t.prompt, 80).c_str());
    return kExitOk;
  }
  if (sub == "show") {
    auto found = find_template(c, name_arg(args, "show"));
    if (!found) return report_error(found.error());
    if (!*found) return report_error(make_error("no template named " + name_arg(args, "show")));
    if (args.flag("--json")) std::printf("%s\n", template_json(**found).dump(2).c_str());
    else print_template(**found);
    return kExitOk;
  }
  if (sub == "rm") {
    if (auto st = remove_template(c, name_arg(args, "rm")); !st) return report_error(st.error());
    return kExitOk;
  }
  if (sub == "expand") return expand(args, c);
  if (sub == "suggest") return suggest(args, c);
  if (sub == "wildcard") return wildcard(args, c);
  const std::string& file = name_arg(args, sub.c_str());
  if (sub == "export") {
    auto all = list_templates(c);
    if (!all) return report_error(all.error());
    auto wildcards = list_wildcards(c);
    if (!wildcards) return report_error(wildcards.error());
    if (auto st = write_file_atomic(file, templates_to_json(*all, *wildcards) + "\n"); !st) return report_error(st.error());
    std::fprintf(stderr, "exported %zu templates and %zu wildcards to %s\n", all->size(), wildcards->size(), file.c_str());
    return kExitOk;
  }
  auto text = read_file(file);  // import
  if (!text) return report_error(text.error());
  auto parsed = templates_from_json(*text);
  if (!parsed) return report_error(make_error(file + ": " + parsed.error().message));
  auto counts = import_templates(c, parsed->first, parsed->second);
  if (!counts) return report_error(make_error(file + ": " + counts.error().message));
  std::fprintf(stderr, "%s: %d added, %d updated, %d unchanged, %d wildcards\n", file.c_str(), counts->added,
               counts->updated, counts->unchanged, counts->wildcards);
  return kExitOk;
}

}  // namespace provena::cli
