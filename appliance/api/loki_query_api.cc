#include "appliance/api/loki_query_api.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "appliance/api/errors.h"
#include "appliance/api/loki_json.h"
#include "appliance/api/loki_query_internal.h"
#include "appliance/api/params.h"
#include "query/common/go_format.h"
#include "storage/base/units.h"

namespace loupe::appliance::api {

using http::ApiFamily;
using http::Method;
using http::Request;
using http::Response;
namespace ql = query::logql;

namespace lokiq {

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

Status GoSyntaxError(std::string_view func, std::string_view value) {
  return Status::InvalidArgument("strconv." + std::string(func) + ": parsing " +
                                 query::GoQuote(value) + ": invalid syntax");
}

// strconv.ParseInt(value, 10, 64) with Go's error texts.
Result<int64_t> GoParseInt64(std::string_view func, std::string_view value) {
  if (value.empty()) return GoSyntaxError(func, value);
  size_t i = (value[0] == '+' || value[0] == '-') ? 1 : 0;
  if (i == value.size()) return GoSyntaxError(func, value);
  for (size_t j = i; j < value.size(); ++j) {
    if (value[j] < '0' || value[j] > '9') return GoSyntaxError(func, value);
  }
  int64_t v = 0;
  const char* b = value.data() + (value[0] == '+' ? 1 : 0);
  auto [p, ec] = std::from_chars(b, value.data() + value.size(), v);
  if (ec == std::errc::result_out_of_range) {
    return Status::InvalidArgument("strconv." + std::string(func) + ": parsing " +
                                   query::GoQuote(value) + ": value out of range");
  }
  if (ec != std::errc() || p != value.data() + value.size()) return GoSyntaxError(func, value);
  return v;
}

}  // namespace

Result<int64_t> ParseGoInt(std::string_view value) { return GoParseInt64("Atoi", value); }

Result<int64_t> ParseLokiTimestamp(std::string_view value) {
  if (auto t = ParseRfc3339Nanos(value); t.ok()) return *t;
  if (value.find('.') != std::string_view::npos) {
    const std::string s(value);
    char* end = nullptr;
    const double f = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() ||
        std::isspace(static_cast<unsigned char>(s[0]))) {
      return GoSyntaxError("ParseFloat", value);
    }
    if (std::isnan(f) || std::isinf(f)) {
      return Status::InvalidArgument("floating point timestamp is NaN or Inf");
    }
    double high;
    double low = std::modf(f, &high);
    if (high > 9.2e18 || high < -9.2e18) {
      return Status::InvalidArgument("floating point timestamp exceeds integer range");
    }
    if (high <= 1e10) {
      low = std::round(low * 1000) / 1000;
      return static_cast<int64_t>(high) * 1'000'000'000 + static_cast<int64_t>(low * 1e9);
    }
    return static_cast<int64_t>(high);
  }
  LOUPE_ASSIGN_OR_RETURN(int64_t v, GoParseInt64("ParseInt", value));
  if (v <= 10'000'000'000LL) {
    if (v > INT64_MAX / 1'000'000'000 || v < INT64_MIN / 1'000'000'000) return v;
    return v * 1'000'000'000;
  }
  return v;
}

Result<Bounds> ParseBounds(const Request& r, int64_t default_since_ns) {
  const int64_t now = NowNanos();
  int64_t since = default_since_ns;
  if (const auto* s = r.params.Get("since"); s && !s->empty()) {
    auto d = ParseDurationNanos(*s);
    if (!d.ok()) {
      return Status::InvalidArgument(
          "could not parse 'since' parameter: not a valid duration string: " + query::GoQuote(*s));
    }
    since = *d;
  }
  Bounds b;
  b.end_ns = now;
  if (const auto* e = r.params.Get("end"); e && !e->empty()) {
    auto t = ParseLokiTimestamp(*e);
    if (!t.ok())
      return Status::InvalidArgument("could not parse 'end' parameter: " + t.status().message());
    b.end_ns = *t;
  }
  const int64_t end_or_now = std::min(b.end_ns, now);
  b.start_ns = end_or_now - since;
  if (const auto* s = r.params.Get("start"); s && !s->empty()) {
    auto t = ParseLokiTimestamp(*s);
    if (!t.ok())
      return Status::InvalidArgument("could not parse 'start' parameter: " + t.status().message());
    b.start_ns = *t;
  }
  return b;
}

Result<uint32_t> ParseLimit(const Request& r, std::string_view name, int64_t fallback) {
  int64_t v = fallback;
  if (const auto* s = r.params.Get(name); s && !s->empty()) {
    LOUPE_ASSIGN_OR_RETURN(v, ParseGoInt(*s));
  }
  if (v <= 0) return Status::InvalidArgument("limit must be a positive value");
  return static_cast<uint32_t>(std::min<int64_t>(v, UINT32_MAX));
}

Result<ql::Direction> ParseDirection(const Request& r) {
  const auto* d = r.params.Get("direction");
  if (!d || d->empty()) return ql::Direction::kBackward;
  std::string up = *d;
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (up == "FORWARD") return ql::Direction::kForward;
  if (up == "BACKWARD") return ql::Direction::kBackward;
  return Status::InvalidArgument("invalid direction '" + *d + "'");
}

int64_t DefaultStepNanos(const Bounds& b) {
  const double secs = static_cast<double>(b.end_ns - b.start_ns) / 1e9;
  return static_cast<int64_t>(std::max(std::floor(secs / 250), 1.0)) * 1'000'000'000;
}

Result<int64_t> ParseSecondsOrDuration(const std::string& v) {
  char* end = nullptr;
  const double f = std::strtod(v.c_str(), &end);
  if (!v.empty() && end == v.c_str() + v.size() &&
      !std::isspace(static_cast<unsigned char>(v[0]))) {
    const double ns = f * 1e9;
    if (!(ns <= 9.2e18 && ns >= -9.2e18)) {
      return Status::InvalidArgument("cannot parse " + query::GoQuote(v) +
                                     " to a valid duration. It overflows int64");
    }
    return static_cast<int64_t>(ns);
  }
  auto d = ParseDurationNanos(v);
  if (!d.ok())
    return Status::InvalidArgument("cannot parse " + query::GoQuote(v) + " to a valid duration");
  return *d;
}

Result<int64_t> ParseStep(const Request& r, const Bounds& b) {
  const auto* s = r.params.Get("step");
  if (!s || s->empty()) return DefaultStepNanos(b);
  return ParseSecondsOrDuration(*s);
}

bool CategorizeLabels(const Request& r) {
  for (const auto& [k, v] : r.headers) {
    if (k != "x-loki-response-encoding-flags") continue;
    size_t p = 0;
    while (p <= v.size()) {
      size_t c = v.find(',', p);
      if (c == std::string::npos) c = v.size();
      std::string_view f(v.data() + p, c - p);
      while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
      while (!f.empty() && f.back() == ' ') f.remove_suffix(1);
      if (f == "categorize-labels") return true;
      p = c + 1;
    }
  }
  return false;
}

std::chrono::steady_clock::time_point QueryDeadline(const Request& r, const Shared& s) {
  auto d = std::chrono::steady_clock::now() + std::chrono::nanoseconds(s.options.query_timeout_ns);
  return std::min(d, r.deadline);
}

Response LokiQueryError(const Status& s, const Request& r) {
  return ErrorResponse(ApiFamily::kLoki, s, &r);
}

}  // namespace lokiq

namespace {

using lokiq::Shared;

struct Parsed {
  ql::QueryParams params;
  bool categorize = false;
};

Result<Parsed> ParseInstant(const Request& r) {
  Parsed p;
  p.params.query = r.params.GetOr("query", "");
  LOUPE_ASSIGN_OR_RETURN(p.params.limit, lokiq::ParseLimit(r, "limit", 100));
  p.params.end_ns = lokiq::NowNanos();
  if (const auto* t = r.params.Get("time"); t && !t->empty()) {
    LOUPE_ASSIGN_OR_RETURN(p.params.end_ns, lokiq::ParseLokiTimestamp(*t));
  }
  p.params.start_ns = p.params.end_ns;
  LOUPE_ASSIGN_OR_RETURN(p.params.direction, lokiq::ParseDirection(r));
  p.params.instant = true;
  return p;
}

Result<Parsed> ParseRange(const Request& r) {
  Parsed p;
  p.params.query = r.params.GetOr("query", "");
  LOUPE_ASSIGN_OR_RETURN(lokiq::Bounds b, lokiq::ParseBounds(r));
  if (b.end_ns < b.start_ns) {
    return Status::InvalidArgument("end timestamp must not be before or equal to start time");
  }
  LOUPE_ASSIGN_OR_RETURN(p.params.limit, lokiq::ParseLimit(r, "limit", 100));
  LOUPE_ASSIGN_OR_RETURN(p.params.direction, lokiq::ParseDirection(r));
  LOUPE_ASSIGN_OR_RETURN(p.params.step_ns, lokiq::ParseStep(r, b));
  if (p.params.step_ns <= 0) {
    return Status::InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  if ((b.end_ns - b.start_ns) / p.params.step_ns > 11000) {
    return Status::InvalidArgument(
        "exceeded maximum resolution of 11,000 points per time series. Try increasing the value "
        "of the step parameter");
  }
  if (const auto* i = r.params.Get("interval"); i && !i->empty()) {
    LOUPE_ASSIGN_OR_RETURN(p.params.interval_ns, lokiq::ParseSecondsOrDuration(*i));
    if (p.params.interval_ns < 0) return Status::InvalidArgument("interval must be >= 0");
  }
  p.params.start_ns = b.start_ns;
  p.params.end_ns = b.end_ns;
  return p;
}

}  // namespace

void RegisterLokiQueryApi(http::Router& router, storage::logstore::LogStore& store,
                          selfmon::Registry& metrics, LokiQueryOptions options) {
  std::shared_ptr<DeleteRequests> deletes = options.delete_requests;
  if (!deletes) {
    deletes = std::make_shared<DeleteRequests>(options.delete_requests_path);
    if (Status s = deletes->Load(); !s.ok()) {
      spdlog::error("loki delete requests not loaded: {}", s.message());
    }
  }
  auto shared = std::make_shared<Shared>(store, options, deletes);
  auto& queries = metrics.CounterFamily("loupe_logql_queries_total",
                                        "LogQL queries answered, by kind and HTTP status code.",
                                        {"kind", "code"});
  auto& seconds = metrics.HistogramFamily("loupe_logql_query_duration_seconds",
                                          "LogQL query evaluation time, by kind.", {"kind"},
                                          {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60});
  const http::RouteOptions loki{ApiFamily::kLoki};

  auto run = [shared, &queries, &seconds](Request& r, bool instant) {
    const auto t0 = std::chrono::steady_clock::now();
    const char* kind = instant ? "instant" : "range";
    auto finish = [&](Response resp) {
      queries.With({kind, std::to_string(resp.status)}).Inc();
      seconds.With({kind}).Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      return resp;
    };
    auto parsed = instant ? ParseInstant(r) : ParseRange(r);
    if (!parsed.ok()) return finish(lokiq::LokiQueryError(parsed.status(), r));
    ql::QueryParams& p = parsed->params;
    p.tenant = r.Tenant();
    p.categorize_labels = lokiq::CategorizeLabels(r);
    p.deadline = lokiq::QueryDeadline(r, *shared);
    ql::Engine engine(&shared->source, shared->EngineOpts());
    auto result = engine.Exec(p);
    if (!result.ok()) return finish(lokiq::LokiQueryError(result.status(), r));
    if (result->type != ql::ResultType::kStreams) {
      result->stats.entries_returned = result->series.size();
    }
    return finish(Response::Json(200, LokiQueryResponseJson(*result, p.categorize_labels)));
  };
  router.Handle(
      {Method::kGet, Method::kPost}, "/loki/api/v1/query",
      [run](Request& r) { return run(r, true); }, loki);
  router.Handle(
      {Method::kGet, Method::kPost}, "/loki/api/v1/query_range",
      [run](Request& r) { return run(r, false); }, loki);

  lokiq::RegisterTail(router, shared, metrics);
  lokiq::RegisterDetected(router, shared);
  RegisterLokiDeleteApi(router, deletes);
}

}  // namespace loupe::appliance::api
