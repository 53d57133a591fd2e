#include "appliance/http/url.h"

#include <gtest/gtest.h>

namespace loupe::appliance::http {
namespace {

TEST(UrlTest, PercentDecode) {
  EXPECT_EQ(*PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(*PercentDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(*PercentDecode("%7B%22x%22%7D", true), "{\"x\"}");
  EXPECT_FALSE(PercentDecode("%zz", true).ok());
  EXPECT_FALSE(PercentDecode("abc%2", true).ok());
  EXPECT_FALSE(PercentDecode("%", true).ok());
  EXPECT_EQ(*PercentDecode(PercentEncode("a b/c?d=é"), false), "a b/c?d=é");
}

TEST(UrlTest, ParseQueryKeepsOrderAndRepeats) {
  Params p;
  ASSERT_TRUE(ParseQuery("match[]=up&match[]=%7Bjob%3D%22a%22%7D&start=1&&flag", &p).ok());
  EXPECT_EQ(p.GetAll("match[]"), (std::vector<std::string>{"up", "{job=\"a\"}"}));
  EXPECT_EQ(*p.Get("start"), "1");
  EXPECT_TRUE(p.Has("flag"));
  EXPECT_EQ(*p.Get("flag"), "");
  EXPECT_EQ(p.Get("missing"), nullptr);
  Params bad;
  EXPECT_EQ(ParseQuery("a=%g1", &bad).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace loupe::appliance::http
