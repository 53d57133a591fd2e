#include "ingest/prom/scrape_config.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "storage/base/units.h"

namespace loupe::ingest::prom {
namespace {

Status Bad(const std::string& path, const std::string& msg) {
  return Status::InvalidArgument("config: " + path + ": " + msg);
}

Result<int64_t> DurationMs(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) return Bad(path, "must be a duration like 15s");
  auto r = ParseDurationNanos(n.as<std::string>());
  if (!r.ok() || *r <= 0) return Bad(path, "invalid duration \"" + n.as<std::string>() + "\"");
  return *r / 1'000'000;
}

Result<uint64_t> Count(const YAML::Node& n, const std::string& path) {
  uint64_t v;
  if (!n.IsScalar() || !YAML::convert<uint64_t>::decode(n, v)) return Bad(path, "must be a non-negative integer");
  return v;
}

Result<bool> Flag(const YAML::Node& n, const std::string& path) {
  bool v;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) return Bad(path, "must be true or false");
  return v;
}

}  // namespace

Result<std::vector<ScrapeConfig>> ParseScrapeConfigs(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("config: ") + e.what());
  }
  std::vector<ScrapeConfig> out;
  if (!root.IsMap()) return out;
  try {
    ScrapeDefaults defaults;
    bool timeout_set = false;
    if (const auto g = root["global"]; g) {
      if (!g.IsMap()) return Bad("global", "must be a mapping");
      for (const auto& kv : g) {
        const auto key = kv.first.as<std::string>();
        if (key == "scrape_interval") {
          LOUPE_ASSIGN_OR_RETURN(defaults.interval_ms, DurationMs(kv.second, "global.scrape_interval"));
        } else if (key == "scrape_timeout") {
          LOUPE_ASSIGN_OR_RETURN(defaults.timeout_ms, DurationMs(kv.second, "global.scrape_timeout"));
          timeout_set = true;
        } else if (key == "evaluation_interval" || key == "external_labels") {
          // Accepted for copy-pasted prometheus.yml files; not used by loupe yet.
        } else {
          return Bad("global." + key, "unknown field");
        }
      }
    }
    if (!timeout_set) defaults.timeout_ms = std::min<int64_t>(defaults.timeout_ms, defaults.interval_ms);
    const auto configs = root["scrape_configs"];
    if (!configs) return out;
    if (!configs.IsSequence()) return Bad("scrape_configs", "must be a list");
    std::set<std::string> names;
    for (size_t i = 0; i < configs.size(); ++i) {
      const auto& c = configs[i];
      const std::string base = "scrape_configs[" + std::to_string(i) + "]";
      if (!c.IsMap()) return Bad(base, "must be a mapping");
      ScrapeConfig sc;
      sc.interval_ms = defaults.interval_ms;
      sc.timeout_ms = defaults.timeout_ms;
      bool own_timeout = false;
      for (const auto& kv : c) {
        const auto key = kv.first.as<std::string>();
        const std::string path = base + "." + key;
        const YAML::Node& v = kv.second;
        if (key == "job_name") {
          sc.job_name = v.as<std::string>();
        } else if (key == "scrape_interval") {
          LOUPE_ASSIGN_OR_RETURN(sc.interval_ms, DurationMs(v, path));
        } else if (key == "scrape_timeout") {
          LOUPE_ASSIGN_OR_RETURN(sc.timeout_ms, DurationMs(v, path));
          own_timeout = true;
        } else if (key == "metrics_path") {
          sc.metrics_path = v.as<std::string>();
        } else if (key == "scheme") {
          sc.scheme = v.as<std::string>();
          if (sc.scheme != "http") return Bad(path, "only http is supported (https needs TLS, not available yet)");
        } else if (key == "params") {
          if (!v.IsMap()) return Bad(path, "must be a mapping of lists");
          for (const auto& p : v) {
            if (!p.second.IsSequence()) return Bad(path, "values must be lists");
            for (const auto& item : p.second) sc.params.emplace_back(p.first.as<std::string>(), item.as<std::string>());
          }
        } else if (key == "honor_labels") {
          LOUPE_ASSIGN_OR_RETURN(sc.honor_labels, Flag(v, path));
        } else if (key == "honor_timestamps") {
          LOUPE_ASSIGN_OR_RETURN(sc.honor_timestamps, Flag(v, path));
        } else if (key == "sample_limit") {
          LOUPE_ASSIGN_OR_RETURN(sc.sample_limit, Count(v, path));
        } else if (key == "label_limit") {
          LOUPE_ASSIGN_OR_RETURN(sc.label_limit, Count(v, path));
        } else if (key == "label_name_length_limit") {
          LOUPE_ASSIGN_OR_RETURN(sc.label_name_length_limit, Count(v, path));
        } else if (key == "label_value_length_limit") {
          LOUPE_ASSIGN_OR_RETURN(sc.label_value_length_limit, Count(v, path));
        } else if (key == "body_size_limit") {
          auto b = ParseBytes(v.as<std::string>());
          if (!b.ok()) return Bad(path, b.status().message());
          sc.body_size_limit = *b;
        } else if (key == "static_configs") {
          if (!v.IsSequence()) return Bad(path, "must be a list");
          for (size_t k = 0; k < v.size(); ++k) {
            StaticTargets st;
            const std::string sp = path + "[" + std::to_string(k) + "]";
            for (const auto& f : v[k]) {
              const auto fk = f.first.as<std::string>();
              if (fk == "targets") {
                if (!f.second.IsSequence()) return Bad(sp + ".targets", "must be a list");
                for (const auto& t : f.second) st.targets.push_back(t.as<std::string>());
              } else if (fk == "labels") {
                if (!f.second.IsMap()) return Bad(sp + ".labels", "must be a mapping");
                for (const auto& l : f.second) st.labels[l.first.as<std::string>()] = l.second.as<std::string>();
              } else {
                return Bad(sp + "." + fk, "unknown field");
              }
            }
            sc.static_configs.push_back(std::move(st));
          }
        } else if (key.find("_sd_configs") != std::string::npos || key == "relabel_configs" ||
                   key == "metric_relabel_configs" || key == "tls_config" || key == "basic_auth" ||
                   key == "authorization") {
          return Bad(path, "not supported by loupe yet (static_configs only, no relabeling or TLS)");
        } else {
          return Bad(path, "unknown field");
        }
      }
      if (sc.job_name.empty()) return Bad(base + ".job_name", "must not be empty");
      if (!names.insert(sc.job_name).second) return Bad(base + ".job_name", "duplicate job name \"" + sc.job_name + "\"");
      if (!own_timeout) sc.timeout_ms = std::min(sc.timeout_ms, sc.interval_ms);
      if (sc.timeout_ms > sc.interval_ms) {
        return Bad(base, "scrape timeout greater than scrape interval for scrape config with job name \"" +
                             sc.job_name + "\"");
      }
      out.push_back(std::move(sc));
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("config: ") + e.what());
  }
  return out;
}

}  // namespace loupe::ingest::prom
