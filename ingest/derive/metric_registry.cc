#include "ingest/derive/metric_registry.h"

#include <absl/hash/hash.h>

#include <algorithm>
#include <cmath>

#include "ingest/derive/span_util.h"
#include "ingest/otlp/codec_util.h"

namespace loupe::ingest::derive {

namespace {

constexpr char kSeparator = '\xff';

// Splits a key back into its values (views into `key`).
std::vector<std::string_view> SplitKey(std::string_view key, size_t n) {
  std::vector<std::string_view> out;
  out.reserve(n);
  size_t start = 0;
  for (size_t i = 0; i < key.size(); ++i) {
    if (key[i] == kSeparator) {
      out.push_back(key.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(key.substr(start));
  return out;
}

}  // namespace

void SeriesKey::Set(std::span<const std::string_view> values, size_t max_value_bytes) {
  bytes_.clear();
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) bytes_.push_back(kSeparator);
    bytes_.append(TruncateUtf8(values[i], max_value_bytes));
  }
  num_values_ = values.size();
  hash_ = absl::HashOf(std::string_view(bytes_));
}

MetricRegistry::MetricRegistry(RegistryOptions options) : options_(std::move(options)) {}
MetricRegistry::~MetricRegistry() = default;

MetricRegistry::Counter* MetricRegistry::NewCounter(std::string name,
                                                    std::vector<std::string> label_names,
                                                    std::string help) {
  auto c = std::make_unique<Counter>(this, std::move(name), std::move(label_names),
                                     model::MetricType::kCounter, std::move(help));
  Counter* out = c.get();
  families_.push_back(std::move(c));
  return out;
}

MetricRegistry::Histogram* MetricRegistry::NewHistogram(std::string name,
                                                        std::vector<std::string> label_names,
                                                        std::vector<double> buckets,
                                                        std::string help) {
  auto h = std::make_unique<Histogram>(this, std::move(name), std::move(label_names),
                                       std::move(buckets), std::move(help));
  Histogram* out = h.get();
  families_.push_back(std::move(h));
  return out;
}

bool MetricRegistry::AdmitSeries(const std::vector<std::string_view>& values) {
  for (std::string_view v : values) {
    if (!IsValidUtf8(v)) {
      ++counts_.invalid_utf8;
      return false;
    }
  }
  if (options_.max_series > 0 && active_series_ >= options_.max_series) {
    ++counts_.series_limited;
    return false;
  }
  ++active_series_;
  ++counts_.series_created;
  return true;
}

CollectCounts MetricRegistry::Collect(int64_t now_ms, int64_t zero_t_ms, SampleSink* sink) {
  CollectCounts total;
  for (auto& f : families_) {
    CollectCounts c = f->Collect(now_ms, zero_t_ms, sink);
    total.series += c.series;
    total.samples += c.samples;
    total.exemplars += c.exemplars;
    total.stale_markers += c.stale_markers;
  }
  return total;
}

model::Labels MetricRegistry::Family::BuildLabels(const std::vector<std::string_view>& values,
                                                  std::string_view metric_name) const {
  std::vector<model::Label> labels;
  labels.reserve(values.size() + 1);
  labels.push_back({std::string(model::kMetricNameLabel), std::string(metric_name)});
  for (size_t i = 0; i < values.size() && i < label_names_.size(); ++i) {
    if (values[i].empty()) continue;  // absent
    labels.push_back({label_names_[i], std::string(values[i])});
  }
  return model::Labels::FromUnsorted(std::move(labels));
}

void MetricRegistry::Family::MaybeAnnounce(SampleSink* sink) {
  if (announced_) return;
  announced_ = true;
  sink->AddMetadata(model::MetricMetadata{name_, type_, help_, ""});
}

// --- Counter ---

void MetricRegistry::Counter::Inc(const SeriesKey& key, double delta, int64_t now_ms) {
  auto it = series_.find(KeyRef{key.bytes(), key.hash()});
  if (it == series_.end()) {
    std::vector<std::string_view> values = SplitKey(key.bytes(), key.num_values());
    if (!registry_->AdmitSeries(values)) return;
    auto s = std::make_unique<Series>();
    s->key.assign(key.bytes());
    s->labels = BuildLabels(values, name_);
    KeyRef ref{s->key, key.hash()};
    it = series_.emplace(ref, std::move(s)).first;
  }
  Series& s = *it->second;
  s.value += delta;
  s.last_update_ms = now_ms;
}

double MetricRegistry::Counter::Value(const SeriesKey& key) const {
  auto it = series_.find(KeyRef{key.bytes(), key.hash()});
  return it == series_.end() ? -1 : it->second->value;
}

CollectCounts MetricRegistry::Counter::Collect(int64_t now_ms, int64_t zero_t_ms,
                                               SampleSink* sink) {
  CollectCounts c;
  if (!series_.empty()) MaybeAnnounce(sink);
  const int64_t stale_before = now_ms - registry_->options_.stale_ms;
  for (auto it = series_.begin(); it != series_.end();) {
    Series& s = *it->second;
    if (s.last_update_ms < stale_before) {
      if (s.written) {
        sink->AddSeries(s.labels);
        sink->AddSample(now_ms, model::StaleNaN());
        ++c.series;
        ++c.samples;
        ++c.stale_markers;
      }
      ++registry_->counts_.series_stale;
      --registry_->active_series_;
      series_.erase(it++);
      continue;
    }
    sink->AddSeries(s.labels);
    if (!s.written) {
      if (zero_t_ms < now_ms) {
        sink->AddSample(zero_t_ms, 0);
        ++c.samples;
      }
      s.written = true;
    }
    sink->AddSample(now_ms, s.value);
    ++c.series;
    ++c.samples;
    ++it;
  }
  return c;
}

// --- Histogram ---

MetricRegistry::Histogram::Histogram(MetricRegistry* registry, std::string name,
                                     std::vector<std::string> label_names,
                                     std::vector<double> buckets, std::string help)
    : Family(registry, std::move(name), std::move(label_names), model::MetricType::kHistogram,
             std::move(help)),
      bounds_(std::move(buckets)) {
  for (double b : bounds_) le_values_.push_back(otlp::FormatFloatFixed(b));
  le_values_.push_back("+Inf");
}

void MetricRegistry::Histogram::Observe(const SeriesKey& key, double v, std::string_view trace_id,
                                        int64_t now_ms) {
  auto it = series_.find(KeyRef{key.bytes(), key.hash()});
  if (it == series_.end()) {
    std::vector<std::string_view> values = SplitKey(key.bytes(), key.num_values());
    if (!registry_->AdmitSeries(values)) return;
    auto s = std::make_unique<Series>();
    s->key.assign(key.bytes());
    model::Labels base = BuildLabels(values, name_ + "_bucket");
    s->bucket_labels.reserve(le_values_.size());
    for (const std::string& le : le_values_) s->bucket_labels.push_back(base.With("le", le));
    s->sum_labels = base.With(model::kMetricNameLabel, name_ + "_sum");
    s->count_labels = base.With(model::kMetricNameLabel, name_ + "_count");
    s->counts.assign(le_values_.size(), 0);
    s->exemplars.resize(le_values_.size());
    KeyRef ref{s->key, key.hash()};
    it = series_.emplace(ref, std::move(s)).first;
  }
  Series& s = *it->second;
  // The bucket the value falls in: the first bound >= v (NaN lands in +Inf, as in Prometheus).
  const size_t bucket =
      std::isnan(v) ? bounds_.size()
                    : static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                          bounds_.begin());
  s.counts[bucket] += 1;
  s.sum += v;
  s.count += 1;
  s.last_update_ms = now_ms;
  if (!trace_id.empty() && !IsZeroId(trace_id)) {
    ExemplarSlot& ex = s.exemplars[bucket];
    ex.trace_id_len = static_cast<uint8_t>(std::min(trace_id.size(), ex.trace_id.size()));
    std::copy_n(trace_id.data(), ex.trace_id_len, ex.trace_id.data());
    ex.value = v;
  }
}

CollectCounts MetricRegistry::Histogram::Collect(int64_t now_ms, int64_t zero_t_ms,
                                                 SampleSink* sink) {
  CollectCounts c;
  if (!series_.empty()) MaybeAnnounce(sink);
  const int64_t stale_before = now_ms - registry_->options_.stale_ms;
  const std::string& ex_label = registry_->options_.exemplar_label;
  std::string hex;
  for (auto it = series_.begin(); it != series_.end();) {
    Series& s = *it->second;
    const bool stale = s.last_update_ms < stale_before;
    if (stale && !s.written) {
      ++registry_->counts_.series_stale;
      --registry_->active_series_;
      series_.erase(it++);
      continue;
    }
    const bool zero_start = !stale && !s.written && zero_t_ms < now_ms;
    // One sample series: an optional zero start, then the value (or the staleness marker).
    auto write = [&](const model::Labels& labels, double v) {
      sink->AddSeries(labels);
      if (zero_start) {
        sink->AddSample(zero_t_ms, 0);
        ++c.samples;
      }
      sink->AddSample(now_ms, stale ? model::StaleNaN() : v);
      ++c.series;
      ++c.samples;
      if (stale) ++c.stale_markers;
    };
    double cumulative = 0;
    for (size_t i = 0; i < s.bucket_labels.size(); ++i) {
      cumulative += s.counts[i];
      write(s.bucket_labels[i], cumulative);
      ExemplarSlot& ex = s.exemplars[i];
      if (!stale && ex.trace_id_len > 0) {
        hex.clear();
        AppendHex(std::string_view(ex.trace_id.data(), ex.trace_id_len), &hex);
        model::Exemplar e;
        e.labels = model::Labels::FromSorted({{ex_label, hex}});
        e.value = ex.value;
        e.t = now_ms;
        sink->AddExemplar(e);
        ++c.exemplars;
        ex.trace_id_len = 0;
      }
    }
    write(s.sum_labels, s.sum);
    write(s.count_labels, s.count);
    if (stale) {
      ++registry_->counts_.series_stale;
      --registry_->active_series_;
      series_.erase(it++);
      continue;
    }
    s.written = true;
    ++it;
  }
  return c;
}

}  // namespace loupe::ingest::derive
