// Bounded compression codecs: gzip, deflate (zlib), snappy (block format), zstd.
//
// Every decoder enforces a cap on the decompressed size *while* decompressing: a small input that
// claims or inflates to more than `max_output` bytes fails with kTooLarge after allocating at most
// about `max_output` bytes (snappy's declared length is checked before any allocation). This is the
// one decompression layer for every ingest and proxy path (see the OTLP and Prometheus
// decompression-bomb advisories in the reliability notes).
//
// Errors: kTooLarge (cap exceeded), kInvalidArgument (corrupt or truncated input; the message
// names the codec), kUnsupported (unknown Content-Encoding token).
// Thread-safety: all functions are reentrant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "storage/base/result.h"

namespace loupe {

enum class Codec { kIdentity, kGzip, kDeflate, kSnappy, kZstd };

std::string_view CodecName(Codec codec);

// Parses an HTTP Content-Encoding value ("gzip", "x-gzip", "deflate", "snappy", "zstd",
// "identity" or empty). Stacked encodings ("gzip, zstd") are rejected as unsupported.
Result<Codec> ParseContentEncoding(std::string_view header);

// Decompresses `in` into *out (replacing its contents).
Status Decompress(Codec codec, std::string_view in, size_t max_output, std::string* out);

// Compresses `in` into *out (replacing its contents). `level` is codec-specific; 0 = default
// (gzip/deflate: fastest, zstd: 3). Fails only on allocation failure inside the codec.
Status Compress(Codec codec, std::string_view in, std::string* out, int level = 0);

}  // namespace loupe
