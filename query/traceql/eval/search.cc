// Search (GET /api/search): TraceQL over the span store, and the legacy tag search.
#include <algorithm>
#include <queue>

#include "absl/container/flat_hash_map.h"
#include "query/traceql/eval/engine.h"
#include "query/traceql/eval/evaluator.h"
#include "query/traceql/eval/internal.h"
#include "query/traceql/eval/pushdown.h"
#include "query/traceql/syntax/parser.h"
#include "query/traceql/syntax/validate.h"

namespace loupe::query::traceql {
namespace ss = storage::spanstore;
using eval::Program;
using eval::TraceContext;
using eval::Value;

namespace eval {

Result<RootExpr> CompileQuery(std::string_view query) {
  auto root = Parse(query.empty() ? std::string_view("{}") : query);
  if (!root.ok()) {
    return Status(root.status().code(), "invalid TraceQL query: " + root.status().message());
  }
  Status v = Validate(*root);
  if (!v.ok()) return Status(v.code(), "invalid TraceQL query: " + v.message());
  return std::move(*root);
}

bool HintTrue(const RootExpr& root, std::string_view name) {
  for (const auto& h : root.hints) {
    if (h.name == name && h.value.type == StaticType::kBoolean) return h.value.i != 0;
  }
  return false;
}

void AddSpanAttributes(const Program& prog, TraceContext& ctx, uint32_t span,
                       std::vector<KeyValue>* out) {
  const ss::SpanBatch& b = ctx.batch();
  const std::string_view svc = b.ServiceName(ctx.row(span));
  if (!svc.empty()) out->push_back({"service.name", TypedValue::String(std::string(svc))});
  for (const Attribute& a : prog.touched().attributes) {
    switch (a.intrinsic) {
      case Intrinsic::kName:
      case Intrinsic::kDuration:
      case Intrinsic::kTraceDuration:
      case Intrinsic::kTraceRootService:
      case Intrinsic::kTraceRootSpan:
      case Intrinsic::kTraceID:
      case Intrinsic::kSpanID:
      case Intrinsic::kParent:
        continue;
      default:
        break;
    }
    const std::string key = a.IsIntrinsic() ? std::string(IntrinsicName(a.intrinsic)) : a.name;
    bool dup = false;
    for (const auto& kv : *out) dup = dup || kv.key == key;
    if (dup) continue;
    const Value v = prog.Read(a, ctx, span);
    if (v.IsNil()) continue;
    out->push_back({key, eval::ToTyped(v)});
  }
  std::sort(out->begin(), out->end(),
            [](const KeyValue& x, const KeyValue& y) { return x.key < y.key; });
}

SpansetResult MakeSpanset(const Program& prog, TraceContext& ctx, const Spanset& set,
                          uint32_t spss) {
  SpansetResult out;
  out.matched = static_cast<uint32_t>(set.spans.size());
  std::vector<uint32_t> spans = set.spans;
  const ss::SpanBatch& b = ctx.batch();
  std::stable_sort(spans.begin(), spans.end(), [&](uint32_t x, uint32_t y) {
    return b.Start(ctx.row(x)) < b.Start(ctx.row(y));
  });
  if (spans.size() > spss) spans.resize(spss);
  for (uint32_t s : spans) {
    const uint32_t row = ctx.row(s);
    SpanResult r;
    r.span_id = ss::SpanIdHex(b.SpanId(row));
    r.name = std::string(b.Name(row));
    r.start_ns = b.Start(row);
    r.duration_ns = b.Duration(row);
    AddSpanAttributes(prog, ctx, s, &r.attributes);
    out.spans.push_back(std::move(r));
  }
  for (const auto& [k, v] : set.attributes) out.attributes.push_back({k, eval::ToTyped(v)});
  return out;
}

void FillTrace(const ss::TraceSummary& s, TraceResult* t) {
  t->trace_id = s.id.Hex();
  t->root_service_name = s.has_root ? s.root_service : std::string(kNoRootSpan);
  t->root_trace_name = s.has_root ? s.root_name : std::string();
  t->start_ns = s.start_ns;
  t->duration_ms = (s.end_ns - s.start_ns) / 1'000'000;
}

SearchMetrics MetricsOf(const ss::ScanStats& st, uint32_t traces) {
  SearchMetrics m;
  m.inspected_traces = traces;
  m.inspected_bytes = st.bytes_read;
  m.inspected_spans = st.spans_inspected;
  m.total_blocks = st.blocks_total;
  m.total_jobs = 1;
  m.completed_jobs = 1;
  return m;
}

}  // namespace eval

namespace {

struct Entry {
  ss::TraceSummary summary;
  std::vector<SpansetResult> sets;
};

Result<SearchResponse> LegacySearch(ss::SpanStore& store, std::string_view tenant,
                                    const SearchRequest& req, uint32_t limit) {
  ss::TagSearchRequest tr;
  tr.tags = req.tags;
  tr.min_duration_ns = req.min_duration_ns;
  tr.max_duration_ns = req.max_duration_ns;
  tr.start_ns = req.start_ns;
  tr.end_ns = req.end_ns;
  tr.limit = limit;
  auto res = store.SearchTags(tenant, tr);
  if (!res.ok()) {
    if (res.status().code() == StatusCode::kInvalidArgument) return res.status();
    return res.status();
  }
  SearchResponse out;
  for (const auto& s : res->traces) {
    TraceResult t;
    eval::FillTrace(s, &t);
    out.traces.push_back(std::move(t));
  }
  out.metrics = eval::MetricsOf(res->stats, static_cast<uint32_t>(res->stats.traces_matched));
  return out;
}

}  // namespace

Result<SearchResponse> Search(ss::SpanStore& store, std::string_view tenant,
                              const SearchRequest& req, const EngineOptions& options) {
  return eval::SearchWithMode(store, tenant, req, options, eval::ScanMode::kPushdown);
}

namespace eval {

Result<SearchResponse> SearchWithMode(ss::SpanStore& store, std::string_view tenant,
                                      const SearchRequest& req, const EngineOptions& options,
                                      ScanMode mode) {
  uint32_t limit = req.limit ? req.limit : 20;
  if (options.max_limit && limit > options.max_limit) limit = options.max_limit;
  const uint32_t spss = req.spans_per_spanset ? req.spans_per_spanset : 3;
  if (req.query.empty() && (!req.tags.empty() || req.min_duration_ns || req.max_duration_ns)) {
    return LegacySearch(store, tenant, req, limit);
  }
  LOUPE_ASSIGN_OR_RETURN(RootExpr root, eval::CompileQuery(req.query));
  if (root.IsMetrics()) {
    return Status::InvalidArgument(
        "invalid TraceQL query: metrics queries are not supported by search, use "
        "/api/metrics/query_range");
  }
  LOUPE_ASSIGN_OR_RETURN(auto prog, Program::Compile(root.pipeline));
  eval::ScanPlan plan;
  if (mode == ScanMode::kPushdown) {
    plan = eval::PlanScan(root.pipeline, prog->touched());
  } else {
    plan.whole_traces = true;
  }
  const bool most_recent = eval::HintTrue(root, "most_recent");

  ss::ScanRequest sr;
  sr.start_ns = req.start_ns;
  sr.end_ns = req.end_ns;
  sr.predicates = plan.predicates;
  sr.match_all = plan.match_all;
  sr.whole_traces = plan.whole_traces;

  absl::flat_hash_map<ss::TraceId, size_t> index;
  std::vector<Entry> entries;
  // Starts of the newest `limit` traces found so far (min-heap): older traces cannot make it.
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<>> newest;
  uint32_t evaluated = 0;
  Status err;
  auto fn = [&](const ss::SpanBatch& batch) -> bool {
    const auto& cols = batch.block().cols();
    for (const auto& t : batch.traces()) {
      const int64_t start = cols.trace_start[t.index];
      const ss::TraceId id = batch.TraceIdOf(t);
      auto it = index.find(id);
      if (it == index.end() && newest.size() >= limit && start < newest.top()) continue;
      TraceContext ctx(batch, t);
      ++evaluated;
      auto sets = prog->Run(ctx);
      if (!sets.ok()) {
        err = sets.status();
        return false;
      }
      if (sets->empty()) continue;
      if (it == index.end()) {
        it = index.emplace(id, entries.size()).first;
        entries.push_back(Entry{ctx.summary(), {}});
        newest.push(start);
        if (newest.size() > limit) newest.pop();
      } else {
        ss::MergeSummary(&entries[it->second].summary, ctx.summary());
      }
      Entry& e = entries[it->second];
      // Spansets in the order of their earliest span (by() groups are otherwise unordered).
      std::vector<std::pair<int64_t, size_t>> order;
      for (size_t k = 0; k < sets->size(); ++k) {
        int64_t first = INT64_MAX;
        for (uint32_t s : (*sets)[k].spans) first = std::min(first, batch.Start(ctx.row(s)));
        order.emplace_back(first, k);
      }
      std::stable_sort(order.begin(), order.end());
      for (const auto& [first, k] : order) {
        e.sets.push_back(eval::MakeSpanset(*prog, ctx, (*sets)[k], spss));
      }
    }
    if (!batch.status().ok()) return false;
    if (entries.size() >= limit) {
      if (!most_recent) return false;  // Tempo's default: the first `limit` traces found
      const ss::BlockMeta* meta = batch.block().meta();
      if (meta && meta->max_start < newest.top()) return false;
    }
    return true;
  };
  ss::ScanStats stats;
  LOUPE_RETURN_IF_ERROR(store.Scan(tenant, sr, fn, &stats));
  LOUPE_RETURN_IF_ERROR(err);

  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.summary.start_ns != b.summary.start_ns) return a.summary.start_ns > b.summary.start_ns;
    return a.summary.id < b.summary.id;
  });
  if (entries.size() > limit) entries.resize(limit);
  SearchResponse out;
  for (auto& e : entries) {
    TraceResult t;
    eval::FillTrace(e.summary, &t);
    t.span_sets = std::move(e.sets);
    out.traces.push_back(std::move(t));
  }
  out.metrics = eval::MetricsOf(stats, evaluated);
  return out;
}

}  // namespace eval

}  // namespace loupe::query::traceql
