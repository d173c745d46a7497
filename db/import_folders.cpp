#include "db/import_folders.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <ctime>

#include "db/catalog_internals.h"

namespace provena {

Result<std::vector<ImportFolder>> list_import_folders(const Catalog& catalog) {
  return guarded("list import folders", [&]() -> Result<std::vector<ImportFolder>> {
    SQLite::Statement st(CatalogInternals::db(catalog),
                         "SELECT path, added_at, scanned_at, files, failures FROM import_folders ORDER BY path");
    std::vector<ImportFolder> out;
    while (st.executeStep()) {
      ImportFolder f;
      f.path = st.getColumn(0).getString();
      f.added_at = st.getColumn(1).getInt64();
      if (!st.getColumn(2).isNull()) f.scanned_at = st.getColumn(2).getInt64();
      f.files = st.getColumn(3).getInt64();
      f.failures = st.getColumn(4).getInt64();
      out.push_back(std::move(f));
    }
    return out;
  });
}

Status remember_import_folder(Catalog& catalog, const std::string& path, const std::optional<FolderScan>& scan) {
  if (path.empty() || path[0] != '/') return make_error("import folder " + path + ": not an absolute path");
  return guarded("remember import folder", [&]() -> Status {
    auto& db = CatalogInternals::db(catalog);
    SQLite::Statement add(db, "INSERT OR IGNORE INTO import_folders(path, added_at) VALUES (?, ?)");
    add.bind(1, path);
    add.bind(2, static_cast<int64_t>(std::time(nullptr)));
    add.exec();
    if (scan) {
      SQLite::Statement up(db, "UPDATE import_folders SET scanned_at = ?, files = ?, failures = ? WHERE path = ?");
      up.bind(1, scan->scanned_at);
      up.bind(2, scan->files);
      up.bind(3, scan->failures);
      up.bind(4, path);
      up.exec();
    }
    return Ok{};
  });
}

Status forget_import_folder(Catalog& catalog, const std::string& path) {
  return guarded("forget import folder", [&]() -> Status {
    SQLite::Statement st(CatalogInternals::db(catalog), "DELETE FROM import_folders WHERE path = ?");
    st.bind(1, path);
    if (st.exec() == 0) return make_error("no import folder " + path + " in this library");
    return Ok{};
  });
}

}  // namespace provena
