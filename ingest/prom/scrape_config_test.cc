#include "ingest/prom/scrape_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/temp_dir.h"

namespace loupe::ingest::prom {
namespace {

TEST(ScrapeConfigTest, RelabelConfigsAndAuthParse) {
  testing::TempDir dir{"scrape-config"};
  const std::string secret = dir.Sub("token");
  std::ofstream(secret) << "s3cret\n";
  auto cfgs = ParseScrapeConfigs(R"(
scrape_configs:
  - job_name: a
    basic_auth: {username: user, password: pass}
    static_configs: [{targets: ['x:1']}]
    relabel_configs:
      - {source_labels: [__address__], regex: '(.*):1', target_label: host, replacement: '$1'}
      - {action: labeldrop, regex: 'tmp_.*'}
    metric_relabel_configs:
      - {source_labels: [__name__], regex: 'go_.*', action: drop}
  - job_name: b
    authorization: {credentials_file: )" + secret + R"(}
    static_configs: [{targets: ['y:2']}]
)");
  ASSERT_TRUE(cfgs.ok()) << cfgs.status();
  ASSERT_EQ(cfgs->size(), 2u);
  EXPECT_EQ((*cfgs)[0].relabel_configs.size(), 2u);
  EXPECT_EQ((*cfgs)[0].metric_relabel_configs.size(), 1u);
  EXPECT_EQ((*cfgs)[0].metric_relabel_configs[0].action(), RelabelAction::kDrop);
  ASSERT_EQ((*cfgs)[0].headers.size(), 1u);
  EXPECT_EQ((*cfgs)[0].headers[0].second, "Basic dXNlcjpwYXNz");  // base64("user:pass")
  ASSERT_EQ((*cfgs)[1].headers.size(), 1u);
  EXPECT_EQ((*cfgs)[1].headers[0].second, "Bearer s3cret");
}

TEST(ScrapeConfigTest, BadRelabelAndAuthAreErrorsWithTheirPath) {
  auto msg = [](const std::string& yaml) {
    auto r = ParseScrapeConfigs(yaml);
    return r.ok() ? std::string("ok") : std::string(r.status().message());
  };
  EXPECT_EQ(msg("scrape_configs: [{job_name: a, relabel_configs: [{action: nope}]}]\n"),
            "config: scrape_configs[0].relabel_configs[0]: unknown relabel action \"nope\"");
  EXPECT_EQ(msg("scrape_configs: [{job_name: a, metric_relabel_configs: [{regexp: x}]}]\n"),
            "config: scrape_configs[0].metric_relabel_configs[0].regexp: unknown field");
  EXPECT_EQ(msg("scrape_configs: [{job_name: a, basic_auth: {username: u}, authorization: {credentials: t}}]\n"),
            "config: scrape_configs[0]: at most one of basic_auth, oauth2 & authorization must be configured");
  EXPECT_EQ(msg("scrape_configs: [{job_name: a, authorization: {credentials_file: /nonexistent/x}}]\n"),
            "config: scrape_configs[0].authorization.credentials_file: cannot read \"/nonexistent/x\"");
  EXPECT_EQ(msg("scrape_configs: [{job_name: a, tls_config: {}}]\n"),
            "config: scrape_configs[0].tls_config: not supported by loupe yet (static_configs only, no TLS or OAuth 2)");
}

}  // namespace
}  // namespace loupe::ingest::prom
