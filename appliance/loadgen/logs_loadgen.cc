#include "appliance/loadgen/logs_loadgen.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "appliance/http/client.h"
#include "storage/base/clock.h"
#include "storage/base/coding.h"
#include "storage/base/compression.h"

namespace loupe::appliance::loadgen {
namespace {

void PutTag(std::string* out, uint32_t field, uint32_t wire) { PutVarint64(out, (field << 3) | wire); }
void PutLen(std::string* out, uint32_t field, std::string_view bytes) {
  PutTag(out, field, 2);
  PutLengthPrefixed(out, bytes);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9e3779b97f4a7c15ull + 0x1234567) {}
  uint64_t Next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545f4914f6cdd1dull;
  }
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(Next() % n); }

 private:
  uint64_t s_;
};

constexpr const char* kServices[] = {"checkout", "cart", "payments", "search", "frontend",
                                     "inventory", "shipping", "auth", "email", "recommendations"};
constexpr const char* kMethods[] = {"GET", "GET", "GET", "POST", "POST", "PUT", "DELETE"};
constexpr const char* kPaths[] = {"/api/v1/orders", "/api/v1/cart/items", "/api/v1/products",
                                  "/healthz", "/api/v1/users/session", "/api/v1/payments/charge",
                                  "/api/v1/search", "/api/v1/shipping/quote"};
constexpr const char* kMessages[] = {"request completed", "request completed", "request completed",
                                     "cache miss, loading from database", "retrying upstream call",
                                     "slow query detected", "user session refreshed",
                                     "payment authorised", "item out of stock"};
constexpr const char* kLevels[] = {"info", "info", "info", "info", "info", "debug", "debug", "warn", "error"};

struct Stream {
  std::string labels;   // selector syntax, for Loki push
  std::string service;
  std::string instance;
  std::string trace;    // the trace id of the request being logged
  int trace_left = 0;   // lines of that request still to come
};

// One rendered line: realistic fields in the chosen format, padded with a free-text field to
// about `target` bytes.
// `trace_hex` empty: a line without a trace id.
void RenderLine(Rng& rng, const Stream& s, LineFormat format, int target, const std::string& trace_hex,
                int64_t ts_ns, std::string* line, std::string* level) {
  const bool with_trace = !trace_hex.empty();
  char tsbuf[96];
  const int64_t secs = ts_ns / 1'000'000'000;
  const int ms = static_cast<int>(ts_ns / 1'000'000 % 1000);
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::snprintf(tsbuf, sizeof(tsbuf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  *level = kLevels[rng.Below(std::size(kLevels))];
  const char* method = kMethods[rng.Below(std::size(kMethods))];
  const char* path = kPaths[rng.Below(std::size(kPaths))];
  const char* msg = kMessages[rng.Below(std::size(kMessages))];
  const int status = *level == "error" ? 500 + static_cast<int>(rng.Below(4)) : (rng.Below(20) == 0 ? 404 : 200);
  const double duration = static_cast<double>(rng.Below(250000)) / 1000.0;
  char buf[512];
  int n;
  if (format == LineFormat::kJson) {
    n = std::snprintf(buf, sizeof(buf),
                      R"({"ts":"%s","level":"%s","service":"%s","msg":"%s","method":"%s","path":"%s/%u","status":%d,"duration_ms":%.3f,"user_id":"u-%u")",
                      tsbuf, level->c_str(), s.service.c_str(), msg, method, path, rng.Below(100000), status,
                      duration, rng.Below(50000));
  } else {
    n = std::snprintf(buf, sizeof(buf),
                      R"(ts=%s level=%s service=%s msg="%s" method=%s path=%s/%u status=%d duration_ms=%.3f user_id=u-%u)",
                      tsbuf, level->c_str(), s.service.c_str(), msg, method, path, rng.Below(100000), status,
                      duration, rng.Below(50000));
  }
  line->assign(buf, static_cast<size_t>(std::max(0, std::min(n, static_cast<int>(sizeof(buf)) - 1))));
  if (with_trace) {
    *line += format == LineFormat::kJson ? ",\"trace_id\":\"" : " trace_id=";
    *line += trace_hex;
    if (format == LineFormat::kJson) *line += '"';
  }
  // Pad with words so the size is as asked; words repeat as real messages do.
  static constexpr const char* kWords[] = {"upstream", "latency", "connection", "pool", "timeout", "handler",
                                           "tenant", "region", "eu-west-1", "replica", "shard", "warm"};
  std::string pad;
  while (static_cast<int>(line->size() + pad.size()) + 12 < target) {
    if (!pad.empty()) pad += ' ';
    pad += kWords[rng.Below(std::size(kWords))];
  }
  if (!pad.empty()) {
    if (format == LineFormat::kJson) {
      *line += ",\"detail\":\"" + pad + "\"";
    } else {
      *line += " detail=\"" + pad + "\"";
    }
  }
  if (format == LineFormat::kJson) *line += '}';
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

struct Target {
  std::string hostport;
  std::string path;
};

Result<Target> ParseTarget(const std::string& url) {
  std::string_view u = url;
  if (u.substr(0, 7) != "http://") return Status::InvalidArgument("target must be an http:// URL, got " + url);
  u.remove_prefix(7);
  const auto slash = u.find('/');
  Target t;
  t.hostport = std::string(u.substr(0, slash));
  t.path = slash == std::string_view::npos ? "/" : std::string(u.substr(slash));
  if (t.hostport.find(':') == std::string::npos) t.hostport += ":80";
  return t;
}

// Builds one request body for `lines` lines spread over the worker's streams.
class RequestBuilder {
 public:
  RequestBuilder(const LogsLoadgenOptions& o, std::vector<Stream> streams, uint64_t seed)
      : o_(o), streams_(std::move(streams)), rng_(seed) {}

  // Returns the encoded body; `raw_bytes` gets the sum of line lengths.
  std::string Build(int lines, uint64_t* raw_bytes) {
    const int64_t now = Clock::Real().NowNanos();
    if (now <= last_ts_) {
      ts_ = last_ts_ + 1;
    } else {
      ts_ = now;
    }
    const int per_stream = std::max(1, lines / static_cast<int>(streams_.size()));
    std::string body;
    *raw_bytes = 0;
    int left = lines;
    std::string line, trace, level;
    if (o_.wire == LogsWire::kLokiJson) body = "{\"streams\":[";
    std::string resource_logs;
    bool first_stream = true;
    while (left > 0) {
      Stream& s = streams_[next_stream_];
      next_stream_ = (next_stream_ + 1) % streams_.size();
      const int n = std::min(left, per_stream);
      left -= n;
      std::string stream_msg, records;
      if (o_.wire == LogsWire::kLokiJson) {
        if (!first_stream) body += ',';
        body += "{\"stream\":{\"service\":\"" + s.service + "\",\"instance\":\"" + s.instance +
                "\",\"env\":\"dev\",\"job\":\"loadgen\"},\"values\":[";
      } else if (o_.wire == LogsWire::kLokiProtobuf) {
        PutLen(&stream_msg, 1, s.labels);
      }
      first_stream = false;
      for (int i = 0; i < n; ++i) {
        const int64_t ts = ts_++;
        const bool with_trace = rng_.Below(1000) < static_cast<uint32_t>(o_.trace_fraction * 1000);
        trace.clear();
        if (with_trace) {
          // A request logs several lines under one trace id: a new id starts a request of
          // 1 to 2m-1 lines (m = lines_per_trace on average).
          if (s.trace_left <= 0) {
            static constexpr char kHex[] = "0123456789abcdef";
            s.trace.clear();
            for (int k = 0; k < 32; ++k) s.trace.push_back(kHex[rng_.Below(16)]);
            const int m = std::max(1, o_.lines_per_trace);
            s.trace_left = 1 + static_cast<int>(rng_.Below(static_cast<uint32_t>(2 * m - 1)));
          }
          --s.trace_left;
          trace = s.trace;
        }
        RenderLine(rng_, s, o_.format, o_.line_bytes, trace, ts, &line, &level);
        *raw_bytes += line.size();
        switch (o_.wire) {
          case LogsWire::kLokiJson: {
            if (i) body += ',';
            body += "[\"" + std::to_string(ts) + "\",";
            AppendJsonString(&body, line);
            if (with_trace) body += ",{\"trace_id\":\"" + trace + "\"}";
            body += ']';
            break;
          }
          case LogsWire::kLokiProtobuf: {
            std::string entry, tsmsg;
            PutTag(&tsmsg, 1, 0);
            PutVarint64(&tsmsg, static_cast<uint64_t>(ts / 1'000'000'000));
            PutTag(&tsmsg, 2, 0);
            PutVarint64(&tsmsg, static_cast<uint64_t>(ts % 1'000'000'000));
            PutLen(&entry, 1, tsmsg);
            PutLen(&entry, 2, line);
            if (with_trace) {
              std::string md;
              PutLen(&md, 1, "trace_id");
              PutLen(&md, 2, trace);
              PutLen(&entry, 3, md);
            }
            PutLen(&stream_msg, 2, entry);
            break;
          }
          case LogsWire::kOtlpProtobuf: {
            std::string rec, any;
            PutTag(&rec, 1, 1);
            PutFixed64(&rec, static_cast<uint64_t>(ts));
            PutLen(&rec, 3, level);
            PutLen(&any, 1, line);
            PutLen(&rec, 5, any);
            if (with_trace) {
              std::string bin;
              for (size_t k = 0; k < 32; k += 2) {
                auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
                bin.push_back(static_cast<char>((nib(trace[k]) << 4) | nib(trace[k + 1])));
              }
              PutLen(&rec, 9, bin);
            }
            PutLen(&records, 2, rec);
            break;
          }
        }
      }
      if (o_.wire == LogsWire::kLokiJson) {
        body += "]}";
      } else if (o_.wire == LogsWire::kLokiProtobuf) {
        PutLen(&body, 1, stream_msg);
      } else {
        // ResourceLogs { resource { attributes service.name, service.instance.id }, scope_logs }
        std::string resource, rl;
        auto attr = [&](std::string_view k, std::string_view v) {
          std::string kv, any;
          PutLen(&kv, 1, k);
          PutLen(&any, 1, v);
          PutLen(&kv, 2, any);
          PutLen(&resource, 1, kv);
        };
        attr("service.name", s.service);
        attr("service.instance.id", s.instance);
        attr("deployment.environment", "dev");
        PutLen(&rl, 1, resource);
        PutLen(&rl, 2, records);  // ScopeLogs without a scope: just its log_records
        PutLen(&resource_logs, 1, rl);
      }
    }
    last_ts_ = ts_;
    if (o_.wire == LogsWire::kLokiJson) {
      body += "]}";
      return body;
    }
    if (o_.wire == LogsWire::kOtlpProtobuf) return resource_logs;
    std::string packed;
    (void)Compress(Codec::kSnappy, body, &packed);
    return packed;
  }

 private:
  const LogsLoadgenOptions& o_;
  std::vector<Stream> streams_;
  Rng rng_;
  size_t next_stream_ = 0;
  int64_t ts_ = 0, last_ts_ = 0;
};

}  // namespace

Result<LogsLoadgenReport> RunLogsLoadgen(const LogsLoadgenOptions& o) {
  if (o.streams <= 0 || o.batch_lines <= 0 || o.concurrency <= 0 || o.line_bytes <= 0) {
    return Status::InvalidArgument("streams, batch, concurrency and line size must be positive");
  }
  if (o.lines == 0 && o.duration_s <= 0) return Status::InvalidArgument("give --lines or a positive --duration");
  LOUPE_ASSIGN_OR_RETURN(const Target target, ParseTarget(o.target));
  const int workers = std::min(o.concurrency, o.streams);

  LogsLoadgenReport report;
  std::atomic<uint64_t> lines{0}, bytes{0}, requests{0}, failed{0}, budget{o.lines};
  std::mutex err_mu;
  const auto start = std::chrono::steady_clock::now();
  const auto stop_at = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(o.duration_s));
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      std::vector<Stream> mine;
      for (int i = w; i < o.streams; i += workers) {
        Stream s;
        s.service = kServices[i % std::size(kServices)];
        s.instance = "host-" + std::to_string(i);
        s.labels = "{env=\"dev\", instance=\"" + s.instance + "\", job=\"loadgen\", service=\"" + s.service + "\"}";
        mine.push_back(std::move(s));
      }
      RequestBuilder builder(o, std::move(mine), static_cast<uint64_t>(w) + 1);
      http::HttpClient client(target.hostport);
      std::vector<std::pair<std::string, std::string>> headers;
      switch (o.wire) {
        case LogsWire::kLokiProtobuf:
          headers = {{"Content-Type", "application/x-protobuf"}};
          break;
        case LogsWire::kLokiJson:
          headers = {{"Content-Type", "application/json"}};
          break;
        case LogsWire::kOtlpProtobuf:
          headers = {{"Content-Type", "application/x-protobuf"}};
          break;
      }
      if (!o.tenant.empty()) headers.emplace_back("X-Scope-OrgID", o.tenant);
      while (true) {
        int n = o.batch_lines;
        if (o.lines > 0) {
          uint64_t left = budget.load();
          do {
            if (left == 0) break;
            n = static_cast<int>(std::min<uint64_t>(left, static_cast<uint64_t>(o.batch_lines)));
          } while (!budget.compare_exchange_weak(left, left - n));
          if (left == 0) break;
        } else if (std::chrono::steady_clock::now() >= stop_at) {
          break;
        }
        uint64_t raw = 0;
        const std::string body = builder.Build(n, &raw);
        auto resp = client.Request("POST", target.path, headers, body);
        requests++;
        if (resp.status / 100 != 2) {
          failed++;
          std::lock_guard lock(err_mu);
          if (report.first_error.empty()) report.first_error = std::to_string(resp.status) + " " + resp.body;
        } else {
          lines += static_cast<uint64_t>(n);
          bytes += raw;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.lines = lines;
  report.bytes = bytes;
  report.requests = requests;
  report.failed_requests = failed;
  return report;
}

}  // namespace loupe::appliance::loadgen
