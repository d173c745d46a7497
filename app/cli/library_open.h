#pragma once

#include <memory>

#include "app/cli/args.h"
#include "app/library/library.h"

namespace provena::cli {

// Opens the library named by --library / PROVENA_LIBRARY / the XDG default, printing the
// error and returning null on failure.
std::unique_ptr<Catalog> open_catalog(const Args& args, Catalog::Mode mode);

}  // namespace provena::cli
