// Scrape configuration in Prometheus's syntax, as loupe's YAML carries it:
//
//   global:
//     scrape_interval: 15s        # loupe's default (Prometheus: 1m)
//     scrape_timeout: 10s
//   scrape_configs:
//     - job_name: node
//       scrape_interval: 5s
//       scrape_timeout: 2s
//       metrics_path: /metrics
//       scheme: http
//       params: {collect[]: [cpu, meminfo]}
//       honor_labels: false
//       honor_timestamps: true
//       sample_limit: 0           # 0 = no limit, as Prometheus
//       label_limit: 0
//       label_name_length_limit: 0
//       label_value_length_limit: 0
//       body_size_limit: 0        # bytes, e.g. 10MB
//       basic_auth: {username: u, password: p}      # or password_file; or
//       authorization: {type: Bearer, credentials: t}  # or credentials_file
//       static_configs:
//         - targets: ['127.0.0.1:9100']
//           labels: {env: dev}
//       relabel_configs: [...]         # targets, before scraping (relabel.h)
//       metric_relabel_configs: [...]  # every scraped sample
//
// Unknown keys are errors naming their path; unsupported Prometheus features (service
// discovery other than static_configs, TLS, https, OAuth 2) are errors saying so.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/prom/relabel.h"
#include "storage/base/result.h"

namespace loupe::ingest::prom {

struct StaticTargets {
  std::vector<std::string> targets;  // host:port
  std::map<std::string, std::string> labels;
};

struct ScrapeConfig {
  std::string job_name;
  int64_t interval_ms = 15'000;
  int64_t timeout_ms = 10'000;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  std::vector<std::pair<std::string, std::string>> params;
  bool honor_labels = false;
  bool honor_timestamps = true;
  uint64_t sample_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t body_size_limit = 0;
  std::vector<StaticTargets> static_configs;
  std::vector<RelabelConfig> relabel_configs;
  std::vector<RelabelConfig> metric_relabel_configs;
  // Extra request headers (loupe's own self-scrape carries its auth token).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ScrapeDefaults {
  int64_t interval_ms = 15'000;
  int64_t timeout_ms = 10'000;
};

// Parses YAML text holding the `global` (optional) and `scrape_configs` sections of a loupe
// config (other top-level keys are ignored: the caller owns them). kInvalidArgument on errors.
Result<std::vector<ScrapeConfig>> ParseScrapeConfigs(std::string_view yaml);

}  // namespace loupe::ingest::prom
