#include "appliance/api/loki_delete.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
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

// Hides the entries of one stream that deletion requests remove.
class FilteredStream : public ql::EntryStream {
 public:
  FilteredStream(std::unique_ptr<ql::EntryStream> inner,
                 std::vector<std::unique_ptr<StreamDeleter>> rules)
      : inner_(std::move(inner)), rules_(std::move(rules)) {}

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
    for (auto& r : rules_) {
      if (r->Deletes(inner_->ts(), inner_->line(), inner_->metadata())) return true;
    }
    return false;
  }

  std::unique_ptr<ql::EntryStream> inner_;
  std::vector<std::unique_ptr<StreamDeleter>> rules_;
};

constexpr char kCancelProcessedMessage[] =
    "deletion of request which is in process or already processed is not allowed";

}  // namespace

DeleteRequests::DeleteRequests(std::string path) : path_(std::move(path)) {}

Result<std::unique_ptr<StreamDeleter>> StreamDeleter::Create(const DeleteRequests::Compiled& c,
                                                             std::vector<Label> labels) {
  std::unique_ptr<StreamDeleter> d(new StreamDeleter());
  LOUPE_ASSIGN_OR_RETURN(d->pipeline_,
                         ql::Pipeline::Create(*c.selector, ql::HintRequest{}, nullptr));
  d->start_ns_ = c.request.start_ms * kMs;
  d->end_ns_ = c.request.end_ms * kMs;
  d->labels_ = std::move(labels);
  d->lbs_ = std::make_unique<ql::LabelsBuilder>();
  return d;
}

bool StreamDeleter::Deletes(int64_t ts, std::string_view line,
                            const std::vector<storage::model::LabelRef>& metadata) {
  if (ts < start_ns_ || ts > end_ns_) return false;
  if (pipeline_->empty()) return true;
  lbs_->SetBase(&labels_);
  lbs_->Reset();
  for (const auto& m : metadata) lbs_->Add(ql::LabelCategory::kMetadata, m.name, m.value);
  return pipeline_->Process(ts, &line, lbs_.get());
}

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
  const bool processing =
      std::find(in_progress_.begin(), in_progress_.end(),
                std::make_pair(std::string(tenant), std::string(request_id))) != in_progress_.end();
  if (processing || (*it)->request.status != kStatusReceived) {
    return Status::InvalidArgument(kCancelProcessedMessage);
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
    if (r.tenant != tenant || r.status == kStatusProcessed) continue;
    if (r.end_ms * kMs < start_ns || r.start_ms * kMs >= end_ns) continue;
    if (SelectorMatches(*c->selector, labels)) out.push_back(c);
  }
  return out;
}

std::vector<std::shared_ptr<const DeleteRequests::Compiled>> DeleteRequests::TakeDue(
    int64_t now_ms, int64_t cancel_period_ms) {
  std::vector<std::shared_ptr<const Compiled>> out;
  std::lock_guard lock(mu_);
  for (const auto& c : requests_) {
    const DeleteRequest& r = c->request;
    if (r.status != kStatusReceived || r.created_ms > now_ms - cancel_period_ms) continue;
    auto key = std::make_pair(r.tenant, r.request_id);
    if (std::find(in_progress_.begin(), in_progress_.end(), key) != in_progress_.end()) continue;
    in_progress_.push_back(std::move(key));
    out.push_back(c);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a->request.created_ms < b->request.created_ms;
  });
  return out;
}

Status DeleteRequests::Finish(const Compiled& c, bool processed) {
  std::lock_guard lock(mu_);
  auto key = std::make_pair(c.request.tenant, c.request.request_id);
  in_progress_.erase(std::remove(in_progress_.begin(), in_progress_.end(), key),
                     in_progress_.end());
  if (!processed) return Status::OK();
  auto it = std::find_if(requests_.begin(), requests_.end(), [&](const auto& x) {
    return x->request.tenant == key.first && x->request.request_id == key.second;
  });
  if (it == requests_.end()) return Status::OK();
  auto done = std::make_shared<Compiled>(**it);
  done->request.status = kStatusProcessed;
  std::shared_ptr<const Compiled> previous = std::exchange(*it, std::move(done));
  if (Status s = SaveLocked(); !s.ok()) {
    *it = std::move(previous);
    return s;
  }
  return Status::OK();
}

Result<std::vector<ql::SourceStream>> DeleteFilterSource::Select(std::string_view tenant,
                                                                 const ql::SelectParams& params) {
  LOUPE_ASSIGN_OR_RETURN(std::vector<ql::SourceStream> streams, inner_->Select(tenant, params));
  if (requests_->empty()) return streams;
  for (ql::SourceStream& s : streams) {
    auto rules = requests_->Applicable(tenant, s.labels, params.start_ns, params.end_ns);
    if (rules.empty()) continue;
    std::vector<std::unique_ptr<StreamDeleter>> compiled;
    for (const auto& c : rules) {
      LOUPE_ASSIGN_OR_RETURN(auto d, StreamDeleter::Create(*c, s.labels));
      compiled.push_back(std::move(d));
    }
    s.entries = std::make_unique<FilteredStream>(std::move(s.entries), std::move(compiled));
  }
  return streams;
}

DeleteRequestProcessor::DeleteRequestProcessor(std::shared_ptr<DeleteRequests> requests,
                                               storage::logstore::LogStore& store,
                                               DeleteProcessorOptions options)
    : requests_(std::move(requests)), store_(store), options_(options) {}

DeleteRequestProcessor::~DeleteRequestProcessor() { Stop(); }

Status DeleteRequestProcessor::Apply(const DeleteRequests::Compiled& c) {
  storage::logstore::DeleteEntriesRequest req;
  req.matchers = c.selector->matchers;
  req.start_ns = c.request.start_ms * kMs;
  req.end_ns = c.request.end_ms * kMs;
  req.predicate_for_stream =
      [&c](const storage::model::Labels& stream) -> Result<storage::logstore::EntryPredicate> {
    std::vector<Label> labels(stream.begin(), stream.end());
    LOUPE_ASSIGN_OR_RETURN(std::unique_ptr<StreamDeleter> d, StreamDeleter::Create(c, labels));
    std::shared_ptr<StreamDeleter> shared(std::move(d));
    return storage::logstore::EntryPredicate(
        [shared](int64_t ts, std::string_view line,
                 const std::vector<storage::model::LabelRef>& md) {
          return shared->Deletes(ts, line, md);
        });
  };
  LOUPE_ASSIGN_OR_RETURN(auto st, store_.DeleteEntries(c.request.tenant, req));
  spdlog::info(
      "delete request {} for tenant {} processed: {} entries deleted ({} from open chunks), {} "
      "chunks rewritten, {} removed",
      c.request.request_id, c.request.tenant, st.entries_deleted, st.head_entries_deleted,
      st.chunks_rewritten, st.chunks_removed);
  return Status::OK();
}

Result<size_t> DeleteRequestProcessor::ProcessDue(int64_t now_ms) {
  std::lock_guard run(run_mu_);
  Status first;
  size_t processed = 0;
  for (const auto& c : requests_->TakeDue(now_ms, options_.cancel_period_ms)) {
    Status s = Apply(*c);
    if (s.ok()) {
      s = requests_->Finish(*c, /*processed=*/true);
    } else {
      (void)requests_->Finish(*c, /*processed=*/false);
    }
    if (s.ok()) {
      ++processed;
    } else {
      spdlog::error("delete request {} for tenant {} not processed: {}", c->request.request_id,
                    c->request.tenant, s.message());
      if (first.ok()) first = s;
    }
  }
  if (!first.ok()) return first;
  return processed;
}

void DeleteRequestProcessor::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      (void)ProcessDue(NowMs());  // failures are logged and retried next time
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(options_.interval_ms, 1)),
                   [this] { return stopping_; });
    }
  });
}

void DeleteRequestProcessor::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
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
