// Schema migrations, embedded at build time from schema/NNNN_name.sql (append-only).
// Migration N brings a catalog from user_version N-1 to N.
#pragma once

#include <cstddef>

namespace provena::schema {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

extern const Migration kMigrations[];
extern const size_t kMigrationCount;

}  // namespace provena::schema
