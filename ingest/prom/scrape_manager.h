// ScrapeManager: pulls Prometheus/OpenMetrics text from static targets on their intervals and
// appends the samples, as Prometheus's scrape loop does:
//   - target labels: static labels, __address__, job, __scheme__, __metrics_path__,
//     __scrape_interval__, __scrape_timeout__ and __param_<name>, rewritten by relabel_configs
//     (which may drop the target or change its address, path, params, interval and timeout),
//     then instance = __address__ unless set, and every __-prefixed label removed;
//   - scraped labels that clash with target labels are renamed exported_<name>, or win with
//     honor_labels; then metric_relabel_configs rewrite or drop each sample;
//   - sample timestamps are the scrape's start (aligned to the interval grid within 2 ms, which
//     keeps chunks small), or the exposed ones with honor_timestamps;
//   - report series up, scrape_duration_seconds, scrape_samples_scraped,
//     scrape_samples_post_metric_relabeling, scrape_series_added;
//   - a series gone since the last scrape, or every series of a failed scrape, gets a staleness
//     marker; sample_limit, label limits and body_size_limit fail the scrape (up = 0).
// HTTP is injected (Fetcher) so ingest stays free of network code and tests can fake targets.
// Thread-safety: Start/Stop from one thread; Targets() from any.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ingest/prom/scrape_config.h"
#include "storage/base/clock.h"
#include "storage/tsdb/metric_store.h"

namespace loupe::ingest::prom {

struct FetchRequest {
  std::string host_port;
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t timeout_ms = 10'000;
  uint64_t max_body_bytes = 0;  // 0 = no limit
};
struct FetchResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};
using Fetcher = std::function<Result<FetchResponse>(const FetchRequest&)>;

struct TargetStatus {
  storage::model::Labels labels;             // after relabel_configs: job, instance, ...
  storage::model::Labels discovered_labels;  // before: __address__, __scheme__, static labels, ...
  std::string scrape_pool;
  std::string scrape_url;
  std::string health = "unknown";  // up, down, unknown
  std::string last_error;
  int64_t last_scrape_ms = 0;
  double last_scrape_duration_s = 0;
  int64_t interval_ms = 0;
  int64_t timeout_ms = 0;
};

class ScrapeManager {
 public:
  ScrapeManager(storage::tsdb::MetricStore& store, Fetcher fetcher, Clock& clock = Clock::Real(),
                std::string tenant = "anonymous");
  ~ScrapeManager();

  // Builds the targets and starts one loop per target (first scrape after a per-target offset
  // within the interval, as Prometheus spreads them).
  void Start(const std::vector<ScrapeConfig>& configs);
  // Configures targets without starting loops (tests drive ScrapeOnce).
  void Configure(const std::vector<ScrapeConfig>& configs);
  void Stop();

  std::vector<TargetStatus> Targets() const;
  // Targets that relabel_configs dropped (discovered_labels and scrape_pool set).
  std::vector<TargetStatus> DroppedTargets() const;
  size_t NumTargets() const;
  // One scrape of target `index` as if started at `now_ms`; returns the scrape error, if any.
  Status ScrapeOnce(size_t index, int64_t now_ms);

 private:
  struct Target;
  void Loop(size_t index);

  storage::tsdb::MetricStore& store_;
  Fetcher fetcher_;
  Clock& clock_;
  std::string tenant_;
  std::vector<std::unique_ptr<Target>> targets_;
  std::vector<TargetStatus> dropped_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace loupe::ingest::prom
