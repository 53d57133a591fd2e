#include "storage/model/labels.h"

#include <gtest/gtest.h>

#include "storage/model/matcher.h"

namespace loupe::storage::model {
namespace {

TEST(LabelsTest, SortedUniqueAndEmptyDropped) {
  Labels l{{"job", "api"}, {"__name__", "up"}, {"a", ""}, {"job", "web"}};
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l.items()[0].name, "__name__");
  EXPECT_EQ(l.Get("job"), "web");
  EXPECT_FALSE(l.Has("a"));
  EXPECT_EQ(l.ToString(), "up{job=\"web\"}");
}

TEST(LabelsTest, HashIsStableAndDistinguishesBoundaries) {
  Labels a{{"ab", "c"}};
  Labels b{{"a", "bc"}};
  EXPECT_NE(a.Hash(), b.Hash());
  EXPECT_EQ(a.Hash(), (Labels{{"ab", "c"}}).Hash());
}

TEST(LabelsTest, BuilderAndProjection) {
  Labels l{{"__name__", "x"}, {"job", "a"}, {"instance", "i"}};
  auto b = LabelsBuilder(l).Set("job", "b").Del("instance").Set("z", "1").Build();
  EXPECT_EQ(b.ToString(), "x{job=\"b\", z=\"1\"}");
  EXPECT_EQ(l.Keep({"job"}).ToString(), "{job=\"a\"}");
  EXPECT_EQ(l.Drop({"__name__", "job"}).ToString(), "{instance=\"i\"}");
  EXPECT_EQ(l.With("job", "").Has("job"), false);
}

TEST(LabelsTest, EscapesValues) {
  Labels l{{"a", "q\"b\\n\n"}};
  EXPECT_EQ(l.ToString(), "{a=\"q\\\"b\\\\n\\n\"}");
}

TEST(MatcherTest, AllTypesAndAnchoring) {
  auto eq = *Matcher::Create(MatchType::kEqual, "job", "api");
  auto ne = *Matcher::Create(MatchType::kNotEqual, "job", "api");
  auto re = *Matcher::Create(MatchType::kRegexMatch, "job", "ap.");
  auto nre = *Matcher::Create(MatchType::kRegexNoMatch, "job", "a.*");
  EXPECT_TRUE(eq.Matches("api"));
  EXPECT_FALSE(eq.Matches("apis"));
  EXPECT_TRUE(ne.Matches(""));
  EXPECT_TRUE(re.Matches("api"));
  EXPECT_FALSE(re.Matches("xapi")) << "regexes are fully anchored";
  EXPECT_FALSE(re.Matches("apis"));
  EXPECT_FALSE(nre.Matches("abc"));
  EXPECT_TRUE(nre.Matches("b"));
  EXPECT_EQ(re.ToString(), "job=~\"ap.\"");
}

TEST(MatcherTest, DotMatchesNewlineAndFastPathsAgreeWithRegex) {
  auto any = *Matcher::Create(MatchType::kRegexMatch, "x", ".*");
  EXPECT_TRUE(any.Matches("a\nb"));
  EXPECT_TRUE(any.MatchesEmpty());
  auto nonempty = *Matcher::Create(MatchType::kRegexMatch, "x", ".+");
  EXPECT_FALSE(nonempty.MatchesEmpty());
  EXPECT_TRUE(nonempty.Matches("\n"));
  auto prefix = *Matcher::Create(MatchType::kRegexMatch, "x", "foo.*");
  EXPECT_TRUE(prefix.Matches("foo\nbar"));
  EXPECT_FALSE(prefix.Matches("xfoo"));
  auto alt = *Matcher::Create(MatchType::kRegexMatch, "x", "a|b");
  EXPECT_TRUE(alt.Matches("b"));
  EXPECT_FALSE(alt.Matches("ab"));
}

TEST(MatcherTest, BadRegexIsInvalidArgument) {
  auto m = Matcher::Create(MatchType::kRegexMatch, "x", "a(");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("error parsing regexp"), std::string::npos);
}

}  // namespace
}  // namespace loupe::storage::model
