// JsonLogGenerator: deterministic, realistic JSON service-log lines for tests and benchmarks
// (compression ratio, scan speed, ingest rate). Header-only; not used by the store itself.
//
// The mix imitates a small microservice fleet's structured request logs: RFC 3339 timestamps
// that follow the entry time, a skewed level distribution, a few dozen message templates, HTTP
// method/route/status/latency fields with ids drawn from bounded pools (users, orders), and a
// random 128-bit trace id on request lines (`trace_id_ratio` of them). The random hex ids are
// the least compressible part of a line, so the ratio is reported with them in.
// Lines average about 200 bytes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace loupe::storage::logstore {

class JsonLogGenerator {
 public:
  explicit JsonLogGenerator(uint64_t seed = 1, double trace_id_ratio = 0.7)
      : state_(seed * 0x9E3779B97F4A7C15ull + 1), trace_id_ratio_(trace_id_ratio) {}

  // Returns a line for an entry at `ts_ns` (Unix nanoseconds). The view's storage is reused by
  // the next call.
  const std::string& Next(int64_t ts_ns) {
    static constexpr const char* kServices[] = {"checkout", "payments", "cart",
                                                "auth",     "search",   "inventory"};
    static constexpr const char* kMethods[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
    static constexpr const char* kRoutes[] = {"/api/v1/orders/",   "/api/v1/carts/",
                                              "/api/v1/users/",    "/api/v2/search?q=item",
                                              "/api/v1/payments/", "/healthz"};
    static constexpr const char* kMessages[] = {
        "request completed",           "request completed",         "request completed",
        "cache miss, loading from db", "upstream call finished",    "retrying upstream call",
        "user session refreshed",      "payment authorized",        "inventory reserved",
        "slow query detected",         "connection pool exhausted", "token validated",
        "order state changed",         "rate limit close to quota", "failed to parse request body",
        "circuit breaker half-open"};
    const uint64_t r = Rand();
    const char* level = (r % 100) < 80   ? "info"
                        : (r % 100) < 92 ? "debug"
                        : (r % 100) < 98 ? "warn"
                                         : "error";
    const char* service = kServices[(r >> 8) % 6];
    const char* method = kMethods[(r >> 12) % 6];
    const size_t route = (r >> 16) % 6;
    const char* msg = kMessages[(r >> 20) % 16];
    const int status = (r >> 24) % 50 == 0 ? 500 : (r >> 30) % 20 == 0 ? 404 : 200;
    const uint64_t id = (r >> 32) % 50000;
    const uint64_t user = Rand() % 10000;
    const double duration = static_cast<double>(Rand() % 250000) / 1000.0;

    line_.clear();
    char buf[256];
    const int64_t secs = ts_ns / 1000000000;
    const int64_t nanos = ts_ns % 1000000000;
    FormatTime(secs, buf);
    line_ += "{\"ts\":\"";
    line_ += buf;
    std::snprintf(buf, sizeof(buf), ".%06lldZ\",\"level\":\"",
                  static_cast<long long>(nanos / 1000));
    line_ += buf;
    line_ += level;
    line_ += "\",\"service\":\"";
    line_ += service;
    line_ += "\",\"msg\":\"";
    line_ += msg;
    line_ += "\",\"method\":\"";
    line_ += method;
    line_ += "\",\"path\":\"";
    line_ += kRoutes[route];
    if (route != 3 && route != 5) line_ += std::to_string(id);
    std::snprintf(buf, sizeof(buf), "\",\"status\":%d,\"duration_ms\":%.3f,\"user_id\":%llu",
                  status, duration, static_cast<unsigned long long>(user));
    line_ += buf;
    if (static_cast<double>(Rand() % 1000) < trace_id_ratio_ * 1000) {
      std::snprintf(buf, sizeof(buf), ",\"trace_id\":\"%016llx%016llx\"",
                    static_cast<unsigned long long>(Rand()),
                    static_cast<unsigned long long>(Rand()));
      line_ += buf;
    }
    line_ += '}';
    return line_;
  }

  uint64_t Rand() {
    // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  // "YYYY-MM-DDTHH:MM:SS" for Unix seconds (civil-from-days, proleptic Gregorian).
  static void FormatTime(int64_t secs, char* out) {
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    if (rem < 0) {
      rem += 86400;
      --days;
    }
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const int64_t doe = days - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = yoe + era * 400 + (m <= 2);
    std::snprintf(out, 64, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", static_cast<long long>(y),
                  static_cast<long long>(m), static_cast<long long>(d),
                  static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                  static_cast<long long>(rem % 60));
  }

  uint64_t state_;
  double trace_id_ratio_;
  std::string line_;
};

}  // namespace loupe::storage::logstore
