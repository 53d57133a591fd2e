#include "appliance/config.h"

#include <gtest/gtest.h>

namespace loupe::appliance {
namespace {

TEST(ConfigTest, YamlOverridesDefaults) {
  Config c;
  ASSERT_TRUE(LoadConfigYaml(R"(
data_dir: /tmp/x
ports: ephemeral
listen:
  loki: "off"
  http: 127.0.0.1:4000
log:
  level: debug
  format: json
limits:
  max_body_size: 8MiB
  request_timeout: 30s
server:
  http_threads: 3
)", &c).ok());
  EXPECT_EQ(c.data_dir, "/tmp/x");
  EXPECT_EQ(c.ports, "ephemeral");
  EXPECT_EQ(c.listen.http, "127.0.0.1:4000");
  EXPECT_TRUE(IsDisabledAddr(c.listen.loki));
  EXPECT_EQ(c.listen.tempo, "127.0.0.1:3200");  // untouched default
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.log_format, LogFormat::kJson);
  EXPECT_EQ(c.max_body_bytes, 8u << 20);
  EXPECT_EQ(c.request_timeout_ns, 30'000'000'000);
  EXPECT_EQ(c.http_threads, 3);
  EXPECT_TRUE(ValidateConfig(&c).ok());
}

TEST(ConfigTest, UnknownKeysAndBadValuesAreErrorsNamingTheKey) {
  Config c;
  auto s = LoadConfigYaml("listen:\n  htpp: 1.2.3.4:5\n", &c);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("listen.htpp"), std::string::npos) << s;
  s = LoadConfigYaml("limits:\n  request_timeout: soon\n", &c);
  EXPECT_NE(s.message().find("limits.request_timeout"), std::string::npos) << s;
  s = LoadConfigYaml("ephemeral: maybe\n", &c);
  EXPECT_FALSE(s.ok());
  s = LoadConfigYaml("data_dir: [unclosed\n", &c);
  EXPECT_FALSE(s.ok());
}

TEST(ConfigTest, NonLoopbackNeedsAuthOrExplicitInsecure) {
  Config c;
  c.listen.http = "0.0.0.0:3333";
  auto s = ValidateConfig(&c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--auth-token"), std::string::npos);
  c.auth_token = "secret";
  EXPECT_TRUE(ValidateConfig(&c).ok());
  c.auth_token.clear();
  c.insecure_no_auth = true;
  EXPECT_TRUE(ValidateConfig(&c).ok());
}

TEST(ConfigTest, ParseHostPort) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:3333")->port, 3333);
  EXPECT_EQ(ParseHostPort(":9090")->host, "127.0.0.1");
  EXPECT_EQ(ParseHostPort("[::1]:4317")->host, "::1");
  EXPECT_FALSE(ParseHostPort("localhost").ok());
  EXPECT_FALSE(ParseHostPort("a:99999").ok());
  EXPECT_FALSE(ParseHostPort("::1:80").ok());
  EXPECT_TRUE(IsLoopbackHost("127.0.0.2"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
}

TEST(ConfigTest, MainListenerCannotBeDisabled) {
  Config c;
  c.listen.http = "off";
  EXPECT_FALSE(ValidateConfig(&c).ok());
  c = Config();
  c.ports = "random";
  EXPECT_FALSE(ValidateConfig(&c).ok());
}

TEST(ConfigTest, LogsSection) {
  Config c;
  EXPECT_EQ(c.logs.delete_request_cancel_period_ns, 24LL * 3600 * 1'000'000'000);  // Loki's
  ASSERT_TRUE(LoadConfigYaml(R"(
logs:
  retention: 3d
  retention_size: 512MiB
  delete_request_cancel_period: 10m
)", &c).ok());
  EXPECT_EQ(c.logs.retention_ns, 3LL * 24 * 3600 * 1'000'000'000);
  EXPECT_EQ(c.logs.retention_bytes, 512ull << 20);
  EXPECT_EQ(c.logs.delete_request_cancel_period_ns, 600LL * 1'000'000'000);
  auto s = LoadConfigYaml("logs:\n  delete_request_cancel_period: soon\n", &c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("logs.delete_request_cancel_period"), std::string::npos) << s.message();
}

TEST(ConfigTest, TracesSection) {
  Config c;
  EXPECT_EQ(c.traces.max_bytes_per_trace, 5'000'000u);  // Tempo's defaults
  EXPECT_EQ(c.traces.max_live_traces, 10'000);
  ASSERT_TRUE(LoadConfigYaml(R"(
traces:
  retention: 2d
  retention_size: 1GiB
  max_bytes_per_trace: 1MB
  max_live_traces: 0
  ingestion_rate_limit: 15MB
  ingestion_burst_size: 20MB
  max_inflight_size: 64MiB
  metrics_generator: false
)", &c).ok());
  EXPECT_EQ(c.traces.retention_ns, 2LL * 24 * 3600 * 1'000'000'000);
  EXPECT_EQ(c.traces.retention_bytes, 1ull << 30);
  EXPECT_EQ(c.traces.max_bytes_per_trace, 1'000'000u);
  EXPECT_EQ(c.traces.max_live_traces, 0);
  EXPECT_EQ(c.traces.ingestion_rate_limit_bytes, 15'000'000u);
  EXPECT_EQ(c.traces.ingestion_burst_bytes, 20'000'000u);
  EXPECT_EQ(c.traces.max_inflight_bytes, 64ull << 20);
  EXPECT_FALSE(c.traces.metrics_generator);
  auto s = LoadConfigYaml("traces:\n  max_trace_bytes: 1MB\n", &c);
  EXPECT_EQ(s.message(), "config: unknown field \"traces.max_trace_bytes\"");
}

}  // namespace
}  // namespace loupe::appliance
