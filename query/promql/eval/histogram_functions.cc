// histogram_quantile() and histogram_fraction() over classic histograms: series carrying an
// `le` bucket label, grouped by their other labels (the metric name included, as Prometheus
// with delayed name removal groups them). Native histograms are not supported.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "query/common/go_format.h"
#include "query/promql/eval/evaluator.h"
#include "query/promql/syntax/functions.h"

namespace loupe::query::promql {

using storage::model::Labels;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Bucket {
  double upper;
  double count;
};

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Go's strconv.ParseFloat(s, 64) for decimal and special forms (hex floats included).
bool ParseGoFloat(std::string_view s, double* out) {
  if (s.empty()) return false;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (EqualFold(s, "inf") || EqualFold(s, "infinity")) {
    *out = neg ? -kInf : kInf;
    return true;
  }
  if (EqualFold(s, "nan")) {
    *out = kNaN;
    return true;
  }
  if (s.empty() || s[0] == '+' || s[0] == '-') return false;
  double v;
  std::from_chars_result res;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    res = std::from_chars(s.data() + 2, s.data() + s.size(), v, std::chars_format::hex);
  } else {
    res = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  }
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return false;
  *out = neg ? -v : v;
  return true;
}

// Prometheus's util/almost.Equal.
bool AlmostEqual(double a, double b, double epsilon) {
  constexpr double kMinNormal = 2.2250738585072014e-308;
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double abs_sum = std::fabs(a) + std::fabs(b);
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < epsilon * kMinNormal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

void SortAndCoalesce(std::vector<Bucket>* b) {
  std::stable_sort(b->begin(), b->end(),
                   [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  size_t i = 0;
  Bucket last = (*b)[0];
  for (size_t k = 1; k < b->size(); ++k) {
    if ((*b)[k].upper == last.upper) {
      last.count += (*b)[k].count;
    } else {
      (*b)[i++] = last;
      last = (*b)[k];
    }
  }
  (*b)[i++] = last;
  b->resize(i);
}

// Prometheus's BucketQuantile; *forced is set when monotonicity had to be forced.
double BucketQuantile(double q, std::vector<Bucket>* buckets, bool* forced) {
  *forced = false;
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  auto& b = *buckets;
  std::stable_sort(b.begin(), b.end(),
                   [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (b.back().upper != kInf) return kNaN;
  SortAndCoalesce(&b);
  // ensureMonotonicAndIgnoreSmallDeltas with tolerance 1e-12.
  double prev = b[0].count;
  for (size_t i = 1; i < b.size(); ++i) {
    const double curr = b[i].count;
    if (curr == prev) continue;
    if (AlmostEqual(prev, curr, 1e-12)) {
      b[i].count = prev;
      continue;
    }
    if (curr < prev) {
      b[i].count = prev;
      *forced = true;
      continue;
    }
    prev = curr;
  }
  if (b.size() < 2) return kNaN;
  const double observations = b.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  size_t idx = 0;
  {
    size_t lo = 0, hi = b.size() - 1;  // sort.Search over len-1
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (b[mid].count >= rank) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    idx = lo;
  }
  if (idx == b.size() - 1) return b[b.size() - 2].upper;
  if (idx == 0 && b[0].upper <= 0) return b[0].upper;
  double start = 0;
  const double end = b[idx].upper;
  double count = b[idx].count;
  if (idx > 0) {
    start = b[idx - 1].upper;
    count -= b[idx - 1].count;
    rank -= b[idx - 1].count;
  }
  return start + (end - start) * (rank / count);
}

// Prometheus's BucketFraction.
double BucketFraction(double lower, double upper, std::vector<Bucket>* buckets) {
  auto& b = *buckets;
  std::stable_sort(b.begin(), b.end(),
                   [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (b.back().upper != kInf) return kNaN;
  SortAndCoalesce(&b);
  const double count = b.back().count;
  if (count == 0 || std::isnan(lower) || std::isnan(upper)) return kNaN;
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  double lower_bound = b[0].upper <= 0 ? -kInf : 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i > 0) lower_bound = b[i - 1].upper;
    const double upper_bound = b[i].upper;
    auto interpolate = [&](double v) {
      if (lower_bound == -kInf) return b[i].count;
      return rank + (b[i].count - rank) * (v - lower_bound) / (upper_bound - lower_bound);
    };
    if (!lower_set && lower_bound >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && lower_bound >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && lower_bound < lower && upper_bound > lower) {
      lower_rank = interpolate(lower);
      lower_set = true;
    }
    if (!upper_set && lower_bound < upper && upper_bound > upper) {
      upper_rank = interpolate(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank = b[i].count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / count;
}

}  // namespace

Result<Value> Evaluator::EvalHistogramFunction(const Call& c, const EvalRange& r) {
  const bool quantile = c.func->name == "histogram_quantile";
  std::vector<double> q, lower, upper;
  if (quantile) {
    LOUPE_ASSIGN_OR_RETURN(q, EvalScalarArg(Unparen(*c.args[0]), r));
  } else {
    LOUPE_ASSIGN_OR_RETURN(lower, EvalScalarArg(Unparen(*c.args[0]), r));
    LOUPE_ASSIGN_OR_RETURN(upper, EvalScalarArg(Unparen(*c.args[1]), r));
  }
  const Expr& vec_arg = Unparen(*c.args[quantile ? 1 : 2]);
  LOUPE_ASSIGN_OR_RETURN(StepMatrix in, EvalVectorArg(vec_arg, r));

  if (quantile) {
    const Expr& qa = Unparen(*c.args[0]);
    for (double x : q) {
      if (std::isnan(x) || x < 0 || x > 1) {
        annotations_.AddWarning(
            "PromQL warning: quantile value should be between 0 and 1, got " + FormatFloatG(x),
            qa.pos.start, qa.pos.end);
      }
    }
  }

  // Per input series: its bucket bound and its group (labels without `le`).
  std::vector<double> bound(in.size());
  std::vector<int32_t> group(in.size(), -1);
  std::vector<Labels> group_labels;
  std::unordered_multimap<uint64_t, int32_t> by_hash;
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string_view le = in[i].labels.Get("le");
    if (!ParseGoFloat(le, &bound[i])) {
      std::string msg =
          "PromQL warning: bucket label \"le\" is missing or has a malformed value of " +
          GoQuote(le);
      const std::string_view name = in[i].labels.MetricName();
      if (!name.empty()) msg += " for metric name " + GoQuote(name);
      annotations_.AddWarning(std::move(msg), vec_arg.pos.start, vec_arg.pos.end);
      continue;
    }
    Labels g = in[i].labels.Without("le");
    const uint64_t h = g.Hash();
    auto [lo, hi] = by_hash.equal_range(h);
    for (auto it = lo; it != hi; ++it) {
      if (group_labels[static_cast<size_t>(it->second)] == g) group[i] = it->second;
    }
    if (group[i] < 0) {
      group[i] = static_cast<int32_t>(group_labels.size());
      by_hash.emplace(h, group[i]);
      group_labels.push_back(std::move(g));
    }
  }

  Value out;
  out.type = ValueType::kVector;
  std::vector<std::vector<Bucket>> buckets(group_labels.size());
  std::vector<int32_t> out_index(group_labels.size(), -1);
  int64_t produced = 0;
  for (int64_t i = 0; i < r.steps; ++i) {
    if ((i & 255) == 0) LOUPE_RETURN_IF_ERROR(CheckCancel());
    for (auto& b : buckets) b.clear();
    for (size_t k = 0; k < in.size(); ++k) {
      if (group[k] < 0) continue;
      const double v = in[k].At(i);
      if (IsAbsent(v)) continue;
      buckets[static_cast<size_t>(group[k])].push_back({bound[k], v});
    }
    for (size_t g = 0; g < buckets.size(); ++g) {
      if (buckets[g].empty()) continue;
      double v;
      if (quantile) {
        bool forced;
        v = BucketQuantile(q[static_cast<size_t>(i)], &buckets[g], &forced);
        if (forced) {
          std::string msg =
              "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see "
              "https://prometheus.io/docs/prometheus/latest/querying/functions/"
              "#histogram_quantile)";
          const std::string_view name = group_labels[g].MetricName();
          if (!name.empty()) msg += " for metric name " + GoQuote(name);
          annotations_.AddInfo(std::move(msg), vec_arg.pos.start, vec_arg.pos.end);
        }
      } else {
        v = BucketFraction(lower[static_cast<size_t>(i)], upper[static_cast<size_t>(i)],
                           &buckets[g]);
      }
      if (out_index[g] < 0) {
        out_index[g] = static_cast<int32_t>(out.vector.size());
        StepSeries o;
        o.labels = group_labels[g];
        o.drop_name = true;
        out.vector.push_back(std::move(o));
      }
      out.vector[static_cast<size_t>(out_index[g])].Set(i, v);
      ++produced;
    }
  }
  Release(CountPoints(in));
  LOUPE_RETURN_IF_ERROR(Charge(produced));
  return out;
}

}  // namespace loupe::query::promql
