#include "query/promql/eval/evaluator.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "query/promql/syntax/functions.h"

namespace loupe::query::promql {

using storage::model::kMetricNameLabel;
using storage::model::Label;
using storage::model::Labels;
using storage::model::Sample;

const Expr& Unparen(const Expr& e) {
  const Expr* p = &e;
  while (p->kind == ExprKind::kParen) p = As<ParenExpr>(*p).expr.get();
  return *p;
}

Labels DropMetricName(const Labels& labels) {
  std::vector<Label> out;
  out.reserve(labels.size());
  for (const auto& l : labels) {
    if (l.name == kMetricNameLabel || l.name == "__type__" || l.name == "__unit__") continue;
    out.push_back(l);
  }
  return Labels::FromSorted(std::move(out));
}

Labels AbsentLabels(const Expr& arg) {
  const Expr& e = Unparen(arg);
  const VectorSelector* vs = nullptr;
  if (e.kind == ExprKind::kVectorSelector) vs = &As<VectorSelector>(e);
  if (e.kind == ExprKind::kMatrixSelector) vs = As<MatrixSelector>(e).selector.get();
  if (vs == nullptr) return Labels();
  std::vector<Label> out;
  std::vector<std::string> seen;
  for (const auto& m : vs->matchers) {
    if (m.name() == kMetricNameLabel) continue;
    const bool has = std::find(seen.begin(), seen.end(), m.name()) != seen.end();
    if (m.type() == storage::model::MatchType::kEqual && !has) {
      out.push_back({m.name(), m.value()});
      seen.push_back(m.name());
    } else {
      out.erase(std::remove_if(out.begin(), out.end(),
                               [&](const Label& l) { return l.name == m.name(); }),
                out.end());
    }
  }
  return Labels::FromUnsorted(std::move(out));
}

Status MergeSameLabelset(StepMatrix* m) {
  if (m->size() <= 1) return Status::OK();
  std::unordered_multimap<uint64_t, size_t> by_hash;
  std::vector<bool> keep(m->size(), true);
  bool any = false;
  for (size_t i = 0; i < m->size(); ++i) {
    const uint64_t h = (*m)[i].labels.Hash();
    auto [lo, hi] = by_hash.equal_range(h);
    size_t target = SIZE_MAX;
    for (auto it = lo; it != hi; ++it) {
      if ((*m)[it->second].labels == (*m)[i].labels) target = it->second;
    }
    if (target == SIZE_MAX) {
      by_hash.emplace(h, i);
      continue;
    }
    StepSeries& dst = (*m)[target];
    StepSeries& src = (*m)[i];
    for (int64_t s = src.first; s <= src.last(); ++s) {
      const double v = src.At(s);
      if (IsAbsent(v)) continue;
      if (dst.Has(s)) {
        return Status::InvalidArgument("vector cannot contain metrics with the same labelset");
      }
      dst.Set(s, v);
    }
    keep[i] = false;
    any = true;
  }
  if (any) {
    size_t j = 0;
    for (size_t i = 0; i < m->size(); ++i) {
      if (keep[i]) {
        if (j != i) (*m)[j] = std::move((*m)[i]);
        ++j;
      }
    }
    m->resize(j);
  }
  return Status::OK();
}

Evaluator::Evaluator(SeriesSource& source, const EngineOptions& options, int64_t lookback_ms,
                     std::optional<std::chrono::steady_clock::time_point> deadline,
                     const std::atomic<bool>* cancel)
    : source_(source),
      options_(options),
      lookback_ms_(lookback_ms),
      deadline_(deadline),
      cancel_(cancel) {}

Status Evaluator::CheckCancel() {
  if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) {
    return Status::Cancelled("query was canceled in expression evaluation");
  }
  if (deadline_ && std::chrono::steady_clock::now() > *deadline_) {
    return Status::DeadlineExceeded("query timed out in expression evaluation");
  }
  return Status::OK();
}

Status Evaluator::Charge(int64_t n) {
  current_samples_ += n;
  peak_samples_ = std::max(peak_samples_, current_samples_);
  if (current_samples_ > options_.max_samples) {
    return Status::ResourceExhausted(
        "query processing would load too many samples into memory in query execution");
  }
  return Status::OK();
}

namespace {

bool AtModifierUnsafe(std::string_view name) {
  static constexpr std::string_view kUnsafe[] = {
      "days_in_month", "day_of_month", "day_of_week",    "day_of_year", "hour",     "minute",
      "month",         "year",         "predict_linear", "time",        "timestamp"};
  return std::find(std::begin(kUnsafe), std::end(kUnsafe), name) != std::end(kUnsafe);
}

void ResolveAt(const TimeModifiers& mods, int64_t qs, int64_t qe, NodeInfo* ni) {
  switch (mods.at) {
    case AtModifier::kNone:
      ni->has_at = false;
      return;
    case AtModifier::kTimestamp:
      ni->at_ms = mods.at_ms;
      break;
    case AtModifier::kStart:
      ni->at_ms = qs;
      break;
    case AtModifier::kEnd:
      ni->at_ms = qe;
      break;
  }
  ni->has_at = true;
}

}  // namespace

// Port of Prometheus's preprocessExprHelper: returns whether `e` is step invariant and sets
// *should_wrap when a parent should evaluate it once (as a StepInvariantExpr).
bool Evaluator::PreprocessNode(const Expr& e, int64_t qs, int64_t qe, bool* should_wrap) {
  *should_wrap = false;
  switch (e.kind) {
    case ExprKind::kVectorSelector: {
      NodeInfo& ni = Info(e);
      ResolveAt(As<VectorSelector>(e).mods, qs, qe, &ni);
      *should_wrap = ni.has_at;
      return ni.has_at;
    }
    case ExprKind::kMatrixSelector: {
      bool w;
      return PreprocessNode(*As<MatrixSelector>(e).selector, qs, qe, &w);
    }
    case ExprKind::kSubquery: {
      const auto& sq = As<SubqueryExpr>(e);
      bool w;
      if (PreprocessNode(Unparen(*sq.expr), qs, qe, &w)) Info(Unparen(*sq.expr)).wrap = true;
      NodeInfo& ni = Info(e);
      ResolveAt(sq.mods, qs, qe, &ni);
      *should_wrap = ni.has_at;
      return ni.has_at;
    }
    case ExprKind::kAggregate: {
      const auto& a = As<AggregateExpr>(e);
      if (a.param) {
        bool w;
        PreprocessNode(Unparen(*a.param), qs, qe, &w);  // resolves @ inside the parameter
      }
      return PreprocessNode(Unparen(*a.expr), qs, qe, should_wrap);
    }
    case ExprKind::kBinary: {
      const auto& b = As<BinaryExpr>(e);
      bool wl, wr;
      const bool il = PreprocessNode(*b.lhs, qs, qe, &wl);
      const bool ir = PreprocessNode(*b.rhs, qs, qe, &wr);
      if (il && ir) {
        *should_wrap = true;
        return true;
      }
      if (wl) Info(*b.lhs).wrap = true;
      if (wr) Info(*b.rhs).wrap = true;
      return false;
    }
    case ExprKind::kCall: {
      const auto& c = As<Call>(e);
      bool invariant = !AtModifierUnsafe(c.func->name);
      std::vector<bool> wraps(c.args.size());
      for (size_t i = 0; i < c.args.size(); ++i) {
        bool w;
        invariant = PreprocessNode(Unparen(*c.args[i]), qs, qe, &w) && invariant;
        wraps[i] = w;
      }
      if (invariant) {
        *should_wrap = true;
        return true;
      }
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (wraps[i]) Info(Unparen(*c.args[i])).wrap = true;
      }
      return false;
    }
    case ExprKind::kParen:
      return PreprocessNode(*As<ParenExpr>(e).expr, qs, qe, should_wrap);
    case ExprKind::kUnary:
      return PreprocessNode(*As<UnaryExpr>(e).expr, qs, qe, should_wrap);
    case ExprKind::kStringLiteral:
    case ExprKind::kNumberLiteral:
      return true;
  }
  return false;
}

void Evaluator::Preprocess(const Expr& root, int64_t query_start, int64_t query_end) {
  bool w;
  PreprocessNode(root, query_start, query_end, &w);
  if (w) Info(root).wrap = true;
}

Result<Value> Evaluator::Eval(const Expr& e, const EvalRange& r) {
  LOUPE_RETURN_IF_ERROR(CheckCancel());
  if (r.steps <= 0) {
    Value v;
    v.type = e.Type();
    return v;
  }
  auto it = info_.find(&e);
  const ValueType type = e.Type();
  if (it != info_.end() && it->second.wrap && r.steps > 1 &&
      (type == ValueType::kScalar || type == ValueType::kVector)) {
    LOUPE_ASSIGN_OR_RETURN(Value v, EvalNode(e, EvalRange::Of(r.start, r.start, r.interval)));
    LOUPE_RETURN_IF_ERROR(Broadcast(&v, r));
    return v;
  }
  return EvalNode(e, r);
}

Status Evaluator::Broadcast(Value* v, const EvalRange& r) {
  if (v->type == ValueType::kScalar) {
    const double x = v->scalar.empty() ? AbsentValue() : v->scalar[0];
    v->scalar.assign(static_cast<size_t>(r.steps), x);
    return Charge(r.steps - 1);
  }
  if (v->type == ValueType::kVector) {
    for (auto& s : v->vector) {
      const double x = s.At(0);
      s.first = 0;
      s.values.assign(static_cast<size_t>(r.steps), x);
      LOUPE_RETURN_IF_ERROR(Charge(r.steps - 1));
    }
  }
  return Status::OK();
}

Result<Value> Evaluator::EvalNode(const Expr& e, const EvalRange& r) {
  switch (e.kind) {
    case ExprKind::kNumberLiteral: {
      Value v;
      v.type = ValueType::kScalar;
      v.scalar.assign(static_cast<size_t>(r.steps), NormalizeNaN(As<NumberLiteral>(e).value));
      LOUPE_RETURN_IF_ERROR(Charge(r.steps));
      return v;
    }
    case ExprKind::kStringLiteral: {
      Value v;
      v.type = ValueType::kString;
      v.str = As<StringLiteral>(e).value;
      return v;
    }
    case ExprKind::kParen:
      return Eval(*As<ParenExpr>(e).expr, r);
    case ExprKind::kUnary:
      return EvalUnary(As<UnaryExpr>(e), r);
    case ExprKind::kVectorSelector:
      return EvalVectorSelector(As<VectorSelector>(e), r);
    case ExprKind::kMatrixSelector:
    case ExprKind::kSubquery:
      if (r.steps != 1) {
        return Status::InvalidArgument("cannot do range evaluation of matrix selector");
      }
      return EvalMatrixAtInstant(e, r);
    case ExprKind::kBinary:
      return EvalBinary(As<BinaryExpr>(e), r);
    case ExprKind::kAggregate:
      return EvalAggregate(As<AggregateExpr>(e), r);
    case ExprKind::kCall:
      return EvalCall(As<Call>(e), r);
  }
  return Status::Internal("unknown expression kind");
}

Result<std::vector<double>> Evaluator::EvalScalarArg(const Expr& e, const EvalRange& r) {
  LOUPE_ASSIGN_OR_RETURN(Value v, Eval(e, r));
  if (v.type != ValueType::kScalar) return Status::Internal("expected a scalar");
  Release(static_cast<int64_t>(v.scalar.size()));
  return std::move(v.scalar);
}

Result<StepMatrix> Evaluator::EvalVectorArg(const Expr& e, const EvalRange& r) {
  LOUPE_ASSIGN_OR_RETURN(Value v, Eval(e, r));
  if (v.type != ValueType::kVector) return Status::Internal("expected an instant vector");
  return std::move(v.vector);
}

Result<Value> Evaluator::EvalUnary(const UnaryExpr& u, const EvalRange& r) {
  LOUPE_ASSIGN_OR_RETURN(Value v, Eval(*u.expr, r));
  if (u.op != UnaryOp::kSub) return v;
  if (v.type == ValueType::kScalar) {
    for (double& x : v.scalar) x = -x;
    return v;
  }
  for (auto& s : v.vector) {
    s.drop_name = true;
    for (double& x : s.values) {
      if (!IsAbsent(x)) x = -x;
    }
  }
  return v;
}

Result<Value> Evaluator::EvalVectorSelector(const VectorSelector& vs, const EvalRange& r,
                                            bool timestamps) {
  const NodeInfo& ni = Info(vs);
  const int64_t offset = vs.mods.offset_ms;
  const int64_t min_ref = (ni.has_at ? ni.at_ms : r.start) - offset;
  const int64_t max_ref = (ni.has_at ? ni.at_ms : r.T(r.steps - 1)) - offset;
  LOUPE_ASSIGN_OR_RETURN(auto selected,
                         source_.Select(vs.matchers, min_ref - lookback_ms_ + 1, max_ref));
  // Eager series are charged up front; lazily loaded ones are decoded one at a time into
  // `scratch` and count only while they are processed.
  int64_t loaded = 0;
  for (const auto& s : selected) loaded += static_cast<int64_t>(s.samples.size());
  LOUPE_RETURN_IF_ERROR(Charge(loaded));
  Value out;
  out.type = ValueType::kVector;
  out.vector.reserve(selected.size());
  int64_t produced = 0;
  std::vector<Sample> scratch;
  for (size_t si = 0; si < selected.size(); ++si) {
    if ((si & 255) == 0) LOUPE_RETURN_IF_ERROR(CheckCancel());
    auto& src = selected[si];
    int64_t decoded = 0;
    if (src.load) {
      src.load(&scratch);
      decoded = static_cast<int64_t>(scratch.size());
      LOUPE_RETURN_IF_ERROR(Charge(decoded));
      Release(decoded);
    }
    const auto& samples = src.load ? scratch : src.samples;
    StepSeries series;
    size_t k = 0;  // number of samples with t <= ref
    for (int64_t i = 0; i < r.steps; ++i) {
      const int64_t ref = ni.has_at ? min_ref : r.T(i) - offset;
      while (k < samples.size() && samples[k].t <= ref) ++k;
      if (k == 0) continue;
      const Sample& s = samples[k - 1];
      if (s.t <= ref - lookback_ms_ || storage::model::IsStaleNaN(s.v)) continue;
      series.Set(i, timestamps ? static_cast<double>(s.t) / 1000.0 : NormalizeNaN(s.v));
      ++produced;
    }
    if (series.values.empty()) continue;
    LOUPE_RETURN_IF_ERROR(Charge(produced));
    produced = 0;
    series.labels = std::move(src.labels);
    out.vector.push_back(std::move(series));
  }
  Release(loaded);
  LOUPE_RETURN_IF_ERROR(Charge(produced));
  return out;
}

namespace {

// Staleness markers only end series for instant selectors; range windows skip them.
void PrepareRangeSamples(std::vector<Sample>* samples) {
  bool normalize = false;
  for (const Sample& x : *samples) normalize |= std::isnan(x.v);
  if (!normalize) return;
  auto end = std::remove_if(samples->begin(), samples->end(),
                            [](const Sample& x) { return storage::model::IsStaleNaN(x.v); });
  samples->erase(end, samples->end());
  for (Sample& x : *samples) x.v = NormalizeNaN(x.v);
}

}  // namespace

const std::vector<Sample>& LoadRangeSamples(const RangeSeries& s, std::vector<Sample>* scratch) {
  if (!s.load) return s.samples;
  s.load(scratch);
  PrepareRangeSamples(scratch);
  return *scratch;
}

Result<RangeArg> Evaluator::EvalRangeArg(const Expr& arg_in, const EvalRange& r) {
  const Expr& arg = Unparen(arg_in);
  RangeArg out;
  if (arg.kind == ExprKind::kMatrixSelector) {
    const auto& ms = As<MatrixSelector>(arg);
    const VectorSelector& vs = *ms.selector;
    const NodeInfo& ni = Info(vs);
    out.range_ms = ms.range_ms;
    out.offset = vs.mods.offset_ms;
    out.has_at = ni.has_at;
    out.at_ref = ni.at_ms - out.offset;
    const int64_t min_ref = out.Ref(r, 0);
    const int64_t max_ref = out.Ref(r, r.steps - 1);
    LOUPE_ASSIGN_OR_RETURN(auto selected,
                           source_.Select(vs.matchers, min_ref - out.range_ms + 1, max_ref));
    int64_t loaded = 0;
    out.series.reserve(selected.size());
    for (auto& s : selected) {
      RangeSeries rs;
      rs.labels = std::move(s.labels);
      if (s.load) {
        // Decoded one at a time by the consumer (LoadRangeSamples), which charges the samples.
        rs.load = std::move(s.load);
        out.series.push_back(std::move(rs));
        continue;
      }
      rs.samples = std::move(s.samples);
      PrepareRangeSamples(&rs.samples);
      if (rs.samples.empty()) continue;
      loaded += static_cast<int64_t>(rs.samples.size());
      out.series.push_back(std::move(rs));
    }
    LOUPE_RETURN_IF_ERROR(Charge(loaded));
    return out;
  }
  if (arg.kind != ExprKind::kSubquery) return Status::Internal("expected a range vector");
  const auto& sq = As<SubqueryExpr>(arg);
  const NodeInfo& ni = Info(sq);
  const int64_t offset = sq.mods.offset_ms;
  const int64_t range = sq.range_ms;
  const int64_t step = sq.step_ms > 0 ? sq.step_ms : options_.default_subquery_step_ms;
  const int64_t base_start = ni.has_at ? ni.at_ms : r.start;
  const int64_t base_end = ni.has_at ? ni.at_ms : r.T(r.steps - 1);
  // The first multiple of the step after (start - offset - range), with Go's truncating
  // division as Prometheus computes it.
  const int64_t lower = base_start - offset - range;
  int64_t inner_start = step * (lower / step);
  if (inner_start <= lower) inner_start += step;
  const EvalRange inner = EvalRange::Of(inner_start, base_end - offset, step);
  if (inner.steps > options_.max_samples) {
    return Status::ResourceExhausted(
        "query processing would load too many samples into memory in query execution");
  }
  out.range_ms = range;
  out.offset = offset;
  out.has_at = ni.has_at;
  out.at_ref = ni.at_ms - offset;
  if (inner.steps <= 0) return out;
  LOUPE_ASSIGN_OR_RETURN(StepMatrix m, EvalVectorArg(*sq.expr, inner));
  out.series.reserve(m.size());
  for (auto& s : m) {
    RangeSeries rs;
    rs.labels = std::move(s.labels);
    rs.drop_name = s.drop_name;
    rs.samples.reserve(s.values.size());
    for (size_t j = 0; j < s.values.size(); ++j) {
      if (IsAbsent(s.values[j])) continue;
      rs.samples.push_back({inner.T(s.first + static_cast<int64_t>(j)), s.values[j]});
    }
    if (!rs.samples.empty()) out.series.push_back(std::move(rs));
  }
  return out;
}

Result<Value> Evaluator::EvalMatrixAtInstant(const Expr& e, const EvalRange& r) {
  LOUPE_ASSIGN_OR_RETURN(RangeArg arg, EvalRangeArg(e, r));
  const int64_t ref = arg.Ref(r, 0);
  Value v;
  v.type = ValueType::kMatrix;
  std::vector<Sample> scratch;
  for (auto& s : arg.series) {
    const std::vector<Sample>& samples = LoadRangeSamples(s, &scratch);
    LOUPE_RETURN_IF_ERROR(Charge(s.load ? static_cast<int64_t>(samples.size()) : 0));
    RangeSeries rs;
    rs.labels = std::move(s.labels);
    rs.drop_name = s.drop_name;
    for (const Sample& x : samples) {
      if (x.t > ref - arg.range_ms && x.t <= ref) rs.samples.push_back(x);
    }
    if (!rs.samples.empty()) v.matrix.push_back(std::move(rs));
  }
  return v;
}

}  // namespace loupe::query::promql
