#include "ingest/prom/scrape_manager.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "ingest/prom/textparse/content_type.h"
#include "ingest/prom/textparse/parser.h"
#include "storage/base/units.h"

namespace loupe::ingest::prom {

using storage::model::Labels;
using storage::model::LabelsBuilder;

struct ScrapeManager::Target {
  ScrapeConfig cfg;  // interval and timeout as relabeling left them
  std::string address;
  std::string scheme;
  Labels target_labels;
  std::string url_target;  // path?query
  // Scrape state (loop thread only).
  std::unordered_map<uint64_t, Labels> previous;  // series of the last successful scrape
  int64_t last_ts = 0;
  // Status (guarded by mu).
  mutable std::mutex mu;
  TargetStatus status;
};

namespace {

std::string BuildTarget(const std::string& metrics_path,
                        const std::vector<std::pair<std::string, std::string>>& params) {
  std::string t = metrics_path.empty() ? "/metrics" : metrics_path;
  if (t.front() != '/') t = "/" + t;
  for (size_t i = 0; i < params.size(); ++i) {
    t += (i == 0 ? '?' : '&');
    auto enc = [](const std::string& s) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      std::string out;
      for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else { out += '%'; out += kHex[c >> 4]; out += kHex[c & 15]; }
      }
      return out;
    };
    t += enc(params[i].first) + "=" + enc(params[i].second);
  }
  return t;
}

Labels MergeTargetLabels(const Labels& scraped, const Labels& target, bool honor) {
  LabelsBuilder b(scraped);
  for (const auto& l : target) {
    const auto existing = scraped.Get(l.name);
    if (!existing.empty()) {
      if (honor) continue;
      // Prometheus renames the scraped label, prefixing exported_ until the name is free.
      std::string name = "exported_" + l.name;
      while (!scraped.Get(name).empty()) name = "exported_" + name;
      b.Set(name, existing);
    }
    b.Set(l.name, l.value);
  }
  return b.Build();
}

uint64_t Offset(const std::string& key, int64_t interval_ms) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ULL;
  return interval_ms > 0 ? h % static_cast<uint64_t>(interval_ms) : 0;
}

}  // namespace

ScrapeManager::ScrapeManager(storage::tsdb::MetricStore& store, Fetcher fetcher, Clock& clock, std::string tenant)
    : store_(store), fetcher_(std::move(fetcher)), clock_(clock), tenant_(std::move(tenant)) {}

ScrapeManager::~ScrapeManager() { Stop(); }

void ScrapeManager::Configure(const std::vector<ScrapeConfig>& configs) {
  for (const auto& cfg : configs) {
    for (const auto& sc : cfg.static_configs) {
      for (const auto& addr : sc.targets) {
        // The target's labels as Prometheus populates them before relabeling.
        LabelsBuilder b;
        for (const auto& [k, v] : sc.labels) b.Set(k, v);
        b.Set("__address__", addr);
        auto set_default = [&b](std::string_view name, const std::string& value) {
          if (b.Get(name).empty()) b.Set(name, value);
        };
        set_default("job", cfg.job_name);
        set_default("__scrape_interval__", FormatDurationNanos(cfg.interval_ms * 1'000'000));
        set_default("__scrape_timeout__", FormatDurationNanos(cfg.timeout_ms * 1'000'000));
        set_default("__metrics_path__", cfg.metrics_path);
        set_default("__scheme__", cfg.scheme);
        for (const auto& [k, v] : cfg.params) {
          if (b.Get("__param_" + k).empty()) b.Set("__param_" + k, v);  // the first value
        }
        const Labels discovered = b.Build();
        auto dropped = [&](const char* why) {
          if (why) spdlog::warn("scrape pool {}: dropping target {}: {}", cfg.job_name, discovered.ToString(), why);
          TargetStatus d;
          d.discovered_labels = discovered;
          d.scrape_pool = cfg.job_name;
          dropped_.push_back(std::move(d));
        };
        const std::optional<Labels> relabeled = Relabel(discovered, cfg.relabel_configs);
        if (!relabeled) {
          dropped(nullptr);
          continue;
        }
        const std::string address(relabeled->Get("__address__"));
        if (address.empty()) {
          dropped("no address");
          continue;
        }
        auto t = std::make_unique<Target>();
        t->cfg = cfg;
        t->address = address;
        t->scheme = std::string(relabeled->Get("__scheme__"));
        auto interval = ParseDurationNanos(relabeled->Get("__scrape_interval__"));
        auto timeout = ParseDurationNanos(relabeled->Get("__scrape_timeout__"));
        if (!interval.ok() || *interval <= 0 || !timeout.ok() || *timeout <= 0) {
          dropped("invalid __scrape_interval__ or __scrape_timeout__");
          continue;
        }
        t->cfg.interval_ms = *interval / 1'000'000;
        t->cfg.timeout_ms = *timeout / 1'000'000;
        if (t->cfg.timeout_ms > t->cfg.interval_ms) {
          dropped("scrape timeout greater than scrape interval");
          continue;
        }
        // URL parameters: the config's, with __param_<name> replacing the first value.
        std::vector<std::pair<std::string, std::string>> params = cfg.params;
        for (const auto& l : *relabeled) {
          if (!l.name.starts_with("__param_")) continue;
          const std::string name = l.name.substr(8);
          auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
          if (it != params.end()) {
            it->second = l.value;
          } else {
            params.emplace_back(name, l.value);
          }
        }
        t->url_target = BuildTarget(std::string(relabeled->Get("__metrics_path__")), params);
        LabelsBuilder fin(*relabeled);
        if (relabeled->Get("instance").empty()) fin.Set("instance", address);
        for (const auto& l : *relabeled) {
          if (l.name.starts_with("__")) fin.Del(l.name);
        }
        t->target_labels = fin.Build();
        t->status.labels = t->target_labels;
        t->status.discovered_labels = discovered;
        t->status.scrape_pool = cfg.job_name;
        t->status.scrape_url = t->scheme + "://" + address + t->url_target;
        t->status.interval_ms = t->cfg.interval_ms;
        t->status.timeout_ms = t->cfg.timeout_ms;
        targets_.push_back(std::move(t));
      }
    }
  }
}

std::vector<TargetStatus> ScrapeManager::DroppedTargets() const { return dropped_; }

void ScrapeManager::Start(const std::vector<ScrapeConfig>& configs) {
  Configure(configs);
  for (size_t i = 0; i < targets_.size(); ++i) threads_.emplace_back([this, i] { Loop(i); });
}

void ScrapeManager::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& th : threads_) th.join();
  threads_.clear();
}

size_t ScrapeManager::NumTargets() const { return targets_.size(); }

std::vector<TargetStatus> ScrapeManager::Targets() const {
  std::vector<TargetStatus> out;
  for (const auto& t : targets_) {
    std::lock_guard lock(t->mu);
    out.push_back(t->status);
  }
  return out;
}

void ScrapeManager::Loop(size_t index) {
  Target* t = targets_[index].get();
  const int64_t interval = t->cfg.interval_ms;
  int64_t next = clock_.NowMillis();
  next += static_cast<int64_t>(Offset(t->cfg.job_name + "/" + t->address, interval)) -
          (next % interval + interval) % interval;
  if (next < clock_.NowMillis()) next += interval;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const int64_t wait = next - clock_.NowMillis();
    if (wait > 0) {
      cv_.wait_for(lock, std::chrono::milliseconds(wait));
      continue;
    }
    lock.unlock();
    const int64_t start = clock_.NowMillis();
    (void)ScrapeOnce(index, start);
    lock.lock();
    next += interval;
    if (next <= clock_.NowMillis()) next = clock_.NowMillis() + interval;  // fell behind: skip
  }
}

Status ScrapeManager::ScrapeOnce(size_t index, int64_t now_ms) {
  Target* t = targets_.at(index).get();
  const auto wall_start = std::chrono::steady_clock::now();
  int64_t ts = now_ms;
  if (t->last_ts > 0 && std::llabs(ts - (t->last_ts + t->cfg.interval_ms)) <= 2) ts = t->last_ts + t->cfg.interval_ms;

  struct Parsed {
    Labels labels;
    int64_t t;
    double v;
    std::optional<storage::model::Exemplar> exemplar;
  };
  std::vector<Parsed> samples;
  std::vector<storage::model::MetricMetadata> metadata;
  Status err;
  uint64_t scraped = 0;  // samples exposed, before metric relabeling

  FetchRequest req;
  req.host_port = t->address;
  req.target = t->url_target;
  req.timeout_ms = t->cfg.timeout_ms;
  req.max_body_bytes = t->cfg.body_size_limit;
  req.headers = t->cfg.headers;
  req.headers.emplace_back("Accept", std::string(DefaultScrapeAcceptHeader()));
  req.headers.emplace_back("X-Prometheus-Scrape-Timeout-Seconds", std::to_string(t->cfg.timeout_ms / 1000.0));
  Result<FetchResponse> resp = Status::Unimplemented("scheme \"" + t->scheme + "\" is not supported (loupe scrapes http only)");
  if (t->scheme == "http") resp = fetcher_(req);
  if (!resp.ok()) {
    err = resp.status();
  } else if (resp->status != 200) {
    err = Status::Unavailable("server returned HTTP status " + std::to_string(resp->status));
  } else {
    const FormatChoice format = ChooseFormat(resp->content_type, ExpositionFormat::kPromText);
    ParserOptions po;
    po.label_limit = t->cfg.label_limit;
    po.label_name_length_limit = t->cfg.label_name_length_limit;
    po.label_value_length_limit = t->cfg.label_value_length_limit;
    po.skip_created_series = true;
    auto created = NewParser(format.format, resp->body, po);
    if (!created.ok()) {
      err = created.status();
    }
    while (err.ok()) {
      auto& parser = *created;
      auto kind = parser->Next();
      if (!kind.ok()) {
        err = kind.status();
        break;
      }
      if (*kind == EntryKind::kEof) break;
      if (*kind == EntryKind::kHelp || *kind == EntryKind::kType || *kind == EntryKind::kUnit) {
        if (metadata.empty() || metadata.back().family != parser->family()) {
          metadata.push_back({std::string(parser->family()), storage::model::MetricType::kUnknown, "", ""});
        }
        if (*kind == EntryKind::kHelp) metadata.back().help = std::string(parser->text());
        if (*kind == EntryKind::kType) metadata.back().type = parser->type();
        if (*kind == EntryKind::kUnit) metadata.back().unit = std::string(parser->text());
        continue;
      }
      if (*kind != EntryKind::kSeries) continue;
      ++scraped;
      std::optional<Labels> lset = MergeTargetLabels(parser->labels(), t->target_labels, t->cfg.honor_labels);
      if (!t->cfg.metric_relabel_configs.empty()) {
        lset = Relabel(*lset, t->cfg.metric_relabel_configs);
        if (!lset || lset->empty()) continue;
        if (!lset->Has(storage::model::kMetricNameLabel)) {
          err = Status::InvalidArgument("missing metric name (__name__ label)");
          break;
        }
      }
      // The limit counts samples that survive metric relabeling, as Prometheus's does.
      if (t->cfg.sample_limit > 0 && samples.size() >= t->cfg.sample_limit) {
        err = Status::ResourceExhausted("sample limit exceeded");
        break;
      }
      const auto exposed = parser->timestamp_ms();
      samples.push_back({std::move(*lset), t->cfg.honor_timestamps && exposed ? *exposed : ts, parser->value(),
                         parser->exemplar()});
    }
  }
  const double duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  auto app = store_.NewAppender(tenant_);
  std::unordered_map<uint64_t, Labels> current;
  uint64_t added = 0;
  if (err.ok()) {
    for (auto& s : samples) {
      const uint64_t h = s.labels.Hash();
      if (!t->previous.count(h)) ++added;
      app->AddSeries(s.labels);
      app->AddSample(s.t, s.v);
      if (s.exemplar) app->AddExemplar(*s.exemplar);
      current.emplace(h, std::move(s.labels));
    }
    for (auto& md : metadata) app->AddMetadata(std::move(md));
  }
  // Series that disappeared (all of them when the scrape failed) are marked stale.
  for (const auto& [h, labels] : t->previous) {
    if (!current.count(h)) {
      app->AddSeries(labels);
      app->AddSample(ts, storage::model::StaleNaN());
    }
  }
  auto report = [&](const char* name, double v) {
    app->AddSeries(LabelsBuilder(t->target_labels).Set(storage::model::kMetricNameLabel, name).Build());
    app->AddSample(ts, v);
  };
  report("up", err.ok() ? 1 : 0);
  report("scrape_duration_seconds", duration);
  report("scrape_samples_scraped", err.ok() ? static_cast<double>(scraped) : 0);
  report("scrape_samples_post_metric_relabeling", err.ok() ? static_cast<double>(samples.size()) : 0);
  report("scrape_series_added", err.ok() ? static_cast<double>(added) : 0);
  auto committed = app->Commit();
  if (!committed.ok()) spdlog::error("scrape {}: {}", t->status.scrape_url, committed.status().message());

  t->previous = std::move(current);
  t->last_ts = ts;
  std::lock_guard lock(t->mu);
  t->status.health = err.ok() ? "up" : "down";
  t->status.last_error = err.ok() ? "" : err.message();
  t->status.last_scrape_ms = now_ms;
  t->status.last_scrape_duration_s = duration;
  return err;
}

}  // namespace loupe::ingest::prom
