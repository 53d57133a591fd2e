// Macro benchmark of the span store, figures printed beside their targets:
//   ingest spans/s (exporter batches of <= 512 realistic spans, background cuts on),
//   bytes per span on disk (trace records, index, RocksDB SST files),
//   trace by ID p50/p99 over the whole store,
//   the search { resource.service.name = "checkout" && duration > 100ms } over every block
//   (cold and warm), and the same with limit 20.
// Usage: bench_spanstore [--spans N] [--dir PATH] [--raw-records]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "storage/spanstore/keys.h"
#include "storage/spanstore/span_gen_test_util.h"
#include "storage/spanstore/span_store.h"

namespace {

using namespace loupe::storage;
using namespace loupe::storage::spanstore;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// CPU time of the calling thread (the machine is shared: wall time alone over-states).
double ThreadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct SearchFigures {
  double ms = 0, cpu_ms = 0;
  uint64_t traces = 0, spans = 0;
  ScanStats stats;
};

SearchFigures RunSearch(SpanStore& store, size_t limit) {
  ScanRequest req;
  req.predicates.push_back(*Predicate::Attribute(Scope::kResource, "service.name", CompareOp::kEq,
                                                 Operand::String("checkout")));
  req.predicates.push_back(*Predicate::Of(Intrinsic::kDuration, CompareOp::kGt, Operand::Int(100'000'000)));
  req.max_traces = limit;
  SearchFigures f;
  const auto t0 = Clock::now();
  const double c0 = ThreadCpuMs();
  auto s = store.Scan("bench", req, [&](const SpanBatch& b) {
    for (const auto& t : b.traces()) {
      // What a search result needs per trace: the summary and up to 3 matched spans.
      TraceSummary sum = b.Summary(t);
      (void)sum;
      size_t n = 0;
      for (uint32_t r : b.Rows(t)) {
        if (n++ == 3) break;
        volatile uint64_t sink = b.SpanId(r) + static_cast<uint64_t>(b.Duration(r)) + b.Name(r).size();
        (void)sink;
      }
      f.spans += b.Rows(t).size();
    }
    f.traces += b.traces().size();
    return true;
  }, &f.stats);
  f.ms = Seconds(t0, Clock::now()) * 1000;
  f.cpu_ms = ThreadCpuMs() - c0;
  if (!s.ok()) std::fprintf(stderr, "search failed: %s\n", s.ToString().c_str());
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t target_spans = 10'000'000;
  std::string dir = (std::filesystem::temp_directory_path() / "loupe_bench_spanstore").string();
  bool raw_records = false;
  int level = 3;
  size_t dict_bytes = SpanStoreOptions().record_dict_bytes;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--spans") && i + 1 < argc) target_spans = std::stoull(argv[++i]);
    if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    if (!std::strcmp(argv[i], "--raw-records")) raw_records = true;
    if (!std::strcmp(argv[i], "--level") && i + 1 < argc) level = std::stoi(argv[++i]);
    if (!std::strcmp(argv[i], "--dict") && i + 1 < argc) dict_bytes = std::stoull(argv[++i]);
  }
  std::filesystem::remove_all(dir);
  SpanStoreOptions o;
  o.max_live_traces = 0;  // a load test, not a limit test
  o.retention_ns = 0;
  o.retention_bytes = 0;
  o.maintenance_interval_ms = 100;
  o.compress_trace_records = !raw_records;
  o.zstd_level = level;
  o.record_dict_bytes = dict_bytes;
  auto kv = kv::RocksStore::Open(dir + "/kv", {}, SpanStore::ColumnFamilies());
  if (!kv.ok()) return std::fprintf(stderr, "%s\n", kv.status().ToString().c_str()), 1;
  auto opened = SpanStore::Open(**kv, dir + "/wal", o);
  if (!opened.ok()) return std::fprintf(stderr, "%s\n", opened.status().ToString().c_str()), 1;
  std::unique_ptr<SpanStore> store = std::move(*opened);

  // --- Ingest ---
  testing::SpanGenerator gen(7);
  std::vector<TraceId> sample;
  std::mt19937_64 rng(1);
  uint64_t spans = 0, commits = 0, proto_bytes = 0, traces = 0;
  double ingest_s = 0, ingest_cpu_ms = 0;
  while (spans < target_spans) {
    std::vector<otlp::trace::v1::ResourceSpans> by_service;
    for (int i = 0; i < 2000; ++i) {
      const std::string id = gen.AddTrace(&by_service);
      if (rng() % 100 == 0) sample.push_back(TraceId::FromBytes(id));
      ++traces;
    }
    std::vector<otlp::trace::v1::ResourceSpans> batches;
    for (auto& rs : by_service) {
      if (!rs.has_resource()) continue;
      const auto& all = rs.scope_spans(0).spans();
      for (int b = 0; b < all.size(); b += 512) {
        otlp::trace::v1::ResourceSpans part;
        *part.mutable_resource() = rs.resource();
        part.set_schema_url(rs.schema_url());
        auto* ss = part.add_scope_spans();
        *ss->mutable_scope() = rs.scope_spans(0).scope();
        for (int k = b; k < std::min(all.size(), b + 512); ++k) *ss->add_spans() = all[k];
        proto_bytes += part.ByteSizeLong();
        batches.push_back(std::move(part));
      }
    }
    const auto t0 = Clock::now();
    const double c0 = ThreadCpuMs();
    for (const auto& rs : batches) {
      auto app = store->NewAppender("bench");
      app->Add(rs);
      auto r = app->Commit();
      if (!r.ok() || r->rejected()) {
        std::fprintf(stderr, "commit failed: %s %s\n", r.status().ToString().c_str(),
                     r.ok() ? r->first_error.c_str() : "");
        return 1;
      }
      spans += r->spans_accepted;
      ++commits;
    }
    ingest_s += Seconds(t0, Clock::now());
    ingest_cpu_ms += ThreadCpuMs() - c0;
  }
  const auto f0 = Clock::now();
  if (auto s = store->FlushHeads(); !s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  const double flush_s = Seconds(f0, Clock::now());
  (void)(*kv)->Flush();
  const SpanStoreStats st = store->Stats();
  uint64_t sst_traces = 0, sst_index = 0, sst_meta = 0;
  for (const auto& f : (*kv)->Stats()) {
    if (f.name == kTracesFamily) sst_traces = f.sst_bytes;
    if (f.name == kIndexFamily) sst_index = f.sst_bytes;
    if (f.name == kMetaFamily) sst_meta = f.sst_bytes;
  }
  const double n = static_cast<double>(spans);
  std::printf("spans %llu in %llu traces, %llu commits, %llu blocks (%s trace records)\n",
              static_cast<unsigned long long>(spans), static_cast<unsigned long long>(traces),
              static_cast<unsigned long long>(commits), static_cast<unsigned long long>(st.blocks),
              raw_records ? "raw" : "zstd");
  std::printf("ingest:            %9.0f spans/s   (target >= 200000; %.1f s, writer cpu %.1f s, final flush %.1f s)\n",
              n / ingest_s, ingest_s, ingest_cpu_ms / 1000, flush_s);
  std::printf("OTLP protobuf:     %9.1f bytes/span (input size)\n", static_cast<double>(proto_bytes) / n);
  std::printf("trace records:     %9.1f bytes/span (stored values)\n", static_cast<double>(st.trace_bytes) / n);
  std::printf("span index:        %9.1f bytes/span (stored values)\n", static_cast<double>(st.index_bytes) / n);
  std::printf("on disk (SST):     %9.1f bytes/span traces + %.1f index + %.1f meta = %.1f (target <= 80; Tempo "
              "vParquet ~58)\n",
              static_cast<double>(sst_traces) / n, static_cast<double>(sst_index) / n,
              static_cast<double>(sst_meta) / n, static_cast<double>(sst_traces + sst_index + sst_meta) / n);

  {
    // Where the index bytes go (stored bytes per span by unit / attribute table).
    static const char* kUnitNames[] = {"", "traces", "span_ids", "parents", "start", "duration", "name",
                                       "kind_status", "status_msg", "resource_ref", "scope_ref", "event_index",
                                       "link_index", "resources", "scopes", "events", "links", "record_dict"};
    std::vector<uint64_t> units(kNumFixedUnitsPlusOne, 0);
    uint64_t by_table[kNumTables] = {};
    auto it = (*kv)->NewIterator(*(*kv)->Family(kMetaFamily));
    for (it->Seek(kBlockMetaPrefix); it->Valid() && it->key().starts_with(kBlockMetaPrefix); it->Next()) {
      BlockMeta m;
      if (!DecodeBlockMeta(it->value(), &m).ok()) continue;
      for (size_t u = 0; u < m.unit_bytes.size() && u < units.size(); ++u) units[u] += m.unit_bytes[u];
      for (const auto& a : m.attrs) by_table[static_cast<int>(a.table)] += a.stored_bytes;
    }
    std::printf("index breakdown (bytes/span):");
    for (size_t u = 1; u < units.size(); ++u) std::printf(" %s %.1f", kUnitNames[u], static_cast<double>(units[u]) / n);
    std::printf("\n  attribute columns: resource %.2f scope %.2f span %.1f event %.2f link %.2f\n",
                static_cast<double>(by_table[0]) / n, static_cast<double>(by_table[1]) / n,
                static_cast<double>(by_table[2]) / n, static_cast<double>(by_table[3]) / n,
                static_cast<double>(by_table[4]) / n);
  }

  // --- Trace by ID ---
  std::shuffle(sample.begin(), sample.end(), rng);
  if (sample.size() > 5000) sample.resize(5000);
  std::vector<double> lat;
  uint64_t found = 0;
  for (const auto& id : sample) {
    const auto t0 = Clock::now();
    auto r = store->FindTraceByID("bench", id);
    lat.push_back(Seconds(t0, Clock::now()) * 1000);
    found += r.ok() && r->found;
  }
  std::printf("trace by id:       p50 %.3f ms  p99 %.3f ms  max %.3f ms over %zu lookups, %llu found "
              "(target p99 <= 5 ms)\n",
              Percentile(lat, 0.5), Percentile(lat, 0.99), Percentile(lat, 1.0), lat.size(),
              static_cast<unsigned long long>(found));

  // --- Search ---
  for (const char* label : {"cold", "warm"}) {
    const SearchFigures f = RunSearch(*store, 0);
    std::printf("search (%s):     %7.1f ms (cpu %.1f ms)  %llu traces / %llu spans matched of %llu traces, %u/%u blocks "
                "pruned, %.1f MB read (target <= 500 ms)\n",
                label, f.ms, f.cpu_ms, static_cast<unsigned long long>(f.traces), static_cast<unsigned long long>(f.spans),
                static_cast<unsigned long long>(traces), f.stats.blocks_pruned, f.stats.blocks_total,
                static_cast<double>(f.stats.bytes_read) / 1e6);
  }
  const SearchFigures lim = RunSearch(*store, 20);
  std::printf("search limit 20:   %7.1f ms  (%u blocks inspected)\n", lim.ms, lim.stats.blocks_inspected);
  std::printf("block cache: %.1f MB, head memory %.1f MB\n", static_cast<double>(store->Stats().block_cache_bytes) / 1e6,
              static_cast<double>(st.head_memory_bytes) / 1e6);
  (void)store->Close();
  store.reset();
  kv->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
