#include "db/model_registry.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cctype>

#include "db/catalog_internals.h"

namespace provena {
namespace {

constexpr const char* kColumns = "SELECT path, size, mtime_ns, sha256, short_hash, family, name, scanned_at, legacy_hash FROM models ";

ModelEntry load(SQLite::Statement& st) {
  ModelEntry e;
  e.path = st.getColumn(0).getString();
  e.size = st.getColumn(1).getInt64();
  e.mtime_ns = st.getColumn(2).getInt64();
  e.sha256 = st.getColumn(3).getString();
  e.short_hash = st.getColumn(4).getString();
  e.family = st.getColumn(5).getString();
  e.name = st.getColumn(6).getString();
  e.scanned_at = st.getColumn(7).getInt64();
  e.legacy_hash = st.getColumn(8).getString();
  return e;
}

}  // namespace

Result<std::vector<ModelEntry>> list_models(const Catalog& catalog) {
  return guarded("list models", [&]() -> Result<std::vector<ModelEntry>> {
    SQLite::Statement st(CatalogInternals::db(catalog), std::string(kColumns) + "ORDER BY name, path");
    std::vector<ModelEntry> out;
    while (st.executeStep()) out.push_back(load(st));
    return out;
  });
}

Status store_models(Catalog& catalog, const std::vector<ModelEntry>& entries, const std::vector<std::string>& gone) {
  return guarded("store models", [&]() -> Status {
    auto& db = CatalogInternals::db(catalog);
    SQLite::Transaction tx(db);
    SQLite::Statement put(db, "INSERT OR REPLACE INTO models(path, size, mtime_ns, sha256, short_hash, family, name, "
                              "scanned_at, legacy_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& e : entries) {
      put.reset();
      put.bind(1, e.path);
      put.bind(2, e.size);
      put.bind(3, e.mtime_ns);
      put.bind(4, e.sha256);
      put.bind(5, e.short_hash);
      put.bind(6, e.family);
      put.bind(7, e.name);
      put.bind(8, e.scanned_at);
      put.bind(9, e.legacy_hash);
      put.exec();
    }
    SQLite::Statement del(db, "DELETE FROM models WHERE path = ?");
    for (const auto& p : gone) {
      del.reset();
      del.bind(1, p);
      del.exec();
    }
    tx.commit();
    return Ok{};
  });
}

Result<std::optional<ModelEntry>> find_model_by_hash(const Catalog& catalog, const std::string& hash) {
  std::string h;
  for (char c : hash) h.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (h.size() < 8 || h.size() > 64 || h.find_first_not_of("0123456789abcdef") != std::string::npos)
    return make_error("model hash '" + hash + "': expected 8 to 64 hex digits");
  return guarded("find model", [&]() -> Result<std::optional<ModelEntry>> {
    auto& db = CatalogInternals::db(catalog);
    // An exact short hash or full sha256 first (indexed), then A1111's old 8-digit hash
    // (which is not a prefix of the sha256), then any prefix.
    SQLite::Statement st(db, std::string(kColumns) +
                                 "WHERE sha256 = ?1 OR short_hash = ?1 OR legacy_hash = ?1 OR "
                                 "substr(sha256, 1, length(?1)) = ?1 "
                                 "ORDER BY (sha256 = ?1 OR short_hash = ?1) DESC, (legacy_hash = ?1) DESC, scanned_at DESC "
                                 "LIMIT 1");
    st.bind(1, h);
    if (st.executeStep()) return std::optional<ModelEntry>(load(st));
    return std::optional<ModelEntry>();
  });
}

Result<std::optional<ModelEntry>> find_model_by_path(const Catalog& catalog, const std::string& path) {
  return guarded("find model", [&]() -> Result<std::optional<ModelEntry>> {
    SQLite::Statement st(CatalogInternals::db(catalog), std::string(kColumns) + "WHERE path = ?");
    st.bind(1, path);
    if (st.executeStep()) return std::optional<ModelEntry>(load(st));
    return std::optional<ModelEntry>();
  });
}

}  // namespace provena
