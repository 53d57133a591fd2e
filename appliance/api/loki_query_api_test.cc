// Unit tests of the Loki query API's pieces: parameter parsing (Loki's texts), the JSON
// encoders, deletion queries and the query-time delete filter.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "appliance/api/loki_delete.h"
#include "appliance/api/loki_json.h"
#include "appliance/api/loki_query_internal.h"
#include "query/logql/eval/engine.h"
#include "query/logql/eval/memory_log_source.h"
#include "tests/testing/temp_dir.h"

namespace loupe::appliance::api {
namespace {

namespace ql = query::logql;
constexpr int64_t kSec = 1'000'000'000;

TEST(LokiParams, Timestamps) {
  EXPECT_EQ(*lokiq::ParseLokiTimestamp("4"), 4 * kSec);
  EXPECT_EQ(*lokiq::ParseLokiTimestamp("1700000000"), 1700000000 * kSec);
  EXPECT_EQ(*lokiq::ParseLokiTimestamp("17000000000"), 17000000000);  // > 1e10: nanoseconds
  EXPECT_EQ(*lokiq::ParseLokiTimestamp("4.5"), 4 * kSec + kSec / 2);
  EXPECT_EQ(*lokiq::ParseLokiTimestamp("1970-01-01T00:00:04.5Z"), 4 * kSec + kSec / 2);
  auto bad = lokiq::ParseLokiTimestamp("abc");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "strconv.ParseInt: parsing \"abc\": invalid syntax");
  bad = lokiq::ParseLokiTimestamp("x.y");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "strconv.ParseFloat: parsing \"x.y\": invalid syntax");
}

TEST(LokiParams, StepAndDurations) {
  EXPECT_EQ(*lokiq::ParseSecondsOrDuration("15"), 15 * kSec);
  EXPECT_EQ(*lokiq::ParseSecondsOrDuration("0.5"), kSec / 2);
  EXPECT_EQ(*lokiq::ParseSecondsOrDuration("5000ms"), 5 * kSec);
  auto bad = lokiq::ParseSecondsOrDuration("soon");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "cannot parse \"soon\" to a valid duration");
  // Loki's default step: max(1, floor(range_s / 250)) seconds.
  EXPECT_EQ(lokiq::DefaultStepNanos({0, 3600 * kSec}), 14 * kSec);
  EXPECT_EQ(lokiq::DefaultStepNanos({0, 60 * kSec}), kSec);
}

TEST(LokiParams, LimitDirectionAndFlags) {
  http::Request r;
  EXPECT_EQ(*lokiq::ParseLimit(r, "limit", 100), 100u);
  EXPECT_EQ(*lokiq::ParseDirection(r), ql::Direction::kBackward);
  r.params.Add("limit", "0");
  r.params.Add("direction", "FORWARD");
  EXPECT_EQ(lokiq::ParseLimit(r, "limit", 100).status().message(),
            "limit must be a positive value");
  EXPECT_EQ(*lokiq::ParseDirection(r), ql::Direction::kForward);
  EXPECT_FALSE(lokiq::CategorizeLabels(r));
  r.headers.emplace_back("x-loki-response-encoding-flags", "other, categorize-labels");
  EXPECT_TRUE(lokiq::CategorizeLabels(r));
}

TEST(LokiJson, StringEscapingAndTimes) {
  std::string out;
  AppendLokiJsonString(out, "a<b>&\"\n\xff", true);
  EXPECT_EQ(out, R"("a\u003cb\u003e\u0026\"\n\ufffd")");
  out.clear();
  AppendLokiJsonString(out, "a<b>", false);
  EXPECT_EQ(out, R"("a<b>")");

  ql::QueryResult r;
  r.type = ql::ResultType::kScalar;
  r.scalar.ts = 4 * kSec + kSec / 2;
  r.scalar.value = 2;
  const std::string body = LokiQueryResponseJson(r, false);
  EXPECT_EQ(body.substr(0, body.find(",\"stats\"")),
            R"({"status":"success","data":{"resultType":"scalar","result":[4.5,"2"])");
  EXPECT_TRUE(nlohmann::json::accept(body));
}

TEST(LokiJson, TailFrame) {
  TailEntry e{{{"app", "x"}}, {}};
  e.entry.ts = 5;
  e.entry.line = "hi";
  EXPECT_EQ(LokiTailFrameJson({e}, {}, false),
            R"({"streams":[{"stream":{"app":"x"},"values":[["5","hi"]]}]})");
  EXPECT_EQ(LokiTailFrameJson({}, {e}, true),
            R"({"streams":[],"dropped_entries":[{"timestamp":"5","labels":{"app":"x"}}],)"
            R"("encodingFlags":["categorize-labels"]})");
}

TEST(LokiDelete, QueryValidation) {
  EXPECT_TRUE(DeleteRequests::ParseQuery(R"({app="x"} |= "a" | logfmt | level="error")").ok());
  auto s = DeleteRequests::ParseQuery(R"(rate({app="x"}[1m]))").status();
  EXPECT_EQ(s.message(), "invalid query expression: parse error : only log selector is supported");
  s = DeleteRequests::ParseQuery(R"({app="x"} |~ "(")").status();
  EXPECT_EQ(s.message().rfind("invalid query expression: ", 0), 0u) << s.message();
}

// Lines a log query returns from `src`, oldest first.
std::vector<std::string> Lines(ql::LogSource& src, const std::string& query) {
  ql::Engine engine(&src);
  ql::QueryParams p;
  p.tenant = "t";
  p.query = query;
  p.start_ns = 0;
  p.end_ns = 100 * kSec;
  p.direction = ql::Direction::kForward;
  auto r = engine.Exec(p);
  EXPECT_TRUE(r.ok()) << r.status();
  std::vector<std::pair<int64_t, std::string>> all;
  if (r.ok()) {
    for (const auto& s : r->streams) {
      for (const auto& e : s.entries) all.emplace_back(e.ts, e.line);
    }
  }
  std::sort(all.begin(), all.end());
  std::vector<std::string> out;
  for (auto& [ts, l] : all) out.push_back(l);
  return out;
}

TEST(LokiDelete, FilterHidesMatchingEntriesInRange) {
  ql::MemoryLogSource mem;
  mem.Append("t", storage::model::Labels{{"app", "a"}}, {1 * kSec, "keep 1", {}});
  mem.Append("t", storage::model::Labels{{"app", "a"}}, {2 * kSec, "secret 2", {{"user", "u1"}}});
  mem.Append("t", storage::model::Labels{{"app", "a"}}, {3 * kSec, "secret 3", {{"user", "u2"}}});
  mem.Append("t", storage::model::Labels{{"app", "a"}}, {9 * kSec, "secret 9", {}});
  mem.Append("t", storage::model::Labels{{"app", "b"}}, {2 * kSec, "secret b", {}});
  DeleteRequests deletes("");
  DeleteFilterSource src(&mem, &deletes);
  EXPECT_EQ(Lines(src, R"({app=~"a|b"})").size(), 5u);

  DeleteRequest d;
  d.tenant = "t";
  d.query = R"({app="a"} |= "secret" | user="u1" or user="u2")";
  d.start_ms = 2000;
  d.end_ms = 3000;  // inclusive
  auto added = deletes.Add(d);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->request_id.size(), 8u);
  EXPECT_EQ(Lines(src, R"({app=~"a|b"})"),
            (std::vector<std::string>{"keep 1", "secret b", "secret 9"}));
  // Other tenants are not affected.
  DeleteRequest other = d;
  other.tenant = "u";
  ASSERT_TRUE(deletes.Add(other).ok());
  EXPECT_EQ(deletes.List("t").size(), 1u);
  EXPECT_EQ(deletes.Cancel("t", "nope").code(), StatusCode::kNotFound);
  ASSERT_TRUE(deletes.Cancel("t", added->request_id).ok());
  EXPECT_EQ(Lines(src, R"({app=~"a|b"})").size(), 5u);
}

TEST(LokiDelete, PersistsAcrossInstances) {
  loupe::testing::TempDir dir("lokidel_unit");
  const std::string path = dir.path() + "/deletes.json";
  std::string id;
  {
    DeleteRequests deletes(path);
    ASSERT_TRUE(deletes.Load().ok());
    DeleteRequest d;
    d.tenant = "t";
    d.query = R"({app="a"})";
    d.start_ms = 1;
    d.end_ms = 2;
    auto added = deletes.Add(d);
    ASSERT_TRUE(added.ok()) << added.status();
    id = added->request_id;
  }
  DeleteRequests again(path);
  ASSERT_TRUE(again.Load().ok());
  auto list = again.List("t");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].request_id, id);
  EXPECT_EQ(list[0].query, R"({app="a"})");
  EXPECT_EQ(list[0].end_ms, 2);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

}  // namespace
}  // namespace loupe::appliance::api
