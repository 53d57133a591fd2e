#include "ingest/prom/scrape_config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "storage/base/base64.h"
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

Result<std::vector<RelabelConfig>> RelabelConfigs(const YAML::Node& n, const std::string& path) {
  if (!n.IsSequence()) return Bad(path, "must be a list");
  std::vector<RelabelConfig> out;
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string rp = path + "[" + std::to_string(i) + "]";
    if (!n[i].IsMap()) return Bad(rp, "must be a mapping");
    RelabelSpec spec;
    for (const auto& f : n[i]) {
      const auto key = f.first.as<std::string>();
      const YAML::Node& v = f.second;
      if (key == "source_labels") {
        if (!v.IsSequence()) return Bad(rp + ".source_labels", "must be a list");
        for (const auto& s : v) spec.source_labels.push_back(s.as<std::string>());
      } else if (key == "separator") {
        spec.separator = v.as<std::string>();
      } else if (key == "target_label") {
        spec.target_label = v.as<std::string>();
      } else if (key == "regex") {
        spec.regex = v.as<std::string>();
      } else if (key == "modulus") {
        LOUPE_ASSIGN_OR_RETURN(spec.modulus, Count(v, rp + ".modulus"));
      } else if (key == "replacement") {
        spec.replacement = v.as<std::string>();
      } else if (key == "action") {
        spec.action = v.as<std::string>();
      } else {
        return Bad(rp + "." + key, "unknown field");
      }
    }
    auto rc = RelabelConfig::Make(spec);
    if (!rc.ok()) return Bad(rp, rc.status().message());
    out.push_back(std::move(*rc));
  }
  return out;
}

Result<std::string> ReadSecretFile(const std::string& file, const std::string& path) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Bad(path, "cannot read \"" + file + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// basic_auth {username, password | password_file} -> "Basic base64(user:pass)".
Result<std::string> BasicAuth(const YAML::Node& n, const std::string& path) {
  if (!n.IsMap()) return Bad(path, "must be a mapping");
  std::string user, pass;
  bool has_pass = false, has_file = false;
  for (const auto& f : n) {
    const auto key = f.first.as<std::string>();
    if (key == "username") {
      user = f.second.as<std::string>();
    } else if (key == "password") {
      pass = f.second.as<std::string>();
      has_pass = true;
    } else if (key == "password_file") {
      LOUPE_ASSIGN_OR_RETURN(pass, ReadSecretFile(f.second.as<std::string>(), path + ".password_file"));
      has_file = true;
    } else {
      return Bad(path + "." + key, "unknown field");
    }
  }
  if (has_pass && has_file) return Bad(path, "at most one of basic_auth password & password_file must be configured");
  return "Basic " + EncodeBase64(user + ":" + pass);
}

// authorization {type (Bearer), credentials | credentials_file} -> "<type> <credentials>".
Result<std::string> Authorization(const YAML::Node& n, const std::string& path) {
  if (!n.IsMap()) return Bad(path, "must be a mapping");
  std::string type = "Bearer", creds;
  bool has_creds = false, has_file = false;
  for (const auto& f : n) {
    const auto key = f.first.as<std::string>();
    if (key == "type") {
      type = f.second.as<std::string>();
    } else if (key == "credentials") {
      creds = f.second.as<std::string>();
      has_creds = true;
    } else if (key == "credentials_file") {
      LOUPE_ASSIGN_OR_RETURN(creds, ReadSecretFile(f.second.as<std::string>(), path + ".credentials_file"));
      has_file = true;
    } else {
      return Bad(path + "." + key, "unknown field");
    }
  }
  if (has_creds && has_file) return Bad(path, "at most one of authorization credentials & credentials_file must be configured");
  if (type == "Basic" || type == "basic") return Bad(path + ".type", "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
  return type + " " + creds;
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
      bool auth_set = false;
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
        } else if (key == "relabel_configs") {
          LOUPE_ASSIGN_OR_RETURN(sc.relabel_configs, RelabelConfigs(v, path));
        } else if (key == "metric_relabel_configs") {
          LOUPE_ASSIGN_OR_RETURN(sc.metric_relabel_configs, RelabelConfigs(v, path));
        } else if (key == "basic_auth" || key == "authorization") {
          if (auth_set) return Bad(base, "at most one of basic_auth, oauth2 & authorization must be configured");
          auth_set = true;
          std::string header;
          if (key == "basic_auth") {
            LOUPE_ASSIGN_OR_RETURN(header, BasicAuth(v, path));
          } else {
            LOUPE_ASSIGN_OR_RETURN(header, Authorization(v, path));
          }
          sc.headers.emplace_back("Authorization", std::move(header));
        } else if (key.find("_sd_configs") != std::string::npos || key == "tls_config" || key == "oauth2") {
          return Bad(path, "not supported by loupe yet (static_configs only, no TLS or OAuth 2)");
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
