// kill -9 during remote-write and Loki push load: after a restart every acknowledged sample and
// log line is there.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <bit>
#include <nlohmann/json.hpp>
#include <thread>

#include "appliance/http/client.h"
#include "prompb/remote.pb.h"
#include "storage/base/clock.h"
#include "storage/base/compression.h"
#include "tests/integration/loupe_process.h"

namespace loupe::testing {
namespace {

using appliance::http::HttpClient;
using namespace std::chrono_literals;

constexpr int kSeries = 200;

std::string WriteRequestBody(int batch, int64_t t) {
  prometheus::WriteRequest req;
  for (int s = 0; s < kSeries; ++s) {
    auto* ts = req.add_timeseries();
    auto* n = ts->add_labels();
    n->set_name("__name__");
    n->set_value("crash_metric");
    auto* l = ts->add_labels();
    l->set_name("series");
    l->set_value(std::to_string(s));
    auto* smp = ts->add_samples();
    smp->set_timestamp(t);
    smp->set_value(batch * 1000.0 + s);
  }
  std::string body;
  (void)Compress(Codec::kSnappy, req.SerializeAsString(), &body);
  return body;
}

size_t CountPresent(const std::string& addr, int64_t t0, int acked) {
  prometheus::ReadRequest req;
  auto* q = req.add_queries();
  q->set_start_timestamp_ms(t0);
  q->set_end_timestamp_ms(t0 + 1'000'000'000);
  auto* m = q->add_matchers();
  m->set_type(prometheus::LabelMatcher::EQ);
  m->set_name("__name__");
  m->set_value("crash_metric");
  std::string body;
  (void)Compress(Codec::kSnappy, req.SerializeAsString(), &body);
  HttpClient c(addr);
  auto resp = c.Request("POST", "/api/v1/read", {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "snappy"}}, body);
  std::string raw;
  if (resp.status != 200 || !Decompress(Codec::kSnappy, resp.body, 1 << 30, &raw).ok()) return 0;
  prometheus::ReadResponse rr;
  rr.ParseFromString(raw);
  // Expected: for every acknowledged batch b and series s, value b*1000+s at t0+b*1000.
  size_t present = 0;
  for (const auto& ts : rr.results(0).timeseries()) {
    int series = -1;
    for (const auto& l : ts.labels()) {
      if (l.name() == "series") series = std::stoi(l.value());
    }
    for (const auto& smp : ts.samples()) {
      const int b = static_cast<int>((smp.timestamp() - t0) / 1000);
      if (b < acked && smp.value() == b * 1000.0 + series) ++present;
    }
  }
  return present;
}

TEST(CrashTest, KillNineDuringRemoteWriteLosesNothingAcknowledged) {
  TempDir dir("crash");
  const std::vector<std::string> args = {"--data-dir", dir.Sub("data"), "--self-scrape-interval", "0"};
  int acked = 0;
  const int64_t t0 = Clock::Real().NowMillis() - 3'600'000;
  {
    LoupeProcess p(LaunchOptions{.args = args});
    ASSERT_TRUE(p.ready()) << p.Stderr();
    std::atomic<bool> stop{false};
    std::atomic<int> acked_atomic{0};
    std::thread sender([&] {
      HttpClient c(p.Addr("http"));
      for (int b = 0; !stop; ++b) {
        auto r = c.Request("POST", "/api/v1/write",
                           {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "snappy"}},
                           WriteRequestBody(b, t0 + b * 1000));
        if (r.status != 204) break;
        acked_atomic = b + 1;
      }
    });
    std::this_thread::sleep_for(1500ms);
    kill(p.pid(), SIGKILL);
    stop = true;
    sender.join();
    EXPECT_EQ(p.Wait(5000ms), 128 + SIGKILL);
    acked = acked_atomic;
  }
  ASSERT_GT(acked, 10) << "the load did not get going";
  RecordProperty("acknowledged_batches", acked);
  LoupeProcess again(LaunchOptions{.args = args});
  ASSERT_TRUE(again.ready()) << again.Stderr();
  EXPECT_EQ(CountPresent(again.Addr("http"), t0, acked), static_cast<size_t>(acked) * kSeries)
      << acked << " batches were acknowledged";
}

constexpr int kLinesPerPush = 100;

// A Loki JSON push of one batch: 100 lines in one stream, timestamps t0 + batch*1ms + i ns.
std::string PushBody(int batch, int64_t t0_ns) {
  std::string body = R"({"streams":[{"stream":{"job":"crash","source":"test"},"values":[)";
  for (int i = 0; i < kLinesPerPush; ++i) {
    if (i) body += ',';
    body += "[\"" + std::to_string(t0_ns + batch * 1'000'000LL + i) + "\",\"batch " + std::to_string(batch) +
            " line " + std::to_string(i) + " level=info msg=\\\"crash test payload\\\"\"]";
  }
  body += "]}]}";
  return body;
}

TEST(CrashTest, KillNineDuringLokiPushLosesNothingAcknowledged) {
  TempDir dir("crash-logs");
  const std::vector<std::string> args = {"--data-dir", dir.Sub("data"), "--self-scrape-interval", "0"};
  int acked = 0;
  const int64_t t0 = (Clock::Real().NowMillis() - 600'000) * 1'000'000;
  {
    LoupeProcess p(LaunchOptions{.args = args});
    ASSERT_TRUE(p.ready()) << p.Stderr();
    std::atomic<bool> stop{false};
    std::atomic<int> acked_atomic{0};
    std::thread sender([&] {
      HttpClient c(p.Addr("http"));
      for (int b = 0; !stop; ++b) {
        auto r = c.Request("POST", "/loki/api/v1/push", {{"Content-Type", "application/json"}}, PushBody(b, t0));
        if (r.status != 204) break;
        acked_atomic = b + 1;
      }
    });
    std::this_thread::sleep_for(1500ms);
    kill(p.pid(), SIGKILL);
    stop = true;
    sender.join();
    EXPECT_EQ(p.Wait(5000ms), 128 + SIGKILL);
    acked = acked_atomic;
  }
  ASSERT_GT(acked, 10) << "the load did not get going";
  RecordProperty("acknowledged_pushes", acked);
  LoupeProcess again(LaunchOptions{.args = args});
  ASSERT_TRUE(again.ready()) << again.Stderr();
  // The push in flight at the kill may or may not have been stored; every acknowledged one must be.
  auto stats = nlohmann::json::parse(
      HttpClient(again.Addr("http"))
          .Get("/loki/api/v1/index/stats?query=%7Bjob%3D%22crash%22%7D&start=0&end=" +
               std::to_string(t0 + 3'600'000'000'000LL))
          .body);
  const int64_t entries = stats["entries"];
  EXPECT_GE(entries, static_cast<int64_t>(acked) * kLinesPerPush) << acked << " pushes were acknowledged";
  EXPECT_LE(entries, static_cast<int64_t>(acked + 1) * kLinesPerPush);
  EXPECT_EQ(entries % kLinesPerPush, 0) << "a push is stored whole or not at all";
}

}  // namespace
}  // namespace loupe::testing
