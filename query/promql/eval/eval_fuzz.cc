// Fuzz target for the evaluation engine: the input is a query, evaluated as an instant query
// and as a small range query over a fixed data set (counters, gauges with NaN and staleness
// markers, a classic histogram). Checks, for any input that parses:
// - evaluation never crashes and fails only with the documented status codes;
// - no result carries the engine's internal "absent" marker or a non-finite timestamp;
// - range results are sorted by labels, unique, and their points lie on the query's steps.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "query/promql/eval/engine.h"
#include "query/promql/eval/memory_series_source.h"
#include "query/promql/eval/step_matrix.h"
#include "query/promql/syntax/parser.h"

namespace {

using loupe::StatusCode;
using loupe::query::promql::Engine;
using loupe::query::promql::EngineOptions;
using loupe::query::promql::IsAbsent;
using loupe::query::promql::MemorySeriesSource;
using loupe::query::promql::QueryResult;
using loupe::storage::model::Labels;
using loupe::storage::model::Sample;

[[noreturn]] void Die(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz_promql_eval: %s\ninput: %.*s\n", what, static_cast<int>(input.size()),
               input.data());
  std::abort();
}

MemorySeriesSource& Data() {
  static MemorySeriesSource* src = [] {
    auto* s = new MemorySeriesSource();
    for (int i = 0; i < 4; ++i) {
      std::vector<Sample> c, g;
      for (int k = 0; k < 40; ++k) {
        const int64_t t = k * 15000;
        c.push_back({t, static_cast<double>((k % 17) * (i + 1))});
        double v = (k * 7 + i) % 11 - 5;
        if (k == 13) v = std::nan("");
        if (k == 30 && i == 1) v = loupe::storage::model::StaleNaN();
        g.push_back({t, v});
      }
      s->Set(Labels{{"__name__", "c_total"}, {"job", i % 2 ? "a" : "b"}, {"i", std::to_string(i)}},
             c);
      s->Set(Labels{{"__name__", "g"}, {"job", i % 2 ? "a" : "b"}, {"i", std::to_string(i)}}, g);
    }
    const char* les[] = {"0.1", "1", "10", "+Inf"};
    for (int b = 0; b < 4; ++b) {
      std::vector<Sample> h;
      for (int k = 0; k < 40; ++k) h.push_back({k * 15000, static_cast<double>(k * (b + 1))});
      s->Set(Labels{{"__name__", "h_bucket"}, {"le", les[b]}}, h);
    }
    return s;
  }();
  return *src;
}

void Check(const loupe::Result<QueryResult>& r, std::string_view input, bool range, int64_t start,
           int64_t end, int64_t step) {
  if (!r.ok()) {
    const StatusCode c = r.status().code();
    if (c != StatusCode::kInvalidArgument && c != StatusCode::kResourceExhausted &&
        c != StatusCode::kUnimplemented) {
      Die(("unexpected status: " + r.status().ToString()).c_str(), input);
    }
    return;
  }
  for (const auto& e : r->vector) {
    if (IsAbsent(e.v)) Die("absent marker in vector result", input);
  }
  for (size_t i = 0; i < r->matrix.size(); ++i) {
    if (i > 0 && !(r->matrix[i - 1].metric < r->matrix[i].metric)) {
      Die("matrix not sorted or not unique", input);
    }
    for (const auto& p : r->matrix[i].points) {
      if (IsAbsent(p.v)) Die("absent marker in matrix result", input);
      if (range && (p.t < start || p.t > end || (p.t - start) % step != 0)) {
        Die("point off the query steps", input);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (size > 4096) return 0;
  auto expr = loupe::query::promql::ParseExpr(input);
  if (!expr.ok()) return 0;
  EngineOptions o;
  o.max_samples = 200000;
  o.timeout_ms = 0;
  const Engine engine(o);
  Check(engine.InstantQuery(Data(), **expr, 400000), input, false, 0, 0, 1);
  const auto t = (*expr)->Type();
  if (t == loupe::query::promql::ValueType::kVector ||
      t == loupe::query::promql::ValueType::kScalar) {
    Check(engine.RangeQuery(Data(), **expr, 100000, 600000, 50000), input, true, 100000, 600000,
          50000);
  }
  return 0;
}
