// Test helpers for the XOR chunk tests: sample series generators, encode and decode-all.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <climits>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "storage/tsdb/chunkenc/xor_chunk.h"

namespace loupe::storage::tsdb::testing {

// Encodes `samples` into a fresh chunk; aborts the test binary on an append error (none expected).
inline XorChunk Encode(const std::vector<Sample>& samples) {
  XorChunk chunk;
  XorAppender app = chunk.Appender().value();
  for (const Sample& s : samples) {
    if (!app.Append(s.t, s.v).ok()) std::abort();
  }
  return chunk;
}

struct Decoded {
  std::vector<Sample> samples;
  Status err;
};

// Iterates `bytes` to the end, with a guard on the number of steps.
inline Decoded DecodeAll(std::string_view bytes) {
  Decoded out;
  XorIterator it(bytes);
  while (it.Next()) {
    out.samples.push_back(it.At());
    if (out.samples.size() > static_cast<size_t>(kXorChunkMaxSamples)) break;
  }
  out.err = it.Err();
  // Every decode in the tests also checks the query path's bulk decoder against the iterator:
  // same samples bit for bit, same verdict (valid chunks, Prometheus's, and every corruption).
  std::vector<Sample> bulk;
  const Status bulk_err = DecodeXorSamples(bytes, INT64_MIN, INT64_MAX, &bulk);
  EXPECT_EQ(bulk_err.ok(), out.err.ok()) << bulk_err << " vs " << out.err;
  EXPECT_EQ(bulk.size(), out.samples.size());
  for (size_t i = 0; i < bulk.size() && i < out.samples.size(); ++i) {
    EXPECT_TRUE(bulk[i].t == out.samples[i].t &&
                std::bit_cast<uint64_t>(bulk[i].v) == std::bit_cast<uint64_t>(out.samples[i].v))
        << "sample " << i;
  }
  return out;
}

// Bitwise equality: NaN payloads and the sign of zero count.
inline bool SameBits(const Sample& a, const Sample& b) {
  return a.t == b.t && std::bit_cast<uint64_t>(a.v) == std::bit_cast<uint64_t>(b.v);
}
inline bool SameBits(const std::vector<Sample>& a, const std::vector<Sample>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SameBits(a[i], b[i])) return false;
  }
  return true;
}

// A scrape of a counter: `interval_ms` apart with +-`jitter_ms`, increasing by 0..`max_step`.
inline std::vector<Sample> ScrapeCounter(std::mt19937_64& rng, int n, int64_t start,
                                         int64_t interval_ms, int64_t jitter_ms, int max_step) {
  std::vector<Sample> out;
  int64_t t = start;
  double v = static_cast<double>(rng() % 100000);
  for (int i = 0; i < n; ++i) {
    out.push_back({t, v});
    const int64_t jitter =
        jitter_ms == 0
            ? 0
            : static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * jitter_ms + 1)) - jitter_ms;
    t += interval_ms + jitter;
    v += static_cast<double>(rng() % static_cast<uint64_t>(max_step + 1));
  }
  return out;
}

}  // namespace loupe::storage::tsdb::testing
