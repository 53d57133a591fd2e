#include "appliance/selfmon/metrics_registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "appliance/selfmon/process_metrics.h"

namespace loupe::appliance::selfmon {
namespace {

TEST(MetricsRegistryTest, TextExposition) {
  Registry r;
  auto& reqs = r.CounterFamily("x_requests_total", "Requests.", {"code"});
  reqs.With({"200"}).Add(3);
  reqs.With({"500"}).Inc();
  r.NewGauge("x_temp", "Temp \\ with\nnewline.").Set(-1.5);
  auto& h = r.HistogramFamily("x_seconds", "Latency.", {}, {0.1, 1}).With({});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(7);
  const std::string text = r.Expose();
  EXPECT_NE(text.find("# TYPE x_requests_total counter\nx_requests_total{code=\"200\"} 3\nx_requests_total{code=\"500\"} 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("# HELP x_temp Temp \\\\ with\\nnewline.\n# TYPE x_temp gauge\nx_temp -1.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.1\"} 1\nx_seconds_bucket{le=\"1\"} 2\nx_seconds_bucket{le=\"+Inf\"} 3\n"
                      "x_seconds_sum 7.55\nx_seconds_count 3\n"),
            std::string::npos) << text;
}

TEST(MetricsRegistryTest, ConcurrentUpdatesAreNotLost) {
  Registry r;
  auto& c = r.NewCounter("c_total", "c");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.Inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), 40000);
}

TEST(MetricsRegistryTest, CollectorsAndFormatting) {
  Registry r;
  r.AddCollector([](MetricWriter& w) {
    w.Family("b_bytes", MetricType::kGauge, "b");
    w.Sample("", {{"cf", "a\"b"}}, 1e21);
    w.Family("a_nan", MetricType::kGauge, "a");
    w.Sample("", {}, std::nan(""));
  });
  const std::string text = r.Expose();
  EXPECT_LT(text.find("a_nan NaN"), text.find("b_bytes{cf=\"a\\\"b\"} 1e+21")) << text;
  EXPECT_EQ(FormatValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(42), "42");
}

TEST(ProcessMetricsTest, ReadsThisProcess) {
  const auto st = ReadProcessStats();
  EXPECT_GT(st.resident_bytes, 1e5);
  EXPECT_GT(st.open_fds, 2);
  EXPECT_GT(st.start_time_seconds, 1.6e9);
  EXPECT_GE(st.threads, 1);
}

}  // namespace
}  // namespace loupe::appliance::selfmon
