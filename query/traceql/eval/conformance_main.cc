// Runs every query of Tempo's test_examples.yaml (path given as the only argument, read at run
// time, never copied here) through Search and QueryRange over a small fixture store:
//   valid           must parse, validate and evaluate on its endpoint (search or metrics), with
//                   the same answer with and without the pushdown;
//   parse_fails     must fail to parse ("invalid TraceQL query: parse error at line ...");
//   validate_fails  must parse and be refused with kInvalidArgument (validation);
//   unsupported     may evaluate or be refused as "not yet supported".
// In every section the other endpoint must refuse the query cleanly and nothing may end in an
// internal error. Prints "<section> N/M passed" per section, then "N passed, N failed"; exits
// 1 on any failure, 2 when the file is unreadable, 77 when it is absent.
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "query/traceql/eval/engine.h"
#include "query/traceql/eval/internal.h"
#include "query/traceql/eval/test_util.h"
#include "query/traceql/syntax/parser.h"

namespace tq = loupe::query::traceql;
namespace eval = loupe::query::traceql::eval;

namespace {

constexpr int64_t kBase = 1'700'000'000'000'000'000;

bool Clean(const loupe::Status& s) {
  return s.code() == loupe::StatusCode::kInvalidArgument ||
         s.code() == loupe::StatusCode::kUnimplemented;
}

// The search result without its metrics (bytes read differ between the two scan modes).
std::string Traces(tq::SearchResponse r) {
  r.metrics = {};
  return tq::ToJson(r);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s test_examples.yaml\n", argv[0]);
    return 2;
  }
  if (!std::filesystem::exists(argv[1])) {
    std::printf("skipped: %s is absent\n", argv[1]);
    return 77;
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot read %s: %s\n", argv[1], e.what());
    return 2;
  }
  tq::testing::TestStore store;
  if (!store.ok() || !store.Append(tq::testing::SmallShop(kBase)).ok()) {
    std::fprintf(stderr, "cannot build the fixture store\n");
    return 2;
  }
  int passed = 0, failed = 0;
  int unsupported = 0;
  struct Counts {
    int passed = 0, total = 0;
  };
  std::map<std::string, Counts> by_section;
  for (const char* section_name : {"valid", "parse_fails", "validate_fails", "unsupported"}) {
    const std::string section = section_name;
    const YAML::Node node = root[section_name];
    if (!node || !node.IsSequence()) continue;
    for (const auto& item : node) {
      const std::string q = item.as<std::string>();
      auto parsed = tq::Parse(q);
      const bool metrics = parsed.ok() && parsed->IsMetrics();
      // The query where it belongs, and the other endpoint (which must refuse it cleanly).
      tq::SearchRequest sreq;
      sreq.query = q;
      sreq.limit = 100;
      tq::MetricsRequest mreq;
      mreq.query = q;
      mreq.start_ns = kBase;
      mreq.end_ns = kBase + 10'000'000'000;
      mreq.step_ns = 1'000'000'000;
      auto s = tq::Search(store.store(), "t1", sreq);
      auto m = tq::QueryRange(store.store(), "t1", mreq);
      const loupe::Status& main = metrics ? m.status() : s.status();
      const loupe::Status& other = metrics ? s.status() : m.status();
      std::string why;
      if (!main.ok() && !Clean(main)) why = "main endpoint: " + main.ToString();
      if (other.ok() && !q.empty() && parsed.ok()) {
        why = "the other endpoint accepted it";
      } else if (!other.ok() && !Clean(other)) {
        why = "other endpoint: " + other.ToString();
      }
      const bool parse_error =
          !main.ok() && main.code() == loupe::StatusCode::kInvalidArgument &&
          main.message().rfind("invalid TraceQL query: parse error at line ", 0) == 0;
      if (section == "valid") {
        // Must parse, validate and evaluate; the pushdown must not change the answer.
        if (!main.ok()) {
          why = "refused: " + main.ToString();
        } else if (metrics) {
          auto naive =
              eval::QueryRangeWithMode(store.store(), "t1", mreq, {}, eval::ScanMode::kNaive);
          if (!naive.ok() || tq::ToJson(*naive) != tq::ToJson(*m)) {
            why = "pushdown and naive evaluation differ";
          }
        } else {
          auto naive = eval::SearchWithMode(store.store(), "t1", sreq, {}, eval::ScanMode::kNaive);
          if (!naive.ok() || Traces(*naive) != Traces(*s)) {
            why = "pushdown and naive evaluation differ";
          }
        }
      } else if (section == "parse_fails") {
        if (parsed.ok()) {
          why = "parsed";
        } else if (!parse_error) {
          why = "not refused as a parse error: " + main.ToString();
        }
      } else if (section == "validate_fails") {
        if (!parsed.ok()) {
          why = "did not parse: " + parsed.status().ToString();
        } else if (main.ok()) {
          why = "accepted a query Tempo rejects";
        } else if (main.code() != loupe::StatusCode::kInvalidArgument || parse_error) {
          why = "not refused as a validation error: " + main.ToString();
        }
      } else if (!main.ok() && main.code() == loupe::StatusCode::kUnimplemented) {
        ++unsupported;  // Tempo's own gaps: refusing them as "not yet supported" is fine
      }
      Counts& c = by_section[section];
      ++c.total;
      if (why.empty()) {
        ++passed;
        ++c.passed;
      } else {
        ++failed;
        std::printf("FAIL [%s] %s\n      %s\n", section.c_str(), q.c_str(), why.c_str());
      }
    }
  }
  for (const auto& [section, c] : by_section) {
    std::printf("%-15s %d/%d passed\n", section.c_str(), c.passed, c.total);
  }
  std::printf("unsupported queries refused as not yet supported: %d\n", unsupported);
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
