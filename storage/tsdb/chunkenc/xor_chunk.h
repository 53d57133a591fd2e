// XorChunk: Gorilla-style compression of (timestamp ms, float64 value) samples.
//
// The scheme is the one of Pelkonen et al., "Gorilla: A Fast, Scalable, In-Memory Time Series
// Database" (VLDB 2015): timestamps as delta-of-delta with short prefix codes, values XOR'ed with
// the previous value keeping a window of meaningful bits. The bit layout is exactly Prometheus's
// XOR chunk (tsdb/chunkenc, encoding "XOR"), with millisecond-sized delta-of-delta buckets, so a
// chunk written here is byte-identical to the one Prometheus's appender writes for the same
// samples and each side decodes the other's. The exact layout is in FORMAT.md beside this file.
//
// Typical use (the head of the metric store):
//   XorChunk chunk;
//   XorAppender app = chunk.Appender().value();   // cannot fail on a fresh chunk
//   LOUPE_RETURN_IF_ERROR(app.Append(t, v));      // ... up to ~120 samples, then cut a new chunk
//   for (XorIterator it = chunk.Iterator(); it.Next();) Use(it.At());
//
// Timestamps: the store appends strictly increasing timestamps. The encoding itself takes any
// int64 sequence (deltas are computed modulo 2^64), so decreasing, equal or extreme timestamps
// round-trip exactly; they only cost more bits, and Seek's "first sample with t >= x" is only
// meaningful when timestamps increase.
//
// Values: every float64 bit pattern round-trips exactly (NaN payloads including Prometheus's stale
// marker, +-Inf, -0.0, subnormals).
//
// Thread-safety: a XorChunk is a value type with no internal locking. Appending mutates the bytes
// and may reallocate them, which invalidates Bytes() views and every iterator over the chunk; the
// caller must not iterate while another thread appends (copy Bytes() under its lock instead).
// Any number of iterators may read a chunk concurrently while nobody appends.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/base/status.h"
#include "storage/model/sample.h"
#include "storage/tsdb/chunkenc/bit_stream.h"

namespace loupe::storage::tsdb {

// The store's sample type: int64 ms timestamp + float64 value (header-only from storage/model).
using Sample = model::Sample;

// 2-byte big-endian sample count in front of the bit stream.
inline constexpr size_t kXorChunkHeaderSize = 2;
// The count header is 16 bits wide.
inline constexpr int kXorChunkMaxSamples = 65535;

class XorAppender;
class XorIterator;

class XorChunk {
 public:
  // An empty chunk: the two header bytes, count 0, with room reserved for a typical full chunk
  // (~120 samples) so appends rarely reallocate.
  XorChunk();

  // Takes `bytes` as read back from disk (header included) and checks the header: at least the
  // 2 header bytes; with count 0 nothing may follow them; with count > 0 the bytes must be long
  // enough for the first sample (a varint timestamp and 64 value bits).
  // Returns kCorruption otherwise. The bit stream itself is checked lazily by iterators and by
  // Appender(), or eagerly by Validate().
  static Result<XorChunk> FromBytes(std::string bytes);

  // The whole encoded chunk, header included; valid until the next append or destruction.
  std::string_view Bytes() const { return bytes_; }
  // The count from the header.
  int NumSamples() const;

  // Releases capacity beyond the encoded size (call when a head chunk is cut and kept).
  // Invalidates Bytes() views and iterators, as an append does.
  void Compact() { bytes_.shrink_to_fit(); }

  // An iterator over the samples present now. It refers to this chunk's bytes: appending to the
  // chunk or destroying it invalidates the iterator.
  XorIterator Iterator() const;

  // An appender that continues this chunk. For a chunk with samples (e.g. a head chunk reopened
  // after restart) it decodes every sample to recover the encoder state, so the bytes it goes on
  // to write are identical to those an uninterrupted appender would have written.
  // Returns kCorruption if the existing bytes do not decode, or if anything other than zero
  // padding follows the last sample (appending there would corrupt the stream).
  // The appender keeps a pointer to this chunk: the chunk must outlive it and must not be moved
  // or copied over while it is in use; use one appender per chunk at a time.
  Result<XorAppender> Appender();

  // Decodes the whole chunk: every counted sample is present and only zero padding follows them
  // (at most the last partial byte plus one pad byte, as the encoder leaves them).
  // Returns OK or kCorruption describing the first problem.
  Status Validate() const;

 private:
  friend class XorAppender;
  explicit XorChunk(std::string bytes) : bytes_(std::move(bytes)) {}

  std::string bytes_;
};

class XorAppender {
 public:
  // Move-only: one appender per chunk.
  XorAppender(XorAppender&&) noexcept = default;
  XorAppender& operator=(XorAppender&&) noexcept = default;
  XorAppender(const XorAppender&) = delete;
  XorAppender& operator=(const XorAppender&) = delete;

  // Appends one sample. Returns kFailedPrecondition, changing nothing, when the chunk already
  // holds kXorChunkMaxSamples samples. See the header comment for timestamp order.
  Status Append(int64_t t, double v);

  int NumSamples() const;
  // The last sample appended (or recovered when resuming); meaningful when NumSamples() > 0.
  int64_t LastT() const { return t_; }
  double LastV() const;

 private:
  friend class XorChunk;
  explicit XorAppender(XorChunk* chunk) : chunk_(chunk) {}

  void WriteValue(uint64_t v_bits, BitWriter* w);

  XorChunk* chunk_;
  int free_bits_ = 0;     // unused low bits of the last byte (0..8), see bit_stream.h
  int64_t t_ = 0;         // last timestamp
  uint64_t t_delta_ = 0;  // last timestamp delta (mod 2^64)
  uint64_t v_bits_ = 0;   // last value's bits
  // The meaningful-bit window of the last XOR header written; kNoWindow before the first one.
  static constexpr uint8_t kNoWindow = 0xff;
  uint8_t leading_ = kNoWindow;
  uint8_t trailing_ = 0;
};

// Decodes a chunk sample by sample, with Prometheus's iterator contract:
// - Next() advances to the next sample; false at the end or on error (then Err() says which).
// - Seek(t) advances to the first sample with timestamp >= t, starting from the current one (it
//   never moves backwards); returns false if there is none or on error.
// - At()/AtT()/AtV() are valid only after Next() or Seek() returned true.
// - Err() is sticky: once set, Next() and Seek() return false.
// Corrupt input (truncated, bit flips) yields kCorruption or different numbers, never a read out
// of bounds; at most NumSamples() samples are returned, and each Next() does bounded work.
class XorIterator {
 public:
  // An exhausted iterator with no error.
  XorIterator() = default;
  // Iterates over `chunk_bytes` (header included; not owned, must outlive the iterator). A header
  // shorter than 2 bytes is reported through Err() as kCorruption.
  explicit XorIterator(std::string_view chunk_bytes);

  bool Next();
  bool Seek(int64_t t);

  Sample At() const { return Sample{t_, AtV()}; }
  int64_t AtT() const { return t_; }
  double AtV() const { return std::bit_cast<double>(v_bits_); }

  const Status& Err() const { return err_; }

  // Samples returned so far.
  int NumRead() const { return num_read_; }

 private:
  friend class XorChunk;
  bool Fail(const char* what);
  bool ReadValue();

  BitReader reader_;  // over the bit stream after the header
  int num_total_ = 0;
  int num_read_ = 0;
  int64_t t_ = 0;
  uint64_t t_delta_ = 0;
  uint64_t v_bits_ = 0;
  uint8_t leading_ = 0;
  uint8_t trailing_ = 0;
  bool window_set_ = false;  // a window header has been read (the appender's leading != none)
  Status err_;
};

// Appends to `*out` the samples of `chunk_bytes` (header included) with mint <= t <= maxt, in
// chunk order, stopping at the first sample after maxt (timestamps are assumed to increase, as
// the store writes them). The same decoding as XorIterator, in one tight loop for the query
// path: a padded local copy of the bits, no per-read bounds checks (the position is checked once
// per sample). Returns OK, or kCorruption (as the iterator would report it) with the samples
// before the damage already appended.
Status DecodeXorSamples(std::string_view chunk_bytes, int64_t mint, int64_t maxt,
                        std::vector<Sample>* out);

}  // namespace loupe::storage::tsdb
