#include "query/logql/eval/engine.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <queue>

#include "query/logql/eval/metric_eval.h"
#include "query/logql/log/pipeline.h"
#include "query/logql/syntax/go_compat.h"
#include "query/logql/syntax/parser.h"

namespace loupe::query::logql {

std::shared_ptr<const storage::logstore::LineFilter> MakeStoreFilter(
    const std::vector<std::shared_ptr<const LineMatcher>>& matchers) {
  if (matchers.empty()) return nullptr;
  auto f = std::make_shared<storage::logstore::LineFilter>();
  for (const auto& m : matchers) {
    if (m->IsSimpleContains()) {
      if (m->type() == LineMatchType::kContains) f->Contains(m->needle());
      else f->NotContains(m->needle());
    } else {
      f->Where(std::function<bool(std::string_view)>(
          [m](std::string_view line) { return m->Matches(line); }));
    }
  }
  return f;
}

Status CheckInterrupted(const QueryParams& p) {
  if (p.cancel != nullptr && p.cancel->load(std::memory_order_relaxed)) {
    return Status::Cancelled(std::string(kQueryCancelledMessage));
  }
  if (p.deadline != std::chrono::steady_clock::time_point::max() &&
      std::chrono::steady_clock::now() >= p.deadline) {
    return Status::DeadlineExceeded(std::string(kQueryTimeoutMessage));
  }
  return Status::OK();
}

Result<QueryResult> Engine::Exec(const QueryParams& params) {
  LOUPE_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr(params.query));
  return Exec(*e, params);
}

Result<QueryResult> Engine::Exec(const Expr& expr, const QueryParams& p) {
  const auto t0 = std::chrono::steady_clock::now();
  if (options_.max_query_length_ns > 0 && !p.instant &&
      p.end_ns - p.start_ns > options_.max_query_length_ns) {
    return Status::InvalidArgument(
        "the query time range exceeds the limit (query length: " +
        gocompat::FormatGoDuration(p.end_ns - p.start_ns) +
        ", limit: " + gocompat::FormatPromDuration(options_.max_query_length_ns) + ")");
  }
  LOUPE_RETURN_IF_ERROR(CheckInterrupted(p));
  Result<QueryResult> r = Status::Internal("unset");
  if (const auto* sel = std::get_if<LogSelector>(&expr.node)) {
    if (p.instant) {
      return Status::InvalidArgument(
          "log queries are not supported as an instant query type, please change your query "
          "to a range query type");
    }
    r = ExecLogs(*sel, p);
  } else {
    r = EvalMetricQuery(expr, p, source_, options_);
  }
  if (r.ok()) {
    r->stats.exec_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now() - t0)
                           .count();
  }
  return r;
}

Result<QueryResult> Engine::ExecLogs(const LogSelector& sel, const QueryParams& p) {
  if (p.limit > options_.max_entries_limit) {
    return Status::InvalidArgument(
        "max entries limit per query exceeded, limit > max_entries_limit_per_query (" +
        std::to_string(p.limit) + " > " + std::to_string(options_.max_entries_limit) + ")");
  }
  std::vector<std::shared_ptr<const LineMatcher>> pushdown;
  HintRequest req;
  LOUPE_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Create(sel, req, &pushdown));
  SelectParams sp;
  sp.matchers = sel.matchers;
  sp.start_ns = p.start_ns;
  sp.end_ns = p.end_ns;
  sp.direction = p.direction;
  sp.filter = MakeStoreFilter(pushdown);
  LOUPE_ASSIGN_OR_RETURN(std::vector<SourceStream> streams, source_->Select(p.tenant, sp));

  QueryResult result;
  result.type = ResultType::kStreams;
  const bool forward = p.direction == Direction::kForward;

  // Merge the streams by timestamp (ties: by stream labels), lazily, so that only the entries
  // that can make the limit go through the pipeline.
  std::vector<std::string> keys(streams.size());
  for (size_t i = 0; i < streams.size(); ++i) keys[i] = LabelsString(streams[i].labels);
  auto later = [&](size_t a, size_t b) {  // heap order: true if a comes after b
    const int64_t ta = streams[a].entries->ts(), tb = streams[b].entries->ts();
    if (ta != tb) return forward ? ta > tb : ta < tb;
    return keys[a] > keys[b];
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
  for (size_t i = 0; i < streams.size(); ++i) {
    if (streams[i].entries->Next()) heap.push(i);
    else LOUPE_RETURN_IF_ERROR(streams[i].entries->status());
  }

  LabelsBuilder lbs;
  std::map<std::string, size_t> index;
  std::vector<Label> all, st, md, parsed;
  uint32_t returned = 0;
  bool first = true;
  int64_t last = 0;
  while (returned < p.limit && !heap.empty()) {
    const size_t i = heap.top();
    heap.pop();
    EntryStream& es = *streams[i].entries;
    const int64_t ts = es.ts();
    std::string_view line = es.line();
    if ((++result.stats.lines_processed & 1023) == 0) LOUPE_RETURN_IF_ERROR(CheckInterrupted(p));
    result.stats.bytes_processed += line.size();
    lbs.SetBase(&streams[i].labels);
    lbs.Reset();
    for (const auto& m : es.metadata()) lbs.Add(LabelCategory::kMetadata, m.name, m.value);
    if (pipeline->Process(ts, &line, &lbs)) {
      const bool emit = p.interval_ns == 0 || first ||
                        (forward ? ts >= last + p.interval_ns : ts <= last - p.interval_ns);
      if (emit) {
        const std::vector<Label>* key;
        if (p.categorize_labels) {
          lbs.Categorized(&st, &md, &parsed);
          key = &st;
        } else {
          lbs.AllLabels(&all);
          key = &all;
        }
        const std::string k = LabelsString(*key);
        auto it = index.find(k);
        if (it == index.end()) {
          it = index.emplace(k, result.streams.size()).first;
          result.streams.emplace_back();
          result.streams.back().labels = *key;
        }
        StreamEntry e;
        e.ts = ts;
        e.line.assign(line);
        if (p.categorize_labels) {
          e.metadata = md;
          e.parsed = parsed;
        }
        result.streams[it->second].entries.push_back(std::move(e));
        ++returned;
        first = false;
        last = ts;
      }
    }
    if (es.Next()) heap.push(i);
    else LOUPE_RETURN_IF_ERROR(es.status());
  }
  // Streams in Loki's order: by their label-set text.
  std::vector<std::pair<std::string, size_t>> order(index.begin(), index.end());
  std::vector<Stream> sorted;
  sorted.reserve(order.size());
  for (const auto& [k, idx] : order) sorted.push_back(std::move(result.streams[idx]));
  result.streams = std::move(sorted);
  result.stats.entries_returned = returned;
  return result;
}

}  // namespace loupe::query::logql
