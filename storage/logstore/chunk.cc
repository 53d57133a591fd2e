#include "storage/logstore/chunk.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>

#include "storage/base/coding.h"
#include "storage/base/crc32c.h"

namespace loupe::storage::logstore {
namespace {

constexpr char kMagic[4] = {'L', 'G', 'C', '1'};

Status Corrupt(const std::string& what) { return Status::Corruption("log chunk: " + what); }

// One decompression context per thread: creating one costs more than decompressing a small block.
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(),
                                                                      ZSTD_freeDCtx);
  return ctx.get();
}
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> ctx(ZSTD_createCCtx(),
                                                                      ZSTD_freeCCtx);
  return ctx.get();
}

}  // namespace

void EncodeMetadata(const model::LabelRef* labels, size_t n, std::string* out) {
  if (n == 0) return;
  PutVarint64(out, n);
  for (size_t i = 0; i < n; ++i) {
    PutLengthPrefixed(out, labels[i].name);
    PutLengthPrefixed(out, labels[i].value);
  }
}

model::Labels MetadataToLabels(std::string_view bytes) {
  std::vector<model::Label> out;
  if (!ForEachMetadata(bytes, [&](std::string_view n, std::string_view v) {
        out.push_back({std::string(n), std::string(v)});
      })) {
    return {};
  }
  return model::Labels::FromUnsorted(std::move(out));
}

bool ValidMetadata(std::string_view bytes) {
  return ForEachMetadata(bytes, [](std::string_view, std::string_view) {});
}

// --- HeadBlock ----------------------------------------------------------------------------

void HeadBlock::Append(int64_t ts, std::string_view line, std::string_view metadata) {
  if (!ts_.empty() && ts < ts_.back()) sorted_ = false;
  ts_.push_back(ts);
  lines_.append(line);
  md_.append(metadata);
  line_end_.push_back(static_cast<uint32_t>(lines_.size()));
  md_end_.push_back(static_cast<uint32_t>(md_.size()));
  mint_ = std::min(mint_, ts);
  maxt_ = std::max(maxt_, ts);
}

std::string_view HeadBlock::line(size_t i) const {
  const uint32_t begin = i == 0 ? 0 : line_end_[i - 1];
  return std::string_view(lines_).substr(begin, line_end_[i] - begin);
}

std::string_view HeadBlock::metadata(size_t i) const {
  const uint32_t begin = i == 0 ? 0 : md_end_[i - 1];
  return std::string_view(md_).substr(begin, md_end_[i] - begin);
}

void HeadBlock::Clear() {
  ts_.clear();
  line_end_.clear();
  md_end_.clear();
  lines_.clear();
  md_.clear();
  // Give back large buffers: a stream that was busy once should not pin its peak forever.
  if (lines_.capacity() > (1u << 20)) std::string().swap(lines_);
  mint_ = INT64_MAX;
  maxt_ = INT64_MIN;
  sorted_ = true;
}

uint64_t HeadBlock::MemoryBytes() const {
  return ts_.capacity() * sizeof(int64_t) + (line_end_.capacity() + md_end_.capacity()) * 4 +
         lines_.capacity() + md_.capacity();
}

void HeadBlock::EncodeRaw(bool sort, int64_t start, int64_t end, std::string* out,
                          uint32_t* entries) const {
  std::vector<uint32_t> order;
  order.reserve(ts_.size());
  for (uint32_t i = 0; i < ts_.size(); ++i) {
    if (ts_[i] >= start && ts_[i] <= end) order.push_back(i);
  }
  if (sort && !sorted_) {
    std::stable_sort(order.begin(), order.end(),
                     [this](uint32_t a, uint32_t b) { return ts_[a] < ts_[b]; });
  }
  *entries = static_cast<uint32_t>(order.size());
  out->clear();
  uint64_t payload = 0;
  for (uint32_t i : order) payload += line(i).size() + metadata(i).size();
  out->reserve(payload + order.size() * 8 + 16);
  PutVarint64(out, order.size());
  int64_t prev = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const int64_t t = ts_[order[k]];
    PutSignedVarint64(
        out,
        k == 0 ? t : static_cast<int64_t>(static_cast<uint64_t>(t) - static_cast<uint64_t>(prev)));
    prev = t;
  }
  for (uint32_t i : order) PutVarint64(out, line(i).size());
  for (uint32_t i : order) PutVarint64(out, metadata(i).size());
  for (uint32_t i : order) out->append(metadata(i));
  for (uint32_t i : order) out->append(line(i));
}

Status HeadBlock::DecodeRaw(std::string_view raw) {
  DecodedBlock b;
  LOUPE_RETURN_IF_ERROR(b.Parse(std::string(raw), /*require_sorted=*/false));
  Clear();
  for (size_t i = 0; i < b.size(); ++i) Append(b.ts(i), b.line(i), b.metadata(i));
  return Status::OK();
}

// --- Blocks and chunks --------------------------------------------------------------------

Status CompressBlock(const HeadBlock& head, BlockCodec codec, int level, CompressedBlock* out) {
  if (head.empty()) return Status::InvalidArgument("log chunk: empty block");
  std::string raw;
  uint32_t n = 0;
  head.EncodeRaw(/*sort=*/true, INT64_MIN, INT64_MAX, &raw, &n);
  if (raw.size() > kMaxBlockRawBytes) return Status::InvalidArgument("log chunk: block too large");
  out->meta.mint = head.mint();
  out->meta.maxt = head.maxt();
  out->meta.entries = n;
  out->meta.raw_len = static_cast<uint32_t>(raw.size());
  out->meta.bytes = head.bytes();
  if (codec == BlockCodec::kZstd) {
    out->data.resize(ZSTD_compressBound(raw.size()));
    const size_t rc = ZSTD_compressCCtx(ThreadCCtx(), out->data.data(), out->data.size(),
                                        raw.data(), raw.size(), level);
    if (ZSTD_isError(rc)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(rc));
    out->data.resize(rc);
    out->data.shrink_to_fit();
  } else {
    out->data = std::move(raw);
  }
  out->meta.comp_len = static_cast<uint32_t>(out->data.size());
  out->meta.crc = Crc32c(out->data);
  return Status::OK();
}

std::string EncodeChunk(BlockCodec codec, const std::vector<const CompressedBlock*>& blocks) {
  std::string out;
  size_t data = 0;
  for (const auto* b : blocks) data += b->data.size();
  out.reserve(16 + blocks.size() * 24 + data);
  out.append(kMagic, 4);
  out.push_back(static_cast<char>(codec));
  PutVarint64(&out, blocks.size());
  for (const auto* b : blocks) {
    PutSignedVarint64(&out, b->meta.mint);
    PutVarint64(&out, static_cast<uint64_t>(b->meta.maxt) - static_cast<uint64_t>(b->meta.mint));
    PutVarint64(&out, b->meta.entries);
    PutVarint64(&out, b->meta.raw_len);
    PutVarint64(&out, b->meta.comp_len);
    PutFixed32(&out, b->meta.crc);
  }
  PutFixed32(&out, Crc32c(out));
  for (const auto* b : blocks) out.append(b->data);
  return out;
}

Result<ChunkReader> ChunkReader::Open(std::string_view bytes) {
  ChunkReader r;
  r.bytes_ = bytes;
  std::string_view in = bytes;
  if (in.size() < 5 || std::memcmp(in.data(), kMagic, 4) != 0) return Corrupt("bad magic");
  const auto codec = static_cast<uint8_t>(in[4]);
  if (codec > static_cast<uint8_t>(BlockCodec::kZstd))
    return Corrupt("unknown codec " + std::to_string(codec));
  r.codec_ = static_cast<BlockCodec>(codec);
  in.remove_prefix(5);
  uint64_t n;
  if (!GetVarint64(&in, &n) || n == 0 || n > kMaxBlocksPerChunk || n > in.size()) {
    return Corrupt("bad block count");
  }
  r.blocks_.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    BlockMeta m;
    uint64_t span, entries, raw_len, comp_len;
    if (!GetSignedVarint64(&in, &m.mint) || !GetVarint64(&in, &span) ||
        !GetVarint64(&in, &entries) || !GetVarint64(&in, &raw_len) ||
        !GetVarint64(&in, &comp_len) || !GetFixed32(&in, &m.crc)) {
      return Corrupt("truncated header");
    }
    const uint64_t maxt = static_cast<uint64_t>(m.mint) + span;
    if (static_cast<int64_t>(maxt) < m.mint) {
      return Corrupt("bad block time range");
    }
    if (entries == 0 || entries > raw_len || raw_len > kMaxBlockRawBytes ||
        comp_len > bytes.size()) {
      return Corrupt("bad block sizes");
    }
    m.maxt = static_cast<int64_t>(maxt);
    m.entries = static_cast<uint32_t>(entries);
    m.raw_len = static_cast<uint32_t>(raw_len);
    m.comp_len = static_cast<uint32_t>(comp_len);
    r.blocks_.push_back(m);
  }
  const size_t header_len = bytes.size() - in.size();
  uint32_t crc;
  if (!GetFixed32(&in, &crc)) return Corrupt("truncated header");
  if (crc != Crc32cExtend(0, bytes.data(), header_len)) return Corrupt("header checksum mismatch");
  uint64_t offset = bytes.size() - in.size();
  for (auto& m : r.blocks_) {
    r.offsets_.push_back(offset);
    offset += m.comp_len;
    r.mint_ = std::min(r.mint_, m.mint);
    r.maxt_ = std::max(r.maxt_, m.maxt);
    r.entries_ += m.entries;
  }
  if (offset != bytes.size()) return Corrupt("block data does not match the header");
  return r;
}

Status ChunkReader::ReadBlock(size_t i, DecodedBlock* out) const {
  if (i >= blocks_.size())
    return Status::InvalidArgument("log chunk: no block " + std::to_string(i));
  const Status s =
      DecompressBlock(codec_, blocks_[i], bytes_.substr(offsets_[i], blocks_[i].comp_len), out);
  return s.ok() ? s : s.WithContext("block " + std::to_string(i));
}

Status DecompressBlock(BlockCodec codec, const BlockMeta& m, std::string_view data,
                       DecodedBlock* out) {
  if (data.size() != m.comp_len || Crc32c(data) != m.crc) return Corrupt("block checksum mismatch");
  if (m.raw_len > kMaxBlockRawBytes) return Corrupt("block too large");
  std::string raw;
  if (codec == BlockCodec::kZstd) {
    const unsigned long long declared = ZSTD_getFrameContentSize(data.data(), data.size());
    if (declared != m.raw_len) return Corrupt("block size mismatch");
    raw.resize(m.raw_len);
    const size_t rc =
        ZSTD_decompressDCtx(ThreadDCtx(), raw.data(), raw.size(), data.data(), data.size());
    if (ZSTD_isError(rc) || rc != m.raw_len) return Corrupt("block does not decompress");
  } else {
    if (m.comp_len != m.raw_len) return Corrupt("block size mismatch");
    raw.assign(data);
  }
  LOUPE_RETURN_IF_ERROR(out->Parse(std::move(raw), /*require_sorted=*/true));
  if (out->size() != m.entries || out->ts(0) < m.mint || out->ts(out->size() - 1) > m.maxt) {
    return Corrupt("block does not match its header");
  }
  return Status::OK();
}

// --- DecodedBlock -------------------------------------------------------------------------

Status DecodedBlock::Parse(std::string raw, bool require_sorted) {
  buf_ = std::move(raw);
  ts_.clear();
  line_off_.clear();
  md_off_.clear();
  lines_ = md_ = {};
  std::string_view in = buf_;
  uint64_t n;
  // Each entry takes at least three bytes (ts, line length, metadata length).
  if (!GetVarint64(&in, &n) || n > in.size() / 3 + 1) return Corrupt("bad entry count");
  ts_.resize(n);
  int64_t prev = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t d;
    if (!GetSignedVarint64(&in, &d)) return Corrupt("truncated timestamps");
    if (i == 0) {
      prev = d;
    } else {
      // Deltas wrap modulo 2^64, so any int64 sequence round-trips; sorted blocks must not go back.
      const int64_t t =
          static_cast<int64_t>(static_cast<uint64_t>(prev) + static_cast<uint64_t>(d));
      if (require_sorted && t < prev) return Corrupt("timestamps out of order");
      prev = t;
    }
    ts_[i] = prev;
  }
  auto offsets = [&](std::vector<uint32_t>* off, uint64_t* total) -> bool {
    off->resize(n + 1);
    (*off)[0] = 0;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t len;
      if (!GetVarint64(&in, &len) || len > buf_.size()) return false;
      sum += len;
      if (sum > buf_.size()) return false;
      (*off)[i + 1] = static_cast<uint32_t>(sum);
    }
    *total = sum;
    return true;
  };
  uint64_t lines_total, md_total;
  if (!offsets(&line_off_, &lines_total) || !offsets(&md_off_, &md_total))
    return Corrupt("bad lengths");
  if (in.size() != lines_total + md_total) return Corrupt("block length mismatch");
  md_ = in.substr(0, md_total);
  lines_ = in.substr(md_total);
  return Status::OK();
}

size_t DecodedBlock::LowerBound(int64_t t) const {
  return static_cast<size_t>(std::lower_bound(ts_.begin(), ts_.end(), t) - ts_.begin());
}

size_t DecodedBlock::UpperBound(int64_t t) const {
  return static_cast<size_t>(std::upper_bound(ts_.begin(), ts_.end(), t) - ts_.begin());
}

}  // namespace loupe::storage::logstore
