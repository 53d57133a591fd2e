// Functions over instant vectors and scalars: math, clamp/round, date functions, time,
// timestamp, vector, scalar, absent, sort*, label_replace/label_join. Range-vector functions
// live in range_functions.cc, histogram_quantile/histogram_fraction in histogram_functions.cc.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string_view>

#include "query/common/label_funcs.h"
#include "query/common/sort.h"
#include "query/promql/eval/evaluator.h"
#include "query/promql/syntax/functions.h"

namespace loupe::query::promql {

using storage::model::Labels;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Go's math.Max / math.Min (NaN propagates; infinities win over NaN; signed zeros).
double GoMax(double a, double b) {
  if (a == kInf || b == kInf) return kInf;
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == 0 && a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
double GoMin(double a, double b) {
  if (a == -kInf || b == -kInf) return -kInf;
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == 0 && a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

using MathFn = double (*)(double);

MathFn LookupMath(std::string_view name) {
  static const std::pair<std::string_view, MathFn> kTable[] = {
      {"abs", [](double v) { return std::fabs(v); }},
      {"ceil", [](double v) { return std::ceil(v); }},
      {"floor", [](double v) { return std::floor(v); }},
      {"exp", [](double v) { return std::exp(v); }},
      {"sqrt", [](double v) { return std::sqrt(v); }},
      {"ln", [](double v) { return std::log(v); }},
      {"log2", [](double v) { return std::log2(v); }},
      {"log10", [](double v) { return std::log10(v); }},
      {"sin", [](double v) { return std::sin(v); }},
      {"cos", [](double v) { return std::cos(v); }},
      {"tan", [](double v) { return std::tan(v); }},
      {"asin", [](double v) { return std::asin(v); }},
      {"acos", [](double v) { return std::acos(v); }},
      {"atan", [](double v) { return std::atan(v); }},
      {"sinh", [](double v) { return std::sinh(v); }},
      {"cosh", [](double v) { return std::cosh(v); }},
      {"tanh", [](double v) { return std::tanh(v); }},
      {"asinh", [](double v) { return std::asinh(v); }},
      {"acosh", [](double v) { return std::acosh(v); }},
      {"atanh", [](double v) { return std::atanh(v); }},
      {"rad", [](double v) { return v * std::numbers::pi / 180; }},
      {"deg", [](double v) { return v * 180 / std::numbers::pi; }},
      {"sgn",
       [](double v) {
         if (v < 0) return -1.0;
         if (v > 0) return 1.0;
         return v;
       }},
  };
  for (const auto& [n, f] : kTable) {
    if (n == name) return f;
  }
  return nullptr;
}

// Civil date of a Unix time in seconds (UTC), proleptic Gregorian.
struct CivilTime {
  int64_t year;
  int month, day, hour, minute, weekday, yday, days_in_month;
};

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

CivilTime ToCivil(int64_t secs) {
  // Floor division without overflow, also for math.MinInt64.
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  if (m <= 2) ++y;
  static constexpr int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  CivilTime c;
  c.year = y;
  c.month = m;
  c.day = d;
  c.hour = static_cast<int>(sod / 3600);
  c.minute = static_cast<int>((sod % 3600) / 60);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  c.yday = kCum[m - 1] + d + ((m > 2 && IsLeap(y)) ? 1 : 0);
  c.days_in_month = kDays[m - 1] + ((m == 2 && IsLeap(y)) ? 1 : 0);
  return c;
}

// Go's int64(float64) on amd64: NaN and out-of-range values become math.MinInt64.
int64_t GoFloatToInt64(double v) {
  if (std::isnan(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(v);
}

double DatePart(std::string_view fn, int64_t secs) {
  const CivilTime c = ToCivil(secs);
  if (fn == "year") return static_cast<double>(c.year);
  if (fn == "month") return c.month;
  if (fn == "day_of_month") return c.day;
  if (fn == "day_of_week") return c.weekday;
  if (fn == "day_of_year") return c.yday;
  if (fn == "days_in_month") return c.days_in_month;
  if (fn == "hour") return c.hour;
  return c.minute;
}

bool IsDateFunction(std::string_view n) {
  return n == "year" || n == "month" || n == "day_of_month" || n == "day_of_week" ||
         n == "day_of_year" || n == "days_in_month" || n == "hour" || n == "minute";
}

Value ScalarValue(std::vector<double> v) {
  Value out;
  out.type = ValueType::kScalar;
  out.scalar = std::move(v);
  return out;
}

}  // namespace

Result<Value> Evaluator::EvalCall(const Call& c, const EvalRange& r) {
  const std::string_view name = c.func->name;
  for (size_t i = 0; i < c.args.size(); ++i) {
    const ExprKind k = Unparen(*c.args[i]).kind;
    if (k == ExprKind::kMatrixSelector || k == ExprKind::kSubquery) {
      return EvalRangeFunction(c, i, r);
    }
  }
  if (name == "label_replace" || name == "label_join") return EvalLabelFunction(c, r);
  if (name == "histogram_quantile" || name == "histogram_fraction") {
    return EvalHistogramFunction(c, r);
  }
  if (name == "info") return EvalInfo(c, r);

  if (name == "time") {
    std::vector<double> v(static_cast<size_t>(r.steps));
    for (int64_t i = 0; i < r.steps; ++i) v[static_cast<size_t>(i)] = r.T(i) / 1000.0;
    LOUPE_RETURN_IF_ERROR(Charge(r.steps));
    return ScalarValue(std::move(v));
  }
  if (name == "pi") {
    LOUPE_RETURN_IF_ERROR(Charge(r.steps));
    return ScalarValue(std::vector<double>(static_cast<size_t>(r.steps), std::numbers::pi));
  }
  if (name == "vector") {
    LOUPE_ASSIGN_OR_RETURN(auto s, EvalScalarArg(Unparen(*c.args[0]), r));
    Value out;
    out.type = ValueType::kVector;
    StepSeries o;
    o.first = 0;
    o.values = std::move(s);
    out.vector.push_back(std::move(o));
    LOUPE_RETURN_IF_ERROR(Charge(r.steps));
    return out;
  }

  Value out;
  out.type = ValueType::kVector;

  if (IsDateFunction(name) && c.args.empty()) {
    StepSeries o;
    for (int64_t i = 0; i < r.steps; ++i) o.Set(i, DatePart(name, r.T(i) / 1000));
    out.vector.push_back(std::move(o));
    LOUPE_RETURN_IF_ERROR(Charge(r.steps));
    return out;
  }

  if (name == "timestamp" && Unparen(*c.args[0]).kind == ExprKind::kVectorSelector) {
    LOUPE_ASSIGN_OR_RETURN(
        out, EvalVectorSelector(As<VectorSelector>(Unparen(*c.args[0])), r, /*timestamps=*/true));
    for (auto& s : out.vector) s.drop_name = true;
    return out;
  }

  // Scalar arguments after the vector (clamp, clamp_min, clamp_max, round).
  std::vector<std::vector<double>> scalars(c.args.size());
  for (size_t i = 1; i < c.args.size(); ++i) {
    if (c.func->ArgType(i) == ValueType::kScalar) {
      LOUPE_ASSIGN_OR_RETURN(scalars[i], EvalScalarArg(Unparen(*c.args[i]), r));
    }
  }
  if (c.args.empty()) return Status::Internal("unexpected call without arguments");
  LOUPE_ASSIGN_OR_RETURN(StepMatrix in, EvalVectorArg(Unparen(*c.args[0]), r));
  const int64_t in_points = CountPoints(in);

  if (name == "scalar") {
    std::vector<double> v(static_cast<size_t>(r.steps), kNaN);
    std::vector<int32_t> count(static_cast<size_t>(r.steps), 0);
    for (const auto& s : in) {
      for (size_t j = 0; j < s.values.size(); ++j) {
        if (IsAbsent(s.values[j])) continue;
        const size_t step = static_cast<size_t>(s.first) + j;
        v[step] = ++count[step] == 1 ? s.values[j] : kNaN;
      }
    }
    Release(in_points);
    LOUPE_RETURN_IF_ERROR(Charge(r.steps));
    return ScalarValue(std::move(v));
  }

  if (name == "absent") {
    std::vector<uint8_t> present(static_cast<size_t>(r.steps), 0);
    for (const auto& s : in) {
      for (size_t j = 0; j < s.values.size(); ++j) {
        if (!IsAbsent(s.values[j])) present[static_cast<size_t>(s.first) + j] = 1;
      }
    }
    StepSeries o;
    o.labels = AbsentLabels(*c.args[0]);
    for (int64_t i = 0; i < r.steps; ++i) {
      if (!present[static_cast<size_t>(i)]) o.Set(i, 1);
    }
    Release(in_points);
    if (!o.values.empty()) {
      LOUPE_RETURN_IF_ERROR(Charge(o.CountPresent()));
      out.vector.push_back(std::move(o));
    }
    return out;
  }

  if (name == "sort" || name == "sort_desc" || name == "sort_by_label" ||
      name == "sort_by_label_desc") {
    // Ordering only matters for instant queries; range results are sorted by labels.
    if (r.steps == 1 && in.size() > 1) {
      std::vector<size_t> order(in.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      if (name == "sort" || name == "sort_desc") {
        std::vector<StepSample> samples;
        for (size_t i = 0; i < in.size(); ++i) {
          samples.push_back({static_cast<uint32_t>(i), in[i].At(0)});
        }
        query::SortByValue(&samples, name == "sort_desc");
        for (size_t i = 0; i < samples.size(); ++i) order[i] = samples[i].series;
      } else {
        std::vector<std::string> names;
        for (size_t i = 1; i < c.args.size(); ++i) {
          names.push_back(As<StringLiteral>(Unparen(*c.args[i])).value);
        }
        const bool desc = name == "sort_by_label_desc";
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
          for (const auto& n : names) {
            const int cmp = query::NaturalCompare(in[a].labels.Get(n), in[b].labels.Get(n));
            if (cmp != 0) return desc ? cmp > 0 : cmp < 0;
          }
          return desc ? in[b].labels < in[a].labels : in[a].labels < in[b].labels;
        });
      }
      for (size_t i : order) out.vector.push_back(std::move(in[i]));
      return out;
    }
    out.vector = std::move(in);
    return out;
  }

  if (name == "histogram_count" || name == "histogram_sum" || name == "histogram_avg" ||
      name == "histogram_stddev" || name == "histogram_stdvar") {
    // Only native histograms have these; float samples yield nothing.
    Release(in_points);
    return out;
  }

  int64_t produced = 0;
  const MathFn math = LookupMath(name);
  const bool date = IsDateFunction(name);
  const bool ts = name == "timestamp";
  const bool clamp = name == "clamp" || name == "clamp_min" || name == "clamp_max";
  const bool round = name == "round";
  if (!math && !date && !ts && !clamp && !round) {
    return Status::Unimplemented("function " + std::string(name) + " is not supported");
  }
  for (auto& s : in) {
    StepSeries o;
    o.labels = std::move(s.labels);
    o.drop_name = true;
    for (size_t j = 0; j < s.values.size(); ++j) {
      const double x = s.values[j];
      if (IsAbsent(x)) continue;
      const int64_t step = s.first + static_cast<int64_t>(j);
      const size_t si = static_cast<size_t>(step);
      double v;
      if (math) {
        v = math(x);
      } else if (date) {
        v = DatePart(name, GoFloatToInt64(x));
      } else if (ts) {
        v = r.T(step) / 1000.0;
      } else if (round) {
        const double to_nearest = c.args.size() >= 2 ? scalars[1][si] : 1.0;
        const double inverse = 1.0 / to_nearest;
        v = std::floor(x * inverse + 0.5) / inverse;
      } else {
        double lo = -kInf, hi = kInf;
        if (name == "clamp") {
          lo = scalars[1][si];
          hi = scalars[2][si];
        } else if (name == "clamp_min") {
          lo = scalars[1][si];
        } else {
          hi = scalars[1][si];
        }
        if (hi < lo) continue;
        v = GoMax(lo, GoMin(hi, x));
      }
      o.Set(step, v);
      ++produced;
    }
    if (!o.values.empty()) out.vector.push_back(std::move(o));
  }
  Release(in_points);
  LOUPE_RETURN_IF_ERROR(Charge(produced));
  return out;
}

Result<Value> Evaluator::EvalLabelFunction(const Call& c, const EvalRange& r) {
  auto str = [&](size_t i) { return As<StringLiteral>(Unparen(*c.args[i])).value; };
  const std::string dst = str(1);
  std::optional<query::LabelReplacer> replacer;
  std::optional<query::LabelJoiner> joiner;
  if (c.func->name == "label_replace") {
    LOUPE_ASSIGN_OR_RETURN(auto rep, query::LabelReplacer::Create(dst, str(2), str(3), str(4)));
    replacer.emplace(std::move(rep));
  } else {
    std::vector<std::string> srcs;
    for (size_t i = 3; i < c.args.size(); ++i) srcs.push_back(str(i));
    LOUPE_ASSIGN_OR_RETURN(auto j, query::LabelJoiner::Create(dst, str(2), std::move(srcs)));
    joiner.emplace(std::move(j));
  }
  LOUPE_ASSIGN_OR_RETURN(Value v, Eval(Unparen(*c.args[0]), r));
  for (auto& s : v.vector) {
    if (replacer) {
      Labels out;
      if (!replacer->Apply(s.labels, &out)) continue;
      s.labels = std::move(out);
    } else {
      s.labels = joiner->Apply(s.labels);
    }
    if (dst == storage::model::kMetricNameLabel) s.drop_name = false;
  }
  LOUPE_RETURN_IF_ERROR(MergeSameLabelset(&v.vector));
  return v;
}

}  // namespace loupe::query::promql
