#include "query/promql/eval/engine.h"

#include <algorithm>
#include <string>

#include "query/common/go_format.h"
#include "query/promql/eval/evaluator.h"
#include "query/promql/syntax/parser.h"

namespace loupe::query::promql {

bool IsParseError(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument &&
         status.message().find("parse error") != std::string::npos;
}

Result<QueryResult> Engine::InstantQuery(SeriesSource& source, std::string_view query,
                                         int64_t time_ms, const QueryOptions& options) const {
  LOUPE_ASSIGN_OR_RETURN(ExprPtr expr, ParseExpr(query));
  return InstantQuery(source, *expr, time_ms, options);
}

Result<QueryResult> Engine::RangeQuery(SeriesSource& source, std::string_view query,
                                       int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                       const QueryOptions& options) const {
  LOUPE_ASSIGN_OR_RETURN(ExprPtr expr, ParseExpr(query));
  return RangeQuery(source, *expr, start_ms, end_ms, step_ms, options);
}

Result<QueryResult> Engine::InstantQuery(SeriesSource& source, const Expr& expr, int64_t time_ms,
                                         const QueryOptions& options) const {
  return Run(source, expr, time_ms, time_ms, 1, /*instant=*/true, options);
}

Result<QueryResult> Engine::RangeQuery(SeriesSource& source, const Expr& expr, int64_t start_ms,
                                       int64_t end_ms, int64_t step_ms,
                                       const QueryOptions& options) const {
  const ValueType t = expr.Type();
  if (t != ValueType::kVector && t != ValueType::kScalar) {
    return Status::InvalidArgument("invalid expression type \"" + std::string(DocumentedType(t)) +
                                   "\" for range query, must be Scalar or instant Vector");
  }
  if (step_ms <= 0) {
    return Status::InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive "
        "integer");
  }
  if (end_ms < start_ms)
    return Status::InvalidArgument("end timestamp must not be before start time");
  return Run(source, expr, start_ms, end_ms, step_ms, /*instant=*/false, options);
}

namespace {

// Delayed __name__ removal, then duplicate label sets are merged (range) or rejected.
Status Cleanup(StepMatrix* m) {
  for (auto& s : *m) {
    if (s.drop_name) s.labels = DropMetricName(s.labels);
    s.drop_name = false;
  }
  return MergeSameLabelset(m);
}

}  // namespace

Result<QueryResult> Engine::Run(SeriesSource& source, const Expr& expr, int64_t start_ms,
                                int64_t end_ms, int64_t step_ms, bool instant,
                                const QueryOptions& options) const {
  std::optional<std::chrono::steady_clock::time_point> deadline = options.deadline;
  if (options_.timeout_ms > 0) {
    auto t = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
    if (!deadline || t < *deadline) deadline = t;
  }
  const int64_t lookback =
      options.lookback_delta_ms > 0 ? options.lookback_delta_ms : options_.lookback_delta_ms;
  Evaluator ev(source, options_, lookback, deadline, options.cancel);
  ev.Preprocess(expr, start_ms, end_ms);
  const EvalRange range = EvalRange::Of(start_ms, end_ms, step_ms);
  if (range.steps > options_.max_samples) {
    return Status::ResourceExhausted(
        "query processing would load too many samples into memory in query execution");
  }
  LOUPE_ASSIGN_OR_RETURN(Value v, ev.Eval(expr, range));
  LOUPE_RETURN_IF_ERROR(ev.CheckCancel());

  QueryResult res;
  res.annotations = std::move(ev.annotations());
  res.peak_samples = ev.peak_samples();
  switch (v.type) {
    case ValueType::kScalar:
      if (instant) {
        res.type = ValueType::kScalar;
        res.scalar = {start_ms, v.scalar.empty() ? 0 : v.scalar[0]};
      } else {
        res.type = ValueType::kMatrix;
        MatrixSeries s;
        for (size_t i = 0; i < v.scalar.size(); ++i) {
          s.points.push_back({range.T(static_cast<int64_t>(i)), v.scalar[i]});
        }
        res.matrix.push_back(std::move(s));
      }
      break;
    case ValueType::kString:
      res.type = ValueType::kString;
      res.string = {start_ms, v.str};
      break;
    case ValueType::kVector:
      LOUPE_RETURN_IF_ERROR(Cleanup(&v.vector));
      if (instant) {
        res.type = ValueType::kVector;
        res.vector.reserve(v.vector.size());
        for (auto& s : v.vector) {
          const double x = s.At(0);
          if (IsAbsent(x)) continue;
          res.vector.push_back({std::move(s.labels), start_ms, x});
        }
      } else {
        res.type = ValueType::kMatrix;
        res.matrix.reserve(v.vector.size());
        for (auto& s : v.vector) {
          MatrixSeries ms;
          ms.metric = std::move(s.labels);
          ms.points.reserve(s.values.size());
          for (size_t j = 0; j < s.values.size(); ++j) {
            if (IsAbsent(s.values[j])) continue;
            ms.points.push_back({range.T(s.first + static_cast<int64_t>(j)), s.values[j]});
          }
          if (!ms.points.empty()) res.matrix.push_back(std::move(ms));
        }
        std::sort(res.matrix.begin(), res.matrix.end(),
                  [](const MatrixSeries& a, const MatrixSeries& b) { return a.metric < b.metric; });
      }
      break;
    case ValueType::kMatrix:
      res.type = ValueType::kMatrix;
      for (auto& s : v.matrix) {
        MatrixSeries ms;
        ms.metric = s.drop_name ? DropMetricName(s.labels) : std::move(s.labels);
        for (const auto& x : s.samples) ms.points.push_back({x.t, x.v});
        res.matrix.push_back(std::move(ms));
      }
      std::sort(res.matrix.begin(), res.matrix.end(),
                [](const MatrixSeries& a, const MatrixSeries& b) { return a.metric < b.metric; });
      for (size_t i = 1; i < res.matrix.size(); ++i) {
        if (res.matrix[i].metric == res.matrix[i - 1].metric) {
          return Status::InvalidArgument("vector cannot contain metrics with the same labelset");
        }
      }
      break;
    case ValueType::kNone:
      return Status::Internal("expression has no value type");
  }
  return res;
}

std::string DebugString(const QueryResult& r) {
  std::string out;
  switch (r.type) {
    case ValueType::kScalar:
      out = "scalar: " + FormatFloatG(r.scalar.v) + " @[" + std::to_string(r.scalar.t) + "]\n";
      break;
    case ValueType::kString:
      out = "string: " + GoQuote(r.string.v) + "\n";
      break;
    case ValueType::kVector:
      for (const auto& e : r.vector) {
        out += GoLabelsString(e.metric) + " " + FormatFloatG(e.v) + " @[" + std::to_string(e.t) +
               "]\n";
      }
      break;
    case ValueType::kMatrix:
      for (const auto& s : r.matrix) {
        out += GoLabelsString(s.metric) + " =>";
        for (const auto& p : s.points) {
          out += " " + FormatFloatG(p.v) + " @[" + std::to_string(p.t) + "]";
        }
        out += "\n";
      }
      break;
    case ValueType::kNone:
      break;
  }
  return out;
}

}  // namespace loupe::query::promql
