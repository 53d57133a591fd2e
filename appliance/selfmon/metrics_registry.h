// loupe's own metrics, exposed on /metrics in the Prometheus text format 0.0.4.
//
// Instruments (Counter, Gauge, Histogram) are lock-free to update. A Family<T> hands out one
// instrument per label-value tuple; look it up once and keep the reference on hot paths (the
// reference stays valid for the registry's lifetime). Collectors are callbacks run at scrape
// time for values read from elsewhere (process stats, storage sizes).
//
// Never label with unbounded request data (headers, paths, tenants): only route patterns,
// status codes and fixed enums (see CVE-2023-45142 in the reliability notes).
// Thread-safety: everything here is safe for concurrent use.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace loupe::appliance::selfmon {

class Counter {
 public:
  void Inc() { Add(1); }
  void Add(double v);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds` are the upper bounds of the buckets, strictly increasing; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then the +Inf bucket (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Take() const;

  static std::vector<double> ExponentialBuckets(double start, double factor, int count);
  // Prometheus client's DefBuckets: .005 .. 10 seconds.
  static std::vector<double> DefaultSecondsBuckets();

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

enum class MetricType { kCounter, kGauge, kHistogram, kUntyped };

// Receives metrics at scrape time. Samples of one family must be emitted together after
// Family(); the writer prints HELP/TYPE once.
class MetricWriter {
 public:
  virtual ~MetricWriter() = default;
  virtual void Family(std::string_view name, MetricType type, std::string_view help) = 0;
  // `labels` as name/value pairs; `suffix` is appended to the family name (e.g. "_bucket").
  virtual void Sample(std::string_view suffix,
                      const std::vector<std::pair<std::string, std::string>>& labels,
                      double value) = 0;
};

template <typename T>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<T>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}

  // The instrument for these label values (created on first use). The count of values must
  // equal the count of label names.
  T& With(const std::vector<std::string>& values) {
    {
      std::shared_lock lock(mu_);
      auto it = children_.find(values);
      if (it != children_.end()) return *it->second;
    }
    std::unique_lock lock(mu_);
    auto& slot = children_[values];
    if (!slot) slot = make_();
    return *slot;
  }

  const std::vector<std::string>& label_names() const { return label_names_; }

  template <typename Fn>
  void ForEach(Fn&& fn) const {
    std::shared_lock lock(mu_);
    for (const auto& [values, child] : children_) fn(values, *child);
  }

 private:
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<T>()> make_;
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Family<Counter>& CounterFamily(std::string name, std::string help, std::vector<std::string> labels);
  Family<Gauge>& GaugeFamily(std::string name, std::string help, std::vector<std::string> labels);
  Family<Histogram>& HistogramFamily(std::string name, std::string help,
                                     std::vector<std::string> labels, std::vector<double> bounds);
  Counter& NewCounter(std::string name, std::string help) { return CounterFamily(std::move(name), std::move(help), {}).With({}); }
  Gauge& NewGauge(std::string name, std::string help) { return GaugeFamily(std::move(name), std::move(help), {}).With({}); }

  void AddCollector(std::function<void(MetricWriter&)> collector);

  // Text exposition format 0.0.4, families sorted by name.
  std::string Expose() const;

 private:
  struct Entry {
    std::string name, help;
    MetricType type;
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Gauge>> gauges;
    std::unique_ptr<Family<Histogram>> histograms;
  };
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<std::function<void(MetricWriter&)>> collectors_;
};

// Formats a float the way Prometheus text exposition expects: shortest round-trip form,
// "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);

}  // namespace loupe::appliance::selfmon
