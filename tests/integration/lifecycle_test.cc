// Integration tests of the process lifecycle: config precedence, signals, data-dir locking,
// port conflicts, the loopback/auth rule, log formats.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "appliance/http/client.h"
#include "tests/integration/loupe_process.h"

namespace loupe::testing {
namespace {

using appliance::http::HttpClient;
using appliance::http::HttpGet;
using appliance::http::HttpResponse;

using namespace std::chrono_literals;

TEST(LifecycleTest, SigtermStopsCleanlyWithinTwoSecondsAndRemovesEphemeralDir) {
  LoupeProcess p;
  ASSERT_TRUE(p.ready()) << p.Stderr();
  const std::string data_dir = p.ready_json().at("data_dir");
  ASSERT_TRUE(std::filesystem::exists(data_dir + "/LOCK"));
  // An idle keep-alive connection must not hold up shutdown.
  HttpClient idle(p.Addr("http"));
  ASSERT_EQ(idle.Get("/-/ready").status, 200);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(p.Stop(SIGTERM, 2000ms), 0) << p.Stderr();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_FALSE(std::filesystem::exists(data_dir)) << "ephemeral data dir removed";
  EXPECT_FALSE(std::filesystem::exists(p.ready_file())) << "ready file removed on exit";
  EXPECT_NE(p.Stderr().find("stopped"), std::string::npos);
}

TEST(LifecycleTest, SigintAlsoStops) {
  LoupeProcess p;
  ASSERT_TRUE(p.ready());
  EXPECT_EQ(p.Stop(SIGINT, 2000ms), 0) << p.Stderr();
}

TEST(LifecycleTest, SecondLoupeOnSameDataDirNamesTheFirst) {
  TempDir dir("lock");
  LoupeProcess first(LaunchOptions{.args = {"--data-dir", dir.Sub("data")}});
  ASSERT_TRUE(first.ready()) << first.Stderr();
  LoupeProcess second(LaunchOptions{.args = {"--data-dir", dir.Sub("data")}});
  EXPECT_FALSE(second.ready());
  EXPECT_EQ(second.Wait(5000ms), 1);
  const auto err = second.Stderr();
  EXPECT_NE(err.find("is in use by another loupe"), std::string::npos) << err;
  EXPECT_NE(err.find("pid " + std::to_string(first.pid())), std::string::npos) << err;
  // The first one is unaffected, and its data survives a restart.
  EXPECT_EQ(HttpGet(first.Addr("http"), "/-/ready").status, 200);
  EXPECT_EQ(first.Stop(SIGTERM), 0);
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("data/catalog.db")));
  LoupeProcess again(LaunchOptions{.args = {"--data-dir", dir.Sub("data")}});
  EXPECT_TRUE(again.ready()) << again.Stderr();
}

TEST(LifecycleTest, BusyMainPortIsAClearError) {
  LoupeProcess holder;
  ASSERT_TRUE(holder.ready());
  const auto taken = holder.Addr("http");
  LoupeProcess p(LaunchOptions{.args = {"--http-addr", taken}, .ephemeral_ports = false});
  EXPECT_FALSE(p.ready());
  EXPECT_EQ(p.Wait(5000ms), 1);
  EXPECT_NE(p.Stderr().find("listen tcp " + taken + ": bind: address already in use"), std::string::npos)
      << p.Stderr();
}

TEST(LifecycleTest, BusyCompatPortIsSkippedWithAWarning) {
  LoupeProcess holder;
  ASSERT_TRUE(holder.ready());
  const std::string http = "127.0.0.1:" + std::to_string(FreePort());
  LoupeProcess p(LaunchOptions{
      .args = {"--http-addr", http, "--loki-addr", holder.Addr("http"), "--prometheus-addr", "off",
               "--tempo-addr", "off", "--otlp-grpc-addr", "off", "--otlp-http-addr", "off"},
      .ephemeral_ports = false});
  ASSERT_TRUE(p.ready()) << p.Stderr();
  EXPECT_EQ(p.Addr("http"), http);
  EXPECT_EQ(p.Addr("loki"), "") << "skipped listener is not in the ready file";
  EXPECT_NE(p.Stderr().find("skipping loki listener"), std::string::npos) << p.Stderr();
  EXPECT_EQ(HttpGet(http, "/ready").status, 200);
}

TEST(LifecycleTest, NonLoopbackRequiresAuth) {
  LoupeProcess refused(LaunchOptions{.args = {"--http-addr", "0.0.0.0:0"}});
  EXPECT_EQ(refused.Wait(5000ms), 2);
  EXPECT_NE(refused.Stderr().find("without authentication"), std::string::npos) << refused.Stderr();

  LoupeProcess with_token(LaunchOptions{.args = {"--http-addr", "0.0.0.0:0"}, .env = {"LOUPE_AUTH_TOKEN=tok"}});
  ASSERT_TRUE(with_token.ready()) << with_token.Stderr();
  const auto port = with_token.Addr("http").substr(with_token.Addr("http").rfind(':'));
  const std::string addr = "127.0.0.1" + port;
  EXPECT_EQ(HttpGet(addr, "/api/v1/status/buildinfo").status, 401);
  EXPECT_EQ(HttpGet(addr, "/api/v1/status/buildinfo", {{"Authorization", "Bearer tok"}}).status, 200);
  EXPECT_EQ(HttpGet(addr, "/-/ready").status, 200) << "probes need no credentials";
}

TEST(LifecycleTest, PrecedenceDefaultsFileEnvFlags) {
  TempDir dir("cfg");
  const int file_port = FreePort(), env_port = FreePort(), flag_port = FreePort();
  const auto cfg = dir.Sub("loupe.yaml");
  std::ofstream(cfg) << "listen:\n  http: 127.0.0.1:" << file_port
                     << "\n  loki: \"off\"\n  prometheus: \"off\"\n  tempo: \"off\"\n"
                        "  otlp_grpc: \"off\"\n  otlp_http: \"off\"\nlog:\n  format: json\n";
  {  // file alone
    LoupeProcess p(LaunchOptions{.args = {"--config", cfg}, .ephemeral_ports = false});
    ASSERT_TRUE(p.ready()) << p.Stderr();
    EXPECT_EQ(p.Addr("http"), "127.0.0.1:" + std::to_string(file_port));
    EXPECT_EQ(p.Addr("loki"), "");
  }
  {  // env beats file
    LoupeProcess p(LaunchOptions{.args = {"--config", cfg},
                                 .env = {"LOUPE_HTTP_ADDR=127.0.0.1:" + std::to_string(env_port)},
                                 .ephemeral_ports = false});
    ASSERT_TRUE(p.ready()) << p.Stderr();
    EXPECT_EQ(p.Addr("http"), "127.0.0.1:" + std::to_string(env_port));
  }
  {  // flag beats env
    LoupeProcess p(LaunchOptions{.args = {"--config", cfg, "--http-addr", "127.0.0.1:" + std::to_string(flag_port)},
                                 .env = {"LOUPE_HTTP_ADDR=127.0.0.1:" + std::to_string(env_port)},
                                 .ephemeral_ports = false});
    ASSERT_TRUE(p.ready()) << p.Stderr();
    EXPECT_EQ(p.Addr("http"), "127.0.0.1:" + std::to_string(flag_port));
    EXPECT_EQ(p.Stop(SIGTERM), 0);
    // The file asked for JSON logs: every line parses.
    std::istringstream lines(p.Stderr());
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << line;
      EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg")) << line;
      ++n;
    }
    EXPECT_GE(n, 3);
  }
}

TEST(LifecycleTest, BadConfigFileIsAnErrorNamingTheKey) {
  TempDir dir("cfg");
  const auto cfg = dir.Sub("bad.yaml");
  std::ofstream(cfg) << "listen:\n  htpp: 127.0.0.1:1\n";
  LoupeProcess p(LaunchOptions{.args = {"--config", cfg}});
  EXPECT_EQ(p.Wait(5000ms), 2);
  EXPECT_NE(p.Stderr().find("unknown field \"listen.htpp\""), std::string::npos) << p.Stderr();
}

TEST(LifecycleTest, HelpAndVersion) {
  std::string out;
  EXPECT_EQ(RunCommand({LoupeBinary(), "--help"}, &out), 0);
  EXPECT_NE(out.find("serve"), std::string::npos) << out;
  EXPECT_EQ(RunCommand({LoupeBinary(), "serve", "--help"}, &out), 0);
  EXPECT_NE(out.find("--ready-file"), std::string::npos) << out;
  EXPECT_NE(out.find("LOUPE_DATA_DIR"), std::string::npos) << out;
  EXPECT_EQ(RunCommand({LoupeBinary(), "version"}, &out), 0);
  EXPECT_NE(out.find("revision:"), std::string::npos) << out;
  EXPECT_NE(RunCommand({LoupeBinary(), "serve", "--no-such-flag"}, &out), 0);
}

}  // namespace
}  // namespace loupe::testing
