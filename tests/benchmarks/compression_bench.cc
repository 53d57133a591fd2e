// Micro benchmark: bounded decompression throughput per codec over realistic log text.
#include <benchmark/benchmark.h>

#include <random>

#include "storage/base/compression.h"

namespace {

std::string LogText(size_t n) {
  std::mt19937 rng(3);
  std::string s;
  const char* levels[] = {"info", "warn", "error", "debug"};
  while (s.size() < n) {
    s += "{\"ts\":\"2026-11-22T13:";
    s += std::to_string(10 + rng() % 50);
    s += ":00Z\",\"level\":\"";
    s += levels[rng() % 4];
    s += "\",\"msg\":\"handled request\",\"path\":\"/api/v1/items/";
    s += std::to_string(rng() % 100000);
    s += "\",\"status\":200,\"duration_ms\":";
    s += std::to_string(rng() % 500);
    s += "}\n";
  }
  return s;
}

void BM_Decompress(benchmark::State& state) {
  const auto codec = static_cast<loupe::Codec>(state.range(0));
  const std::string text = LogText(4 << 20);
  std::string packed, out;
  if (!loupe::Compress(codec, text, &packed).ok()) state.SkipWithError("compress failed");
  for (auto _ : state) {
    auto s = loupe::Decompress(codec, packed, text.size(), &out);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.SetLabel(std::string(loupe::CodecName(codec)) + " ratio " +
                 std::to_string(static_cast<double>(text.size()) / packed.size()).substr(0, 4));
}
BENCHMARK(BM_Decompress)
    ->Arg(static_cast<int>(loupe::Codec::kGzip))
    ->Arg(static_cast<int>(loupe::Codec::kSnappy))
    ->Arg(static_cast<int>(loupe::Codec::kZstd));

}  // namespace
