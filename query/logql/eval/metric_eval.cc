#include "query/logql/eval/metric_eval.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "query/common/aggregate.h"
#include "query/common/binary.h"
#include "query/common/go_format.h"
#include "query/common/kahan.h"
#include "query/common/label_funcs.h"
#include "query/common/quantile.h"
#include "query/common/sort.h"
#include "query/common/vector.h"
#include "query/logql/log/pipeline.h"

namespace loupe::query::logql {

using storage::model::Labels;

namespace {

// The value of a sub-expression at every step: a scalar, or a table of series with the samples
// present at each step.
struct StepValue {
  bool scalar = false;
  std::vector<double> scalars;
  std::vector<Labels> series;
  std::vector<std::vector<StepSample>> steps;
};

uint64_t HashNonEmpty(const std::vector<Label>& ls) {
  uint64_t h = 1469598103934665603ull;
  for (const Label& l : ls) {
    if (l.value.empty()) continue;
    for (char c : l.name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (char c : l.value) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    h = (h ^ 0xfe) * 1099511628211ull;
  }
  return h;
}

bool SameNonEmpty(const std::vector<Label>& a, const Labels& b) {
  size_t j = 0;
  for (const Label& l : a) {
    if (l.value.empty()) continue;
    if (j >= b.size() || b.items()[j].name != l.name || b.items()[j].value != l.value) {
      return false;
    }
    ++j;
  }
  return j == b.size();
}

Status PipelineError(const Labels& l) {
  const std::string err(l.Get(kErrorLabel));
  return Status::InvalidArgument(
      "pipeline error: '" + err + "' for series: '" + query::GoLabelsString(l) +
      "'.\nUse a label filter to intentionally skip this error. (e.g | __error__!=\"" + err +
      "\").\nTo skip all potential errors you can match empty errors.(e.g __error__=\"\")\n"
      "The label filter can also be specified after unwrap. (e.g | unwrap latency | "
      "__error__=\"\" )\n");
}

query::BinaryOp MapBinary(BinaryOpKind k) {
  switch (k) {
    case BinaryOpKind::kOr: return query::BinaryOp::kOr;
    case BinaryOpKind::kAnd: return query::BinaryOp::kAnd;
    case BinaryOpKind::kUnless: return query::BinaryOp::kUnless;
    case BinaryOpKind::kAdd: return query::BinaryOp::kAdd;
    case BinaryOpKind::kSub: return query::BinaryOp::kSub;
    case BinaryOpKind::kMul: return query::BinaryOp::kMul;
    case BinaryOpKind::kDiv: return query::BinaryOp::kDiv;
    case BinaryOpKind::kMod: return query::BinaryOp::kMod;
    case BinaryOpKind::kPow: return query::BinaryOp::kPow;
    case BinaryOpKind::kEq: return query::BinaryOp::kEq;
    case BinaryOpKind::kNe: return query::BinaryOp::kNe;
    case BinaryOpKind::kGt: return query::BinaryOp::kGt;
    case BinaryOpKind::kGe: return query::BinaryOp::kGe;
    case BinaryOpKind::kLt: return query::BinaryOp::kLt;
    case BinaryOpKind::kLe: return query::BinaryOp::kLe;
  }
  return query::BinaryOp::kAdd;
}

bool CanInjectGrouping(VectorOp vop, RangeOp rop) {
  if (vop != VectorOp::kSum) return false;
  switch (rop) {
    case RangeOp::kBytesOverTime:
    case RangeOp::kBytesRate:
    case RangeOp::kSumOverTime:
    case RangeOp::kRate:
    case RangeOp::kCountOverTime:
      return true;
    default:
      return false;
  }
}

bool HasSort(const Expr& e) {
  return std::visit(
      [](const auto& n) -> bool {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, VectorAggregation>) {
          return n.op == VectorOp::kSort || n.op == VectorOp::kSortDesc || HasSort(*n.inner);
        } else if constexpr (std::is_same_v<T, BinaryOp>) {
          return HasSort(*n.lhs) || HasSort(*n.rhs);
        } else if constexpr (std::is_same_v<T, LabelReplace>) {
          return HasSort(*n.inner);
        } else {
          return false;
        }
      },
      e.node);
}

class MetricEvaluator {
 public:
  MetricEvaluator(LogSource* source, const EngineOptions& options, const QueryParams& p,
                  QueryStats* stats)
      : source_(source), options_(options), p_(p), stats_(stats) {
    if (p.instant) {
      ts_.push_back(p.end_ns);
    } else {
      for (int64_t t = p.start_ns; t <= p.end_ns; t += p.step_ns) {
        ts_.push_back(t);
        if (t > INT64_MAX - p.step_ns) break;
      }
    }
  }

  const std::vector<int64_t>& steps() const { return ts_; }

  Result<StepValue> Eval(const Expr& e) {
    return std::visit(
        [&](const auto& n) -> Result<StepValue> {
          using T = std::decay_t<decltype(n)>;
          if constexpr (std::is_same_v<T, RangeAggregation>) {
            return EvalRange(n, nullptr);
          } else if constexpr (std::is_same_v<T, VectorAggregation>) {
            return EvalVectorAgg(n);
          } else if constexpr (std::is_same_v<T, BinaryOp>) {
            return EvalBinary(n);
          } else if constexpr (std::is_same_v<T, Literal>) {
            StepValue v;
            v.scalar = true;
            v.scalars.assign(ts_.size(), n.value);
            return v;
          } else if constexpr (std::is_same_v<T, VectorLiteral>) {
            StepValue v;
            v.series.push_back(Labels());
            v.steps.resize(ts_.size());
            for (auto& s : v.steps) s.push_back({0, n.value});
            return v;
          } else if constexpr (std::is_same_v<T, LabelReplace>) {
            return EvalLabelReplace(n);
          } else {
            return Status::InvalidArgument("unexpected log selector in a metric query");
          }
        },
        e.node);
  }

 private:
  Result<StepValue> EvalRange(const RangeAggregation& r, const Grouping* pushed);
  Result<StepValue> EvalVectorAgg(const VectorAggregation& v);
  Result<StepValue> EvalBinary(const BinaryOp& b);
  Result<StepValue> EvalLabelReplace(const LabelReplace& l);

  LogSource* source_;
  const EngineOptions& options_;
  const QueryParams& p_;
  QueryStats* stats_;
  std::vector<int64_t> ts_;
};

Result<StepValue> MetricEvaluator::EvalRange(const RangeAggregation& r, const Grouping* pushed) {
  const LogRange& range = r.range;
  SampleKind kind = SampleKind::kCount;
  if (range.unwrap) kind = SampleKind::kUnwrap;
  else if (r.op == RangeOp::kBytesOverTime || r.op == RangeOp::kBytesRate) kind = SampleKind::kBytes;
  const Grouping* grouping = r.grouping ? &*r.grouping : pushed;
  std::vector<std::shared_ptr<const LineMatcher>> pushdown;
  LOUPE_ASSIGN_OR_RETURN(auto extractor,
                         SampleExtractor::Create(range, kind, grouping, &pushdown));
  const int64_t rng = range.range_nanos, off = range.offset_nanos;
  SelectParams sp;
  sp.matchers = range.selector.matchers;
  sp.start_ns = ts_.front() - off - rng + 1;
  sp.end_ns = ts_.back() - off + 1;
  sp.direction = Direction::kForward;
  sp.filter = MakeStoreFilter(pushdown);
  LOUPE_RETURN_IF_ERROR(CheckInterrupted(p_));
  LOUPE_ASSIGN_OR_RETURN(std::vector<SourceStream> streams, source_->Select(p_.tenant, sp));

  struct SeriesData {
    std::vector<int64_t> ts;
    std::vector<double> values;
    bool sorted = true;
  };
  StepValue out;
  std::vector<SeriesData> data;
  std::unordered_multimap<uint64_t, uint32_t> by_hash;
  std::vector<Label> labels;
  for (SourceStream& s : streams) {
    extractor->SetStream(&s.labels);
    EntryStream& es = *s.entries;
    uint32_t last_series = UINT32_MAX;
    while (es.Next()) {
      const int64_t ts = es.ts();
      const std::string_view line = es.line();
      if ((++stats_->lines_processed & 1023) == 0) LOUPE_RETURN_IF_ERROR(CheckInterrupted(p_));
      stats_->bytes_processed += line.size();
      LabelsBuilder* lbs = extractor->builder();
      lbs->Reset();
      for (const auto& m : es.metadata()) lbs->Add(LabelCategory::kMetadata, m.name, m.value);
      double v;
      if (!extractor->Process(ts, line, &v, &labels)) continue;
      uint32_t id = UINT32_MAX;
      // Consecutive entries of a stream usually land in the same series.
      if (last_series != UINT32_MAX && SameNonEmpty(labels, out.series[last_series])) {
        id = last_series;
      } else {
        const uint64_t h = HashNonEmpty(labels);
        auto [lo, hi] = by_hash.equal_range(h);
        for (auto it = lo; it != hi; ++it) {
          if (SameNonEmpty(labels, out.series[it->second])) {
            id = it->second;
            break;
          }
        }
        if (id == UINT32_MAX) {
          id = static_cast<uint32_t>(out.series.size());
          out.series.push_back(Labels::FromUnsorted(labels));
          data.emplace_back();
          by_hash.emplace(h, id);
        }
      }
      last_series = id;
      SeriesData& d = data[id];
      if (!d.ts.empty() && d.ts.back() > ts) d.sorted = false;
      d.ts.push_back(ts);
      d.values.push_back(v);
    }
    LOUPE_RETURN_IF_ERROR(es.status());
  }
  for (SeriesData& d : data) {
    if (d.sorted) continue;
    std::vector<size_t> idx(d.ts.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return d.ts[a] < d.ts[b]; });
    SeriesData s;
    for (size_t i : idx) {
      s.ts.push_back(d.ts[i]);
      s.values.push_back(d.values[i]);
    }
    d = std::move(s);
  }

  const bool unwrapped = range.unwrap.has_value();
  const double param = r.param.value_or(0);
  out.steps.resize(ts_.size());
  std::vector<size_t> lo(data.size(), 0), hi(data.size(), 0);
  std::vector<uint8_t> has_error(out.series.size());
  for (size_t j = 0; j < out.series.size(); ++j) {
    has_error[j] = out.series[j].Has(kErrorLabel) &&
                   out.series[j].Get(kPreserveErrorLabel) != "true";
  }
  for (size_t i = 0; i < ts_.size(); ++i) {
    if ((i & 255) == 255) LOUPE_RETURN_IF_ERROR(CheckInterrupted(p_));
    const int64_t end = ts_[i] - off;  // inclusive
    const int64_t start = end - rng;   // exclusive
    for (size_t j = 0; j < data.size(); ++j) {
      const SeriesData& d = data[j];
      while (hi[j] < d.ts.size() && d.ts[hi[j]] <= end) ++hi[j];
      while (lo[j] < hi[j] && d.ts[lo[j]] <= start) ++lo[j];
      const size_t n = hi[j] - lo[j];
      if (n == 0) continue;
      if (has_error[j]) return PipelineError(out.series[j]);
      if (r.op == RangeOp::kAbsentOverTime) {
        out.steps[i].push_back({static_cast<uint32_t>(j), 1});
        continue;
      }
      const double v = AggregateRange(r.op, unwrapped, d.ts.data() + lo[j],
                                      d.values.data() + lo[j], n, rng, param);
      out.steps[i].push_back({static_cast<uint32_t>(j), v});
    }
  }
  if (r.op == RangeOp::kAbsentOverTime) {
    // One series (Prometheus's absent labels: the selector's equality matchers) where nothing
    // was present.
    storage::model::LabelsBuilder b;
    std::vector<std::string> drop;
    for (const Matcher& m : range.selector.matchers) {
      if (m.type() == MatchType::kEqual && b.Get(m.name()).empty()) b.Set(m.name(), m.value());
      else drop.push_back(m.name());
    }
    for (const auto& d : drop) b.Del(d);
    StepValue absent;
    absent.series.push_back(b.Build());
    absent.steps.resize(ts_.size());
    for (size_t i = 0; i < ts_.size(); ++i) {
      if (out.steps[i].empty()) absent.steps[i].push_back({0, 1});
    }
    return absent;
  }
  return out;
}

Result<StepValue> MetricEvaluator::EvalVectorAgg(const VectorAggregation& v) {
  StepValue in;
  const auto* inner_range = std::get_if<RangeAggregation>(&v.inner->node);
  if (inner_range && !inner_range->grouping && CanInjectGrouping(v.op, inner_range->op)) {
    LOUPE_ASSIGN_OR_RETURN(in, EvalRange(*inner_range, &v.grouping));
  } else {
    LOUPE_ASSIGN_OR_RETURN(in, Eval(*v.inner));
  }
  if (in.scalar) return Status::InvalidArgument("unexpected scalar in vector aggregation");
  {
    std::vector<uint8_t> err(in.series.size());
    bool any = false;
    for (size_t i = 0; i < in.series.size(); ++i) {
      err[i] = in.series[i].Has(kErrorLabel) && in.series[i].Get(kPreserveErrorLabel) != "true";
      any = any || err[i];
    }
    for (size_t i = 0; any && i < in.steps.size(); ++i) {
      for (const StepSample& x : in.steps[i]) {
        if (err[x.series]) return PipelineError(in.series[x.series]);
      }
    }
  }
  if (v.op == VectorOp::kSort || v.op == VectorOp::kSortDesc) {
    for (auto& s : in.steps) query::SortByValue(&s, v.op == VectorOp::kSortDesc);
    return in;
  }
  query::AggregateOp op;
  switch (v.op) {
    case VectorOp::kSum: op = query::AggregateOp::kSum; break;
    case VectorOp::kAvg: op = query::AggregateOp::kAvg; break;
    case VectorOp::kCount: op = query::AggregateOp::kCount; break;
    case VectorOp::kMax: op = query::AggregateOp::kMax; break;
    case VectorOp::kMin: op = query::AggregateOp::kMin; break;
    case VectorOp::kStddev: op = query::AggregateOp::kStddev; break;
    case VectorOp::kStdvar: op = query::AggregateOp::kStdvar; break;
    case VectorOp::kTopk:
    case VectorOp::kApproxTopk: op = query::AggregateOp::kTopk; break;
    case VectorOp::kBottomk: op = query::AggregateOp::kBottomk; break;
    default: return Status::Internal("unknown vector aggregation");
  }
  query::Grouping g;
  g.labels = v.grouping.labels;
  g.without = v.grouping.without;
  query::VectorAggregator agg(op, g);
  for (const Labels& l : in.series) agg.AddSeries(l);
  StepValue out;
  out.steps.resize(ts_.size());
  for (size_t i = 0; i < ts_.size(); ++i) {
    agg.Step(in.steps[i], static_cast<double>(v.param), &out.steps[i]);
  }
  if (query::IsSelectingAggregate(op)) {
    out.series = std::move(in.series);
  } else {
    for (uint32_t gi = 0; gi < agg.num_groups(); ++gi) out.series.push_back(agg.group_labels(gi));
  }
  return out;
}

Result<StepValue> MetricEvaluator::EvalBinary(const BinaryOp& b) {
  LOUPE_ASSIGN_OR_RETURN(StepValue l, Eval(*b.lhs));
  LOUPE_ASSIGN_OR_RETURN(StepValue r, Eval(*b.rhs));
  const query::BinaryOp op = MapBinary(b.op);
  StepValue out;
  if (l.scalar && r.scalar) {
    out.scalar = true;
    out.scalars.resize(ts_.size());
    for (size_t i = 0; i < ts_.size(); ++i) {
      out.scalars[i] = query::ScalarBinary(op, l.scalars[i], r.scalars[i]);
    }
    return out;
  }
  out.steps.resize(ts_.size());
  if (l.scalar || r.scalar) {
    if (query::IsSetOperator(op)) {
      return Status::InvalidArgument("set operator \"" + std::string(BinaryOpString(b.op)) +
                                     "\" not allowed in binary scalar expression");
    }
    StepValue& vec = l.scalar ? r : l;
    const StepValue& sc = l.scalar ? l : r;
    for (size_t i = 0; i < ts_.size(); ++i) {
      query::VectorScalarStep(op, vec.steps[i], sc.scalars[i], l.scalar, b.return_bool,
                              &out.steps[i]);
    }
    out.series = std::move(vec.series);
    return out;
  }
  query::VectorMatching m;
  m.on = b.matching.on;
  m.labels = b.matching.labels;
  m.include = b.matching.include;
  if (query::IsSetOperator(op)) {
    m.card = query::MatchCardinality::kManyToMany;
  } else {
    switch (b.matching.card) {
      case Cardinality::kOneToOne: m.card = query::MatchCardinality::kOneToOne; break;
      case Cardinality::kManyToOne: m.card = query::MatchCardinality::kManyToOne; break;
      case Cardinality::kOneToMany: m.card = query::MatchCardinality::kOneToMany; break;
    }
  }
  query::VectorBinaryOp vb(op, m, b.return_bool);
  for (const Labels& x : l.series) vb.AddLeft(x);
  for (const Labels& x : r.series) vb.AddRight(x);
  for (size_t i = 0; i < ts_.size(); ++i) {
    LOUPE_RETURN_IF_ERROR(vb.Step(l.steps[i], r.steps[i], &out.steps[i]));
  }
  for (uint32_t i = 0; i < vb.num_outputs(); ++i) out.series.push_back(vb.output_labels(i));
  return out;
}

Result<StepValue> MetricEvaluator::EvalLabelReplace(const LabelReplace& lr) {
  LOUPE_ASSIGN_OR_RETURN(StepValue in, Eval(*lr.inner));
  LOUPE_ASSIGN_OR_RETURN(query::LabelReplacer rep,
                         query::LabelReplacer::Create(lr.dst, lr.replacement, lr.src, lr.regex));
  StepValue out;
  std::vector<uint32_t> map(in.series.size());
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash;
  for (size_t i = 0; i < in.series.size(); ++i) {
    Labels l;
    if (!rep.Apply(in.series[i], &l)) l = in.series[i];
    uint32_t id = UINT32_MAX;
    auto& cands = by_hash[l.Hash()];
    for (uint32_t c : cands) {
      if (out.series[c] == l) id = c;
    }
    if (id == UINT32_MAX) {
      id = static_cast<uint32_t>(out.series.size());
      out.series.push_back(std::move(l));
      cands.push_back(id);
    }
    map[i] = id;
  }
  out.steps.resize(ts_.size());
  std::vector<int64_t> seen(out.series.size(), -1);
  for (size_t i = 0; i < ts_.size(); ++i) {
    for (const StepSample& s : in.steps[i]) {
      const uint32_t id = map[s.series];
      if (seen[id] == static_cast<int64_t>(i)) {
        return Status::InvalidArgument("vector cannot contain metrics with the same labelset");
      }
      seen[id] = static_cast<int64_t>(i);
      out.steps[i].push_back({id, s.value});
    }
  }
  return out;
}

}  // namespace

double AggregateRange(RangeOp op, bool unwrapped, const int64_t* ts, const double* v, size_t n,
                      int64_t range_ns, double param) {
  const double range_s = static_cast<double>(range_ns) / 1e9;
  switch (op) {
    case RangeOp::kCountOverTime:
      return static_cast<double>(n);
    case RangeOp::kRate:
      if (!unwrapped) return static_cast<double>(n) / range_s;
      [[fallthrough]];
    case RangeOp::kBytesRate: {
      double sum = 0, c = 0;
      for (size_t i = 0; i < n; ++i) query::KahanAdd(v[i], &sum, &c);
      return (std::isinf(sum) ? sum : sum + c) / range_s;
    }
    case RangeOp::kBytesOverTime:
    case RangeOp::kSumOverTime: {
      double sum = 0, c = 0;
      for (size_t i = 0; i < n; ++i) query::KahanAdd(v[i], &sum, &c);
      return std::isinf(sum) ? sum : sum + c;
    }
    case RangeOp::kAvgOverTime: {
      double mean = 0, count = 0;
      for (size_t i = 0; i < n; ++i) {
        count++;
        if (std::isinf(mean)) {
          if (std::isinf(v[i]) && (mean > 0) == (v[i] > 0)) continue;
          if (!std::isinf(v[i]) && !std::isnan(v[i])) continue;
        }
        mean += v[i] / count - mean / count;
      }
      return mean;
    }
    case RangeOp::kMaxOverTime: {
      double m = v[0];
      for (size_t i = 0; i < n; ++i) {
        if (v[i] > m || std::isnan(m)) m = v[i];
      }
      return m;
    }
    case RangeOp::kMinOverTime: {
      double m = v[0];
      for (size_t i = 0; i < n; ++i) {
        if (v[i] < m || std::isnan(m)) m = v[i];
      }
      return m;
    }
    case RangeOp::kStdvarOverTime:
    case RangeOp::kStddevOverTime: {
      double aux = 0, count = 0, mean = 0;
      for (size_t i = 0; i < n; ++i) {
        count++;
        const double delta = v[i] - mean;
        mean += delta / count;
        aux += delta * (v[i] - mean);
      }
      const double var = aux / count;
      return op == RangeOp::kStdvarOverTime ? var : std::sqrt(var);
    }
    case RangeOp::kQuantileOverTime: {
      std::vector<double> vals(v, v + n);
      return query::Quantile(param, &vals);
    }
    case RangeOp::kFirstOverTime:
      return v[0];
    case RangeOp::kLastOverTime:
      return v[n - 1];
    case RangeOp::kAbsentOverTime:
      return 1;
    case RangeOp::kRateCounter: {
      // Loki's rateCounter: Prometheus's (pre-3.0) extrapolated rate over a counter.
      if (n < 2) return 0;
      const double first_t = static_cast<double>(ts[0]) / 1e6;  // ms
      const double last_t = static_cast<double>(ts[n - 1]) / 1e6;
      const double range_ms = static_cast<double>(range_ns) / 1e6;
      const double range_start = first_t - range_ms;
      const double range_end = last_t;
      double result = v[n - 1] - v[0];
      double last = 0;
      for (size_t i = 0; i < n; ++i) {
        if (v[i] < last) result += last;
        last = v[i];
      }
      double to_start = (first_t - range_start) / 1000;
      const double to_end = (range_end - last_t) / 1000;
      const double sampled = (last_t - first_t) / 1000;
      const double avg = sampled / static_cast<double>(n - 1);
      if (result > 0 && v[0] >= 0) {
        const double to_zero = sampled * (v[0] / result);
        if (to_zero < to_start) to_start = to_zero;
      }
      const double threshold = avg * 1.1;
      double interval = sampled;
      interval += to_start < threshold ? to_start : avg / 2;
      interval += to_end < threshold ? to_end : avg / 2;
      result = result * (interval / sampled);
      return result / range_s;
    }
  }
  return 0;
}

Result<QueryResult> EvalMetricQuery(const Expr& expr, const QueryParams& p, LogSource* source,
                                    const EngineOptions& options) {
  if (!p.instant && p.step_ns <= 0) {
    return Status::InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive "
        "integer");
  }
  if (!p.instant && (p.end_ns - p.start_ns) / p.step_ns > 11000) {
    return Status::InvalidArgument(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  }
  QueryResult result;
  MetricEvaluator ev(source, options, p, &result.stats);
  LOUPE_ASSIGN_OR_RETURN(StepValue v, ev.Eval(expr));
  const auto& steps = ev.steps();
  if (p.instant) {
    if (v.scalar) {
      result.type = ResultType::kScalar;
      result.scalar = {steps[0], v.scalars[0]};
      return result;
    }
    result.type = ResultType::kVector;
    for (const StepSample& s : v.steps[0]) {
      Series se;
      se.labels = v.series[s.series];
      se.points.push_back({steps[0], s.value});
      result.series.push_back(std::move(se));
    }
    if (!HasSort(expr)) {
      std::stable_sort(result.series.begin(), result.series.end(),
                       [](const Series& a, const Series& b) { return a.labels < b.labels; });
    }
    if (result.series.size() > options.max_series) {
      return Status::InvalidArgument(
          "maximum number of series (" + std::to_string(options.max_series) +
          ") reached for a single query; consider reducing query cardinality by adding more "
          "specific stream selectors, reducing the time range, or aggregating results with "
          "functions like sum(), count() or topk()");
    }
    return result;
  }
  result.type = ResultType::kMatrix;
  if (v.scalar) {
    Series se;
    for (size_t i = 0; i < steps.size(); ++i) se.points.push_back({steps[i], v.scalars[i]});
    result.series.push_back(std::move(se));
    return result;
  }
  std::vector<Series> all(v.series.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    for (const StepSample& s : v.steps[i]) all[s.series].points.push_back({steps[i], s.value});
  }
  for (size_t j = 0; j < all.size(); ++j) {
    if (all[j].points.empty()) continue;
    all[j].labels = v.series[j];
    result.series.push_back(std::move(all[j]));
  }
  std::stable_sort(result.series.begin(), result.series.end(),
                   [](const Series& a, const Series& b) { return a.labels < b.labels; });
  if (result.series.size() > options.max_series) {
    return Status::InvalidArgument(
        "maximum number of series (" + std::to_string(options.max_series) +
        ") reached for a single query; consider reducing query cardinality by adding more "
        "specific stream selectors, reducing the time range, or aggregating results with "
        "functions like sum(), count() or topk()");
  }
  return result;
}

}  // namespace loupe::query::logql
