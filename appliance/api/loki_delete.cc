#include "appliance/api/loki_delete.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "appliance/api/errors.h"
#include "appliance/api/params.h"
#include "query/common/go_format.h"
#include "query/logql/log/labels_builder.h"
#include "query/logql/log/pipeline.h"
#include "query/logql/syntax/go_compat.h"
#include "query/logql/syntax/parser.h"
#include "storage/base/units.h"

namespace loupe::appliance::api {

namespace ql = query::logql;
using http::Method;
using http::Request;
using http::Response;
using storage::model::Label;

namespace {

constexpr int64_t kMs = 1'000'000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// model.Time's JSON: seconds, shortest decimal form of the millisecond value.
std::string ModelTime(int64_t ms) { return query::FormatFloatF(static_cast<double>(ms) / 1000.0); }

Result<std::shared_ptr<const DeleteRequests::Compiled>> Compile(DeleteRequest r) {
  LOUPE_ASSIGN_OR_RETURN(ql::ExprPtr e, DeleteRequests::ParseQuery(r.query));
  std::shared_ptr<ql::Expr> expr(std::move(e));
  auto c = std::make_shared<DeleteRequests::Compiled>();
  c->request = std::move(r);
  c->selector =
      std::shared_ptr<const ql::LogSelector>(expr, &std::get<ql::LogSelector>(expr->node));
  return std::shared_ptr<const DeleteRequests::Compiled>(std::move(c));
}

bool SelectorMatches(const ql::LogSelector& sel, const std::vector<Label>& labels) {
  for (const auto& m : sel.matchers) {
    std::string_view v;
    for (const auto& l : labels) {
      if (l.name == m.name()) {
        v = l.value;
        break;
      }
    }
    if (!m.Matches(v)) return false;
  }
  return true;
}

// Hides the entries of one stream that a deletion request removes.
class FilteredStream : public ql::EntryStream {
 public:
  struct Rule {
    int64_t start_ns, end_ns;  // both inclusive
    std::unique_ptr<ql::Pipeline> pipeline;
  };
  FilteredStream(std::unique_ptr<ql::EntryStream> inner, std::vector<Label> labels,
                 std::vector<Rule> rules)
      : inner_(std::move(inner)), labels_(std::move(labels)), rules_(std::move(rules)) {}

  bool Next() override {
    while (inner_->Next()) {
      if (!Deleted()) return true;
    }
    return false;
  }
  int64_t ts() const override { return inner_->ts(); }
  std::string_view line() const override { return inner_->line(); }
  const std::vector<storage::model::LabelRef>& metadata() const override {
    return inner_->metadata();
  }
  Status status() const override { return inner_->status(); }

 private:
  bool Deleted() {
    const int64_t ts = inner_->ts();
    for (Rule& r : rules_) {
      if (ts < r.start_ns || ts > r.end_ns) continue;
      if (r.pipeline->empty()) return true;
      lbs_.SetBase(&labels_);
      lbs_.Reset();
      for (const auto& m : inner_->metadata())
        lbs_.Add(ql::LabelCategory::kMetadata, m.name, m.value);
      std::string_view line = inner_->line();
      if (r.pipeline->Process(ts, &line, &lbs_)) return true;
    }
    return false;
  }

  std::unique_ptr<ql::EntryStream> inner_;
  std::vector<Label> labels_;
  std::vector<Rule> rules_;
  ql::LabelsBuilder lbs_;
};

}  // namespace

DeleteRequests::DeleteRequests(std::string path) : path_(std::move(path)) {}

Result<ql::ExprPtr> DeleteRequests::ParseQuery(std::string_view query) {
  auto e = ql::ParseExpr(query);
  if (!e.ok()) return Status::InvalidArgument("invalid query expression: " + e.status().message());
  if (!(*e)->IsLogQuery()) {
    return Status::InvalidArgument(
        "invalid query expression: parse error : only log selector is supported");
  }
  // Stages that only fail when built (regexes, ip(), templates) are rejected now.
  auto p = ql::Pipeline::Create(std::get<ql::LogSelector>((*e)->node), ql::HintRequest{}, nullptr);
  if (!p.ok()) return Status::InvalidArgument("invalid query expression: " + p.status().message());
  return std::move(*e);
}

Status DeleteRequests::Load() {
  if (path_.empty()) return Status::OK();
  std::ifstream in(path_);
  if (!in) return Status::OK();
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_array()) return Status::Corruption("unreadable " + path_);
  std::vector<std::shared_ptr<const Compiled>> loaded;
  for (const auto& o : j) {
    if (!o.is_object()) return Status::Corruption("unreadable " + path_);
    DeleteRequest r;
    r.request_id = o.value("request_id", "");
    r.tenant = o.value("tenant", "");
    r.query = o.value("query", "");
    r.start_ms = o.value("start_ms", int64_t{0});
    r.end_ms = o.value("end_ms", int64_t{0});
    r.created_ms = o.value("created_ms", int64_t{0});
    r.status = o.value("status", "received");
    auto c = Compile(std::move(r));
    if (!c.ok()) {
      spdlog::warn("delete requests: skipping a stored request: {}", c.status().message());
      continue;
    }
    loaded.push_back(std::move(*c));
  }
  std::lock_guard lock(mu_);
  requests_ = std::move(loaded);
  return Status::OK();
}

Status DeleteRequests::SaveLocked() const {
  if (path_.empty()) return Status::OK();
  nlohmann::json j = nlohmann::json::array();
  for (const auto& c : requests_) {
    const DeleteRequest& r = c->request;
    j.push_back({{"request_id", r.request_id},
                 {"tenant", r.tenant},
                 {"query", r.query},
                 {"start_ms", r.start_ms},
                 {"end_ms", r.end_ms},
                 {"created_ms", r.created_ms},
                 {"status", r.status}});
  }
  const std::string data = j.dump();
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot write " + tmp);
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      return Status::IOError("cannot write " + tmp);
    }
    off += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || std::rename(tmp.c_str(), path_.c_str()) != 0) {
    return Status::IOError("cannot write " + path_);
  }
  return Status::OK();
}

Result<DeleteRequest> DeleteRequests::Add(DeleteRequest r) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mu_);
  for (;;) {
    char id[9];
    std::snprintf(id, sizeof(id), "%08x", static_cast<unsigned>(rng() & 0xffffffffu));
    const bool taken = std::any_of(requests_.begin(), requests_.end(), [&](const auto& c) {
      return c->request.tenant == r.tenant && c->request.request_id == id;
    });
    if (!taken) {
      r.request_id = id;
      break;
    }
  }
  r.created_ms = NowMs();
  LOUPE_ASSIGN_OR_RETURN(auto c, Compile(r));
  requests_.push_back(c);
  if (Status s = SaveLocked(); !s.ok()) {
    requests_.pop_back();
    return s;
  }
  return r;
}

std::vector<DeleteRequest> DeleteRequests::List(std::string_view tenant) const {
  std::vector<DeleteRequest> out;
  std::lock_guard lock(mu_);
  for (const auto& c : requests_) {
    if (c->request.tenant == tenant) out.push_back(c->request);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.created_ms < b.created_ms; });
  return out;
}

Status DeleteRequests::Cancel(std::string_view tenant, std::string_view request_id) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(requests_.begin(), requests_.end(), [&](const auto& c) {
    return c->request.tenant == tenant && c->request.request_id == request_id;
  });
  if (it == requests_.end()) {
    return Status::NotFound("could not find delete request with given id");
  }
  auto removed = *it;
  requests_.erase(it);
  if (Status s = SaveLocked(); !s.ok()) {
    requests_.push_back(std::move(removed));
    return s;
  }
  return Status::OK();
}

bool DeleteRequests::empty() const {
  std::lock_guard lock(mu_);
  return requests_.empty();
}

std::vector<std::shared_ptr<const DeleteRequests::Compiled>> DeleteRequests::Applicable(
    std::string_view tenant, const std::vector<Label>& labels, int64_t start_ns,
    int64_t end_ns) const {
  std::vector<std::shared_ptr<const Compiled>> out;
  std::lock_guard lock(mu_);
  for (const auto& c : requests_) {
    const DeleteRequest& r = c->request;
    if (r.tenant != tenant) continue;
    if (r.end_ms * kMs < start_ns || r.start_ms * kMs >= end_ns) continue;
    if (SelectorMatches(*c->selector, labels)) out.push_back(c);
  }
  return out;
}

Result<std::vector<ql::SourceStream>> DeleteFilterSource::Select(std::string_view tenant,
                                                                 const ql::SelectParams& params) {
  LOUPE_ASSIGN_OR_RETURN(std::vector<ql::SourceStream> streams, inner_->Select(tenant, params));
  if (requests_->empty()) return streams;
  for (ql::SourceStream& s : streams) {
    auto rules = requests_->Applicable(tenant, s.labels, params.start_ns, params.end_ns);
    if (rules.empty()) continue;
    std::vector<FilteredStream::Rule> compiled;
    for (const auto& c : rules) {
      LOUPE_ASSIGN_OR_RETURN(auto p,
                             ql::Pipeline::Create(*c->selector, ql::HintRequest{}, nullptr));
      compiled.push_back({c->request.start_ms * kMs, c->request.end_ms * kMs, std::move(p)});
    }
    s.entries =
        std::make_unique<FilteredStream>(std::move(s.entries), s.labels, std::move(compiled));
  }
  return streams;
}

namespace {

// Loki's deletion parseTime: RFC 3339, or exactly ten digits of Unix seconds; milliseconds.
Result<int64_t> ParseDeleteTime(std::string_view in, int64_t now_ms) {
  if (in.empty()) return now_ms;
  if (auto t = ParseRfc3339Nanos(in); t.ok()) return *t / kMs;
  if (in.size() != 10 ||
      !std::all_of(in.begin(), in.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("bad time");
  }
  return std::stoll(std::string(in)) * 1000;
}

std::string ListJson(const std::vector<DeleteRequest>& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    const DeleteRequest& r = list[i];
    if (i) out += ',';
    nlohmann::json id = r.request_id, q = r.query, st = r.status, user = r.tenant;
    out += "{\"request_id\":" + id.dump() + ",\"start_time\":" + ModelTime(r.start_ms) +
           ",\"end_time\":" + ModelTime(r.end_ms) + ",\"query\":" + q.dump() +
           ",\"status\":" + st.dump() + ",\"created_at\":" + ModelTime(r.created_ms) +
           ",\"user_id\":" + user.dump() + "}";
  }
  out += "]\n";
  return out;
}

Response AddHandler(DeleteRequests& requests, Request& r) {
  auto err = [&](const Status& s) { return ErrorResponse(http::ApiFamily::kLoki, s, &r); };
  const std::string query = r.params.GetOr("query", "");
  if (query.empty()) return err(Status::InvalidArgument("query not set"));
  auto expr = DeleteRequests::ParseQuery(query);
  if (!expr.ok()) return err(expr.status());
  const int64_t now = NowMs();
  const std::string start_param = r.params.GetOr("start", "");
  if (start_param.empty()) return err(Status::InvalidArgument("start time not set"));
  auto start = ParseDeleteTime(start_param, now);
  if (!start.ok()) {
    return err(
        Status::InvalidArgument("invalid start time: require unix seconds or RFC3339 format"));
  }
  auto end = ParseDeleteTime(r.params.GetOr("end", ""), now);
  if (!end.ok()) {
    return err(Status::InvalidArgument("invalid end time: require unix seconds or RFC3339 format"));
  }
  if (*end > now) return err(Status::InvalidArgument("deletes in the future are not allowed"));
  if (*start > *end)
    return err(Status::InvalidArgument("start time can't be greater than end time"));
  // Loki shards requests with filters by max_interval; the shards are listed merged, so only
  // the parameter's validation shows.
  if (!std::get<ql::LogSelector>((*expr)->node).stages.empty()) {
    const int64_t span_ns = (*end - *start) * kMs;
    if (const auto* mi = r.params.Get("max_interval"); mi && !mi->empty()) {
      auto d = ParseDurationNanos(*mi);
      if (!d.ok() || *d < 1'000'000'000) {
        return err(
            Status::InvalidArgument("invalid max_interval: valid time units are 's', 'm', 'h'"));
      }
      if (*d > 24 * 3600 * 1'000'000'000LL) {
        return err(Status::InvalidArgument("max_interval can't be greater than 24h0m0s"));
      }
      if (*d > span_ns) {
        return err(Status::InvalidArgument(
            "max_interval can't be greater than the interval to be deleted (" +
            query::logql::gocompat::FormatGoDuration(span_ns) + ")"));
      }
    } else if (span_ns < 1'000'000'000) {
      return err(Status::InvalidArgument(
          "difference between start time and end time must be at least one second"));
    }
  }
  DeleteRequest d;
  d.tenant = r.Tenant();
  d.query = query;
  d.start_ms = *start;
  d.end_ms = *end;
  auto added = requests.Add(std::move(d));
  if (!added.ok()) return err(added.status());
  spdlog::info("delete request {} for tenant {} added: {}", added->request_id, added->tenant,
               added->query);
  return Response::NoContent();
}

}  // namespace

void RegisterLokiDeleteApi(http::Router& router, std::shared_ptr<DeleteRequests> requests) {
  const http::RouteOptions loki{http::ApiFamily::kLoki};
  router.Handle(
      {Method::kPost, Method::kPut}, "/loki/api/v1/delete",
      [requests](Request& r) { return AddHandler(*requests, r); }, loki);
  router.Handle(
      {Method::kGet}, "/loki/api/v1/delete",
      [requests](Request& r) { return Response::Json(200, ListJson(requests->List(r.Tenant()))); },
      loki);
  router.Handle(
      {Method::kDelete}, "/loki/api/v1/delete",
      [requests](Request& r) {
        Status s = requests->Cancel(r.Tenant(), r.params.GetOr("request_id", ""));
        if (!s.ok()) return ErrorResponse(http::ApiFamily::kLoki, s, &r);
        return Response::NoContent();
      },
      loki);
}

}  // namespace loupe::appliance::api
