#include "db/template_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "db/catalog_internals.h"
#include "db/negative_index.h"
#include "db/query_sql.h"

namespace provena {
namespace {

using nlohmann::json;

constexpr const char* kTemplateColumns = "SELECT name, prompt, negative, version, slots, params FROM templates ";

PromptTemplate load_template(SQLite::Statement& st) {
  PromptTemplate t;
  t.name = st.getColumn(0).getString();
  t.prompt = st.getColumn(1).getString();
  t.negative = st.getColumn(2).getString();
  t.version = st.getColumn(3).getInt();
  // Written by this file only; a damaged value reads as empty rather than failing the list.
  json slots = json::parse(st.getColumn(4).getString(), nullptr, false);
  if (slots.is_object())
    for (auto& [k, v] : slots.items())
      if (v.is_array())
        for (auto& item : v)
          if (item.is_string()) t.slots[k].push_back(item.get<std::string>());
  json params = json::parse(st.getColumn(5).getString(), nullptr, false);
  if (params.is_array())
    for (auto& p : params)
      if (p.is_array() && p.size() == 2 && p[0].is_string() && p[1].is_string())
        t.params.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
  return t;
}

std::string slots_json(const PromptTemplate& t) { return json(t.slots).dump(); }
std::string params_json(const PromptTemplate& t) {
  json a = json::array();  // pairs keep the user's order
  for (const auto& [k, v] : t.params) a.push_back({k, v});
  return a.dump();
}

Status check(const PromptTemplate& t) {
  if (t.name.empty()) return make_error("a template needs a name");
  if (t.prompt.empty()) return make_error("template " + t.name + ": the prompt is empty");
  if (auto s = check_template(t.prompt); !s) return make_error("template " + t.name + ": prompt: " + s.error().message);
  if (auto s = check_template(t.negative); !s)
    return make_error("template " + t.name + ": negative: " + s.error().message);
  return Ok{};
}

void insert(SQLite::Database& db, const PromptTemplate& t) {
  SQLite::Statement st(db, "INSERT INTO templates(name, prompt, negative, version, slots, params, created_at, updated_at) "
                           "VALUES (?, ?, ?, 1, ?, ?, ?, ?)");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  st.bind(1, t.name);
  st.bind(2, t.prompt);
  st.bind(3, t.negative);
  st.bind(4, slots_json(t));
  st.bind(5, params_json(t));
  st.bind(6, now);
  st.bind(7, now);
  st.exec();
}

int update(SQLite::Database& db, const PromptTemplate& t) {
  SQLite::Statement st(db, "UPDATE templates SET prompt = ?, negative = ?, slots = ?, params = ?, "
                           "version = version + 1, updated_at = ? WHERE name = ? RETURNING version");
  st.bind(1, t.prompt);
  st.bind(2, t.negative);
  st.bind(3, slots_json(t));
  st.bind(4, params_json(t));
  st.bind(5, static_cast<int64_t>(std::time(nullptr)));
  st.bind(6, t.name);
  return st.executeStep() ? st.getColumn(0).getInt() : 0;
}

}  // namespace

Result<std::vector<PromptTemplate>> list_templates(const Catalog& catalog) {
  return guarded("listing templates", [&]() -> Result<std::vector<PromptTemplate>> {
    SQLite::Statement st(CatalogInternals::db(catalog), std::string(kTemplateColumns) + "ORDER BY name");
    std::vector<PromptTemplate> out;
    while (st.executeStep()) out.push_back(load_template(st));
    return out;
  });
}

Result<std::optional<PromptTemplate>> find_template(const Catalog& catalog, const std::string& name) {
  return guarded("reading a template", [&]() -> Result<std::optional<PromptTemplate>> {
    SQLite::Statement st(CatalogInternals::db(catalog), std::string(kTemplateColumns) + "WHERE name = ?");
    st.bind(1, name);
    if (!st.executeStep()) return std::optional<PromptTemplate>();
    return std::optional<PromptTemplate>(load_template(st));
  });
}

Status add_template(Catalog& catalog, const PromptTemplate& tpl) {
  if (auto s = check(tpl); !s) return s;
  if (auto existing = find_template(catalog, tpl.name); !existing) return existing.error();
  else if (*existing) return make_error("template " + tpl.name + " already exists (edit it, or remove it first)");
  return guarded("adding a template", [&]() -> Status {
    insert(CatalogInternals::db(catalog), tpl);
    return Ok{};
  });
}

Result<int> update_template(Catalog& catalog, const PromptTemplate& tpl) {
  if (auto s = check(tpl); !s) return s.error();
  auto version = guarded("updating a template", [&]() -> Result<int> { return update(CatalogInternals::db(catalog), tpl); });
  if (version && *version == 0) return make_error("no template named " + tpl.name);
  return version;
}

Status remove_template(Catalog& catalog, const std::string& name) {
  auto removed = guarded("removing a template", [&]() -> Result<int> {
    SQLite::Statement st(CatalogInternals::db(catalog), "DELETE FROM templates WHERE name = ?");
    st.bind(1, name);
    return st.exec();
  });
  if (!removed) return removed.error();
  if (*removed == 0) return make_error("no template named " + name);
  return Ok{};
}

Result<WildcardLists> list_wildcards(const Catalog& catalog) {
  return guarded("listing wildcards", [&]() -> Result<WildcardLists> {
    SQLite::Statement st(CatalogInternals::db(catalog), "SELECT name, items FROM wildcards ORDER BY name");
    WildcardLists out;
    while (st.executeStep()) {
      auto& values = out[st.getColumn(0).getString()];
      json items = json::parse(st.getColumn(1).getString(), nullptr, false);
      if (items.is_array())
        for (auto& i : items)
          if (i.is_string()) values.push_back(i.get<std::string>());
    }
    return out;
  });
}

Status set_wildcard(Catalog& catalog, const std::string& name, const std::vector<std::string>& values) {
  if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/") !=
                          std::string::npos)
    return make_error("wildcard name '" + name + "': use letters, digits, '_', '-' or '/'");
  return guarded("storing a wildcard", [&]() -> Status {
    SQLite::Database& db = CatalogInternals::db(catalog);
    if (values.empty()) {
      SQLite::Statement st(db, "DELETE FROM wildcards WHERE name = ?");
      st.bind(1, name);
      st.exec();
      return Ok{};
    }
    SQLite::Statement st(db, "INSERT INTO wildcards(name, items) VALUES (?, ?) "
                             "ON CONFLICT(name) DO UPDATE SET items = excluded.items");
    st.bind(1, name);
    st.bind(2, json(values).dump());
    st.exec();
    return Ok{};
  });
}

Result<TemplateImportCounts> import_templates(Catalog& catalog, const std::vector<PromptTemplate>& templates,
                                              const WildcardLists& wildcards) {
  for (const auto& t : templates)
    if (auto s = check(t); !s) return s.error();
  return guarded("importing templates", [&]() -> Result<TemplateImportCounts> {
    SQLite::Database& db = CatalogInternals::db(catalog);
    TemplateImportCounts counts;
    SQLite::Transaction tx(db);
    for (const auto& t : templates) {
      SQLite::Statement find(db, std::string(kTemplateColumns) + "WHERE name = ?");
      find.bind(1, t.name);
      if (!find.executeStep()) {
        insert(db, t);
        ++counts.added;
        continue;
      }
      PromptTemplate old = load_template(find);
      if (old.prompt == t.prompt && old.negative == t.negative && old.slots == t.slots && old.params == t.params) {
        ++counts.unchanged;
        continue;
      }
      update(db, t);
      ++counts.updated;
    }
    for (const auto& [name, values] : wildcards) {
      SQLite::Statement st(db, "INSERT INTO wildcards(name, items) VALUES (?, ?) "
                               "ON CONFLICT(name) DO UPDATE SET items = excluded.items");
      st.bind(1, name);
      st.bind(2, json(values).dump());
      st.exec();
      ++counts.wildcards;
    }
    tx.commit();
    return counts;
  });
}

Result<std::vector<PromptSample>> prompt_history(const Catalog& catalog, const std::string& query, int limit) {
  auto q = parse_search_query(query);
  if (!q) return q.error();
  auto compiled = compile_query(*q, negative_lookup(CatalogInternals::db(catalog)));
  if (!compiled) return compiled.error();
  return guarded("reading the prompt history", [&]() -> Result<std::vector<PromptSample>> {
    SqlScope scope = scope_sql(*compiled);
    SQLite::Statement st(CatalogInternals::db(catalog),
                         "SELECT t.prompt, count(*) FROM generation_texts t WHERE t.asset_id IN (SELECT g.asset_id " +
                             scope.from_where + ") AND coalesce(t.prompt, '') <> '' GROUP BY t.prompt "
                             "ORDER BY 2 DESC, 1 LIMIT ?");
    st.bind(bind_values(st, scope.binds), limit);
    std::vector<PromptSample> out;
    while (st.executeStep()) out.push_back({st.getColumn(0).getString(), st.getColumn(1).getInt64()});
    return out;
  });
}

}  // namespace provena
