#include "appliance/config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include "ingest/prom/scrape_config.h"
#include "storage/base/units.h"

namespace loupe::appliance {
namespace {

// Walks a YAML mapping, applying known keys and rejecting unknown ones with their full path.
class Loader {
 public:
  explicit Loader(Config* c) : c_(c) {}

  Status Root(const YAML::Node& n) {
    if (n.IsNull()) return Status::OK();
    if (!n.IsMap()) return Status::InvalidArgument("config: top level must be a mapping");
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      Status s;
      if (key == "data_dir") s = Str(v, key, &c_->data_dir);
      else if (key == "ephemeral") s = Bool(v, key, &c_->ephemeral);
      else if (key == "ports") s = Str(v, key, &c_->ports);
      else if (key == "ready_file") s = Str(v, key, &c_->ready_file);
      else if (key == "listen") s = Listen(v);
      else if (key == "auth") s = Auth(v);
      else if (key == "log") s = Log(v);
      else if (key == "limits") s = Limits(v);
      else if (key == "server") s = Server(v);
      else if (key == "metrics") s = Metrics(v);
      else if (key == "logs") s = Logs(v);
      else if (key == "traces") s = Traces(v);
      else if (key == "global" || key == "scrape_configs") scrape_[key] = v;
      else s = Unknown(key);
      LOUPE_RETURN_IF_ERROR(s);
    }
    if (scrape_.size() > 0) c_->scrape_yaml = YAML::Dump(scrape_);
    return Status::OK();
  }

 private:
  Status Listen(const YAML::Node& n) {
    LOUPE_RETURN_IF_ERROR(Map(n, "listen"));
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      const auto path = "listen." + key;
      std::string* dst = nullptr;
      if (key == "http") dst = &c_->listen.http;
      else if (key == "loki") dst = &c_->listen.loki;
      else if (key == "prometheus") dst = &c_->listen.prometheus;
      else if (key == "tempo") dst = &c_->listen.tempo;
      else if (key == "otlp_grpc") dst = &c_->listen.otlp_grpc;
      else if (key == "otlp_http") dst = &c_->listen.otlp_http;
      else return Unknown(path);
      LOUPE_RETURN_IF_ERROR(Str(kv.second, path, dst));
    }
    return Status::OK();
  }

  Status Auth(const YAML::Node& n) {
    LOUPE_RETURN_IF_ERROR(Map(n, "auth"));
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      const auto path = "auth." + key;
      if (key == "token") LOUPE_RETURN_IF_ERROR(Str(kv.second, path, &c_->auth_token));
      else if (key == "token_file") LOUPE_RETURN_IF_ERROR(Str(kv.second, path, &c_->auth_token_file));
      else if (key == "insecure_no_auth") LOUPE_RETURN_IF_ERROR(Bool(kv.second, path, &c_->insecure_no_auth));
      else return Unknown(path);
    }
    return Status::OK();
  }

  Status Log(const YAML::Node& n) {
    LOUPE_RETURN_IF_ERROR(Map(n, "log"));
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      const auto path = "log." + key;
      if (key == "level") {
        LOUPE_RETURN_IF_ERROR(Str(kv.second, path, &c_->log_level));
      } else if (key == "format") {
        std::string f;
        LOUPE_RETURN_IF_ERROR(Str(kv.second, path, &f));
        if (f == "text") c_->log_format = LogFormat::kText;
        else if (f == "json") c_->log_format = LogFormat::kJson;
        else return Status::InvalidArgument("config: " + path + ": must be text or json, got \"" + f + "\"");
      } else {
        return Unknown(path);
      }
    }
    return Status::OK();
  }

  Status Limits(const YAML::Node& n) {
    LOUPE_RETURN_IF_ERROR(Map(n, "limits"));
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      const auto path = "limits." + key;
      if (key == "max_body_size") LOUPE_RETURN_IF_ERROR(Bytes(kv.second, path, &c_->max_body_bytes));
      else if (key == "grpc_max_recv_size") LOUPE_RETURN_IF_ERROR(Bytes(kv.second, path, &c_->grpc_max_recv_bytes));
      else if (key == "request_timeout") LOUPE_RETURN_IF_ERROR(Duration(kv.second, path, &c_->request_timeout_ns));
      else if (key == "idle_timeout") LOUPE_RETURN_IF_ERROR(Duration(kv.second, path, &c_->idle_timeout_ns));
      else return Unknown(path);
    }
    return Status::OK();
  }

  Status Server(const YAML::Node& n) {
    LOUPE_RETURN_IF_ERROR(Map(n, "server"));
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      const auto path = "server." + key;
      if (key == "http_threads") LOUPE_RETURN_IF_ERROR(Int(kv.second, path, &c_->http_threads));
      else if (key == "worker_threads") LOUPE_RETURN_IF_ERROR(Int(kv.second, path, &c_->worker_threads));
      else return Unknown(path);
    }
    return Status::OK();
  }

  Status Metrics(const YAML::Node& n) {
    LOUPE_RETURN_IF_ERROR(Map(n, "metrics"));
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      const auto path = "metrics." + key;
      if (key == "retention") LOUPE_RETURN_IF_ERROR(Duration(kv.second, path, &c_->metrics.retention_ns));
      else if (key == "retention_size") LOUPE_RETURN_IF_ERROR(Bytes(kv.second, path, &c_->metrics.retention_bytes));
      else if (key == "out_of_order_window") LOUPE_RETURN_IF_ERROR(Duration(kv.second, path, &c_->metrics.out_of_order_window_ns));
      else if (key == "self_scrape_interval") LOUPE_RETURN_IF_ERROR(Duration(kv.second, path, &c_->metrics.self_scrape_interval_ns));
      else return Unknown(path);
    }
    return Status::OK();
  }

  Status Logs(const YAML::Node& n) {
    LOUPE_RETURN_IF_ERROR(Map(n, "logs"));
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      const auto path = "logs." + key;
      if (key == "retention") LOUPE_RETURN_IF_ERROR(Duration(kv.second, path, &c_->logs.retention_ns));
      else if (key == "retention_size") LOUPE_RETURN_IF_ERROR(Bytes(kv.second, path, &c_->logs.retention_bytes));
      else if (key == "delete_request_cancel_period") {
        LOUPE_RETURN_IF_ERROR(Duration(kv.second, path, &c_->logs.delete_request_cancel_period_ns));
      } else return Unknown(path);
    }
    return Status::OK();
  }

  Status Traces(const YAML::Node& n) {
    LOUPE_RETURN_IF_ERROR(Map(n, "traces"));
    TracesConfig& t = c_->traces;
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      const auto path = "traces." + key;
      if (key == "retention") LOUPE_RETURN_IF_ERROR(Duration(kv.second, path, &t.retention_ns));
      else if (key == "retention_size") LOUPE_RETURN_IF_ERROR(Bytes(kv.second, path, &t.retention_bytes));
      else if (key == "max_bytes_per_trace") LOUPE_RETURN_IF_ERROR(Bytes(kv.second, path, &t.max_bytes_per_trace));
      else if (key == "max_live_traces") LOUPE_RETURN_IF_ERROR(Int(kv.second, path, &t.max_live_traces));
      else if (key == "ingestion_rate_limit") LOUPE_RETURN_IF_ERROR(Bytes(kv.second, path, &t.ingestion_rate_limit_bytes));
      else if (key == "ingestion_burst_size") LOUPE_RETURN_IF_ERROR(Bytes(kv.second, path, &t.ingestion_burst_bytes));
      else if (key == "max_inflight_size") LOUPE_RETURN_IF_ERROR(Bytes(kv.second, path, &t.max_inflight_bytes));
      else if (key == "metrics_generator") LOUPE_RETURN_IF_ERROR(Bool(kv.second, path, &t.metrics_generator));
      else return Unknown(path);
    }
    return Status::OK();
  }

  static Status Map(const YAML::Node& n, const std::string& path) {
    if (!n.IsMap()) return Status::InvalidArgument("config: " + path + ": must be a mapping");
    return Status::OK();
  }
  static Status Unknown(const std::string& path) {
    return Status::InvalidArgument("config: unknown field \"" + path + "\"");
  }
  static Status Str(const YAML::Node& n, const std::string& path, std::string* out) {
    if (n.IsNull()) {
      out->clear();
      return Status::OK();
    }
    if (!n.IsScalar()) return Status::InvalidArgument("config: " + path + ": must be a string");
    *out = n.as<std::string>();
    return Status::OK();
  }
  static Status Bool(const YAML::Node& n, const std::string& path, bool* out) {
    bool v;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
      return Status::InvalidArgument("config: " + path + ": must be true or false");
    }
    *out = v;
    return Status::OK();
  }
  static Status Int(const YAML::Node& n, const std::string& path, int* out) {
    int v;
    if (!n.IsScalar() || !YAML::convert<int>::decode(n, v) || v < 0) {
      return Status::InvalidArgument("config: " + path + ": must be a non-negative integer");
    }
    *out = v;
    return Status::OK();
  }
  static Status Bytes(const YAML::Node& n, const std::string& path, uint64_t* out) {
    if (!n.IsScalar()) return Status::InvalidArgument("config: " + path + ": must be a size like 20MiB");
    auto r = ParseBytes(n.as<std::string>());
    if (!r.ok()) return r.status().WithContext("config: " + path);
    *out = *r;
    return Status::OK();
  }
  static Status Duration(const YAML::Node& n, const std::string& path, int64_t* out) {
    if (!n.IsScalar()) return Status::InvalidArgument("config: " + path + ": must be a duration like 30s");
    auto r = ParseDurationNanos(n.as<std::string>());
    if (!r.ok()) return r.status().WithContext("config: " + path);
    *out = *r;
    return Status::OK();
  }

  Config* c_;
  YAML::Node scrape_{YAML::NodeType::Map};
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

}  // namespace

Status LoadConfigYaml(std::string_view yaml, Config* config) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("config: ") + e.what());
  }
  try {
    return Loader(config).Root(root);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("config: ") + e.what());
  }
}

Status LoadConfigFile(const std::string& path, Config* config) {
  std::ifstream f(path);
  if (!f) return Status::NotFound("config file " + path + " cannot be read");
  std::stringstream ss;
  ss << f.rdbuf();
  return LoadConfigYaml(ss.str(), config).WithContext(path);
}

bool IsDisabledAddr(std::string_view addr) {
  return addr.empty() || addr == "off" || addr == "none" || addr == "false" || addr == "disabled";
}

Result<HostPort> ParseHostPort(std::string_view addr) {
  const std::string orig(addr);
  HostPort hp;
  std::string_view port;
  if (!addr.empty() && addr.front() == '[') {
    const auto close = addr.find(']');
    if (close == std::string_view::npos || close + 1 >= addr.size() || addr[close + 1] != ':') {
      return Status::InvalidArgument("invalid listen address \"" + orig + "\" (want [v6]:port)");
    }
    hp.host = std::string(addr.substr(1, close - 1));
    port = addr.substr(close + 2);
  } else {
    const auto colon = addr.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("invalid listen address \"" + orig + "\" (want host:port)");
    }
    hp.host = std::string(addr.substr(0, colon));
    port = addr.substr(colon + 1);
    if (hp.host.find(':') != std::string::npos) {
      return Status::InvalidArgument("invalid listen address \"" + orig + "\" (IPv6 needs [addr]:port)");
    }
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return Status::InvalidArgument("invalid port in listen address \"" + orig + "\"");
  }
  hp.port = static_cast<uint16_t>(value);
  if (hp.host.empty()) hp.host = "127.0.0.1";
  return hp;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "ip6-localhost") return true;
  return host.substr(0, 4) == "127.";
}

Status ValidateConfig(Config* c) {
  if (c->ports != "default" && c->ports != "ephemeral") {
    return Status::InvalidArgument("--ports must be default or ephemeral, got \"" + c->ports + "\"");
  }
  if (!c->auth_token_file.empty()) {
    std::ifstream f(c->auth_token_file);
    if (!f) return Status::NotFound("auth token file " + c->auth_token_file + " cannot be read");
    std::stringstream ss;
    ss << f.rdbuf();
    c->auth_token = Trim(ss.str());
    if (c->auth_token.empty()) {
      return Status::InvalidArgument("auth token file " + c->auth_token_file + " is empty");
    }
  }
  if (IsDisabledAddr(c->listen.http)) {
    return Status::InvalidArgument("the main HTTP listener cannot be disabled");
  }
  const std::pair<const char*, const std::string*> addrs[] = {
      {"http", &c->listen.http},           {"loki", &c->listen.loki},
      {"prometheus", &c->listen.prometheus}, {"tempo", &c->listen.tempo},
      {"otlp_grpc", &c->listen.otlp_grpc}, {"otlp_http", &c->listen.otlp_http}};
  for (const auto& [name, addr] : addrs) {
    if (IsDisabledAddr(*addr)) continue;
    auto hp = ParseHostPort(*addr);
    if (!hp.ok()) return hp.status().WithContext(std::string("listen.") + name);
    if (!IsLoopbackHost(hp->host) && c->auth_token.empty() && !c->insecure_no_auth) {
      return Status::InvalidArgument(
          std::string("refusing to listen on ") + *addr + " (" + name +
          ") without authentication: loupe binds to loopback only unless --auth-token (or "
          "--auth-token-file) is set, or --insecure-no-auth is given explicitly");
    }
  }
  if (c->request_timeout_ns <= 0) return Status::InvalidArgument("request timeout must be positive");
  if (c->idle_timeout_ns <= 0) return Status::InvalidArgument("idle timeout must be positive");
  if (c->max_body_bytes == 0) return Status::InvalidArgument("max body size must be positive");
  if (!c->scrape_yaml.empty()) {
    auto scrape = ingest::prom::ParseScrapeConfigs(c->scrape_yaml);
    if (!scrape.ok()) return scrape.status();
  }
  if (c->metrics.retention_ns < 0 || c->metrics.out_of_order_window_ns < 0) {
    return Status::InvalidArgument("metrics retention and out-of-order window must not be negative");
  }
  if (c->traces.retention_ns < 0) return Status::InvalidArgument("traces retention must not be negative");
  if (c->logs.retention_ns < 0 || c->logs.delete_request_cancel_period_ns < 0) {
    return Status::InvalidArgument("logs retention and delete request cancel period must not be negative");
  }
  return Status::OK();
}

}  // namespace loupe::appliance
