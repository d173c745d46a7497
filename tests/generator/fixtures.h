// The generator's reference vectors in ../shared/fixtures/generator (see its README);
// tests that need them skip with a message when they are absent.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "generator/safetensors.h"

namespace provena::testing {

inline std::string generator_fixture(const std::string& name) {
  return std::string(PROVENA_SHARED_DIR) + "/fixtures/generator/" + name;
}

inline bool have_generator_fixtures() { return std::filesystem::exists(generator_fixture("README.md")); }

#define PROVENA_NEED_GENERATOR_FIXTURES()                                                   \
  if (!::provena::testing::have_generator_fixtures()) GTEST_SKIP() << "../shared/fixtures/generator is absent"

}  // namespace provena::testing
