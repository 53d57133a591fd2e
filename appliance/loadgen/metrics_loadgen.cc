#include "appliance/loadgen/metrics_loadgen.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "appliance/http/client.h"
#include "storage/base/clock.h"
#include "storage/base/coding.h"
#include "storage/base/compression.h"

namespace loupe::appliance::loadgen {
namespace {

void PutLen(std::string* out, uint32_t field, std::string_view bytes) {
  PutVarint64(out, (field << 3) | 2);
  PutLengthPrefixed(out, bytes);
}

// The encoded Label messages (prompb field TimeSeries.labels = 1) of one series.
std::string EncodeSeriesLabels(int index, int extra_labels) {
  static const char* kJobs[] = {"api", "checkout", "payments", "search", "web"};
  std::vector<std::pair<std::string, std::string>> labels = {
      {"__name__", "loadgen_metric_" + std::to_string(index % 100)},
      {"instance", "host-" + std::to_string(index / 100 % 1000) + ":9100"},
      {"job", kJobs[index % 5]},
  };
  for (int i = 0; i < extra_labels - 2; ++i) {
    labels.push_back({"label_" + std::to_string(i), "value_" + std::to_string((index / 7 + i) % 50)});
  }
  labels.push_back({"series", std::to_string(index)});
  std::sort(labels.begin(), labels.end());
  std::string out;
  for (const auto& [n, v] : labels) {
    std::string label;
    PutLen(&label, 1, n);
    PutLen(&label, 2, v);
    PutLen(&out, 1, label);
  }
  return out;
}

// Values shaped like a node exporter's: 40% constant gauges, 40% counters growing by small
// irregular steps, 20% gauges wandering around a level.
double Value(int series, int sample) {
  const uint64_t h = (static_cast<uint64_t>(series) * 0x9e3779b97f4a7c15ULL) ^ (static_cast<uint64_t>(sample) * 0xbf58476d1ce4e5b9ULL);
  switch (series % 5) {
    case 0:
    case 1:
      return static_cast<double>(series % 97);
    case 2:
    case 3: {
      double v = series % 1000;
      for (int k = 0; k <= sample; ++k) v += static_cast<double>((static_cast<uint64_t>(series) * 31 + k * 17) % 5);
      return v;
    }
    default:
      return 100.0 + static_cast<double>(h % 1000) / 10.0;
  }
}

// --- OTLP: the same series as an ExportMetricsServiceRequest --------------------------------

void PutFixed64Field(std::string* out, uint32_t field, uint64_t v) {
  PutVarint64(out, (field << 3) | 1);
  PutFixed64(out, v);
}

void PutVarintField(std::string* out, uint32_t field, uint64_t v) {
  PutVarint64(out, field << 3);
  PutVarint64(out, v);
}

// KeyValue{key = 1, value = 2: AnyValue{string_value = 1}}.
std::string KeyValue(std::string_view k, std::string_view v) {
  std::string any;
  PutLen(&any, 1, v);
  std::string kv;
  PutLen(&kv, 1, k);
  PutLen(&kv, 2, any);
  return kv;
}

struct OtlpSeries {
  int resource_key = 0;    // series with the same key share a resource (job, instance)
  std::string resource;    // Resource{attributes = 1}
  std::string name;
  bool counter = false;
  std::string attributes;  // repeated NumberDataPoint.attributes = 7
};

OtlpSeries MakeOtlpSeries(int index, int extra_labels) {
  static const char* kJobs[] = {"api", "checkout", "payments", "search", "web"};
  OtlpSeries s;
  s.resource_key = index % 5 + 5 * (index / 100 % 1000);
  PutLen(&s.resource, 1, KeyValue("service.name", kJobs[index % 5]));
  PutLen(&s.resource, 1, KeyValue("service.instance.id", "host-" + std::to_string(index / 100 % 1000) + ":9100"));
  s.counter = index % 5 == 2 || index % 5 == 3;
  s.name = "loadgen_metric_" + std::to_string(index % 100);
  for (int i = 0; i < extra_labels - 2; ++i) {
    PutLen(&s.attributes, 7, KeyValue("label_" + std::to_string(i), "value_" + std::to_string((index / 7 + i) % 50)));
  }
  PutLen(&s.attributes, 7, KeyValue("series", std::to_string(index)));
  return s;
}

// A Metric of one series: a Gauge (field 5) or a monotonic cumulative Sum (field 7;
// aggregation_temporality = 2, is_monotonic = 3) with data points {attributes = 7,
// start_time_unix_nano = 2, time_unix_nano = 3, as_double = 4}.
std::string OtlpMetric(const OtlpSeries& s, int index, int s0, int s1, int64_t t0, int64_t interval_ms) {
  std::string points;
  for (int k = s0; k < s1; ++k) {
    std::string dp = s.attributes;
    if (s.counter) PutFixed64Field(&dp, 2, static_cast<uint64_t>(t0 - interval_ms) * 1'000'000);
    PutFixed64Field(&dp, 3, static_cast<uint64_t>(t0 + k * interval_ms) * 1'000'000);
    PutFixed64Field(&dp, 4, std::bit_cast<uint64_t>(Value(index, k)));
    PutLen(&points, 1, dp);
  }
  std::string data = points;
  if (s.counter) {
    PutVarintField(&data, 2, 2);  // AGGREGATION_TEMPORALITY_CUMULATIVE
    PutVarintField(&data, 3, 1);  // is_monotonic
  }
  std::string metric;
  PutLen(&metric, 1, s.name);
  PutLen(&metric, s.counter ? 7 : 5, data);
  return metric;
}

// An ExportMetricsServiceRequest for series [b, e): one ResourceMetrics{resource = 1,
// scope_metrics = 2{metrics = 2}} per distinct resource, as an SDK process sends its own.
std::string OtlpRequest(const std::vector<OtlpSeries>& series, int b, int e, int s0, int s1, int64_t t0,
                        int64_t interval_ms) {
  std::vector<std::pair<int, std::string>> scopes;  // resource key -> ScopeMetrics bytes
  std::vector<const std::string*> resources;
  for (int i = b; i < e; ++i) {
    auto it = std::find_if(scopes.begin(), scopes.end(), [&](const auto& p) { return p.first == series[i].resource_key; });
    if (it == scopes.end()) {
      scopes.emplace_back(series[i].resource_key, std::string());
      resources.push_back(&series[i].resource);
      it = scopes.end() - 1;
    }
    PutLen(&it->second, 2, OtlpMetric(series[i], i, s0, s1, t0, interval_ms));
  }
  std::string req;
  for (size_t k = 0; k < scopes.size(); ++k) {
    std::string rm;
    PutLen(&rm, 1, *resources[k]);
    PutLen(&rm, 2, scopes[k].second);
    PutLen(&req, 1, rm);
  }
  return req;
}

struct Target {
  std::string hostport;
  std::string path;
};

Result<Target> ParseTarget(const std::string& url) {
  std::string_view u = url;
  if (u.substr(0, 7) != "http://") return Status::InvalidArgument("target must be an http:// URL, got " + url);
  u.remove_prefix(7);
  const auto slash = u.find('/');
  Target t;
  t.hostport = std::string(u.substr(0, slash));
  t.path = slash == std::string_view::npos ? "/" : std::string(u.substr(slash));
  if (t.hostport.find(':') == std::string::npos) t.hostport += ":80";
  return t;
}

}  // namespace

Result<LoadgenReport> RunMetricsLoadgen(const MetricsLoadgenOptions& o) {
  if (o.series <= 0 || o.samples <= 0 || o.batch_series <= 0 || o.concurrency <= 0 || o.samples_per_request <= 0) {
    return Status::InvalidArgument("series, samples, batch, samples-per-request and concurrency must be positive");
  }
  if (o.protocol != "remote-write" && o.protocol != "otlp") {
    return Status::InvalidArgument("protocol must be remote-write or otlp, got " + o.protocol);
  }
  const bool otlp = o.protocol == "otlp";
  LOUPE_ASSIGN_OR_RETURN(const Target target, ParseTarget(o.target));
  std::vector<std::string> labels(otlp ? 0 : o.series);
  std::vector<OtlpSeries> otlp_series(otlp ? o.series : 0);
  for (int i = 0; i < o.series; ++i) {
    if (otlp) {
      otlp_series[i] = MakeOtlpSeries(i, o.labels);
    } else {
      labels[i] = EncodeSeriesLabels(i, o.labels);
    }
  }

  const int64_t now = Clock::Real().NowMillis();
  const int64_t t0 = now - static_cast<int64_t>(o.samples - 1) * o.interval_ms;
  const int workers = std::min(o.concurrency, o.series);

  // Worker w owns series [w*n/workers, (w+1)*n/workers): requests in time order per worker.
  auto build = [&](int w, std::vector<std::string>* out) {
    const int begin = static_cast<int>(static_cast<int64_t>(o.series) * w / workers);
    const int end = static_cast<int>(static_cast<int64_t>(o.series) * (w + 1) / workers);
    for (int s0 = 0; s0 < o.samples; s0 += o.samples_per_request) {
      const int s1 = std::min(o.samples, s0 + o.samples_per_request);
      for (int b = begin; b < end; b += o.batch_series) {
        std::string req;
        if (otlp) {
          out->push_back(OtlpRequest(otlp_series, b, std::min(end, b + o.batch_series), s0, s1, t0, o.interval_ms));
          continue;
        }
        for (int i = b; i < std::min(end, b + o.batch_series); ++i) {
          std::string ts = labels[i];
          for (int s = s0; s < s1; ++s) {
            std::string sample;
            sample.push_back(0x09);  // value: field 1, fixed64
            PutFixed64(&sample, std::bit_cast<uint64_t>(Value(i, s)));
            sample.push_back(0x10);  // timestamp: field 2, varint
            PutVarint64(&sample, static_cast<uint64_t>(t0 + s * o.interval_ms));
            PutLen(&ts, 2, sample);
          }
          PutLen(&req, 1, ts);
        }
        std::string packed;
        (void)Compress(Codec::kSnappy, req, &packed);
        out->push_back(std::move(packed));
      }
    }
  };

  std::vector<std::vector<std::string>> prebuilt(workers);
  if (o.pregenerate) {
    std::vector<std::thread> builders;
    for (int w = 0; w < workers; ++w) builders.emplace_back([&, w] { build(w, &prebuilt[w]); });
    for (auto& t : builders) t.join();
  }

  LoadgenReport report;
  std::atomic<uint64_t> samples{0}, requests{0}, failed{0};
  std::mutex err_mu;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      std::vector<std::string> local;
      if (!o.pregenerate) build(w, &local);
      const auto& reqs = o.pregenerate ? prebuilt[w] : local;
      const int begin = static_cast<int>(static_cast<int64_t>(o.series) * w / workers);
      const int end = static_cast<int>(static_cast<int64_t>(o.series) * (w + 1) / workers);
      http::HttpClient client(target.hostport);
      std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/x-protobuf"}};
      if (!otlp) {
        headers.emplace_back("Content-Encoding", "snappy");
        headers.emplace_back("X-Prometheus-Remote-Write-Version", "0.1.0");
      }
      if (!o.tenant.empty()) headers.emplace_back("X-Scope-OrgID", o.tenant);
      size_t idx = 0;
      for (int s0 = 0; s0 < o.samples; s0 += o.samples_per_request) {
        const int per = std::min(o.samples, s0 + o.samples_per_request) - s0;
        for (int b = begin; b < end; b += o.batch_series, ++idx) {
          const int n = std::min(end, b + o.batch_series) - b;
          auto resp = client.Request("POST", target.path, headers, reqs[idx]);
          requests++;
          if (resp.status / 100 != 2) {
            failed++;
            std::lock_guard lock(err_mu);
            if (report.first_error.empty()) report.first_error = std::to_string(resp.status) + " " + resp.body;
          } else {
            samples += static_cast<uint64_t>(n) * per;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.samples = samples;
  report.requests = requests;
  report.failed_requests = failed;
  return report;
}

}  // namespace loupe::appliance::loadgen
