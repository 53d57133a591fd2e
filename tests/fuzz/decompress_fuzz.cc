// Fuzz target: every codec's bounded decoder. The first byte picks the codec; the rest is the
// compressed input. Oracles: never crash, never exceed the cap, and a successful decode of a
// re-compressed output round-trips.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "storage/base/compression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using loupe::Codec;
  if (size < 1) return 0;
  static constexpr Codec kCodecs[] = {Codec::kGzip, Codec::kDeflate, Codec::kSnappy, Codec::kZstd,
                                      Codec::kIdentity};
  const Codec codec = kCodecs[data[0] % 5];
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr size_t kCap = 1 << 20;
  std::string out;
  const auto s = loupe::Decompress(codec, in, kCap, &out);
  if (!s.ok()) return 0;
  if (out.size() > kCap) std::abort();
  std::string packed, again;
  if (!loupe::Compress(codec, out, &packed).ok()) std::abort();
  if (!loupe::Decompress(codec, packed, kCap, &again).ok() || again != out) std::abort();
  return 0;
}
