#include "app/cli/library_open.h"

#include <cstdio>

namespace provena::cli {

std::unique_ptr<Catalog> open_catalog(const Args& args, Catalog::Mode mode) {
  std::string dir = resolve_library_dir(args.option("--library").value_or(""));
  auto catalog = open_library(dir, mode);
  if (!catalog) {
    std::fprintf(stderr, "provena: %s\n", catalog.error().message.c_str());
    return nullptr;
  }
  return std::move(catalog.value());
}

}  // namespace provena::cli
