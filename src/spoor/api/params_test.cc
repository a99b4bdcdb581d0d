#include "spoor/api/params.h"

#include "gtest/gtest.h"

namespace spoor::api {
namespace {

namespace json = boost::json;

TEST(RequestParams, FoldsBracketedKeysIntoObjectsAndArrays) {
  auto p = RequestParams(
      "where%5B0%5D%5Bcol%5D=email&where[0][expr]=eq&where[0][val]=a%40b.c&tags[]=x&tags[]=y&limit=5",
      "", "");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(json::serialize(*p),
            R"({"where":{"0":{"col":"email","expr":"eq","val":"a@b.c"}},"tags":["x","y"],"limit":"5"})");
}

TEST(RequestParams, JsonBodyWinsAndArraysBecomeBatches) {
  auto p = RequestParams("a=1", R"({"a":2,"b":[1]})", "application/json; charset=utf-8");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->at("a").as_int64(), 2);
  auto batch = RequestParams("", R"([{"email":"a@b.c"}])", "application/json");
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->at("_items").is_array());
}

TEST(RequestParams, RefusesMalformedInput) {
  EXPECT_FALSE(RequestParams("a[=1", "", "").ok());
  EXPECT_FALSE(RequestParams("a[b]x=1", "", "").ok());
  EXPECT_FALSE(RequestParams("[a]=1", "", "").ok());
  EXPECT_FALSE(RequestParams("a=1&a[b]=2", "", "").ok());
  EXPECT_FALSE(RequestParams("a[1][2][3][4][5][6]=1", "", "").ok());
  EXPECT_FALSE(RequestParams("", "{not json", "application/json").ok());
  EXPECT_FALSE(RequestParams("", "\"a string\"", "application/json").ok());
  EXPECT_FALSE(RequestParams("", std::string(200, '[') + std::string(200, ']'), "application/json").ok());
}

TEST(RequestParams, LastPlainValueWins) {
  auto p = RequestParams("a=1&a=2", "", "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->at("a").as_string(), "2");
}

TEST(Elements, ReadsArraysObjectsAndScalars) {
  EXPECT_EQ(Elements(json::parse(R"([1,2])")).size(), 2u);
  EXPECT_EQ(Elements(json::parse(R"({"0":1,"1":2,"2":3})")).size(), 3u);
  EXPECT_EQ(Elements(json::parse("7")).size(), 1u);
  EXPECT_EQ(ScalarText(json::parse("true")), "1");
  EXPECT_EQ(ScalarText(json::parse("12")), "12");
  EXPECT_EQ(ScalarText(json::parse("null")), "");
  EXPECT_FALSE(ScalarText(json::parse("[]")).has_value());
}

}  // namespace
}  // namespace spoor::api
