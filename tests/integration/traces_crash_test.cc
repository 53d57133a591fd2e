// kill -9 during OTLP trace load (gRPC and HTTP at once): after a restart every span of every
// acknowledged request is there, read back trace by trace through the Tempo API.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "appliance/http/client.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "storage/base/clock.h"
#include "tempopb/tempo.pb.h"
#include "tests/integration/loupe_process.h"

namespace loupe::testing {
namespace {

using appliance::http::HttpClient;
namespace coltrace = ::opentelemetry::proto::collector::trace::v1;
using namespace std::chrono_literals;

constexpr int kTracesPerRequest = 5;
constexpr int kSpansPerTrace = 24;

// Trace id: run (8 bytes) | sender (1) | request (5) | trace (2).
std::string TraceId(uint64_t run, int sender, uint64_t request, int trace) {
  std::string id(16, '\0');
  for (int i = 0; i < 8; ++i) id[i] = static_cast<char>(run >> (56 - 8 * i));
  id[8] = static_cast<char>(sender);
  for (int i = 0; i < 5; ++i) id[9 + i] = static_cast<char>(request >> (32 - 8 * i));
  id[14] = static_cast<char>(trace >> 8);
  id[15] = static_cast<char>(trace);
  return id;
}

coltrace::ExportTraceServiceRequest Request(uint64_t run, int sender, uint64_t request) {
  coltrace::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("crash-" + std::to_string(sender));
  auto* ss = rs->add_scope_spans();
  const uint64_t t0 = static_cast<uint64_t>(Clock::Real().NowNanos());
  for (int t = 0; t < kTracesPerRequest; ++t) {
    const std::string tid = TraceId(run, sender, request, t);
    for (int s = 1; s <= kSpansPerTrace; ++s) {
      auto* sp = ss->add_spans();
      sp->set_trace_id(tid);
      std::string sid(8, '\0');
      sid[0] = 1;
      sid[7] = static_cast<char>(s);
      sp->set_span_id(sid);
      if (s > 1) {
        std::string pid = sid;
        pid[7] = static_cast<char>(s - 1);
        sp->set_parent_span_id(pid);
      }
      sp->set_name("op-" + std::to_string(s));
      sp->set_kind(s == 1 ? ::opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER
                          : ::opentelemetry::proto::trace::v1::Span::SPAN_KIND_INTERNAL);
      sp->set_start_time_unix_nano(t0 + s * 1000);
      sp->set_end_time_unix_nano(t0 + 100000);
    }
  }
  return req;
}

std::string Hex(const std::string& b) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (unsigned char c : b) {
    s.push_back(k[c >> 4]);
    s.push_back(k[c & 15]);
  }
  return s;
}

TEST(TracesCrashTest, KillNineDuringOtlpTraceLoadLosesNothingAcknowledged) {
  TempDir dir("traces_crash");
  // No live-trace limit: the load creates far more than Tempo's 10k live traces.
  {
    std::ofstream cfg(dir.Sub("cfg.yaml"));
    cfg << "traces:\n  max_live_traces: 0\n  metrics_generator: false\n";
  }
  const std::vector<std::string> args = {"--data-dir",        dir.Sub("data"),          "--config",
                                         dir.Sub("cfg.yaml"), "--self-scrape-interval", "0"};
  const uint64_t run = static_cast<uint64_t>(Clock::Real().NowNanos());
  std::atomic<uint64_t> acked[2] = {0, 0};  // requests 1..acked[s] of sender s were acknowledged
  {
    LoupeProcess p(LaunchOptions{.args = args});
    ASSERT_TRUE(p.ready()) << p.Stderr();
    std::atomic<bool> stop{false};
    std::thread grpc_sender([&] {
      auto stub = coltrace::TraceService::NewStub(
          grpc::CreateChannel(p.Addr("otlp_grpc"), grpc::InsecureChannelCredentials()));
      for (uint64_t r = 1; !stop; ++r) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + 5s);
        coltrace::ExportTraceServiceResponse resp;
        if (!stub->Export(&ctx, Request(run, 0, r), &resp).ok() || resp.has_partial_success())
          break;
        acked[0] = r;
      }
    });
    std::thread http_sender([&] {
      HttpClient c(p.Addr("otlp_http"));
      for (uint64_t r = 1; !stop; ++r) {
        auto resp = c.Request("POST", "/v1/traces", {{"Content-Type", "application/x-protobuf"}},
                              Request(run, 1, r).SerializeAsString());
        if (resp.status != 200) break;
        acked[1] = r;
      }
    });
    std::this_thread::sleep_for(2000ms);
    kill(p.pid(), SIGKILL);
    stop = true;
    grpc_sender.join();
    http_sender.join();
    EXPECT_EQ(p.Wait(5000ms), 128 + SIGKILL);
  }
  ASSERT_GT(acked[0] + acked[1], 10u) << "the load did not get going";
  RecordProperty("acknowledged_requests", static_cast<int>(acked[0] + acked[1]));

  LoupeProcess again(LaunchOptions{.args = args});
  ASSERT_TRUE(again.ready()) << again.Stderr();
  HttpClient c(again.Addr("http"));
  uint64_t missing = 0, short_traces = 0, checked = 0;
  for (int s = 0; s < 2; ++s) {
    for (uint64_t r = 1; r <= acked[s]; ++r) {
      for (int t = 0; t < kTracesPerRequest; ++t) {
        auto resp = c.Request("GET", "/api/v2/traces/" + Hex(TraceId(run, s, r, t)),
                              {{"Accept", "application/protobuf"}});
        ++checked;
        if (resp.status != 200) {
          ++missing;
          continue;
        }
        tempopb::TraceByIDResponse tr;
        size_t n = 0;
        if (tr.ParseFromString(resp.body)) {
          for (const auto& rs : tr.trace().resourcespans()) {
            for (const auto& ss : rs.scope_spans()) n += static_cast<size_t>(ss.spans_size());
          }
        }
        if (n != kSpansPerTrace) ++short_traces;
      }
    }
  }
  EXPECT_EQ(missing, 0u) << "of " << checked << " acknowledged traces";
  EXPECT_EQ(short_traces, 0u) << "of " << checked << " acknowledged traces";
}

}  // namespace
}  // namespace loupe::testing
