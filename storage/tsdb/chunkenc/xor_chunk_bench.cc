// Micro benchmark: XOR chunk encode/decode throughput (samples/s) and size (bytes/sample) on a
// realistic scrape series: 15 s interval with small jitter, a counter growing by small random
// steps (0..10 per scrape), 120 samples per chunk. Anchor: the Gorilla paper (Pelkonen et al.,
// VLDB 2015) reports 1.37 bytes/sample on Facebook's production data.
//
// Arguments: {jitter_ms, tolerance_ms}. Each scrape lands up to +-jitter_ms off its slot on the
// 15 s grid; a scraper with a timestamp tolerance (Prometheus: 2 ms by default) writes the slot
// time instead when the scrape is within it. Any non-zero delta of delta costs 16 bits, so the
// aligned series is the one comparable to Gorilla's (96% of its timestamps cost 1 bit).
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "storage/tsdb/chunkenc/xor_chunk.h"

namespace {

using loupe::storage::tsdb::Sample;
using loupe::storage::tsdb::XorAppender;
using loupe::storage::tsdb::XorChunk;
using loupe::storage::tsdb::XorIterator;

constexpr int kSamplesPerChunk = 120;
constexpr int kChunks = 256;

// kChunks series worth of one chunk each.
std::vector<std::vector<Sample>> ScrapeSeries(int64_t jitter_ms, int64_t tolerance_ms) {
  std::mt19937_64 rng(2015);
  std::vector<std::vector<Sample>> out(kChunks);
  for (auto& series : out) {
    const int64_t start = 1'700'000'000'000 + static_cast<int64_t>(rng() % 15'000);
    double v = static_cast<double>(rng() % 1'000'000);
    for (int i = 0; i < kSamplesPerChunk; ++i) {
      const int64_t slot = start + int64_t{i} * 15'000;
      const int64_t off =
          static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * jitter_ms + 1)) - jitter_ms;
      series.push_back({off >= -tolerance_ms && off <= tolerance_ms ? slot : slot + off, v});
      v += static_cast<double>(rng() % 11);
    }
  }
  return out;
}

std::vector<std::vector<Sample>> SeriesFor(const benchmark::State& state) {
  return ScrapeSeries(state.range(0), state.range(1));
}

void ScrapeArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"jitter_ms", "tolerance_ms"});
  b->Args({5, 0});  // raw scrape times
  b->Args({5, 2});  // Prometheus's default 2 ms alignment, jitter sometimes beyond it
  b->Args({2, 2});  // jitter within the tolerance: every timestamp on the grid
}

XorChunk EncodeOne(const std::vector<Sample>& samples) {
  XorChunk chunk;
  XorAppender app = chunk.Appender().value();
  for (const Sample& s : samples) {
    if (!app.Append(s.t, s.v).ok()) std::abort();
  }
  return chunk;
}

double BytesPerSample(const std::vector<std::vector<Sample>>& series) {
  size_t bytes = 0, samples = 0;
  for (const auto& s : series) {
    bytes += EncodeOne(s).Bytes().size();
    samples += s.size();
  }
  return static_cast<double>(bytes) / static_cast<double>(samples);
}

void BM_XorEncode(benchmark::State& state) {
  const auto series = SeriesFor(state);
  size_t i = 0;
  for (auto _ : state) {
    XorChunk chunk = EncodeOne(series[i++ % kChunks]);
    benchmark::DoNotOptimize(chunk.Bytes().data());
  }
  state.SetItemsProcessed(state.iterations() * kSamplesPerChunk);
  state.counters["bytes_per_sample"] = BytesPerSample(series);
}
BENCHMARK(BM_XorEncode)->Apply(ScrapeArgs);

void BM_XorDecode(benchmark::State& state) {
  const auto series = SeriesFor(state);
  std::vector<XorChunk> chunks;
  for (const auto& s : series) chunks.push_back(EncodeOne(s));
  size_t i = 0;
  for (auto _ : state) {
    XorIterator it = chunks[i++ % kChunks].Iterator();
    int64_t t_sum = 0;
    double v_sum = 0;
    while (it.Next()) {
      const Sample s = it.At();
      t_sum += s.t;
      v_sum += s.v;
    }
    benchmark::DoNotOptimize(t_sum);
    benchmark::DoNotOptimize(v_sum);
  }
  state.SetItemsProcessed(state.iterations() * kSamplesPerChunk);
  state.counters["bytes_per_sample"] = BytesPerSample(series);
}
BENCHMARK(BM_XorDecode)->Apply(ScrapeArgs);

// Reopening a full head chunk after restart: decode to the end to recover the appender.
void BM_XorResume(benchmark::State& state) {
  const auto series = SeriesFor(state);
  std::vector<std::string> bytes;
  for (const auto& s : series) bytes.emplace_back(EncodeOne(s).Bytes());
  size_t i = 0;
  for (auto _ : state) {
    auto chunk = XorChunk::FromBytes(bytes[i++ % kChunks]);
    auto app = chunk->Appender();
    benchmark::DoNotOptimize(app.ok());
  }
  state.SetItemsProcessed(state.iterations() * kSamplesPerChunk);
}
BENCHMARK(BM_XorResume)->Apply(ScrapeArgs);

// Seek to the middle of a chunk, as a range query starting inside it does.
void BM_XorSeekMiddle(benchmark::State& state) {
  const auto series = SeriesFor(state);
  std::vector<XorChunk> chunks;
  for (const auto& s : series) chunks.push_back(EncodeOne(s));
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ % kChunks;
    XorIterator it = chunks[k].Iterator();
    benchmark::DoNotOptimize(it.Seek(series[k][kSamplesPerChunk / 2].t));
    benchmark::DoNotOptimize(it.AtT());
  }
}
BENCHMARK(BM_XorSeekMiddle)->Apply(ScrapeArgs);

}  // namespace
