// What db/ files other than catalog.cpp need of a Catalog: its connection, and the
// translation of SQLite exceptions into Result errors at the db boundary.
#pragma once

#include <exception>
#include <string>

#include "core/result.h"
#include "db/catalog.h"
#include "db/query_sql.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace provena {

struct CatalogInternals {
  static SQLite::Database& db(const Catalog& catalog);
};

// Binds `values` from parameter `first` on; returns the next free parameter index.
int bind_values(SQLite::Statement& st, const std::vector<SqlValue>& values, int first = 1);

template <typename F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return make_error(std::string("catalog: ") + what + ": " + e.what());
  }
}

}  // namespace provena
