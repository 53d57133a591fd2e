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
// The log store has no physical deletion yet, so a request stays in status "received" and is
// applied at query time for as long as it exists (Loki also filters pending requests at query
// time): DeleteFilterSource drops every entry whose stream matches a request's selector, whose
// timestamp lies in [start_time, end_time] (milliseconds, both inclusive, as Loki) and that the
// request's pipeline keeps. Cancelling a request makes its entries visible again. The labels,
// series, index stats and volume endpoints read the store's index and still count them (as
// Loki's do until the compactor rewrote the chunks).
//
// Requests are persisted in `<data_dir>/loki_delete_requests.json` (written to a temporary file,
// fsynced and renamed), so they survive a restart; an unreadable file is logged and ignored.
//
// Thread-safety: every method is safe for concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/http/router.h"
#include "query/logql/eval/log_source.h"
#include "query/logql/syntax/ast.h"
#include "storage/base/result.h"

namespace loupe::appliance::api {

struct DeleteRequest {
  std::string request_id;
  std::string tenant;
  std::string query;
  int64_t start_ms = 0, end_ms = 0, created_ms = 0;
  std::string status = "received";
};

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
  // Removes a request; kNotFound when the tenant has none with that id.
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

 private:
  Status SaveLocked() const;

  std::string path_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const Compiled>> requests_;
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
