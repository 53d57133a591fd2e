// Functions over range vectors (rate, increase, delta, irate, idelta, deriv, predict_linear,
// resets, changes, the *_over_time family, double_exponential_smoothing, absent_over_time),
// with Prometheus's numerics. Each input series is processed once: its window for step i is
// (ref_i - range, ref_i], found with two moving cursors; counts that only depend on the window
// bounds (resets, changes) use prefix sums so that each step is O(1).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string_view>
#include <thread>
#include <atomic>

#include "query/common/go_format.h"
#include "query/common/kahan.h"
#include "query/common/quantile.h"
#include "query/promql/eval/evaluator.h"
#include "query/promql/syntax/functions.h"

namespace loupe::query::promql {

using storage::model::Sample;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class RangeFn {
  kRate,
  kIncrease,
  kDelta,
  kIrate,
  kIdelta,
  kDeriv,
  kPredictLinear,
  kResets,
  kChanges,
  kAvg,
  kSum,
  kCount,
  kMin,
  kMax,
  kLast,
  kFirst,
  kPresent,
  kStddev,
  kStdvar,
  kQuantile,
  kMad,
  kTsOfMin,
  kTsOfMax,
  kTsOfFirst,
  kTsOfLast,
  kDoubleExpSmoothing,
  kAbsent,
};

bool LookupRangeFn(std::string_view name, RangeFn* fn) {
  static const std::pair<std::string_view, RangeFn> kTable[] = {
      {"rate", RangeFn::kRate},
      {"increase", RangeFn::kIncrease},
      {"delta", RangeFn::kDelta},
      {"irate", RangeFn::kIrate},
      {"idelta", RangeFn::kIdelta},
      {"deriv", RangeFn::kDeriv},
      {"predict_linear", RangeFn::kPredictLinear},
      {"resets", RangeFn::kResets},
      {"changes", RangeFn::kChanges},
      {"avg_over_time", RangeFn::kAvg},
      {"sum_over_time", RangeFn::kSum},
      {"count_over_time", RangeFn::kCount},
      {"min_over_time", RangeFn::kMin},
      {"max_over_time", RangeFn::kMax},
      {"last_over_time", RangeFn::kLast},
      {"first_over_time", RangeFn::kFirst},
      {"present_over_time", RangeFn::kPresent},
      {"stddev_over_time", RangeFn::kStddev},
      {"stdvar_over_time", RangeFn::kStdvar},
      {"quantile_over_time", RangeFn::kQuantile},
      {"mad_over_time", RangeFn::kMad},
      {"ts_of_min_over_time", RangeFn::kTsOfMin},
      {"ts_of_max_over_time", RangeFn::kTsOfMax},
      {"ts_of_first_over_time", RangeFn::kTsOfFirst},
      {"ts_of_last_over_time", RangeFn::kTsOfLast},
      {"double_exponential_smoothing", RangeFn::kDoubleExpSmoothing},
      {"absent_over_time", RangeFn::kAbsent},
  };
  for (const auto& [n, f] : kTable) {
    if (n == name) {
      *fn = f;
      return true;
    }
  }
  return false;
}

// time.Duration.Seconds() of a millisecond duration, rounded as Go rounds it.
double DurationSeconds(int64_t ms) {
  const int64_t ns = ms * 1000000;
  return static_cast<double>(ns / 1000000000) + static_cast<double>(ns % 1000000000) / 1e9;
}

// Prometheus's extrapolatedRate for floats.
bool ExtrapolatedRate(const Sample* s, size_t lo, size_t hi, const std::vector<int32_t>& resets,
                      int64_t range_start, int64_t range_end, double range_seconds, bool counter,
                      bool is_rate, double* out) {
  const size_t n = hi - lo;
  if (n < 2) return false;
  const Sample& first = s[lo];
  const Sample& last = s[hi - 1];
  double result = last.v - first.v;
  if (counter && resets[hi - 1] != resets[lo]) {
    for (size_t j = lo + 1; j < hi; ++j) {
      if (s[j].v < s[j - 1].v) result += s[j - 1].v;
    }
  }
  double to_start = static_cast<double>(first.t - range_start) / 1000;
  double to_end = static_cast<double>(range_end - last.t) / 1000;
  const double sampled = static_cast<double>(last.t - first.t) / 1000;
  const double avg = sampled / static_cast<double>(n - 1);
  const double threshold = avg * 1.1;
  if (to_start >= threshold) to_start = avg / 2;
  if (counter) {
    double to_zero = to_start;
    if (result > 0 && first.v >= 0) to_zero = sampled * (first.v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg / 2;
  double factor = (sampled + to_start + to_end) / sampled;
  if (is_rate) factor /= range_seconds;
  *out = result * factor;
  return true;
}

// Least squares over the window; x in seconds relative to intercept_time.
void LinearRegression(const Sample* s, size_t lo, size_t hi, int64_t intercept_time, double* slope,
                      double* intercept) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  const double init_y = s[lo].v;
  bool const_y = true;
  for (size_t i = lo; i < hi; ++i) {
    if (const_y && i > lo && s[i].v != init_y) const_y = false;
    n += 1.0;
    const double x = static_cast<double>(s[i].t - intercept_time) / 1e3;
    KahanAdd(x, &sum_x, &c_x);
    KahanAdd(s[i].v, &sum_y, &c_y);
    KahanAdd(x * s[i].v, &sum_xy, &c_xy);
    KahanAdd(x * x, &sum_x2, &c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = *intercept = kNaN;
      return;
    }
    *slope = 0;
    *intercept = init_y;
    return;
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  *slope = cov_xy / var_x;
  *intercept = sum_y / n - *slope * sum_x / n;
}

double AvgOverTime(const Sample* s, size_t lo, size_t hi) {
  double sum = s[lo].v, count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = lo + 1; i < hi; ++i) {
    count = static_cast<double>(i - lo + 1);
    const double f = s[i].v;
    if (!incremental) {
      double ns = sum, nc = c;
      KahanAdd(f, &ns, &nc);
      if (!std::isinf(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const double q = (count - 1) / count;
    double m = q * mean, mc = q * c;
    KahanAdd(f / count, &m, &mc);
    mean = m;
    c = mc;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

double VarianceOverTime(const Sample* s, size_t lo, size_t hi) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (size_t i = lo; i < hi; ++i) {
    count++;
    const double f = s[i].v;
    const double delta = f - (mean + c_mean);
    KahanAdd(delta / count, &mean, &c_mean);
    KahanAdd(delta * (f - (mean + c_mean)), &aux, &c_aux);
  }
  return (aux + c_aux) / count;
}

std::string GoFormatF6(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6f", v);
  return buf;
}

// The value of range function `fn` over the window s[lo, hi) = (start, ref] at step i. Returns
// false when the window yields no value, or (with *err set) on an invalid argument. Quantile
// arguments outside [0, 1] are appended to *bad_quantiles (consecutive repeats once).
bool WindowValue(RangeFn fn, const Sample* s, size_t lo, size_t hi, int64_t i, int64_t start,
                 int64_t ref, const std::vector<int32_t>& prefix,
                 const std::vector<std::vector<double>>& scalars, double range_seconds,
                 bool counter, const EvalRange& r, std::vector<double>& values,
                 std::vector<double>* bad_quantiles, Status* err, double* out) {
  const size_t cnt = hi - lo;
  double v = 0;
  bool ok = true;
  switch (fn) {
    case RangeFn::kRate:
    case RangeFn::kIncrease:
    case RangeFn::kDelta:
      ok = ExtrapolatedRate(s, lo, hi, prefix, start, ref, range_seconds, counter,
                            fn == RangeFn::kRate, &v);
      break;
    case RangeFn::kIrate:
    case RangeFn::kIdelta: {
      if (cnt < 2) {
        ok = false;
        break;
      }
      const Sample& prev = s[hi - 2];
      const Sample& cur = s[hi - 1];
      const int64_t interval = cur.t - prev.t;
      if (interval == 0) {
        ok = false;
        break;
      }
      v = cur.v;
      if (fn == RangeFn::kIdelta || !(cur.v < prev.v)) v = cur.v - prev.v;
      if (fn == RangeFn::kIrate) v /= static_cast<double>(interval) / 1000;
      break;
    }
    case RangeFn::kDeriv: {
      if (cnt < 2) {
        ok = false;
        break;
      }
      double intercept;
      LinearRegression(s, lo, hi, s[lo].t, &v, &intercept);
      break;
    }
    case RangeFn::kPredictLinear: {
      if (cnt < 2) {
        ok = false;
        break;
      }
      double slope, intercept;
      LinearRegression(s, lo, hi, r.T(i), &slope, &intercept);
      v = slope * scalars[1][static_cast<size_t>(i)] + intercept;
      break;
    }
    case RangeFn::kResets:
    case RangeFn::kChanges:
      v = prefix[hi - 1] - prefix[lo];
      break;
    case RangeFn::kAvg:
      v = AvgOverTime(s, lo, hi);
      break;
    case RangeFn::kSum: {
      double sum = 0, comp = 0;
      for (size_t j = lo; j < hi; ++j) KahanAdd(s[j].v, &sum, &comp);
      v = std::isinf(sum) ? sum : sum + comp;
      break;
    }
    case RangeFn::kCount:
      v = static_cast<double>(cnt);
      break;
    case RangeFn::kMin:
    case RangeFn::kMax:
    case RangeFn::kTsOfMin:
    case RangeFn::kTsOfMax: {
      double best = s[lo].v;
      int64_t best_t = s[lo].t;
      for (size_t j = lo; j < hi; ++j) {
        const double f = s[j].v;
        bool take;
        switch (fn) {
          case RangeFn::kMax:
            take = f > best || std::isnan(best);
            break;
          case RangeFn::kMin:
            take = f < best || std::isnan(best);
            break;
          case RangeFn::kTsOfMax:
            take = f >= best || std::isnan(best);
            break;
          default:
            take = f <= best || std::isnan(best);
            break;
        }
        if (take) {
          best = f;
          best_t = s[j].t;
        }
      }
      v = (fn == RangeFn::kMin || fn == RangeFn::kMax) ? best
                                                       : static_cast<double>(best_t) / 1000;
      break;
    }
    case RangeFn::kLast:
      v = s[hi - 1].v;
      break;
    case RangeFn::kFirst:
      v = s[lo].v;
      break;
    case RangeFn::kTsOfLast:
      v = static_cast<double>(s[hi - 1].t) / 1000;
      break;
    case RangeFn::kTsOfFirst:
      v = static_cast<double>(s[lo].t) / 1000;
      break;
    case RangeFn::kPresent:
      v = 1;
      break;
    case RangeFn::kStddev:
      v = std::sqrt(VarianceOverTime(s, lo, hi));
      break;
    case RangeFn::kStdvar:
      v = VarianceOverTime(s, lo, hi);
      break;
    case RangeFn::kQuantile: {
      const double q = scalars[0][static_cast<size_t>(i)];
      if ((std::isnan(q) || q < 0 || q > 1) &&
          (bad_quantiles->empty() || !(bad_quantiles->back() == q))) {
        bad_quantiles->push_back(q);
      }
      values.clear();
      for (size_t j = lo; j < hi; ++j) values.push_back(s[j].v);
      v = query::Quantile(q, &values);
      break;
    }
    case RangeFn::kMad: {
      values.clear();
      for (size_t j = lo; j < hi; ++j) values.push_back(s[j].v);
      const double median = query::Quantile(0.5, &values);
      values.clear();
      for (size_t j = lo; j < hi; ++j) values.push_back(std::fabs(s[j].v - median));
      v = query::Quantile(0.5, &values);
      break;
    }
    case RangeFn::kDoubleExpSmoothing: {
      const double sf = scalars[1][static_cast<size_t>(i)];
      const double tf = scalars[2][static_cast<size_t>(i)];
      if (sf <= 0 || sf >= 1) {
        *err = Status::InvalidArgument("invalid smoothing factor. Expected: 0 < sf < 1, got: " +
                                       GoFormatF6(sf));
        return false;
      }
      if (tf <= 0 || tf >= 1) {
        *err = Status::InvalidArgument("invalid trend factor. Expected: 0 < tf < 1, got: " +
                                       GoFormatF6(tf));
        return false;
      }
      if (cnt < 2) {
        ok = false;
        break;
      }
      double s0 = 0, s1 = s[lo].v, b = s[lo + 1].v - s[lo].v;
      for (size_t j = 1; j < cnt; ++j) {
        const double x = sf * s[lo + j].v;
        if (j - 1 != 0) b = tf * (s1 - s0) + (1 - tf) * b;
        const double y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
      }
      v = s1;
      break;
    }
    case RangeFn::kAbsent:
      break;
  }
  *out = v;
  return ok;
}

// What one worker produced from a contiguous run of input series, in input order.
struct RangeFnPart {
  std::vector<StepSeries> out;
  std::vector<uint8_t> present_at;    // absent_over_time: steps with any sample
  std::vector<double> bad_quantiles;  // see WindowValue
  int64_t produced = 0;
  Status status;
};

// Worker threads for one range function: parallel only when the work is large enough that a
// thread start (~tens of microseconds) is noise.
int RangeFnWorkers(int parallelism, size_t series, int64_t steps) {
  if (parallelism <= 0) parallelism = static_cast<int>(std::min(4u, std::max(1u, std::thread::hardware_concurrency())));
  if (parallelism <= 1 || series < 32) return 1;
  const auto work = static_cast<double>(series) * static_cast<double>(std::max<int64_t>(steps, 8));
  if (work < 20'000) return 1;
  return static_cast<int>(std::min<size_t>(static_cast<size_t>(parallelism), series / 16));
}

}  // namespace

Result<Value> Evaluator::EvalRangeFunction(const Call& c, size_t matrix_arg, const EvalRange& r) {
  RangeFn fn;
  if (!LookupRangeFn(c.func->name, &fn)) {
    return Status::Unimplemented("function " + std::string(c.func->name) + " is not supported");
  }
  // Scalar arguments, one value per step.
  std::vector<std::vector<double>> scalars(c.args.size());
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (i == matrix_arg) continue;
    LOUPE_ASSIGN_OR_RETURN(scalars[i], EvalScalarArg(Unparen(*c.args[i]), r));
  }
  const Expr& marg = Unparen(*c.args[matrix_arg]);
  LOUPE_ASSIGN_OR_RETURN(RangeArg arg, EvalRangeArg(marg, r));
  int64_t loaded = 0;  // eager series, charged by EvalRangeArg
  for (const auto& s : arg.series) loaded += static_cast<int64_t>(s.samples.size());

  Value out;
  out.type = ValueType::kVector;
  const bool drops_name = fn != RangeFn::kLast && fn != RangeFn::kFirst;
  const bool counter = fn == RangeFn::kRate || fn == RangeFn::kIncrease;
  const double range_seconds = DurationSeconds(arg.range_ms);
  const bool needs_prefix = fn == RangeFn::kRate || fn == RangeFn::kIncrease ||
                            fn == RangeFn::kResets || fn == RangeFn::kChanges;

  // Samples the query may still hold: lazily loaded series are decoded one at a time per
  // worker and count against it only while being processed; produced points stay.
  const int64_t budget = options_.max_samples - current_samples_;
  std::atomic<int64_t> held{0};
  auto run = [&](size_t begin, size_t end, RangeFnPart* part) {
    std::vector<Sample> scratch;       // a lazily loaded series, decoded
    std::vector<int32_t> prefix;       // resets or changes up to each index
    std::vector<double> values;        // scratch for quantile/mad
    if (fn == RangeFn::kAbsent) part->present_at.assign(static_cast<size_t>(r.steps), 0);
    for (size_t si = begin; si < end; ++si) {
      if (((si - begin) & 63) == 0) {
        part->status = CheckCancel();
        if (!part->status.ok()) return;
      }
      RangeSeries& in = arg.series[si];
      const std::vector<Sample>& samples = LoadRangeSamples(in, &scratch);
      const Sample* s = samples.data();
      const size_t n = samples.size();
      if (in.load && held.load(std::memory_order_relaxed) + static_cast<int64_t>(n) > budget) {
        part->status = Status::ResourceExhausted(
            "query processing would load too many samples into memory in query execution");
        return;
      }
      if (needs_prefix) {
        prefix.assign(n, 0);
        for (size_t j = 1; j < n; ++j) {
          bool hit;
          if (fn == RangeFn::kChanges) {
            hit = s[j].v != s[j - 1].v && !(std::isnan(s[j].v) && std::isnan(s[j - 1].v));
          } else {
            hit = s[j].v < s[j - 1].v;
          }
          prefix[j] = prefix[j - 1] + (hit ? 1 : 0);
        }
      }
      StepSeries o;
      int64_t produced = 0;
      size_t lo = 0, hi = 0;
      int64_t ref = arg.Ref(r, 0);
      const int64_t ref_step = arg.has_at ? 0 : r.interval;
      for (int64_t i = 0; i < r.steps; ++i, ref += ref_step) {
        const int64_t start = ref - arg.range_ms;
        if (!arg.has_at || i == 0) {
          if (arg.has_at) lo = hi = 0;
          while (lo < n && s[lo].t <= start) ++lo;
          if (hi < lo) hi = lo;
          while (hi < n && s[hi].t <= ref) ++hi;
        }
        if (hi <= lo) continue;
        if (fn == RangeFn::kAbsent) {
          part->present_at[static_cast<size_t>(i)] = 1;
          continue;
        }
        double v;
        if (!WindowValue(fn, s, lo, hi, i, start, ref, prefix, scalars, range_seconds, counter, r,
                         values, &part->bad_quantiles, &part->status, &v)) {
          if (!part->status.ok()) return;
          continue;
        }
        o.Set(i, v);
        ++produced;
      }
      if (o.values.empty()) continue;
      if (held.fetch_add(produced, std::memory_order_relaxed) + produced > budget) {
        part->status = Status::ResourceExhausted(
            "query processing would load too many samples into memory in query execution");
        return;
      }
      part->produced += produced;
      o.labels = std::move(in.labels);
      o.drop_name = drops_name || in.drop_name;
      part->out.push_back(std::move(o));
    }
  };

  const size_t nseries = arg.series.size();
  const int workers = RangeFnWorkers(options_.parallelism, nseries, r.steps);
  std::vector<RangeFnPart> parts(static_cast<size_t>(workers));
  if (workers == 1) {
    run(0, nseries, &parts[0]);
  } else {
    std::vector<std::thread> threads;
    for (int w = 1; w < workers; ++w) {
      threads.emplace_back(run, nseries * static_cast<size_t>(w) / static_cast<size_t>(workers),
                           nseries * static_cast<size_t>(w + 1) / static_cast<size_t>(workers),
                           &parts[static_cast<size_t>(w)]);
    }
    run(0, nseries / static_cast<size_t>(workers), &parts[0]);
    for (auto& t : threads) t.join();
  }

  // Merge in input order: errors, annotations and series come out as a serial run gives them.
  int64_t produced = 0;
  std::vector<uint8_t> present_at;
  if (fn == RangeFn::kAbsent) present_at.assign(static_cast<size_t>(r.steps), 0);
  for (RangeFnPart& part : parts) {
    LOUPE_RETURN_IF_ERROR(part.status);
    produced += part.produced;
    for (size_t i = 0; i < part.present_at.size(); ++i) present_at[i] |= part.present_at[i];
    for (const double q : part.bad_quantiles) {
      const Expr& qa = Unparen(*c.args[0]);
      annotations_.AddWarning(
          "PromQL warning: quantile value should be between 0 and 1, got " + query::FormatFloatG(q),
          qa.pos.start, qa.pos.end);
    }
    for (StepSeries& o : part.out) {
      if (counter) {
        const std::string_view name = o.labels.MetricName();
        auto ends = [&](std::string_view suf) {
          return name.size() >= suf.size() && name.substr(name.size() - suf.size()) == suf;
        };
        if (!name.empty() && !ends("_total") && !ends("_sum") && !ends("_count") &&
            !ends("_bucket")) {
          annotations_.AddInfo(
              "PromQL info: metric might not be a counter, name does not end in "
              "_total/_sum/_count/_bucket: " +
                  query::GoQuote(name),
              marg.pos.start, marg.pos.end);
        }
      }
      out.vector.push_back(std::move(o));
    }
  }
  Release(loaded);

  if (fn == RangeFn::kAbsent) {
    StepSeries o;
    o.labels = AbsentLabels(marg);
    o.drop_name = true;
    for (int64_t i = 0; i < r.steps; ++i) {
      if (!present_at[static_cast<size_t>(i)]) {
        o.Set(i, 1);
        ++produced;
      }
    }
    if (!o.values.empty()) out.vector.push_back(std::move(o));
  }
  LOUPE_RETURN_IF_ERROR(Charge(produced));
  return out;
}

}  // namespace loupe::query::promql
