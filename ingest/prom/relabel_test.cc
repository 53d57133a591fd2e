#include "ingest/prom/relabel.h"

#include <gtest/gtest.h>

namespace loupe::ingest::prom {
namespace {

using storage::model::Labels;

RelabelConfig Rule(RelabelSpec spec) {
  auto r = RelabelConfig::Make(spec);
  EXPECT_TRUE(r.ok()) << r.status();
  return *r;
}

std::string Apply(const Labels& in, const std::vector<RelabelConfig>& rules) {
  auto out = Relabel(in, rules);
  return out ? out->ToString() : "dropped";
}

const Labels kIn{{"__address__", "10.0.0.1:9100"}, {"__meta_zone", "eu-west-1a"}, {"job", "node"},
                 {"team", "Payments"}};

TEST(RelabelTest, ReplaceWithGroupsAndTemplatedTargets) {
  RelabelSpec s;
  s.source_labels = {"__address__"};
  s.regex = "([^:]+):(\\d+)";
  s.target_label = "host";
  s.replacement = "$1";
  RelabelSpec port = s;
  port.target_label = "port_${2}";
  port.replacement = "p$2";
  RelabelSpec named = s;
  named.regex = "(?P<ip>[^:]+):.*";
  named.target_label = "ip";
  named.replacement = "${ip}-$$-$ip";
  EXPECT_EQ(Apply(kIn, {Rule(s), Rule(port), Rule(named)}),
            "{__address__=\"10.0.0.1:9100\", __meta_zone=\"eu-west-1a\", host=\"10.0.0.1\", "
            "ip=\"10.0.0.1-$-10.0.0.1\", job=\"node\", port_9100=\"p9100\", team=\"Payments\"}");
}

TEST(RelabelTest, ReplaceJoinsSourcesAndDeletesOnEmptyResult) {
  RelabelSpec s;
  s.source_labels = {"job", "team"};
  s.separator = "/";
  s.target_label = "key";
  EXPECT_EQ(Relabel(kIn, {Rule(s)})->Get("key"), "node/Payments");
  // No match: nothing changes. Empty result: the label goes.
  RelabelSpec nomatch = s;
  nomatch.regex = "x.*";
  EXPECT_EQ(Relabel(kIn, {Rule(nomatch)})->Has("key"), false);
  RelabelSpec del;
  del.source_labels = {"missing"};
  del.target_label = "team";
  EXPECT_FALSE(Relabel(kIn, {Rule(del)})->Has("team"));
  // `$1x` names group "1x", which does not exist (Go's Expand): empty.
  RelabelSpec go;
  go.source_labels = {"job"};
  go.target_label = "g";
  go.replacement = "$1x";
  EXPECT_FALSE(Relabel(kIn, {Rule(go)})->Has("g"));
  go.replacement = "${1}x";
  EXPECT_EQ(Relabel(kIn, {Rule(go)})->Get("g"), "nodex");
}

TEST(RelabelTest, RegexIsFullyAnchored) {
  RelabelSpec keep;
  keep.source_labels = {"job"};
  keep.regex = "no";
  keep.action = "keep";
  EXPECT_EQ(Apply(kIn, {Rule(keep)}), "dropped");
  keep.regex = "no.e";
  EXPECT_NE(Apply(kIn, {Rule(keep)}), "dropped");
  RelabelSpec drop = keep;
  drop.action = "DROP";  // actions are case-insensitive
  EXPECT_EQ(Apply(kIn, {Rule(drop)}), "dropped");
}

TEST(RelabelTest, KeepEqualAndDropEqual) {
  const Labels l{{"a", "x"}, {"b", "x"}, {"c", "y"}};
  RelabelSpec s;
  s.source_labels = {"a"};
  s.target_label = "b";
  s.action = "keepequal";
  EXPECT_NE(Apply(l, {Rule(s)}), "dropped");
  s.action = "dropequal";
  EXPECT_EQ(Apply(l, {Rule(s)}), "dropped");
  s.target_label = "c";
  EXPECT_NE(Apply(l, {Rule(s)}), "dropped");
}

TEST(RelabelTest, HashModIsPrometheusMd5) {
  RelabelSpec s;
  s.source_labels = {"__address__"};
  s.target_label = "shard";
  s.modulus = 1000000007;
  s.action = "hashmod";
  // md5("10.0.0.1:9100") = 1eac7f871dc4b32a 4cfeac4083628b3d; the low 8 bytes big-endian
  // are 5548061184049187645, mod 1e9+7 = 212759630 (Python's hashlib).
  EXPECT_EQ(Relabel(kIn, {Rule(s)})->Get("shard"), "212759630");
}

TEST(RelabelTest, LabelMapDropKeepAndCase) {
  RelabelSpec map;
  map.regex = "__meta_(.+)";
  map.action = "labelmap";
  RelabelSpec drop;
  drop.regex = "__meta_.*";
  drop.action = "labeldrop";
  RelabelSpec lower;
  lower.source_labels = {"team"};
  lower.target_label = "team_lc";
  lower.action = "lowercase";
  RelabelSpec upper = lower;
  upper.target_label = "team_uc";
  upper.action = "uppercase";
  EXPECT_EQ(Apply(kIn, {Rule(map), Rule(drop), Rule(lower), Rule(upper)}),
            "{__address__=\"10.0.0.1:9100\", job=\"node\", team=\"Payments\", team_lc=\"payments\", "
            "team_uc=\"PAYMENTS\", zone=\"eu-west-1a\"}");
  RelabelSpec keep;
  keep.regex = "job|team";
  keep.action = "labelkeep";
  EXPECT_EQ(Apply(kIn, {Rule(keep)}), "{job=\"node\", team=\"Payments\"}");
}

TEST(RelabelTest, InvalidRulesAreRefusedWithPrometheusWording) {
  auto err = [](RelabelSpec s) {
    auto r = RelabelConfig::Make(s);
    return r.ok() ? std::string("ok") : std::string(r.status().message());
  };
  RelabelSpec s;
  s.action = "explode";
  EXPECT_EQ(err(s), "unknown relabel action \"explode\"");
  s = {};
  s.action = "hashmod";
  s.target_label = "x";
  EXPECT_EQ(err(s), "relabel configuration for hashmod requires non-zero modulus");
  s = {};
  EXPECT_EQ(err(s), "relabel configuration for replace action requires 'target_label' value");
  s.target_label = "1bad";
  EXPECT_EQ(err(s), "\"1bad\" is invalid 'target_label' for replace action");
  s.target_label = "${1}_ok";
  EXPECT_EQ(err(s), "ok");
  s = {};
  s.action = "labeldrop";
  s.source_labels = {"a"};
  EXPECT_EQ(err(s), "labeldrop action requires only 'regex', and no other fields");
  s = {};
  s.action = "keepequal";
  s.target_label = "t";
  s.regex = "x";
  EXPECT_EQ(err(s), "keepequal action requires only 'source_labels' and `target_label`, and no other fields");
  s = {};
  s.target_label = "t";
  s.regex = "(";
  EXPECT_NE(err(s).find("error parsing regexp"), std::string::npos);
}

}  // namespace
}  // namespace loupe::ingest::prom
