// Fuzz target: the parsers and encoders of the Loki query API (appliance/api/loki_*):
// parameter parsing (timestamps, bounds, step, limit, direction, interval), deletion queries and
// the query-time delete filter, field detection, Drain patterns, and the JSON encoders, which
// must produce valid JSON for any line bytes.
//
// Input: "<query>\n<start>\n<end>\n<step>\n<limit>\n<direction>\n<interval>\n<line>\n<line>...".
// The first byte's low bit selects categorize-labels.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/api/loki_delete.h"
#include "appliance/api/loki_json.h"
#include "appliance/api/loki_query_internal.h"
#include "query/logql/eval/detected_fields.h"
#include "query/logql/eval/drain.h"
#include "query/logql/eval/engine.h"
#include "query/logql/eval/memory_log_source.h"

using namespace loupe;
using namespace loupe::appliance;
namespace ql = loupe::query::logql;

namespace {

constexpr int64_t kSec = 1'000'000'000;

void CheckJson(const std::string& s) {
  if (!nlohmann::json::accept(s)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  const bool categorize = data[0] & 1;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string> parts;
  for (;;) {
    const size_t nl = in.find('\n');
    parts.emplace_back(in.substr(0, nl));
    if (nl == std::string_view::npos) break;
    in = in.substr(nl + 1);
  }
  while (parts.size() < 7) parts.emplace_back();

  // Parameter parsing.
  http::Request r;
  const char* names[] = {"query", "start", "end", "step", "limit", "direction", "interval"};
  for (size_t i = 0; i < 7; ++i) {
    if (!parts[i].empty()) r.params.Add(names[i], parts[i]);
  }
  (void)api::lokiq::ParseLokiTimestamp(parts[1]);
  (void)api::lokiq::ParseSecondsOrDuration(parts[6]);
  (void)api::lokiq::ParseLimit(r, "limit", 100);
  (void)api::lokiq::ParseDirection(r);
  if (auto b = api::lokiq::ParseBounds(r); b.ok()) (void)api::lokiq::ParseStep(r, *b);

  // A small store with the remaining parts as lines of two streams.
  ql::MemoryLogSource mem;
  const std::vector<std::string> lines(parts.begin() + 7, parts.end());
  for (size_t i = 0; i < lines.size() && i < 64; ++i) {
    storage::model::Labels labels{{"app", i % 2 ? "a" : "b"}};
    std::vector<storage::model::Label> md;
    if (i % 3 == 0) md.push_back({"trace_id", lines[i].substr(0, 8)});
    mem.Append("t", labels, {static_cast<int64_t>(i + 1) * kSec, lines[i], md});
  }

  // Deletion query parsing and the delete filter over the store.
  api::DeleteRequests deletes("");
  if (api::DeleteRequests::ParseQuery(parts[0]).ok()) {
    api::DeleteRequest d;
    d.tenant = "t";
    d.query = parts[0];
    d.start_ms = 0;
    d.end_ms = 30'000;
    if (!deletes.Add(d).ok()) std::abort();
  }
  api::DeleteFilterSource source(&mem, &deletes);

  // The query over the filtered store, encoded.
  ql::EngineOptions eo;
  ql::Engine engine(&source, eo);
  ql::QueryParams p;
  p.query = parts[0];
  p.tenant = "t";
  p.start_ns = 0;
  p.end_ns = 100 * kSec;
  p.step_ns = 10 * kSec;
  p.limit = 100;
  p.categorize_labels = categorize;
  p.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  if (auto res = engine.Exec(p); res.ok()) {
    CheckJson(api::LokiQueryResponseJson(*res, categorize));
    ql::FieldDetector detector(1000);
    ql::FieldValueCollector values("msg", 1000);
    ql::Drain drain;
    std::vector<api::TailEntry> tail;
    for (const auto& s : res->streams) {
      for (const auto& e : s.entries) {
        detector.Add(s.labels, e.line, e.metadata, e.parsed);
        values.Add(s.labels, e.line, e.metadata, e.parsed);
        drain.Train(e.line, e.ts);
        tail.push_back({s.labels, e});
      }
    }
    for (const auto& f : detector.Fields()) {
      if (f.label.empty()) std::abort();
    }
    (void)values.Values();
    for (const auto& pat : drain.Patterns()) {
      std::string out;
      api::AppendLokiJsonString(out, pat.pattern, true);
      CheckJson(out);
    }
    CheckJson(api::LokiTailFrameJson(tail, tail, categorize));
  }
  return 0;
}
