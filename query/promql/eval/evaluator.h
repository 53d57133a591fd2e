// Internal: the per-query evaluator behind Engine. Evaluates AST nodes over a range of steps,
// bottom-up, each node once; instant vectors are StepMatrix values (see step_matrix.h), scalars
// a value per step, range vectors raw sample windows.
//
// Thread-safety: one Evaluator per query, used by one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/common/annotations.h"
#include "query/common/steps.h"
#include "query/promql/eval/engine.h"
#include "query/promql/eval/series_source.h"
#include "query/promql/eval/step_matrix.h"
#include "query/promql/syntax/ast.h"
#include "storage/base/result.h"
#include "storage/model/sample.h"

namespace loupe::query::promql {

struct EvalRange {
  int64_t start = 0;
  int64_t end = 0;
  int64_t interval = 1;
  int64_t steps = 1;
  int64_t T(int64_t i) const { return start + i * interval; }
  static EvalRange Of(int64_t start, int64_t end, int64_t interval) {
    EvalRange r{start, end, interval, 0};
    r.steps = end < start ? 0 : (end - start) / interval + 1;
    return r;
  }
};

// One series of a range-vector argument: stale-free samples covering every window needed, or
// (straight from a lazily loading SeriesSource) a loader for them: see LoadRangeSamples.
struct RangeSeries {
  storage::model::Labels labels;
  bool drop_name = false;
  std::vector<storage::model::Sample> samples;
  std::function<void(std::vector<storage::model::Sample>*)> load;
};

// The samples of `s`: s.samples, or for a lazy series its loaded samples in `*scratch` with
// staleness markers removed and NaNs normalised (what EvalRangeArg does to eager ones).
const std::vector<storage::model::Sample>& LoadRangeSamples(const RangeSeries& s,
                                                            std::vector<storage::model::Sample>* scratch);

// A range-vector argument over the steps of an EvalRange: the window of step i is
// (Ref(i) - range_ms, Ref(i)].
struct RangeArg {
  std::vector<RangeSeries> series;
  int64_t range_ms = 0;
  bool has_at = false;
  int64_t at_ref = 0;  // window end for every step when has_at
  int64_t offset = 0;  // window end = T(i) - offset otherwise
  int64_t Ref(const EvalRange& r, int64_t i) const { return has_at ? at_ref : r.T(i) - offset; }
};

struct Value {
  ValueType type = ValueType::kNone;
  std::vector<double> scalar;  // one per step
  StepMatrix vector;
  std::string str;
  std::vector<RangeSeries> matrix;  // range vectors (only as an instant query's result)
};

// What preprocessing learned about a node (Prometheus's PreprocessExpr).
struct NodeInfo {
  bool wrap = false;    // step invariant: evaluate at the first step only and broadcast
  bool has_at = false;  // selectors and subqueries: @ resolved (start()/end() included)
  int64_t at_ms = 0;
};

const Expr& Unparen(const Expr& e);

class Evaluator {
 public:
  Evaluator(SeriesSource& source, const EngineOptions& options, int64_t lookback_ms,
            std::optional<std::chrono::steady_clock::time_point> deadline,
            const std::atomic<bool>* cancel);

  // Resolves @ start()/end() against the query's [start, end] and marks step-invariant nodes.
  void Preprocess(const Expr& root, int64_t query_start, int64_t query_end);

  Result<Value> Eval(const Expr& e, const EvalRange& r);

  Annotations& annotations() { return annotations_; }
  int64_t peak_samples() const { return peak_samples_; }

  // Deadline and cancellation check; cheap enough to call per series or per step.
  Status CheckCancel();
  // Accounts `n` samples held in memory; kResourceExhausted beyond max_samples.
  Status Charge(int64_t n);
  void Release(int64_t n) { current_samples_ -= n; }

 private:
  Result<Value> EvalNode(const Expr& e, const EvalRange& r);
  Status Broadcast(Value* v, const EvalRange& r);

  Result<Value> EvalVectorSelector(const VectorSelector& vs, const EvalRange& r,
                                   bool timestamps = false);
  Result<RangeArg> EvalRangeArg(const Expr& arg, const EvalRange& r);
  Result<Value> EvalSubqueryMatrix(const SubqueryExpr& sq, const EvalRange& r);
  Result<Value> EvalMatrixAtInstant(const Expr& e, const EvalRange& r);
  Result<Value> EvalUnary(const UnaryExpr& u, const EvalRange& r);
  Result<Value> EvalBinary(const BinaryExpr& b, const EvalRange& r);
  Result<Value> EvalAggregate(const AggregateExpr& a, const EvalRange& r);
  Result<Value> EvalCall(const Call& c, const EvalRange& r);
  Result<Value> EvalRangeFunction(const Call& c, size_t matrix_arg, const EvalRange& r);
  Result<Value> EvalLabelFunction(const Call& c, const EvalRange& r);
  Result<Value> EvalHistogramFunction(const Call& c, const EvalRange& r);
  Result<Value> EvalInfo(const Call& c, const EvalRange& r);
  Result<std::vector<double>> EvalScalarArg(const Expr& e, const EvalRange& r);
  Result<StepMatrix> EvalVectorArg(const Expr& e, const EvalRange& r);

  NodeInfo& Info(const Expr& e) { return info_[&e]; }
  bool PreprocessNode(const Expr& e, int64_t qs, int64_t qe, bool* should_wrap);

  SeriesSource& source_;
  const EngineOptions& options_;
  int64_t lookback_ms_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  const std::atomic<bool>* cancel_;
  std::unordered_map<const Expr*, NodeInfo> info_;
  Annotations annotations_;
  int64_t current_samples_ = 0;
  int64_t peak_samples_ = 0;
};

// Labels an absent()/absent_over_time() result carries: the equality matchers of the selector
// (each name only if matched by exactly one = matcher), none for other expressions.
storage::model::Labels AbsentLabels(const Expr& arg);

// Drops __name__ (and the reserved __type__/__unit__) from `labels`.
storage::model::Labels DropMetricName(const storage::model::Labels& labels);

// Merges series with equal labels whose points do not overlap; an overlap is the error
// "vector cannot contain metrics with the same labelset".
Status MergeSameLabelset(StepMatrix* m);

}  // namespace loupe::query::promql
