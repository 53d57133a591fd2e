// Log chunks: the on-disk unit of the log store. A chunk holds the entries of one stream in
// blocks; each block is sorted by timestamp and compressed on its own, and the chunk header
// lists every block's time range, entry count, sizes and checksum, so a reader skips blocks by
// time before decompressing and decompresses only what a query touches. Byte layout: FORMAT.md.
//
// - HeadBlock: the open, uncompressed block of a stream (columnar buffers, any ts order).
// - CompressBlock: sorts a HeadBlock by timestamp (stable) and compresses it.
// - EncodeChunk / ChunkReader: a chunk's bytes from compressed blocks, and back.
// - DecodedBlock: a decompressed block parsed into columns; lines and metadata are views into
//   its buffer, so iterating and filtering allocate nothing per entry.
//
// Decoders never trust their input: every length is bounds-checked, block checksums (CRC-32C)
// are verified before decompressing, a block may not claim more than kMaxBlockRawBytes, and
// malformed input yields kCorruption, never a crash.
// Thread-safety: HeadBlock, DecodedBlock and ChunkReader are values; distinct objects may be
// used from distinct threads. Free functions are reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/model/labels.h"

namespace loupe::storage::logstore {

enum class BlockCodec : uint8_t { kNone = 0, kZstd = 1 };

inline constexpr uint32_t kMaxBlockRawBytes = 64u << 20;
inline constexpr uint32_t kMaxBlocksPerChunk = 1u << 16;

// Structured metadata of one entry, encoded: count:varint (name:lp value:lp)*count; an entry
// without metadata has zero bytes.
void EncodeMetadata(const model::LabelRef* labels, size_t n, std::string* out);
// Calls fn(name, value) for each pair; false if `bytes` is malformed.
template <typename Fn>
bool ForEachMetadata(std::string_view bytes, Fn&& fn);
// Decodes into Labels (sorted by name); empty on malformed input.
model::Labels MetadataToLabels(std::string_view bytes);
// Checks that `bytes` is well-formed.
bool ValidMetadata(std::string_view bytes);

// The open block of a stream: entries appended in arrival order (timestamps may go backwards
// within the out-of-order window). Appending copies into a few growing buffers.
class HeadBlock {
 public:
  void Append(int64_t ts, std::string_view line, std::string_view metadata);
  size_t size() const { return ts_.size(); }
  bool empty() const { return ts_.empty(); }
  // Bytes of lines plus metadata (what the stats call an entry's size).
  uint64_t bytes() const { return lines_.size() + md_.size(); }
  int64_t mint() const { return mint_; }
  int64_t maxt() const { return maxt_; }
  bool sorted() const { return sorted_; }
  int64_t ts(size_t i) const { return ts_[i]; }
  std::string_view line(size_t i) const;
  std::string_view metadata(size_t i) const;
  void Clear();
  uint64_t MemoryBytes() const;

  // Raw block bytes (FORMAT.md) of the entries with ts in [start, end], sorted by timestamp
  // (stable) when `sort`; `*entries` receives their count.
  void EncodeRaw(bool sort, int64_t start, int64_t end, std::string* out, uint32_t* entries) const;
  // Replaces the contents with the entries of a raw block (checkpoint restore).
  Status DecodeRaw(std::string_view raw);

 private:
  std::vector<int64_t> ts_;
  std::vector<uint32_t> line_end_;
  std::vector<uint32_t> md_end_;
  std::string lines_;
  std::string md_;
  int64_t mint_ = INT64_MAX;
  int64_t maxt_ = INT64_MIN;
  bool sorted_ = true;
};

// Per-block summary kept in the chunk header (and, without the sizes, in the chunk index).
struct BlockMeta {
  int64_t mint = 0;
  int64_t maxt = 0;
  uint32_t entries = 0;
  uint32_t raw_len = 0;   // decompressed bytes
  uint32_t comp_len = 0;  // stored bytes
  uint32_t crc = 0;       // CRC-32C of the stored bytes
  uint64_t bytes = 0;     // lines + metadata (not stored in the chunk; see FORMAT.md)
};

struct CompressedBlock {
  BlockMeta meta;
  std::string data;
};

class DecodedBlock;

// Sorts `head` by timestamp and compresses it. kInvalidArgument for an empty block or one over
// kMaxBlockRawBytes; kInternal if the codec fails.
Status CompressBlock(const HeadBlock& head, BlockCodec codec, int level, CompressedBlock* out);

// Checks a compressed block's checksum, decompresses it and parses it into *out (kCorruption on
// any mismatch, as ChunkReader::ReadBlock).
Status DecompressBlock(BlockCodec codec, const BlockMeta& meta, std::string_view data,
                       DecodedBlock* out);

// Chunk bytes from blocks (in the order given; they may overlap in time).
std::string EncodeChunk(BlockCodec codec, const std::vector<const CompressedBlock*>& blocks);

// A decompressed block parsed into columns.
class DecodedBlock {
 public:
  size_t size() const { return ts_.size(); }
  int64_t ts(size_t i) const { return ts_[i]; }
  std::string_view line(size_t i) const {
    return lines_.substr(line_off_[i], line_off_[i + 1] - line_off_[i]);
  }
  std::string_view metadata(size_t i) const {
    return md_.substr(md_off_[i], md_off_[i + 1] - md_off_[i]);
  }
  // All lines back to back (entry i at [line_offset(i), line_offset(i + 1))).
  std::string_view lines() const { return lines_; }
  uint32_t line_offset(size_t i) const { return line_off_[i]; }
  // First index with ts >= t (ts are sorted when parsed with require_sorted).
  size_t LowerBound(int64_t t) const;
  // First index with ts > t.
  size_t UpperBound(int64_t t) const;

  // Parses raw block bytes (taking ownership). kCorruption if malformed or, with
  // `require_sorted`, if timestamps go backwards.
  Status Parse(std::string raw, bool require_sorted);

 private:
  std::string buf_;
  std::vector<int64_t> ts_;
  std::vector<uint32_t> line_off_;
  std::vector<uint32_t> md_off_;
  std::string_view lines_;
  std::string_view md_;
};

// Read access to one chunk's bytes (which must outlive the reader).
class ChunkReader {
 public:
  // Validates the header and its checksum and that the blocks fit the bytes. kCorruption
  // otherwise.
  static Result<ChunkReader> Open(std::string_view bytes);

  BlockCodec codec() const { return codec_; }
  size_t num_blocks() const { return blocks_.size(); }
  const BlockMeta& block(size_t i) const { return blocks_[i]; }
  int64_t mint() const { return mint_; }
  int64_t maxt() const { return maxt_; }
  uint64_t entries() const { return entries_; }

  // Checks the block's checksum, decompresses and parses it into *out. kCorruption on a bad
  // checksum, a failed decompression, a size mismatch, unsorted timestamps or timestamps
  // outside the block's [mint, maxt].
  Status ReadBlock(size_t i, DecodedBlock* out) const;

 private:
  std::string_view bytes_;
  BlockCodec codec_ = BlockCodec::kNone;
  std::vector<BlockMeta> blocks_;
  std::vector<uint64_t> offsets_;  // start of each block's data in bytes_
  int64_t mint_ = INT64_MAX;
  int64_t maxt_ = INT64_MIN;
  uint64_t entries_ = 0;
};

// --- implementation of the template above ---

}  // namespace loupe::storage::logstore

#include "storage/base/coding.h"

namespace loupe::storage::logstore {

template <typename Fn>
bool ForEachMetadata(std::string_view bytes, Fn&& fn) {
  if (bytes.empty()) return true;
  uint64_t n;
  if (!GetVarint64(&bytes, &n) || n > bytes.size()) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name, value;
    if (!GetLengthPrefixed(&bytes, &name) || !GetLengthPrefixed(&bytes, &value)) return false;
    fn(name, value);
  }
  return bytes.empty();
}

}  // namespace loupe::storage::logstore
