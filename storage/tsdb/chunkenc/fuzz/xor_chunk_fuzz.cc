// Fuzz target for the XOR chunk (storage/tsdb/chunkenc). The first byte picks the mode:
// - even: the rest is a chunk as read from disk. Oracles: decoding never crashes or reads out of
//   bounds, returns at most the header's count, fails only with kCorruption; Seek agrees with
//   Next; resuming either is refused as corrupt or appends consistently.
// - odd: the rest is a recipe for samples (timestamp steps and values, special values included).
//   Oracles: the encoded chunk decodes to exactly those samples (bitwise), validates, and an
//   appender resumed from the bytes at a fuzz-chosen split writes identical bytes.
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "storage/model/sample.h"
#include "storage/tsdb/chunkenc/xor_chunk.h"

namespace {

using loupe::StatusCode;
using loupe::storage::tsdb::kXorChunkMaxSamples;
using loupe::storage::tsdb::Sample;
using loupe::storage::tsdb::XorAppender;
using loupe::storage::tsdb::XorChunk;
using loupe::storage::tsdb::XorIterator;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool SameBits(const Sample& a, const Sample& b) {
  return a.t == b.t && std::bit_cast<uint64_t>(a.v) == std::bit_cast<uint64_t>(b.v);
}

std::vector<Sample> DecodeAll(std::string_view bytes, loupe::Status* err) {
  std::vector<Sample> out;
  XorIterator it(bytes);
  while (it.Next()) {
    out.push_back(it.At());
    Check(out.size() <= static_cast<size_t>(kXorChunkMaxSamples));
  }
  *err = it.Err();
  return out;
}

void FuzzDecode(std::string_view bytes) {
  const int count = bytes.size() < 2 ? 0
                                     : (static_cast<unsigned char>(bytes[0]) << 8) |
                                           static_cast<unsigned char>(bytes[1]);
  loupe::Status err;
  const std::vector<Sample> samples = DecodeAll(bytes, &err);
  Check(samples.size() <= static_cast<size_t>(count));
  Check(err.ok() || err.code() == StatusCode::kCorruption);
  Check(samples.size() == static_cast<size_t>(count) || !err.ok());

  // The bulk decoder of the query path agrees with the iterator: same samples, same verdict.
  std::vector<Sample> bulk;
  const loupe::Status bulk_err = loupe::storage::tsdb::DecodeXorSamples(
      bytes, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &bulk);
  Check(bulk_err.ok() == err.ok());
  Check(bulk.size() == samples.size());
  for (size_t i = 0; i < bulk.size(); ++i) Check(SameBits(bulk[i], samples[i]));

  // Seek to each decoded timestamp from a fresh iterator: lands on the first sample >= it.
  for (size_t i = 0; i < samples.size() && i < 8; ++i) {
    XorIterator it(bytes);
    if (it.Seek(samples[i].t)) Check(it.AtT() >= samples[i].t);
  }

  auto chunk = XorChunk::FromBytes(std::string(bytes));
  if (!chunk.ok()) {
    Check(chunk.status().code() == StatusCode::kCorruption);
    return;
  }
  const loupe::Status valid = chunk->Validate();
  Check(valid.ok() || valid.code() == StatusCode::kCorruption);
  auto app = chunk->Appender();
  if (!app.ok()) {
    Check(app.status().code() == StatusCode::kCorruption);
    return;
  }
  Check(err.ok() && valid.ok());
  if (count == kXorChunkMaxSamples) return;
  const int64_t last = samples.empty() ? 0 : samples.back().t;
  const Sample next{static_cast<int64_t>(static_cast<uint64_t>(last) + 1000), 0.25};
  Check(app->Append(next.t, next.v).ok());
  loupe::Status err2;
  const std::vector<Sample> again = DecodeAll(chunk->Bytes(), &err2);
  Check(err2.ok() && again.size() == samples.size() + 1);
  for (size_t i = 0; i < samples.size(); ++i) Check(SameBits(again[i], samples[i]));
  Check(SameBits(again.back(), next));
}

// Reads little-endian bytes from the recipe; zeros once it runs out.
struct Recipe {
  std::string_view in;
  uint64_t Take(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n && !in.empty(); ++i) {
      v |= static_cast<uint64_t>(static_cast<unsigned char>(in[0])) << (8 * i);
      in.remove_prefix(1);
    }
    return v;
  }
};

void FuzzRoundTrip(std::string_view recipe_bytes) {
  static const double kSpecials[] = {loupe::storage::model::StaleNaN(),
                                     std::numeric_limits<double>::quiet_NaN(),
                                     std::numeric_limits<double>::infinity(),
                                     -std::numeric_limits<double>::infinity(),
                                     -0.0,
                                     0.0,
                                     std::numeric_limits<double>::denorm_min(),
                                     std::numeric_limits<double>::max()};
  Recipe r{recipe_bytes};
  const auto split_at = static_cast<size_t>(r.Take(1));
  std::vector<Sample> samples;
  int64_t t = static_cast<int64_t>(r.Take(8));
  double v = 0;
  while (!r.in.empty() && samples.size() < 1000) {
    const auto op = static_cast<unsigned>(r.Take(1));
    switch (op & 3) {  // timestamp step
      case 0:
        break;  // an equal timestamp: the codec takes it
      case 1:
        t = static_cast<int64_t>(static_cast<uint64_t>(t) + r.Take(1));
        break;
      case 2:
        t = static_cast<int64_t>(static_cast<uint64_t>(t) + 15'000 +
                                 static_cast<uint64_t>(static_cast<int8_t>(r.Take(1))));
        break;
      default:
        t = static_cast<int64_t>(r.Take(8));
        break;
    }
    switch ((op >> 2) & 3) {  // value
      case 0:
        break;  // repeat
      case 1:
        v += static_cast<double>(r.Take(1));
        break;
      case 2:
        v = kSpecials[(op >> 4) & 7];
        break;
      default:
        v = std::bit_cast<double>(r.Take(8));
        break;
    }
    samples.push_back({t, v});
  }

  XorChunk chunk;
  {
    XorAppender app = chunk.Appender().value();
    for (const Sample& s : samples) Check(app.Append(s.t, s.v).ok());
  }
  Check(chunk.NumSamples() == static_cast<int>(samples.size()));
  loupe::Status err;
  const std::vector<Sample> decoded = DecodeAll(chunk.Bytes(), &err);
  Check(err.ok() && decoded.size() == samples.size());
  for (size_t i = 0; i < samples.size(); ++i) Check(SameBits(decoded[i], samples[i]));
  Check(chunk.Validate().ok());

  const size_t split = samples.empty() ? 0 : split_at % (samples.size() + 1);
  XorChunk first;
  {
    XorAppender app = first.Appender().value();
    for (size_t i = 0; i < split; ++i) Check(app.Append(samples[i].t, samples[i].v).ok());
  }
  auto reloaded = XorChunk::FromBytes(std::string(first.Bytes()));
  Check(reloaded.ok());
  auto app = reloaded->Appender();
  Check(app.ok());
  for (size_t i = split; i < samples.size(); ++i)
    Check(app->Append(samples[i].t, samples[i].v).ok());
  Check(reloaded->Bytes() == chunk.Bytes());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    FuzzDecode(rest);
  } else {
    FuzzRoundTrip(rest);
  }
  return 0;
}
