// info(v [, data-label-selector]): enriches each series of v with the data labels of the info
// series (default target_info) that share its identifying labels (instance, job), as
// Prometheus's experimental info() does. Info series are looked up at each step with the usual
// lookback; when several info series of one metric match, the one with the newest sample wins
// (equal timestamps are an error). Series that are themselves info series are passed through.
// With only negative __name__ matchers in the selector, the info metrics are the *_info ones
// they do not exclude (as newer Prometheus releases behave).
#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/common/go_format.h"
#include "query/promql/eval/evaluator.h"

namespace loupe::query::promql {

using storage::model::kMetricNameLabel;
using storage::model::Label;
using storage::model::Labels;
using storage::model::LabelsBuilder;
using storage::model::Matcher;
using storage::model::MatchType;

namespace {

constexpr const char* kIdentifying[] = {"instance", "job"};

std::string QuoteMeta(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

bool IsPositive(const Matcher& m) {
  return m.type() == MatchType::kEqual || m.type() == MatchType::kRegexMatch;
}

// The join key of a series for info metric `name`: the name and the identifying labels.
std::string Signature(std::string_view name, const Labels& l) {
  std::string s(name);
  for (const char* id : kIdentifying) {
    s += '\xff';
    s += l.Get(id);
  }
  return s;
}

// The first vector selector of the expression (pre-order), as Prometheus uses it to pick the
// time range of the info lookup.
const VectorSelector* FirstSelector(const Expr& e) {
  if (e.kind == ExprKind::kVectorSelector) return &As<VectorSelector>(e);
  for (const Expr* c : Children(e)) {
    if (const VectorSelector* vs = FirstSelector(*c)) return vs;
  }
  return nullptr;
}

}  // namespace

Result<Value> Evaluator::EvalInfo(const Call& c, const EvalRange& r) {
  LOUPE_ASSIGN_OR_RETURN(StepMatrix base, EvalVectorArg(Unparen(*c.args[0]), r));

  // Data label matchers by label name; the __name__ ones select the info metrics.
  std::map<std::string, std::vector<Matcher>> data_matchers;
  std::vector<Matcher> name_matchers;
  if (c.args.size() > 1) {
    for (const Matcher& m : As<VectorSelector>(Unparen(*c.args[1])).matchers) {
      data_matchers[m.name()].push_back(m);
      if (m.name() == kMetricNameLabel) name_matchers.push_back(m);
    }
  } else {
    name_matchers.push_back(
        *Matcher::Create(MatchType::kEqual, std::string(kMetricNameLabel), "target_info"));
  }
  const bool any_positive_name =
      std::any_of(name_matchers.begin(), name_matchers.end(), IsPositive);

  // Series that are info series themselves are not enriched.
  std::vector<bool> ignored(base.size(), false);
  std::map<std::string, std::vector<std::string>> id_values;
  for (size_t i = 0; i < base.size(); ++i) {
    const std::string_view name = base[i].labels.MetricName();
    bool all = any_positive_name;
    for (const auto& m : name_matchers) all = all && m.Matches(name);
    ignored[i] = all;
    if (ignored[i]) continue;
    for (const char* id : kIdentifying) {
      const std::string_view v = base[i].labels.Get(id);
      if (v.empty()) continue;
      auto& vals = id_values[id];
      if (std::find(vals.begin(), vals.end(), v) == vals.end()) vals.emplace_back(v);
    }
  }

  // Look the info series up over the range the first selector of the argument covers.
  StepMatrix info;
  if (!id_values.empty()) {
    std::vector<Matcher> matchers;
    bool has_name = false;
    for (const auto& [name, vals] : id_values) {
      std::string re;
      for (size_t k = 0; k < vals.size(); ++k) re += (k ? "|" : "") + QuoteMeta(vals[k]);
      LOUPE_ASSIGN_OR_RETURN(Matcher m, Matcher::Create(MatchType::kRegexMatch, name, re));
      matchers.push_back(std::move(m));
    }
    for (const auto& [name, ms] : data_matchers) {
      for (const auto& m : ms) {
        has_name |= m.name() == kMetricNameLabel;
        matchers.push_back(m);
      }
    }
    if (!has_name) {
      matchers.insert(
          matchers.begin(),
          *Matcher::Create(MatchType::kEqual, std::string(kMetricNameLabel), "target_info"));
    } else if (!any_positive_name) {
      // Only negative __name__ matchers: they narrow down the info metrics (*_info) rather
      // than make every other metric one.
      matchers.push_back(
          *Matcher::Create(MatchType::kRegexMatch, std::string(kMetricNameLabel), ".+_info"));
    }
    VectorSelector lookup;
    lookup.matchers = std::move(matchers);
    int64_t start = r.start, end = r.T(r.steps - 1), offset = 0;
    if (const VectorSelector* first = FirstSelector(*c.args[0])) {
      const NodeInfo& ni = Info(*first);
      if (ni.has_at) start = end = ni.at_ms;
      offset = first->mods.offset_ms;
    }
    LOUPE_ASSIGN_OR_RETURN(
        auto selected,
        source_.Select(lookup.matchers, start - lookback_ms_ + 1 - offset, end - offset));
    // Evaluated at the steps without offset, the value being the sample's timestamp.
    for (auto& s : selected) {
      Materialize(&s);
      StepSeries series;
      size_t k = 0;
      for (int64_t i = 0; i < r.steps; ++i) {
        const int64_t ref = r.T(i);
        while (k < s.samples.size() && s.samples[k].t <= ref) ++k;
        if (k == 0) continue;
        const auto& x = s.samples[k - 1];
        if (x.t <= ref - lookback_ms_ || storage::model::IsStaleNaN(x.v)) continue;
        series.Set(i, static_cast<double>(x.t));
      }
      if (series.values.empty()) continue;
      series.labels = std::move(s.labels);
      info.push_back(std::move(series));
    }
  }
  data_matchers.erase(std::string(kMetricNameLabel));

  std::vector<std::string> info_names;
  std::vector<std::string> info_sig(info.size());
  for (size_t k = 0; k < info.size(); ++k) {
    const std::string name(info[k].labels.MetricName());
    if (std::find(info_names.begin(), info_names.end(), name) == info_names.end()) {
      info_names.push_back(name);
    }
    info_sig[k] = Signature(name, info[k].labels);
  }
  bool all_match_empty = true;
  for (const auto& [name, ms] : data_matchers) {
    for (const auto& m : ms) all_match_empty = all_match_empty && m.MatchesEmpty();
  }

  Value out;
  out.type = ValueType::kVector;
  std::unordered_multimap<uint64_t, size_t> by_hash;
  std::vector<int64_t> written;
  std::unordered_map<std::string, size_t> chosen;  // signature -> info index at this step
  int64_t produced = 0;
  for (int64_t i = 0; i < r.steps; ++i) {
    if ((i & 255) == 0) LOUPE_RETURN_IF_ERROR(CheckCancel());
    chosen.clear();
    for (size_t k = 0; k < info.size(); ++k) {
      const double t = info[k].At(i);
      if (IsAbsent(t)) continue;
      auto [it, inserted] = chosen.emplace(info_sig[k], k);
      if (inserted) continue;
      const double existing = info[it->second].At(i);
      if (existing < t) {
        it->second = k;
      } else if (existing == t) {
        return Status::InvalidArgument("found duplicate series for info metric: existing " +
                                       GoLabelsString(info[it->second].labels) + " @ " +
                                       std::to_string(static_cast<int64_t>(existing)) + ", new " +
                                       GoLabelsString(info[k].labels) + " @ " +
                                       std::to_string(static_cast<int64_t>(t)));
      }
    }
    for (size_t b = 0; b < base.size(); ++b) {
      const double v = base[b].At(i);
      if (IsAbsent(v)) continue;
      Labels result = base[b].labels;
      if (!ignored[b]) {
        LabelsBuilder added;
        bool matched = false;
        for (const auto& name : info_names) {
          auto it = chosen.find(Signature(name, base[b].labels));
          if (it == chosen.end()) continue;
          matched = true;
          for (const Label& l : info[it->second].labels) {
            if (l.name == kMetricNameLabel) continue;
            if (!data_matchers.empty() && !data_matchers.count(l.name)) continue;
            const std::string_view prev = added.Get(l.name);
            if (!prev.empty() && prev != l.value) {
              return Status::InvalidArgument("conflicting label: " + l.name);
            }
            if (base[b].labels.Has(l.name)) continue;
            added.Set(l.name, l.value);
          }
        }
        if (!matched && !all_match_empty) continue;
        LabelsBuilder lb(base[b].labels);
        for (const Label& l : added.Build()) lb.Set(l.name, l.value);
        result = lb.Build();
      }
      const uint64_t h = result.Hash();
      size_t idx = SIZE_MAX;
      auto [lo, hi] = by_hash.equal_range(h);
      for (auto it = lo; it != hi; ++it) {
        if (out.vector[it->second].labels == result) idx = it->second;
      }
      if (idx == SIZE_MAX) {
        idx = out.vector.size();
        by_hash.emplace(h, idx);
        StepSeries o;
        o.labels = std::move(result);
        o.drop_name = base[b].drop_name;
        out.vector.push_back(std::move(o));
        written.push_back(-1);
      }
      if (written[idx] == i) {
        return Status::InvalidArgument("vector cannot contain metrics with the same labelset");
      }
      written[idx] = i;
      out.vector[idx].Set(i, v);
      ++produced;
    }
  }
  Release(CountPoints(base));
  LOUPE_RETURN_IF_ERROR(Charge(produced));
  return out;
}

}  // namespace loupe::query::promql
