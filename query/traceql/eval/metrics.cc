// TraceQL metrics (GET /api/metrics/query_range and /api/metrics/query), following Tempo's
// engine_metrics.go: the range is aligned to the step (start rounded down, end up), a span
// counts in interval floor((span start - start) / step) when it started in [start, end), a
// sample is stamped with its interval's start, and there are (end - start) / step + 1
// intervals. rate() = count / step seconds; *_over_time(duration) work in seconds;
// quantile_over_time() counts log2 buckets and interpolates (Log2Quantile) and adds a `p`
// label; histogram_over_time() emits one series per bucket (`__bucket`). Series without by()
// are labelled {__name__="<function>"}; by() labels are named as the attribute prints, nil
// values dropped (all nil: the first label with value nil).
#include <algorithm>
#include <cmath>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "query/traceql/eval/engine.h"
#include "query/traceql/eval/evaluator.h"
#include "query/traceql/eval/internal.h"
#include "query/traceql/eval/metrics_compare.h"
#include "query/traceql/eval/metrics_series.h"
#include "query/traceql/eval/pushdown.h"
#include "query/traceql/syntax/printer.h"

namespace loupe::query::traceql {
namespace ss = storage::spanstore;
using eval::CompareStage;
using eval::kNaN;
using eval::Program;
using eval::PromLabels;
using eval::Range;
using eval::SeriesSet;
using eval::TraceContext;
using eval::TS;
using eval::Value;

namespace {

constexpr int64_t kSecond = 1'000'000'000;

int64_t DefaultStep(int64_t start, int64_t end) {
  const int64_t baseline = (end - start) / 240;
  int64_t interval = baseline / (5 * kSecond) * (5 * kSecond);
  if (interval < 5 * kSecond) interval = baseline / kSecond * kSecond;
  return interval < kSecond ? kSecond : interval;
}

double Log2Bucketize(uint64_t v) {
  if (v < 2) return -1;
  return std::pow(2.0, std::ceil(std::log2(static_cast<double>(v))));
}

double Log2Quantile(double p, std::vector<std::pair<double, int64_t>> buckets) {
  if (std::isnan(p) || p < 0 || p > 1 || buckets.empty()) return 0;
  std::sort(buckets.begin(), buckets.end());
  int64_t total = 0;
  for (const auto& b : buckets) total += b.second;
  if (total == 0) return 0;
  int64_t max_samples = static_cast<int64_t>(std::ceil(p * static_cast<double>(total)));
  if (max_samples == 0) max_samples = 1;
  int64_t seen = 0;
  size_t bucket = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    bucket = i;
    if (seen + buckets[i].second > max_samples) break;
    seen += buckets[i].second;
    if (seen == max_samples) return buckets[i].first;
  }
  const double interp =
      static_cast<double>(max_samples - seen) / static_cast<double>(buckets[bucket].second);
  const double hi = std::log2(buckets[bucket].first);
  const double lo = bucket > 0 ? std::log2(buckets[bucket - 1].first) : hi - 1;
  return std::pow(2.0, lo + (hi - lo) * interp);
}

// One first-stage metrics function evaluated over the store.
class FirstStage {
 public:
  FirstStage(const MetricsFirstStage& f, const Program& prog, const Range& r, uint32_t exemplars)
      : f_(f), prog_(prog), r_(r), max_exemplars_(exemplars) {
    for (const auto& a : f_.by) by_names_.push_back(Print(a));
  }

  void Observe(TraceContext& ctx, uint32_t span, bool exemplar) {
    const ss::SpanBatch& b = ctx.batch();
    const uint32_t row = ctx.row(span);
    const int iv = r_.Interval(b.Start(row));
    if (iv < 0) return;
    // Group-by values (the key is built in a reused buffer: this runs for every span).
    std::string& key = key_;
    key.clear();
    vals_.clear();
    for (const auto& a : f_.by) {
      vals_.push_back(prog_.Read(a, ctx, span));
      eval::AppendMapKey(vals_.back(), &key);
      key += '\x1f';
    }
    double value = kNaN;
    const bool valued = f_.op != MetricsOp::kRate && f_.op != MetricsOp::kCountOverTime;
    if (valued && f_.attr) {
      value = ValueOf(*f_.attr, ctx, span);
      if (std::isnan(value)) return;
    }
    if (f_.op == MetricsOp::kQuantileOverTime || f_.op == MetricsOp::kHistogramOverTime) {
      if (std::isnan(bucket_)) return;
      key += 'b';
      key += FormatGoFloat(bucket_);
    }
    auto it = acc_.find(key);
    if (it == acc_.end()) {
      Acc a;
      for (size_t k = 0; k < f_.by.size(); ++k) {
        if (!vals_[k].IsNil()) a.labels.push_back({by_names_[k], eval::ToTyped(vals_[k])});
      }
      a.bucket = bucket_;
      a.v.assign(r_.intervals, f_.op == MetricsOp::kMinOverTime ||
                                       f_.op == MetricsOp::kMaxOverTime ||
                                       f_.op == MetricsOp::kSumOverTime
                                   ? kNaN
                                   : 0.0);
      a.n.assign(r_.intervals, 0);
      it = acc_.emplace(key, std::move(a)).first;
    }
    Acc& a = it->second;
    double& cur = a.v[iv];
    switch (f_.op) {
      case MetricsOp::kRate:
      case MetricsOp::kCountOverTime:
      case MetricsOp::kQuantileOverTime:
      case MetricsOp::kHistogramOverTime:
        cur += 1;
        break;
      case MetricsOp::kMinOverTime:
        if (std::isnan(cur) || value < cur) cur = value;
        break;
      case MetricsOp::kMaxOverTime:
        if (std::isnan(cur) || value > cur) cur = value;
        break;
      case MetricsOp::kSumOverTime:
        cur = std::isnan(cur) ? value : cur + value;
        break;
      case MetricsOp::kAvgOverTime:
        cur += value;
        a.n[iv]++;
        break;
      case MetricsOp::kCompare:
        break;
    }
    if (exemplar && a.exemplars.size() < max_exemplars_) {
      Exemplar e;
      e.labels.push_back({"trace:id", TypedValue::String(ctx.trace_id().Hex())});
      e.labels.push_back({"span:id", TypedValue::String(ss::SpanIdHex(b.SpanId(row)))});
      e.value = valued ? value : kNaN;
      e.timestamp_ms = b.Start(row) / 1'000'000;
      a.exemplars.push_back(std::move(e));
    }
  }

  SeriesSet Result() const {
    SeriesSet out;
    const std::string fname(MetricsOpName(f_.op));
    const double rate_div = static_cast<double>(r_.instant ? (r_.end - r_.start) : r_.step) /
                            static_cast<double>(kSecond);
    if (acc_.empty() && f_.by.empty() &&
        (f_.op == MetricsOp::kRate || f_.op == MetricsOp::kCountOverTime ||
         f_.op == MetricsOp::kMinOverTime || f_.op == MetricsOp::kMaxOverTime ||
         f_.op == MetricsOp::kSumOverTime || f_.op == MetricsOp::kAvgOverTime)) {
      // An ungrouped aggregate always has its one series (all zero / no samples).
      TS ts;
      ts.labels.push_back({"__name__", TypedValue::String(fname)});
      const bool nan = f_.op != MetricsOp::kRate && f_.op != MetricsOp::kCountOverTime;
      ts.values.assign(r_.intervals, nan ? kNaN : 0.0);
      out["{}"] = std::move(ts);
      return out;
    }
    if (f_.op == MetricsOp::kQuantileOverTime) return Quantiles();
    for (const auto& [key, a] : acc_) {
      TS ts;
      ts.labels = a.labels;
      if (f_.op == MetricsOp::kHistogramOverTime) {
        ts.labels.push_back({"__bucket", TypedValue::Float(a.bucket)});
      } else if (f_.by.empty()) {
        ts.labels.push_back({"__name__", TypedValue::String(fname)});
      } else if (ts.labels.empty()) {
        ts.labels.push_back({Print(f_.by[0]), TypedValue{}});
      }
      ts.values = a.v;
      for (size_t i = 0; i < ts.values.size(); ++i) {
        if (f_.op == MetricsOp::kRate) ts.values[i] /= rate_div;
        if (f_.op == MetricsOp::kAvgOverTime) ts.values[i] = a.n[i] ? a.v[i] / a.n[i] : kNaN;
      }
      ts.exemplars = a.exemplars;
      Insert(&out, std::move(ts));
    }
    return out;
  }

 private:
  struct Acc {
    std::vector<KeyValue> labels;
    double bucket = 0;
    std::vector<double> v;
    std::vector<int64_t> n;
    std::vector<Exemplar> exemplars;
  };

  static void Insert(SeriesSet* out, TS ts) {
    std::string key = PromLabels(ts.labels, true);
    auto [it, inserted] = out->emplace(std::move(key), TS{});
    if (inserted) {
      it->second = std::move(ts);
      return;
    }
    // Distinct typed values that print alike (1 and "1") share a Prometheus series: add.
    for (size_t i = 0; i < ts.values.size() && i < it->second.values.size(); ++i) {
      double& d = it->second.values[i];
      if (std::isnan(d)) {
        d = ts.values[i];
      } else if (!std::isnan(ts.values[i])) {
        d += ts.values[i];
      }
    }
  }

  // The value a *_over_time function aggregates; sets bucket_ for quantiles/histograms.
  double ValueOf(const Attribute& a, TraceContext& ctx, uint32_t span) {
    bucket_ = kNaN;
    const Value v = prog_.Read(a, ctx, span);
    switch (v.kind) {
      case eval::VKind::kDuration:
        if (v.i >= 2) bucket_ = Log2Bucketize(static_cast<uint64_t>(v.i)) / kSecond;
        return static_cast<double>(v.i) / kSecond;
      case eval::VKind::kInt:
        if (v.i >= 2) bucket_ = Log2Bucketize(static_cast<uint64_t>(v.i));
        return static_cast<double>(v.i);
      case eval::VKind::kFloat:
        return v.f;
      default:
        return kNaN;
    }
  }

  SeriesSet Quantiles() const {
    // Group the bucket accumulators by their labels.
    std::map<std::string, std::pair<std::vector<KeyValue>, std::vector<const Acc*>>> groups;
    for (const auto& [key, a] : acc_) {
      auto& g = groups[PromLabels(a.labels, false)];
      g.first = a.labels;
      g.second.push_back(&a);
    }
    SeriesSet out;
    for (const auto& [k, g] : groups) {
      for (double q : f_.quantiles) {
        TS ts;
        ts.labels = g.first;
        ts.labels.push_back({"p", TypedValue::Float(q)});
        ts.values.assign(r_.intervals, 0);
        for (size_t i = 0; i < r_.intervals; ++i) {
          std::vector<std::pair<double, int64_t>> buckets;
          for (const Acc* a : g.second) {
            if (a->v[i] > 0) buckets.emplace_back(a->bucket, static_cast<int64_t>(a->v[i]));
          }
          ts.values[i] = Log2Quantile(q, std::move(buckets));
        }
        for (const Acc* a : g.second) {
          for (const auto& e : a->exemplars) ts.exemplars.push_back(e);
        }
        Insert(&out, std::move(ts));
      }
    }
    return out;
  }

  const MetricsFirstStage& f_;
  const Program& prog_;
  const Range& r_;
  uint32_t max_exemplars_;
  double bucket_ = kNaN;
  std::vector<std::string> by_names_;
  std::string key_;
  std::vector<Value> vals_;
  absl::flat_hash_map<std::string, Acc> acc_;
};

struct Evaluator {
  ss::SpanStore& store;
  std::string_view tenant;
  const Range& range;
  const EngineOptions& options;
  uint32_t exemplars;
  eval::ScanMode mode = eval::ScanMode::kPushdown;
  ss::ScanStats stats;
  uint32_t traces = 0;

  // The scan request for a metrics query's span pipeline: its pushed-down predicates (none
  // with ScanMode::kNaive) over the query range.
  ss::ScanRequest RequestFor(const Pipeline& pipeline, const Program& prog) const {
    eval::ScanPlan plan;
    if (mode == eval::ScanMode::kPushdown) {
      plan = eval::PlanScan(pipeline, prog.touched());
    } else {
      plan.whole_traces = true;
    }
    ss::ScanRequest sr;
    sr.start_ns = range.start;
    sr.end_ns = range.end;
    sr.predicates = plan.predicates;
    sr.match_all = plan.match_all;
    sr.whole_traces = plan.whole_traces;
    return sr;
  }

  void Account(const ss::ScanStats& st) {
    stats.blocks_total += st.blocks_total;
    stats.bytes_read += st.bytes_read;
    stats.spans_inspected += st.spans_inspected;
  }

  Result<SeriesSet> Query(const MetricsExpr& e) {
    if (e.first.op == MetricsOp::kCompare) return Compare(e);
    LOUPE_ASSIGN_OR_RETURN(auto prog, Program::Compile(e.pipeline));
    ss::ScanRequest sr = RequestFor(e.pipeline, *prog);
    FirstStage fs(e.first, *prog, range, exemplars);
    absl::flat_hash_set<ss::TraceId> exemplar_traces;
    Status err;
    auto fn = [&](const ss::SpanBatch& batch) -> bool {
      for (const auto& t : batch.traces()) {
        TraceContext ctx(batch, t);
        ++traces;
        auto sets = prog->Run(ctx);
        if (!sets.ok()) {
          err = sets.status();
          return false;
        }
        bool exemplar = exemplars > 0 && !sets->empty() && exemplar_traces.size() < 100 &&
                        exemplar_traces.insert(ctx.trace_id()).second;
        for (const auto& set : *sets) {
          for (uint32_t span : set.spans) {
            fs.Observe(ctx, span, exemplar);
            exemplar = false;
          }
        }
      }
      return batch.status().ok();
    };
    ss::ScanStats st;
    LOUPE_RETURN_IF_ERROR(store.Scan(tenant, sr, fn, &st));
    LOUPE_RETURN_IF_ERROR(err);
    Account(st);
    return fs.Result();
  }

  Result<SeriesSet> Compare(const MetricsExpr& e) {
    if (!e.first.compare_filter) {
      return Status::InvalidArgument("invalid TraceQL query: compare() needs a filter");
    }
    LOUPE_ASSIGN_OR_RETURN(auto prog, Program::Compile(e.pipeline));
    // The filter as a pipeline of its own. The AST owns it; it is lent to `filter` for this
    // evaluation and handed back on every path.
    auto& owner = const_cast<MetricsFirstStage&>(e.first).compare_filter;
    Pipeline filter;
    filter.elements.emplace_back();
    filter.elements.back().kind = PipelineElement::Kind::kSpanset;
    filter.elements.back().spanset = std::move(owner);
    struct GiveBack {
      SpansetExprPtr& owner;
      Pipeline& p;
      ~GiveBack() { owner = std::move(p.elements.back().spanset); }
    } give_back{owner, filter};
    LOUPE_ASSIGN_OR_RETURN(auto fprog, Program::Compile(filter));
    ss::ScanRequest sr = RequestFor(e.pipeline, *prog);
    // The filter sees the spans the query keeps; structural filters need the whole trace.
    sr.whole_traces = sr.whole_traces || fprog->touched().structural || fprog->touched().tree;
    CompareStage cs(e.first, range);
    Status err;
    std::vector<uint8_t> in_query, selected;
    auto fn = [&](const ss::SpanBatch& batch) -> bool {
      for (const auto& t : batch.traces()) {
        TraceContext ctx(batch, t);
        ++traces;
        auto sets = prog->Run(ctx);
        if (!sets.ok()) {
          err = sets.status();
          return false;
        }
        if (sets->empty()) continue;
        auto fsets = fprog->Run(ctx);
        if (!fsets.ok()) {
          err = fsets.status();
          return false;
        }
        const uint32_t n = ctx.size();
        in_query.assign(n, 0);
        selected.assign(n, 0);
        for (const auto& set : *sets) {
          for (uint32_t span : set.spans) in_query[span] = 1;
        }
        for (const auto& set : *fsets) {
          for (uint32_t span : set.spans) selected[span] = 1;
        }
        for (uint32_t span = 0; span < n; ++span) {
          if (in_query[span]) cs.Observe(ctx, span, selected[span] != 0);
        }
      }
      return batch.status().ok();
    };
    ss::ScanStats st;
    LOUPE_RETURN_IF_ERROR(store.Scan(tenant, sr, fn, &st));
    LOUPE_RETURN_IF_ERROR(err);
    Account(st);
    return cs.Result();
  }

  Result<SeriesSet> Eval(const MetricsExpr& e) {
    SeriesSet out;
    switch (e.kind) {
      case MetricsExpr::Kind::kQuery: {
        LOUPE_ASSIGN_OR_RETURN(out, Query(e));
        break;
      }
      case MetricsExpr::Kind::kScalar: {
        TS ts;
        ts.values.assign(range.intervals, e.scalar);
        out["{}"] = std::move(ts);
        break;
      }
      case MetricsExpr::Kind::kBinary: {
        LOUPE_ASSIGN_OR_RETURN(SeriesSet l, Eval(*e.lhs));
        LOUPE_ASSIGN_OR_RETURN(SeriesSet r, Eval(*e.rhs));
        out = Binary(e.op, l, r);
        break;
      }
    }
    for (const auto& st : e.second_stages) out = SecondStage(st, std::move(out));
    if (out.size() > options.max_series) {
      return Status::ResourceExhausted("response exceeds maximum series limit of " +
                                       std::to_string(options.max_series));
    }
    return out;
  }

  static double Arith(Op op, double a, double b) {
    if (std::isnan(a)) a = 0;
    if (std::isnan(b)) b = 0;
    switch (op) {
      case Op::kAdd:
        return a + b;
      case Op::kSub:
        return a - b;
      case Op::kMult:
        return a * b;
      case Op::kDiv:
        return b == 0 ? kNaN : a / b;
      default:
        return kNaN;
    }
  }

  static SeriesSet Binary(Op op, const SeriesSet& l, const SeriesSet& r) {
    const SeriesSet& target = r.count("{}") ? l : r;
    SeriesSet out;
    for (const auto& [key, t] : target) {
      auto li = l.find(key);
      if (li == l.end()) li = l.find("{}");
      auto ri = r.find(key);
      if (ri == r.end()) ri = r.find("{}");
      if (li == l.end() || ri == r.end()) continue;
      TS ts;
      const size_t n = std::min(li->second.values.size(), ri->second.values.size());
      for (size_t i = 0; i < n; ++i)
        ts.values.push_back(Arith(op, li->second.values[i], ri->second.values[i]));
      // Labels: the left's, plus the right's it lacks; __name__ combined when both have one.
      ts.labels = li->second.labels;
      const TypedValue* lname = nullptr;
      const TypedValue* rname = nullptr;
      for (const auto& kv : li->second.labels) {
        if (kv.key == "__name__") lname = &kv.value;
      }
      for (const auto& kv : ri->second.labels) {
        if (kv.key == "__name__") {
          rname = &kv.value;
          continue;
        }
        bool has = false;
        for (const auto& x : ts.labels) has = has || x.key == kv.key;
        if (!has) ts.labels.push_back(kv);
      }
      if (lname && rname) {
        for (auto& kv : ts.labels) {
          if (kv.key == "__name__") {
            kv.value = TypedValue::String("(" + lname->s + " " + std::string(OpString(op)) + " " +
                                          rname->s + ")");
          }
        }
      } else {
        ts.labels.erase(std::remove_if(ts.labels.begin(), ts.labels.end(),
                                       [](const KeyValue& kv) { return kv.key == "__name__"; }),
                        ts.labels.end());
      }
      ts.exemplars = li->second.exemplars;
      for (const auto& x : ri->second.exemplars) ts.exemplars.push_back(x);
      out[key] = std::move(ts);
    }
    return out;
  }

  SeriesSet SecondStage(const struct SecondStage& st, SeriesSet in) const {
    if (st.kind == SecondStage::Kind::kFilter) {
      for (auto& [k, ts] : in) {
        for (double& v : ts.values) {
          if (std::isnan(v)) continue;
          const Value res = eval::BinaryOp(st.op, Value::Float(v), Value::Float(st.value), nullptr);
          if (!res.IsTrue()) v = kNaN;
        }
      }
      return in;
    }
    // topk / bottomk per timestamp.
    const bool top = st.kind == SecondStage::Kind::kTopK;
    SeriesSet out;
    for (size_t i = 0; i < range.intervals; ++i) {
      std::vector<std::pair<double, const std::string*>> vals;
      for (const auto& [k, ts] : in) {
        if (i < ts.values.size() && !std::isnan(ts.values[i])) vals.emplace_back(ts.values[i], &k);
      }
      std::sort(vals.begin(), vals.end(), [&](const auto& a, const auto& b) {
        if (a.first != b.first) return top ? a.first > b.first : a.first < b.first;
        return *a.second < *b.second;
      });
      for (size_t j = 0; j < vals.size() && j < static_cast<size_t>(st.limit); ++j) {
        const std::string& k = *vals[j].second;
        auto [it, inserted] = out.emplace(k, TS{});
        if (inserted) {
          it->second.labels = in[k].labels;
          it->second.exemplars = in[k].exemplars;
          it->second.values.assign(range.intervals, kNaN);
        }
        it->second.values[i] = vals[j].first;
      }
    }
    return out;
  }
};

}  // namespace

Result<MetricsResponse> QueryRange(ss::SpanStore& store, std::string_view tenant,
                                   const MetricsRequest& req, const EngineOptions& options) {
  return eval::QueryRangeWithMode(store, tenant, req, options, eval::ScanMode::kPushdown);
}

namespace eval {

Result<MetricsResponse> QueryRangeWithMode(ss::SpanStore& store, std::string_view tenant,
                                           const MetricsRequest& req, const EngineOptions& options,
                                           ScanMode mode) {
  if (req.start_ns <= 0) return Status::InvalidArgument("start required");
  if (req.end_ns <= 0) return Status::InvalidArgument("end required");
  if (req.end_ns <= req.start_ns) return Status::InvalidArgument("end must be greater than start");
  if (req.step_ns < 0) return Status::InvalidArgument("step must be positive");
  LOUPE_ASSIGN_OR_RETURN(RootExpr root, eval::CompileQuery(req.query));
  if (!root.IsMetrics()) {
    return Status::InvalidArgument("invalid TraceQL query: not a metrics query");
  }
  Range range;
  range.instant = req.instant;
  if (req.instant) {
    range.start = req.start_ns;
    range.end = req.end_ns;
    range.step = req.end_ns - req.start_ns;
    range.intervals = 1;
  } else {
    range.step = req.step_ns ? req.step_ns : DefaultStep(req.start_ns, req.end_ns);
    range.start = req.start_ns - req.start_ns % range.step;
    const int64_t mod = req.end_ns % range.step;
    range.end = mod ? req.end_ns + (range.step - mod) : req.end_ns;
    const int64_t points = (range.end - range.start) / range.step + 1;
    if (options.max_points && points > options.max_points) {
      return Status::InvalidArgument(
          "exceeded maximum resolution of " + std::to_string(options.max_points) +
          " points per timeseries. Try decreasing the query resolution (?step=XX)");
    }
    range.intervals = static_cast<size_t>(points);
  }
  Evaluator ev{store, tenant, range, options, req.exemplars, mode, {}, 0};
  LOUPE_ASSIGN_OR_RETURN(SeriesSet set, ev.Eval(*root.metrics));

  MetricsResponse out;
  out.instant = req.instant;
  out.step_ns = range.step;
  for (auto& [key, ts] : set) {
    Series s;
    s.labels = ts.labels;
    s.prom_labels = PromLabels(ts.labels, false);
    if (req.instant) {
      if (ts.values.empty() || std::isnan(ts.values[0])) continue;
      s.value = ts.values[0];
    } else {
      for (size_t i = 0; i < ts.values.size(); ++i) {
        if (std::isnan(ts.values[i])) continue;
        s.samples.push_back({range.TimestampMs(i), ts.values[i]});
      }
      if (s.samples.empty() && !ts.keep_empty) continue;
    }
    s.exemplars = std::move(ts.exemplars);
    out.series.push_back(std::move(s));
  }
  std::sort(out.series.begin(), out.series.end(),
            [](const Series& a, const Series& b) { return a.prom_labels < b.prom_labels; });
  out.metrics = eval::MetricsOf(ev.stats, ev.traces);
  return out;
}

}  // namespace eval

}  // namespace loupe::query::traceql
