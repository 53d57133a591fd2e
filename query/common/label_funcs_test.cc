#include "query/common/label_funcs.h"

#include <gtest/gtest.h>

namespace loupe::query {
namespace {

using storage::model::Labels;

TEST(LabelReplaceTest, FullMatchAndExpansion) {
  auto r = LabelReplacer::Create("dst", "destination-value-$1", "src", "source-value-(.*)");
  ASSERT_TRUE(r.ok());
  Labels out;
  ASSERT_TRUE(r->Apply(Labels{{"src", "source-value-10"}, {"dst", "x"}}, &out));
  EXPECT_EQ(out.Get("dst"), "destination-value-10");
  // No substring match.
  auto r2 = LabelReplacer::Create("dst", "v-$1", "src", "value-(.*)");
  EXPECT_FALSE(r2->Apply(Labels{{"src", "source-value-10"}}, &out));
}

TEST(LabelReplaceTest, EmptyResultRemovesLabelAndAbsentSourceMatchesEmpty) {
  auto r = LabelReplacer::Create("dst", "", "dst", ".*");
  Labels out;
  ASSERT_TRUE(r->Apply(Labels{{"dst", "x"}, {"a", "b"}}, &out));
  EXPECT_FALSE(out.Has("dst"));
  auto r2 = LabelReplacer::Create("dst", "value-$1", "missing", "(.*)");
  ASSERT_TRUE(r2->Apply(Labels{{"a", "b"}}, &out));
  EXPECT_EQ(out.Get("dst"), "value-");
}

TEST(LabelReplaceTest, Errors) {
  auto bad = LabelReplacer::Create("dst", "x", "src", "(.*");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "invalid regular expression in label_replace(): (.*");
  auto bad_name = LabelReplacer::Create("\xff", "", "src", "(.*)");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.status().message(), "invalid destination label name in label_replace(): \xff");
}

TEST(ExpandTemplateTest, GoSemantics) {
  std::vector<std::string_view> g{"ab-cd", "ab", "cd"};
  std::vector<std::string> names{"", "first", ""};
  EXPECT_EQ(ExpandTemplate("$1-$2", g, names), "ab-cd");
  EXPECT_EQ(ExpandTemplate("${1}x", g, names), "abx");
  EXPECT_EQ(ExpandTemplate("$1x", g, names), "");  // group "1x" does not exist
  EXPECT_EQ(ExpandTemplate("$first", g, names), "ab");
  EXPECT_EQ(ExpandTemplate("$$1", g, names), "$1");
  EXPECT_EQ(ExpandTemplate("a$", g, names), "a$");
  EXPECT_EQ(ExpandTemplate("$9", g, names), "");
}

TEST(LabelJoinTest, JoinsAndValidates) {
  auto j = LabelJoiner::Create("dst", "-", {"src", "src3", "src1"});
  ASSERT_TRUE(j.ok());
  Labels out = j->Apply(Labels{{"src", "a"}, {"src1", "b"}});
  EXPECT_EQ(out.Get("dst"), "a--b");
  auto empty = LabelJoiner::Create("dst", "", {"x"});
  EXPECT_FALSE(empty->Apply(Labels{{"dst", "v"}}).Has("dst"));
  EXPECT_FALSE(LabelJoiner::Create("", "-", {}).ok());
}

}  // namespace
}  // namespace loupe::query
