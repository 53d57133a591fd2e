#include "appliance/selfmon/metrics_registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "storage/model/labels.h"

namespace loupe::appliance::selfmon {
namespace {

void AtomicAdd(std::atomic<double>& a, double v) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

// Buffers samples per family so collectors may emit families in any order; Expose() prints
// them sorted with one HELP/TYPE header each.
class TextWriter final : public MetricWriter {
 public:
  void Family(std::string_view name, MetricType type, std::string_view help) override {
    auto& f = families_[std::string(name)];
    f.type = type;
    f.help = std::string(help);
    current_ = &f;
    current_name_ = std::string(name);
  }
  void Sample(std::string_view suffix, const std::vector<std::pair<std::string, std::string>>& labels,
              double value) override {
    if (!current_) return;
    std::string& out = current_->body;
    out += current_name_;
    out += suffix;
    if (!labels.empty()) {
      out += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i) out += ',';
        out += labels[i].first;
        out += "=\"";
        out += storage::model::EscapeLabelValue(labels[i].second);
        out += '"';
      }
      out += '}';
    }
    out += ' ';
    out += FormatValue(value);
    out += '\n';
  }
  std::string Finish() const {
    std::string out;
    for (const auto& [name, f] : families_) {
      if (f.body.empty()) continue;
      out += "# HELP " + name + " " + EscapeHelp(f.help) + "\n";
      out += "# TYPE " + name + " " + TypeName(f.type) + "\n";
      out += f.body;
    }
    return out;
  }

 private:
  static std::string EscapeHelp(const std::string& h) {
    std::string out;
    for (char c : h) {
      if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    return out;
  }
  static const char* TypeName(MetricType t) {
    switch (t) {
      case MetricType::kCounter: return "counter";
      case MetricType::kGauge: return "gauge";
      case MetricType::kHistogram: return "histogram";
      default: return "untyped";
    }
  }
  struct Fam {
    MetricType type = MetricType::kUntyped;
    std::string help, body;
  };
  std::map<std::string, Fam> families_;
  Fam* current_ = nullptr;
  std::string current_name_;
};

std::vector<std::pair<std::string, std::string>> Zip(const std::vector<std::string>& names,
                                                     const std::vector<std::string>& values) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) out.emplace_back(names[i], values[i]);
  return out;
}

}  // namespace

void Counter::Add(double v) {
  if (v < 0) return;  // counters only go up
  AtomicAdd(value_, v);
}

void Gauge::Add(double v) { AtomicAdd(value_, v); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  const size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
}

Histogram::Snapshot Histogram::Take() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t cum = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cum += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(cum);
  }
  s.count = cum;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> Histogram::ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) out.push_back(v);
  return out;
}

std::vector<double> Histogram::DefaultSecondsBuckets() {
  return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
}

Family<Counter>& Registry::CounterFamily(std::string name, std::string help,
                                          std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  auto e = std::make_unique<Entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->type = MetricType::kCounter;
  e->counters = std::make_unique<Family<Counter>>(std::move(labels), [] { return std::make_unique<Counter>(); });
  entries_.push_back(std::move(e));
  return *entries_.back()->counters;
}

Family<Gauge>& Registry::GaugeFamily(std::string name, std::string help,
                                      std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  auto e = std::make_unique<Entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->type = MetricType::kGauge;
  e->gauges = std::make_unique<Family<Gauge>>(std::move(labels), [] { return std::make_unique<Gauge>(); });
  entries_.push_back(std::move(e));
  return *entries_.back()->gauges;
}

Family<Histogram>& Registry::HistogramFamily(std::string name, std::string help,
                                              std::vector<std::string> labels,
                                              std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  auto e = std::make_unique<Entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->type = MetricType::kHistogram;
  e->histograms = std::make_unique<Family<Histogram>>(
      std::move(labels), [bounds] { return std::make_unique<Histogram>(bounds); });
  entries_.push_back(std::move(e));
  return *entries_.back()->histograms;
}

void Registry::AddCollector(std::function<void(MetricWriter&)> collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string Registry::Expose() const {
  TextWriter w;
  std::vector<std::function<void(MetricWriter&)>> collectors;
  {
    std::lock_guard lock(mu_);
    for (const auto& e : entries_) {
      w.Family(e->name, e->type, e->help);
      if (e->counters) {
        e->counters->ForEach([&](const auto& values, const Counter& c) {
          w.Sample("", Zip(e->counters->label_names(), values), c.Value());
        });
      } else if (e->gauges) {
        e->gauges->ForEach([&](const auto& values, const Gauge& g) {
          w.Sample("", Zip(e->gauges->label_names(), values), g.Value());
        });
      } else if (e->histograms) {
        e->histograms->ForEach([&](const auto& values, const Histogram& h) {
          const auto snap = h.Take();
          auto labels = Zip(e->histograms->label_names(), values);
          for (size_t i = 0; i <= snap.bounds.size(); ++i) {
            auto bucket_labels = labels;
            bucket_labels.emplace_back("le", i < snap.bounds.size() ? FormatValue(snap.bounds[i]) : "+Inf");
            w.Sample("_bucket", bucket_labels, static_cast<double>(snap.cumulative[i]));
          }
          w.Sample("_sum", labels, snap.sum);
          w.Sample("_count", labels, static_cast<double>(snap.count));
        });
      }
    }
    collectors = collectors_;
  }
  for (const auto& c : collectors) c(w);
  return w.Finish();
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, ptr);
}

}  // namespace loupe::appliance::selfmon
