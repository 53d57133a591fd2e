#include "storage/base/compression.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace loupe {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Grows *s to n bytes keeping the first `keep`, allocating exactly n (std::string::resize may
// double the capacity, which would let a bomb allocate twice the cap).
void GrowTo(std::string* s, size_t keep, size_t n) {
  if (n <= s->capacity()) {
    s->resize(n);
    return;
  }
  std::string t;
  t.reserve(n);
  t.assign(s->data(), keep);
  t.resize(n);
  s->swap(t);
}

Status TooLargeError(size_t max_output) {
  return Status::TooLarge("decompressed body exceeds the limit of " + std::to_string(max_output) +
                          " bytes");
}

// zlib inflate, gzip (window_bits 15+16, multi-member) or zlib/raw deflate.
Status Inflate(std::string_view in, size_t max_output, int window_bits, std::string_view name,
               std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return Status::Internal("inflateInit2 failed");
  struct Closer {
    z_stream* zs;
    ~Closer() { inflateEnd(zs); }
  } closer{&zs};

  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  // Grow geometrically but never past max_output + 1 (one extra byte detects overflow).
  size_t cap = std::min<size_t>(std::max<size_t>(in.size() * 4, 4096), max_output + 1);
  out->clear();
  GrowTo(out, 0, cap);
  size_t produced = 0;
  while (true) {
    if (produced == out->size()) {
      if (out->size() > max_output) return TooLargeError(max_output);
      GrowTo(out, produced, std::min<size_t>(out->size() * 2, max_output + 1));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + produced);
    zs.avail_out = static_cast<uInt>(std::min<size_t>(out->size() - produced, UINT32_MAX));
    const uInt before = zs.avail_out;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (produced > max_output) return TooLargeError(max_output);
    if (rc == Z_STREAM_END) {
      // gzip allows concatenated members; anything else after the end is garbage.
      if (zs.avail_in > 0 && window_bits > 15 + 8) {
        if (inflateReset(&zs) != Z_OK) return Status::Internal("inflateReset failed");
        continue;
      }
      if (zs.avail_in > 0) {
        return Status::InvalidArgument(std::string(name) + ": trailing data after end of stream");
      }
      break;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      return Status::InvalidArgument(std::string(name) + ": unexpected EOF");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Status::InvalidArgument(std::string(name) + ": invalid " + std::string(name) +
                                     " data" + (zs.msg ? std::string(": ") + zs.msg : ""));
    }
  }
  out->resize(produced);
  return Status::OK();
}

Status DecompressSnappy(std::string_view in, size_t max_output, std::string* out) {
  size_t len = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &len)) {
    return Status::InvalidArgument("snappy: corrupt input");
  }
  if (len > max_output) {
    return Status::TooLarge("snappy: decoded length " + std::to_string(len) +
                            " exceeds the limit of " + std::to_string(max_output) + " bytes");
  }
  out->resize(len);
  if (!snappy::RawUncompress(in.data(), in.size(), out->data())) {
    out->clear();
    return Status::InvalidArgument("snappy: corrupt input");
  }
  return Status::OK();
}

Status DecompressZstd(std::string_view in, size_t max_output, std::string* out) {
  const unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) return Status::InvalidArgument("zstd: invalid frame header");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > max_output) return TooLargeError(max_output);

  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return Status::Internal("ZSTD_createDCtx failed");
  // Refuse frames whose window would need more memory than the cap allows.
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 27);

  size_t cap = declared != ZSTD_CONTENTSIZE_UNKNOWN
                   ? static_cast<size_t>(declared) + 1
                   : std::min<size_t>(std::max<size_t>(in.size() * 4, 4096), max_output + 1);
  cap = std::min(cap, max_output + 1);
  out->clear();
  GrowTo(out, 0, cap);
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t produced = 0;
  size_t last_rc = 0;
  while (input.pos < input.size || last_rc != 0) {
    if (produced == out->size()) {
      if (out->size() > max_output) return TooLargeError(max_output);
      GrowTo(out, produced, std::min<size_t>(out->size() * 2, max_output + 1));
    }
    ZSTD_outBuffer output{out->data() + produced, out->size() - produced, 0};
    const size_t in_before = input.pos;
    last_rc = ZSTD_decompressStream(dctx.get(), &output, &input);
    if (ZSTD_isError(last_rc)) {
      return Status::InvalidArgument(std::string("zstd: ") + ZSTD_getErrorName(last_rc));
    }
    produced += output.pos;
    if (produced > max_output) return TooLargeError(max_output);
    if (input.pos == input.size && output.pos == 0 && input.pos == in_before && last_rc != 0) {
      return Status::InvalidArgument("zstd: truncated input");
    }
  }
  out->resize(produced);
  return Status::OK();
}

Status Deflate(std::string_view in, int window_bits, int level, std::string* out) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("deflateInit2 failed");
  }
  out->resize(deflateBound(&zs, in.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::Internal("deflate failed");
  out->resize(produced);
  return Status::OK();
}

}  // namespace

std::string_view CodecName(Codec codec) {
  switch (codec) {
    case Codec::kIdentity: return "identity";
    case Codec::kGzip: return "gzip";
    case Codec::kDeflate: return "deflate";
    case Codec::kSnappy: return "snappy";
    case Codec::kZstd: return "zstd";
  }
  return "unknown";
}

Result<Codec> ParseContentEncoding(std::string_view header) {
  const std::string v = Lower(Trim(header));
  if (v.empty() || v == "identity") return Codec::kIdentity;
  if (v == "gzip" || v == "x-gzip") return Codec::kGzip;
  if (v == "deflate") return Codec::kDeflate;
  if (v == "snappy") return Codec::kSnappy;
  if (v == "zstd") return Codec::kZstd;
  return Status::Unsupported("unsupported Content-Encoding \"" + std::string(header) +
                             "\" (supported: gzip, deflate, snappy, zstd)");
}

Status Decompress(Codec codec, std::string_view in, size_t max_output, std::string* out) {
  switch (codec) {
    case Codec::kIdentity:
      if (in.size() > max_output) return TooLargeError(max_output);
      out->assign(in);
      return Status::OK();
    case Codec::kGzip:
      return Inflate(in, max_output, 15 + 16, "gzip", out);
    case Codec::kDeflate: {
      // HTTP "deflate" is the zlib format; some clients send raw deflate. Try zlib, then raw.
      Status s = Inflate(in, max_output, 15, "deflate", out);
      if (s.code() == StatusCode::kInvalidArgument) s = Inflate(in, max_output, -15, "deflate", out);
      return s;
    }
    case Codec::kSnappy:
      return DecompressSnappy(in, max_output, out);
    case Codec::kZstd:
      return DecompressZstd(in, max_output, out);
  }
  return Status::Internal("unknown codec");
}

Status Compress(Codec codec, std::string_view in, std::string* out, int level) {
  switch (codec) {
    case Codec::kIdentity:
      out->assign(in);
      return Status::OK();
    case Codec::kGzip:
      return Deflate(in, 15 + 16, level == 0 ? Z_BEST_SPEED : level, out);
    case Codec::kDeflate:
      return Deflate(in, 15, level == 0 ? Z_BEST_SPEED : level, out);
    case Codec::kSnappy:
      out->clear();
      snappy::Compress(in.data(), in.size(), out);
      return Status::OK();
    case Codec::kZstd: {
      out->resize(ZSTD_compressBound(in.size()));
      const size_t n = ZSTD_compress(out->data(), out->size(), in.data(), in.size(),
                                     level == 0 ? 3 : level);
      if (ZSTD_isError(n)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
      out->resize(n);
      return Status::OK();
    }
  }
  return Status::Internal("unknown codec");
}

}  // namespace loupe
