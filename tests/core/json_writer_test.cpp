#include "core/json_writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace provena {
namespace {

TEST(JsonWriter, WritesWhatAStrictParserReadsBack) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("text").value("quote \" backslash \\ newline \n tab \t ctrl \x01 猫 🐱");
  w.key("int").value(int64_t(-9223372036854775807LL - 1));
  w.key("cfg").value(7.0);
  w.key("cfg2").value(7.25);
  w.key("nan").value(std::nan(""));
  w.key("flag").value(true);
  w.key("none").null();
  w.key("list").begin_array().value("a").begin_array().value(1).end_array().begin_object().end_object().end_array();
  w.end_object();
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["text"], "quote \" backslash \\ newline \n tab \t ctrl \x01 猫 🐱");
  EXPECT_EQ(j["int"].get<int64_t>(), -9223372036854775807LL - 1);
  EXPECT_TRUE(j["cfg"].is_number_float());
  EXPECT_EQ(j["cfg2"].get<double>(), 7.25);
  EXPECT_TRUE(j["nan"].is_null());
  EXPECT_EQ(j["list"][1][0], 1);
  EXPECT_TRUE(j["list"][2].is_object());
  EXPECT_NE(out.find("7.0"), std::string::npos);
}

TEST(JsonWriter, ReplacesInvalidUtf8) {
  std::string out;
  JsonWriter(out).value("ok \xFF\xFE end");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
}

}  // namespace
}  // namespace provena
