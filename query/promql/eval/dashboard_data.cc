#include "query/promql/eval/dashboard_data.h"

#include <random>

namespace loupe::query::promql {

using storage::model::Labels;
using storage::model::Sample;

namespace {

std::vector<int64_t> Times() {
  std::vector<int64_t> t;
  for (int64_t x = kDashboardStart - 600000; x <= kDashboardEnd; x += kDashboardScrape) {
    t.push_back(x);
  }
  return t;
}

}  // namespace

size_t GenerateDashboardData(const std::function<void(const Labels&, std::vector<Sample>)>& emit) {
  std::mt19937_64 rng(7);
  auto uniform = [&](double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(rng() >> 11) / 9007199254740992.0;
  };
  const std::vector<int64_t> times = Times();
  size_t n = 0;
  auto counter = [&](const Labels& l, double rate) {
    std::vector<Sample> s;
    double v = uniform(0, 1000);
    for (int64_t t : times) {
      v += rate * 15 * uniform(0.5, 1.5);
      s.push_back({t, v});
    }
    emit(l, std::move(s));
    ++n;
  };
  auto gauge = [&](const Labels& l, double base, double jitter) {
    std::vector<Sample> s;
    double v = base;
    for (int64_t t : times) {
      v += uniform(-jitter, jitter);
      if (v < 0) v = -v;
      s.push_back({t, v});
    }
    emit(l, std::move(s));
    ++n;
  };
  const char* methods[] = {"GET", "POST"};
  const char* codes[] = {"200", "201", "404", "500", "503"};
  const char* les[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                       "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  const double bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 1e300};
  for (int j = 0; j < 10; ++j) {
    const std::string job = "service-" + std::to_string(j);
    for (int i = 0; i < 20; ++i) {
      const std::string inst = "10.0." + std::to_string(j) + "." + std::to_string(i) + ":8080";
      gauge(Labels{{"__name__", "up"}, {"job", job}, {"instance", inst}}, 1, 0);
      gauge(Labels{{"__name__", "process_resident_memory_bytes"}, {"job", job}, {"instance", inst}},
            2e8, 1e6);
      counter(Labels{{"__name__", "process_cpu_seconds_total"}, {"job", job}, {"instance", inst}},
              0.2);
      gauge(Labels{{"__name__", "go_goroutines"}, {"job", job}, {"instance", inst}}, 100, 3);
      gauge(Labels{{"__name__", "go_memstats_alloc_bytes"}, {"job", job}, {"instance", inst}}, 5e7,
            1e5);
      for (const char* m : methods) {
        for (const char* c : codes) {
          counter(Labels{{"__name__", "http_requests_total"},
                         {"job", job},
                         {"instance", inst},
                         {"method", m},
                         {"code", c}},
                  c[0] == '2' ? 20 : 0.5);
        }
      }
      // A classic histogram: cumulative bucket counters, _count and _sum.
      std::vector<std::vector<Sample>> buckets(12);
      std::vector<Sample> count, sum;
      std::vector<double> cum(12, 0);
      double total = 0, s = 0;
      for (int64_t t : times) {
        const int obs = static_cast<int>(uniform(200, 400));
        for (int k = 0; k < obs; ++k) {
          const double x = std::exp(uniform(-6, 2));
          s += x;
          total += 1;
          for (int b = 0; b < 12; ++b) {
            if (x <= bounds[b]) cum[b] += 1;
          }
        }
        for (int b = 0; b < 12; ++b) buckets[b].push_back({t, cum[b]});
        count.push_back({t, total});
        sum.push_back({t, s});
      }
      for (int b = 0; b < 12; ++b) {
        emit(Labels{{"__name__", "http_request_duration_seconds_bucket"},
                    {"job", job},
                    {"instance", inst},
                    {"le", les[b]}},
             std::move(buckets[b]));
        ++n;
      }
      emit(Labels{{"__name__", "http_request_duration_seconds_count"},
                  {"job", job},
                  {"instance", inst}},
           std::move(count));
      emit(
          Labels{
              {"__name__", "http_request_duration_seconds_sum"}, {"job", job}, {"instance", inst}},
          std::move(sum));
      n += 2;
    }
  }
  const char* modes[] = {"idle", "user", "system", "iowait", "irq", "softirq", "steal", "nice"};
  const char* mounts[] = {"/", "/boot", "/var", "/home"};
  const char* devices[] = {"eth0", "eth1", "lo", "docker0"};
  for (int h = 0; h < 50; ++h) {
    const std::string inst = "node-" + std::to_string(h) + ":9100";
    for (int cpu = 0; cpu < 8; ++cpu) {
      for (const char* m : modes) {
        counter(Labels{{"__name__", "node_cpu_seconds_total"},
                       {"job", "node"},
                       {"instance", inst},
                       {"cpu", std::to_string(cpu)},
                       {"mode", m}},
                std::string(m) == "idle" ? 0.7 : 0.04);
      }
    }
    gauge(
        Labels{{"__name__", "node_memory_MemAvailable_bytes"}, {"job", "node"}, {"instance", inst}},
        8e9, 1e7);
    gauge(Labels{{"__name__", "node_memory_MemTotal_bytes"}, {"job", "node"}, {"instance", inst}},
          16e9, 0);
    gauge(Labels{{"__name__", "node_load1"}, {"job", "node"}, {"instance", inst}}, 2, 0.1);
    for (const char* mp : mounts) {
      gauge(Labels{{"__name__", "node_filesystem_avail_bytes"},
                   {"job", "node"},
                   {"instance", inst},
                   {"mountpoint", mp}},
            5e10, 1e6);
      gauge(Labels{{"__name__", "node_filesystem_size_bytes"},
                   {"job", "node"},
                   {"instance", inst},
                   {"mountpoint", mp}},
            1e11, 0);
    }
    for (const char* d : devices) {
      counter(Labels{{"__name__", "node_network_receive_bytes_total"},
                     {"job", "node"},
                     {"instance", inst},
                     {"device", d}},
              1e5);
      counter(Labels{{"__name__", "node_network_transmit_bytes_total"},
                     {"job", "node"},
                     {"instance", inst},
                     {"device", d}},
              5e4);
    }
  }
  return n;
}

const std::vector<std::string>& DashboardQueries() {
  static const std::vector<std::string> q = {
      "sum by (job) (rate(http_requests_total[5m]))",
      "sum by (job, code) (rate(http_requests_total[5m]))",
      "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / sum by (job) "
      "(rate(http_requests_total[5m]))",
      "histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket[5m])))",
      "histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
      "sum by (job) (rate(http_request_duration_seconds_sum[5m])) / sum by (job) "
      "(rate(http_request_duration_seconds_count[5m]))",
      "topk(5, sum by (instance) (rate(http_requests_total[5m])))",
      "1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m]))",
      "sum by (mode) (rate(node_cpu_seconds_total[5m]))",
      "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes",
      "1 - node_filesystem_avail_bytes / node_filesystem_size_bytes",
      "sum by (instance) (rate(node_network_receive_bytes_total[5m]))",
      "sum by (instance) (rate(node_network_transmit_bytes_total[5m]))",
      "avg_over_time(process_resident_memory_bytes[10m])",
      "sum by (job) (up)",
      "count by (job) (up == 1)",
      "max by (job) (go_goroutines)",
      "rate(process_cpu_seconds_total[5m])",
      "node_load1",
      "sum without (instance) (irate(http_requests_total[1m]))",
  };
  return q;
}

}  // namespace loupe::query::promql
