#include "query/traceql/eval/metrics_compare.h"

#include <algorithm>
#include <set>
#include <utility>

#include "query/traceql/eval/value.h"

namespace loupe::query::traceql::eval {
namespace ss = storage::spanstore;

void CompareStage::Observe(TraceContext& ctx, uint32_t span, bool selected) {
  const ss::SpanBatch& b = ctx.batch();
  const uint32_t row = ctx.row(span);
  const int64_t start = b.Start(row);
  const int iv = r_.Interval(start);
  if (iv < 0) return;
  if (selected && f_.start > 0 && f_.end > 0) selected = start >= f_.start && start < f_.end;
  Group& g = groups_[selected ? 1 : 0];
  auto count = [&](const std::string& attr, TypedValue v) {
    auto& values = g.values[attr];
    std::string key;
    key.push_back(static_cast<char>(v.type));
    key += v.type == TypedValue::Type::kString ? v.s : TypedValueString(v);
    auto it = values.find(key);
    if (it == values.end()) {
      it = values
               .emplace(std::move(key),
                        Counted{std::move(v), std::vector<double>(r_.intervals, 0.0)})
               .first;
    }
    it->second.counts[iv] += 1;
    auto& total = g.totals[attr];
    if (total.empty()) total.assign(r_.intervals, 0.0);
    total[iv] += 1;
  };
  count("name", TypedValue::String(std::string(b.Name(row))));
  count("status", TypedValue::Status(b.SpanStatusOf(row)));
  count("kind", TypedValue::Kind(b.Kind(row)));
  if (auto m = b.StatusMessage(row); !m.empty())
    count("statusMessage", TypedValue::String(std::string(m)));
  for (const auto scope : {ss::Scope::kResource, ss::Scope::kSpan}) {
    attrs_.clear();
    b.Attrs(row, scope, &attrs_);
    const std::string prefix = scope == ss::Scope::kResource ? "resource." : "span.";
    for (const auto& a : attrs_) {
      const Value v = eval::FromAttr(a);
      if (v.IsNil() || v.kind == eval::VKind::kArray) continue;
      count(prefix + std::string(a.key), eval::ToTyped(v));
    }
  }
}

SeriesSet CompareStage::Result() const {
  SeriesSet out;
  const size_t top = static_cast<size_t>(std::max<int64_t>(1, f_.top_n));
  std::set<std::string> too_many;
  auto add = [&](std::vector<KeyValue> labels, std::vector<double> values, bool keep) {
    TS ts;
    ts.labels = std::move(labels);
    ts.values = std::move(values);
    ts.keep_empty = keep;
    out[PromLabels(ts.labels, true)] = std::move(ts);
  };
  static constexpr const char* kTypes[2] = {"baseline", "selection"};
  for (int gi = 0; gi < 2; ++gi) {
    const Group& g = groups_[gi];
    for (const auto& [attr, values] : g.values) {
      std::vector<std::pair<double, const Counted*>> ranked;
      for (const auto& [key, c] : values) {
        double sum = 0;
        for (double v : c.counts) sum += v;
        ranked.emplace_back(sum, &c);
      }
      // Most spans first; equal counts in value order, so results are stable.
      std::stable_sort(ranked.begin(), ranked.end(),
                       [](const auto& x, const auto& y) { return x.first > y.first; });
      if (ranked.size() > top) too_many.insert(attr);
      for (size_t k = 0; k < ranked.size() && k < top; ++k) {
        add({{"__meta_type", TypedValue::String(kTypes[gi])}, {attr, ranked[k].second->value}},
            ranked[k].second->counts, false);
      }
    }
    for (const auto& [attr, counts] : g.totals) {
      add({{"__meta_type", TypedValue::String(std::string(kTypes[gi]) + "_total")},
           {attr, TypedValue{}}},
          counts, false);
    }
  }
  for (const auto& attr : too_many) {
    add({{"__meta_error", TypedValue::String("__too_many_values__")}, {attr, TypedValue{}}},
        std::vector<double>(r_.intervals, kNaN), true);
  }
  return out;
}

}  // namespace loupe::query::traceql::eval
