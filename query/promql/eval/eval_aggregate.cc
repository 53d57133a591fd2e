// Aggregation expressions, on top of query/common/aggregate.h.
#include <vector>

#include "query/common/aggregate.h"
#include "query/common/go_format.h"
#include "query/promql/eval/evaluator.h"

namespace loupe::query::promql {
namespace {

query::AggregateOp ToCommon(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
      return query::AggregateOp::kSum;
    case AggregateOp::kAvg:
      return query::AggregateOp::kAvg;
    case AggregateOp::kCount:
      return query::AggregateOp::kCount;
    case AggregateOp::kMin:
      return query::AggregateOp::kMin;
    case AggregateOp::kMax:
      return query::AggregateOp::kMax;
    case AggregateOp::kGroup:
      return query::AggregateOp::kGroup;
    case AggregateOp::kStddev:
      return query::AggregateOp::kStddev;
    case AggregateOp::kStdvar:
      return query::AggregateOp::kStdvar;
    case AggregateOp::kTopk:
      return query::AggregateOp::kTopk;
    case AggregateOp::kBottomk:
      return query::AggregateOp::kBottomk;
    case AggregateOp::kQuantile:
      return query::AggregateOp::kQuantile;
    case AggregateOp::kCountValues:
      return query::AggregateOp::kCountValues;
    case AggregateOp::kLimitk:
      return query::AggregateOp::kLimitk;
    case AggregateOp::kLimitRatio:
      return query::AggregateOp::kLimitRatio;
  }
  return query::AggregateOp::kSum;
}

}  // namespace

Result<Value> Evaluator::EvalAggregate(const AggregateExpr& a, const EvalRange& r) {
  const query::AggregateOp op = ToCommon(a.op);
  Value out;
  out.type = ValueType::kVector;

  if (op == query::AggregateOp::kCountValues) {
    const Expr& p = Unparen(*a.param);
    LOUPE_ASSIGN_OR_RETURN(Value label, Eval(p, r));
    if (label.str.empty() || !query::IsValidUtf8(label.str)) {
      return Status::InvalidArgument("invalid label name " + query::GoQuote(label.str));
    }
    LOUPE_ASSIGN_OR_RETURN(StepMatrix in, EvalVectorArg(Unparen(*a.expr), r));
    query::CountValuesAggregator agg(label.str, query::Grouping{a.grouping, a.without});
    for (const auto& s : in) agg.AddSeries(s.labels);
    std::vector<StepSample> samples, res;
    std::vector<int32_t> index;
    const StepGatherer gather(in);
    int64_t produced = 0;
    for (int64_t i = 0; i < r.steps; ++i) {
      if ((i & 255) == 0) LOUPE_RETURN_IF_ERROR(CheckCancel());
      gather.Gather(i, &samples);
      res.clear();
      agg.Step(samples, &res);
      for (const auto& s : res) {
        if (s.series >= index.size()) index.resize(s.series + 1, -1);
        if (index[s.series] < 0) {
          index[s.series] = static_cast<int32_t>(out.vector.size());
          StepSeries o;
          o.labels = agg.output_labels(s.series);
          out.vector.push_back(std::move(o));
        }
        out.vector[static_cast<size_t>(index[s.series])].Set(i, s.value);
      }
      produced += static_cast<int64_t>(res.size());
    }
    Release(CountPoints(in));
    LOUPE_RETURN_IF_ERROR(Charge(produced));
    return out;
  }

  std::vector<double> params;
  if (a.param) {
    LOUPE_ASSIGN_OR_RETURN(params, EvalScalarArg(Unparen(*a.param), r));
  }
  LOUPE_ASSIGN_OR_RETURN(StepMatrix in, EvalVectorArg(Unparen(*a.expr), r));
  bool empty = false;
  if (a.param) {
    const Expr& p = Unparen(*a.param);
    LOUPE_RETURN_IF_ERROR(
        query::CheckAggregateParams(op, params, p.pos.start, p.pos.end, &annotations_, &empty));
  }
  if (empty) {
    Release(CountPoints(in));
    return out;
  }
  query::VectorAggregator agg(op, query::Grouping{a.grouping, a.without});
  for (const auto& s : in) agg.AddSeries(s.labels, s.drop_name);
  const bool selecting = query::IsSelectingAggregate(op);
  std::vector<int32_t> index;  // group (or input series) -> position in out.vector
  std::vector<StepSample> samples, res;
  const StepGatherer gather(in);
  int64_t produced = 0;
  for (int64_t i = 0; i < r.steps; ++i) {
    if ((i & 255) == 0) LOUPE_RETURN_IF_ERROR(CheckCancel());
    gather.Gather(i, &samples);
    if (samples.empty()) continue;
    res.clear();
    agg.Step(samples, params.empty() ? 0 : params[static_cast<size_t>(i)], &res);
    for (const auto& s : res) {
      if (s.series >= index.size()) index.resize(s.series + 1, -1);
      if (index[s.series] < 0) {
        index[s.series] = static_cast<int32_t>(out.vector.size());
        StepSeries o;
        if (selecting) {
          o.labels = in[s.series].labels;
          o.drop_name = in[s.series].drop_name;
        } else {
          o.labels = agg.group_labels(s.series);
        }
        out.vector.push_back(std::move(o));
      }
      StepSeries& o = out.vector[static_cast<size_t>(index[s.series])];
      if (!selecting) o.drop_name = agg.group_drop_name(s.series);
      o.Set(i, s.value);
    }
    produced += static_cast<int64_t>(res.size());
  }
  Release(CountPoints(in));
  LOUPE_RETURN_IF_ERROR(Charge(produced));
  return out;
}

}  // namespace loupe::query::promql
