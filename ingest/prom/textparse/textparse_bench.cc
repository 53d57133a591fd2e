// Micro benchmark: parse throughput of the Prometheus text and OpenMetrics parsers over a
// realistic 2 000-series node-exporter payload (the real node_exporter output in
// testdata/golden/node_exporter.prom, extended with generated per-CPU, per-disk, per-interface,
// per-filesystem and histogram families of the same shape to 2 000 series, as a larger host
// exposes). Reports bytes/s and series/s ("items"):
//   *_Next:   Next() over every entry, reading series(), value() and timestamp_ms() (the scrape
//             loop's cache-hit path: no label set is built);
//   *_Labels: additionally builds labels() for every series (the cache-miss path).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "ingest/prom/textparse/parser.h"
#include "ingest/prom/textparse/writer.h"

namespace {

using loupe::ingest::prom::Entry;
using loupe::ingest::prom::EntryKind;
using loupe::ingest::prom::ExpositionFormat;
using loupe::ingest::prom::NewParser;

constexpr size_t kTargetSeries = 2000;

size_t CountSeries(ExpositionFormat f, const std::string& text) {
  auto p = NewParser(f, text);
  size_t n = 0;
  for (;;) {
    auto k = (*p)->Next();
    if (!k.ok()) {
      std::fprintf(stderr, "bench payload does not parse: %s\n", k.status().ToString().c_str());
      std::abort();
    }
    if (*k == EntryKind::kEof) return n;
    n += *k == EntryKind::kSeries;
  }
}

std::string NodeExporterPayload() {
  std::ifstream in(std::string(LOUPE_TEXTPARSE_TESTDATA) + "/golden/node_exporter.prom");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  size_t n = CountSeries(ExpositionFormat::kPromText, s);
  auto family = [&](const std::string& name, const char* type, const char* help) {
    s += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  auto series = [&](const std::string& text) {
    if (n >= kTargetSeries) return;
    s += text;
    ++n;
  };
  const char* modes[] = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
  family("node_cpu_seconds_total_x", "counter", "Seconds the CPUs spent in each mode.");
  for (int cpu = 0; cpu < 48; ++cpu) {
    for (const char* m : modes) {
      series("node_cpu_seconds_total_x{cpu=\"" + std::to_string(cpu) + "\",mode=\"" + m + "\"} " +
             std::to_string(123456.78 + cpu * 17.3) + "\n");
    }
  }
  const char* disk_metrics[] = {"reads_completed_total", "writes_completed_total",
                                "read_bytes_total",      "written_bytes_total",
                                "io_time_seconds_total", "read_time_seconds_total"};
  for (const char* m : disk_metrics) {
    family(std::string("node_disk_x_") + m, "counter", "The total number of disk operations.");
    for (int d = 0; d < 16; ++d) {
      series(std::string("node_disk_x_") + m + "{device=\"nvme" + std::to_string(d / 4) + "n" +
             std::to_string(d % 4) + "\"} " + std::to_string(9.87654321e9 / (d + 1)) + "\n");
    }
  }
  const char* net_metrics[] = {"receive_bytes_total",   "transmit_bytes_total",
                               "receive_packets_total", "transmit_packets_total",
                               "receive_errs_total",    "transmit_errs_total",
                               "receive_drop_total",    "transmit_drop_total"};
  for (const char* m : net_metrics) {
    family(std::string("node_network_x_") + m, "counter", "Network device statistic.");
    for (int i = 0; i < 24; ++i) {
      series(std::string("node_network_x_") + m + "{device=\"veth" + std::to_string(1000 + i * 7) +
             "a\"} " + std::to_string(4.2e7 + i) + "\n");
    }
  }
  const char* fs_metrics[] = {"avail_bytes", "size_bytes", "free_bytes", "files", "files_free"};
  for (const char* m : fs_metrics) {
    family(std::string("node_filesystem_x_") + m, "gauge", "Filesystem statistic.");
    for (int i = 0; i < 20; ++i) {
      series(std::string("node_filesystem_x_") + m + "{device=\"/dev/mapper/vg-lv" +
             std::to_string(i) + "\",fstype=\"ext4\",mountpoint=\"/srv/data/volume" +
             std::to_string(i) + "\"} " + std::to_string(1.073741824e11 * (i + 1)) + "\n");
    }
  }
  family("http_request_duration_seconds", "histogram", "Request latency.");
  const char* les[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                       "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  for (int h = 0; n < kTargetSeries; ++h) {
    const std::string labels =
        "handler=\"/api/v1/endpoint" + std::to_string(h) + "\",method=\"GET\"";
    for (const char* le : les) {
      series("http_request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"} " +
             std::to_string(h * 13 + 7) + "\n");
    }
    series("http_request_duration_seconds_sum{" + labels + "} 1234.5\n");
    series("http_request_duration_seconds_count{" + labels + "} 98765\n");
  }
  return s;
}

const std::string& PromPayload() {
  static const std::string s = NodeExporterPayload();
  return s;
}

const std::string& OpenMetricsPayload() {
  static const std::string s = [] {
    std::string out;
    auto p = NewParser(ExpositionFormat::kPromText, PromPayload());
    Entry e;
    for (;;) {
      auto k = (*p)->Next();
      if (!k.ok() || *k == EntryKind::kEof) break;
      (*p)->Fill(&e);
      loupe::ingest::prom::AppendEntry(ExpositionFormat::kOpenMetrics, e, &out);
    }
    loupe::ingest::prom::AppendOpenMetricsEof(&out);
    return out;
  }();
  return s;
}

void Run(benchmark::State& state, ExpositionFormat f, const std::string& payload, bool labels) {
  const size_t series = CountSeries(f, payload);
  for (auto _ : state) {
    auto p = NewParser(f, payload);
    double sum = 0;
    size_t bytes = 0;
    for (;;) {
      auto k = (*p)->Next();
      if (!k.ok() || *k == EntryKind::kEof) break;
      if (*k != EntryKind::kSeries) continue;
      sum += (*p)->value();
      bytes += (*p)->series().size();
      if ((*p)->timestamp_ms()) ++bytes;
      if (labels) {
        auto l = (*p)->labels();
        benchmark::DoNotOptimize(l);
      }
    }
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * payload.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * series));
  state.SetLabel(std::to_string(series) + " series, " + std::to_string(payload.size() / 1024) +
                 " KiB");
}

void BM_PromText_Next(benchmark::State& state) {
  Run(state, ExpositionFormat::kPromText, PromPayload(), false);
}
void BM_PromText_Labels(benchmark::State& state) {
  Run(state, ExpositionFormat::kPromText, PromPayload(), true);
}
void BM_OpenMetrics_Next(benchmark::State& state) {
  Run(state, ExpositionFormat::kOpenMetrics, OpenMetricsPayload(), false);
}
void BM_OpenMetrics_Labels(benchmark::State& state) {
  Run(state, ExpositionFormat::kOpenMetrics, OpenMetricsPayload(), true);
}
BENCHMARK(BM_PromText_Next);
BENCHMARK(BM_PromText_Labels);
BENCHMARK(BM_OpenMetrics_Next);
BENCHMARK(BM_OpenMetrics_Labels);

}  // namespace
