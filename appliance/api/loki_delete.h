// Loki's log deletion API (the compactor's /loki/api/v1/delete) and the query-time filtering
// that makes deleted entries invisible.
//
//   POST|PUT /loki/api/v1/delete   query, start, end, max_interval -> 204
//   GET      /loki/api/v1/delete   -> [{"request_id","start_time","end_time","query","status",
//                                       "created_at","user_id"},...] oldest first
//   DELETE   /loki/api/v1/delete   request_id, force -> 204 (404 for an unknown id)
//
// Parameters and error texts are Loki 3's (pkg/compactor/deletion): `query` is a log selector
// with optional line filters and label filters ("invalid query expression: ..." otherwise);
// `start` is required, `start`/`end` are RFC 3339 or exactly ten digits of Unix seconds; `end`
// defaults to now and must not be in the future. Times are kept in milliseconds and written as
// Prometheus model.Time (seconds with up to three decimals).
//
// Processing, as Loki's compactor does it: a request is "received" until its cancel period
// (Loki's delete_request_cancel_period, default 24h) has passed since its creation; then
// DeleteRequestProcessor applies it physically through LogStore::DeleteEntries (entries of the
// streams matching the selector, with timestamps in [start_time, end_time] in milliseconds, both
// inclusive, that the request's pipeline keeps: the same StreamDeleter decides as at query time)
// and sets its status to "processed". Until then it is applied at query time:
// DeleteFilterSource hides every entry the request would delete, and cancelling the request
// makes them visible again. A request being processed or processed cannot be cancelled (400,
// Loki's text). Processed requests are no longer applied at query time (their entries are gone;
// entries pushed into their range afterwards stay visible, as in Loki). The labels, series,
// index stats and volume endpoints read the store's index: until processing they still count
// the entries (as Loki's do until the compactor rewrote the chunks); after it, index stats and
// volume no longer do, while series and label values stay listed (Loki keeps them in its index).
//
// Requests are persisted in `<data_dir>/loki_delete_requests.json` (written to a temporary file,
// fsynced and renamed), so they survive a restart; an unreadable file is logged and ignored.
//
// Thread-safety: every method is safe for concurrent use.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "appliance/http/router.h"
#include "query/logql/eval/log_source.h"
#include "query/logql/log/labels_builder.h"
#include "query/logql/log/pipeline.h"
#include "query/logql/syntax/ast.h"
#include "storage/base/result.h"
#include "storage/logstore/log_store.h"
#include "storage/model/labels.h"

namespace loupe::appliance::api {

struct DeleteRequest {
  std::string request_id;
  std::string tenant;
  std::string query;
  int64_t start_ms = 0, end_ms = 0, created_ms = 0;
  std::string status = "received";  // kStatusReceived or kStatusProcessed
};

// Loki's DeleteRequestStatus values.
inline constexpr char kStatusReceived[] = "received";
inline constexpr char kStatusProcessed[] = "processed";

class DeleteRequests {
 public:
  // `path` empty: kept in memory only.
  explicit DeleteRequests(std::string path);

  // Loads the persisted requests (a missing file is an empty list). Errors: kIOError or
  // kCorruption with the file's name.
  Status Load();

  // Validates and parses `query` as a deletion query: "invalid query expression: <parse error>".
  static Result<query::logql::ExprPtr> ParseQuery(std::string_view query);

  // Adds a request (assigning its id and creation time) and persists the list.
  Result<DeleteRequest> Add(DeleteRequest r);
  // The tenant's requests, oldest first.
  std::vector<DeleteRequest> List(std::string_view tenant) const;
  // Removes a request; kNotFound when the tenant has none with that id, kInvalidArgument
  // ("deletion of request which is in process or already processed is not allowed", Loki's 400)
  // when it is being processed or processed.
  Status Cancel(std::string_view tenant, std::string_view request_id);

  // The compiled requests of a tenant that may delete entries of `labels` in [start_ns, end_ns).
  struct Compiled {
    DeleteRequest request;
    std::shared_ptr<const query::logql::LogSelector> selector;
  };
  std::vector<std::shared_ptr<const Compiled>> Applicable(
      std::string_view tenant, const std::vector<storage::model::Label>& labels, int64_t start_ns,
      int64_t end_ns) const;
  bool empty() const;

  // --- Processing (DeleteRequestProcessor) ---
  // The "received" requests created at least `cancel_period_ms` before `now_ms` (all tenants,
  // oldest first), marked as being processed: Cancel refuses them until Finish.
  std::vector<std::shared_ptr<const Compiled>> TakeDue(int64_t now_ms, int64_t cancel_period_ms);
  // Ends the processing of a request TakeDue returned: with `processed` its status becomes
  // "processed" and the list is persisted (kIOError if that fails: the request is "received"
  // again, to be retried); otherwise it is "received" again. OK if it disappeared meanwhile.
  Status Finish(const Compiled& c, bool processed);

  const std::string& path() const { return path_; }

 private:
  Status SaveLocked() const;

  std::string path_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const Compiled>> requests_;
  std::vector<std::pair<std::string, std::string>> in_progress_;  // (tenant, request id)
};

// Decides for one stream whether a request deletes an entry: its timestamp lies in
// [start_ms, end_ms] (milliseconds, both inclusive) and the request's pipeline keeps the line
// (a selector without stages deletes every entry in range). Used by the query-time filter and by
// the processor, so both delete exactly the same entries.
// Thread-safety: one thread at a time (the pipeline keeps state).
class StreamDeleter {
 public:
  // kInvalidArgument if the pipeline does not build.
  static Result<std::unique_ptr<StreamDeleter>> Create(const DeleteRequests::Compiled& c,
                                                       std::vector<storage::model::Label> labels);
  bool Deletes(int64_t ts, std::string_view line,
               const std::vector<storage::model::LabelRef>& metadata);

 private:
  StreamDeleter() = default;
  int64_t start_ns_ = 0, end_ns_ = 0;
  std::unique_ptr<query::logql::Pipeline> pipeline_;
  std::vector<storage::model::Label> labels_;
  std::unique_ptr<query::logql::LabelsBuilder> lbs_;
};

struct DeleteProcessorOptions {
  // Loki's delete_request_cancel_period: how long a request can be cancelled before it is
  // applied. 0 = as soon as the processor runs.
  int64_t cancel_period_ms = 24LL * 3600 * 1000;
  // How often the background thread looks for due requests (Loki's compaction_interval).
  int64_t interval_ms = 10LL * 60 * 1000;
};

// Applies due delete requests to the log store (Loki's compactor). Start() runs ProcessDue every
// interval on a background thread; Stop() (or the destructor) ends it, waiting for a running
// deletion. The store and the requests must outlive the processor.
// Thread-safety: ProcessDue may be called from any thread; it serializes with itself.
class DeleteRequestProcessor {
 public:
  DeleteRequestProcessor(std::shared_ptr<DeleteRequests> requests,
                         storage::logstore::LogStore& store, DeleteProcessorOptions options);
  ~DeleteRequestProcessor();

  // Applies every request due at `now_ms` (Unix ms) and marks it processed; returns how many.
  // A request that fails (store error, or the status cannot be persisted) stays "received" and
  // is retried on the next run; the first error is returned after the others were tried.
  Result<size_t> ProcessDue(int64_t now_ms);

  void Start();
  void Stop();

 private:
  Status Apply(const DeleteRequests::Compiled& c);

  std::shared_ptr<DeleteRequests> requests_;
  storage::logstore::LogStore& store_;
  DeleteProcessorOptions options_;
  std::mutex run_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// A LogSource that hides the entries deleted by `requests` from `inner`.
class DeleteFilterSource : public query::logql::LogSource {
 public:
  DeleteFilterSource(query::logql::LogSource* inner, const DeleteRequests* requests)
      : inner_(inner), requests_(requests) {}
  // Errors: the inner source's, and a deletion pipeline that fails to build (kInvalidArgument).
  Result<std::vector<query::logql::SourceStream>> Select(
      std::string_view tenant, const query::logql::SelectParams& params) override;

 private:
  query::logql::LogSource* inner_;
  const DeleteRequests* requests_;
};

// Registers the three /loki/api/v1/delete routes.
void RegisterLokiDeleteApi(http::Router& router, std::shared_ptr<DeleteRequests> requests);

}  // namespace loupe::appliance::api
