// XOR chunk encoder and decoder. Layout: FORMAT.md. Algorithm: Pelkonen et al., "Gorilla: A Fast,
// Scalable, In-Memory Time Series Database", VLDB 2015, sections 4.1.1 and 4.1.2, with
// Prometheus's millisecond delta-of-delta buckets (14/17/20/64 bits instead of 7/9/12/32).
#include "storage/tsdb/chunkenc/xor_chunk.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "storage/base/coding.h"

namespace loupe::storage::tsdb {
namespace {

int HeaderCount(std::string_view bytes) {
  return (static_cast<unsigned char>(bytes[0]) << 8) | static_cast<unsigned char>(bytes[1]);
}

void SetHeaderCount(std::string* bytes, int n) {
  (*bytes)[0] = static_cast<char>((n >> 8) & 0xff);
  (*bytes)[1] = static_cast<char>(n & 0xff);
}

// Smallest first sample: a 1-byte varint timestamp and 64 value bits.
constexpr size_t kMinFirstSampleBytes = 1 + 8;

// Whether `dod` fits the `nbits` bucket. The range is asymmetric, [-(2^(n-1) - 1), 2^(n-1)],
// because the decoder reads n-bit values above 2^(n-1) as negative (see Next()).
bool FitsBucket(int64_t dod, int nbits) {
  const int64_t half = int64_t{1} << (nbits - 1);
  return dod >= -(half - 1) && dod <= half;
}

void WriteVarintBytes(uint64_t v, BitWriter* w) {
  // Byte by byte through the bit writer, so the padding rule matches Prometheus's writeByte.
  while (v >= 0x80) {
    w->WriteByte(static_cast<uint8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  w->WriteByte(static_cast<uint8_t>(v));
}

// After the last sample, at bit `pos` of the `stream` (the bytes after the header), only zero
// padding may follow: the rest of the current byte, plus at most one whole zero byte when `pos`
// is on a byte boundary (the encoder's pad byte). Returns the appender's free bit count there.
Result<int> TailFreeBits(std::string_view stream, uint64_t pos) {
  const uint64_t full = pos / 8;
  const int rem = static_cast<int>(pos % 8);
  const auto byte_at = [&](uint64_t i) { return static_cast<unsigned char>(stream[i]); };
  if (rem != 0) {
    if (stream.size() != full + 1) {
      return Status::Corruption("xor chunk: " + std::to_string(stream.size() - full - 1) +
                                " unexpected bytes after the last sample");
    }
    if ((byte_at(full) & ((1u << (8 - rem)) - 1)) != 0) {
      return Status::Corruption("xor chunk: non-zero padding bits after the last sample");
    }
    return 8 - rem;
  }
  if (stream.size() == full) return 0;
  if (stream.size() == full + 1 && byte_at(full) == 0) return 8;
  return Status::Corruption("xor chunk: " + std::to_string(stream.size() - full) +
                            " unexpected bytes after the last sample");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// XorChunk

// Prometheus reserves the same 128 bytes for a new chunk.
XorChunk::XorChunk() : bytes_(kXorChunkHeaderSize, '\0') { bytes_.reserve(128); }

Result<XorChunk> XorChunk::FromBytes(std::string bytes) {
  if (bytes.size() < kXorChunkHeaderSize) {
    return Status::Corruption("xor chunk: " + std::to_string(bytes.size()) +
                              " bytes, shorter than the 2-byte header");
  }
  const int n = HeaderCount(bytes);
  if (n == 0 && bytes.size() != kXorChunkHeaderSize) {
    return Status::Corruption("xor chunk: header counts 0 samples but " +
                              std::to_string(bytes.size() - kXorChunkHeaderSize) +
                              " data bytes follow");
  }
  if (n > 0 && bytes.size() < kXorChunkHeaderSize + kMinFirstSampleBytes) {
    return Status::Corruption("xor chunk: header counts " + std::to_string(n) +
                              " samples but only " + std::to_string(bytes.size()) + " bytes");
  }
  return XorChunk(std::move(bytes));
}

int XorChunk::NumSamples() const { return HeaderCount(bytes_); }

XorIterator XorChunk::Iterator() const { return XorIterator(bytes_); }

Status XorChunk::Validate() const {
  XorIterator it = Iterator();
  while (it.Next()) {
  }
  LOUPE_RETURN_IF_ERROR(it.Err());
  return TailFreeBits(std::string_view(bytes_).substr(kXorChunkHeaderSize), it.reader_.position())
      .status();
}

Result<XorAppender> XorChunk::Appender() {
  XorAppender app(this);
  if (NumSamples() == 0) {
    if (bytes_.size() != kXorChunkHeaderSize) {
      return Status::Corruption("xor chunk: header counts 0 samples but data bytes follow");
    }
    return app;
  }
  // Replay the chunk: the appender continues from the decoder's final state.
  XorIterator it = Iterator();
  while (it.Next()) {
  }
  LOUPE_RETURN_IF_ERROR(it.Err());
  LOUPE_ASSIGN_OR_RETURN(
      app.free_bits_,
      TailFreeBits(std::string_view(bytes_).substr(kXorChunkHeaderSize), it.reader_.position()));
  app.t_ = it.t_;
  app.t_delta_ = it.t_delta_;
  app.v_bits_ = it.v_bits_;
  // Without a window header so far (all values equal), the encoder must still write a full one
  // next, exactly as an uninterrupted appender would.
  if (it.window_set_) {
    app.leading_ = it.leading_;
    app.trailing_ = it.trailing_;
  }
  return app;
}

// ---------------------------------------------------------------------------------------------
// XorAppender

int XorAppender::NumSamples() const { return chunk_->NumSamples(); }

double XorAppender::LastV() const { return std::bit_cast<double>(v_bits_); }

Status XorAppender::Append(int64_t t, double v) {
  std::string* bytes = &chunk_->bytes_;
  const int num = HeaderCount(*bytes);
  if (num >= kXorChunkMaxSamples) {
    return Status::FailedPrecondition("xor chunk is full (" + std::to_string(num) + " samples)");
  }
  BitWriter w(bytes, free_bits_);
  const auto v_bits = std::bit_cast<uint64_t>(v);
  // Deltas are modulo 2^64 so that any timestamp sequence round-trips without overflow.
  const uint64_t t_delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);

  if (num == 0) {
    WriteVarintBytes(ZigZagEncode64(t), &w);
    w.WriteBits(v_bits, 64);
  } else if (num == 1) {
    WriteVarintBytes(t_delta, &w);
    WriteValue(v_bits, &w);
  } else {
    const auto dod = static_cast<int64_t>(t_delta - t_delta_);
    if (dod == 0) {
      w.WriteBit(false);
    } else if (FitsBucket(dod, 14)) {
      w.WriteBits(0b10, 2);
      w.WriteBits(static_cast<uint64_t>(dod), 14);
    } else if (FitsBucket(dod, 17)) {
      w.WriteBits(0b110, 3);
      w.WriteBits(static_cast<uint64_t>(dod), 17);
    } else if (FitsBucket(dod, 20)) {
      w.WriteBits(0b1110, 4);
      w.WriteBits(static_cast<uint64_t>(dod), 20);
    } else {
      w.WriteBits(0b1111, 4);
      w.WriteBits(static_cast<uint64_t>(dod), 64);
    }
    WriteValue(v_bits, &w);
  }

  t_ = t;
  t_delta_ = t_delta;
  v_bits_ = v_bits;
  free_bits_ = w.free_bits();
  SetHeaderCount(bytes, num + 1);
  return Status::OK();
}

void XorAppender::WriteValue(uint64_t v_bits, BitWriter* w) {
  const uint64_t x = v_bits ^ v_bits_;
  if (x == 0) {
    w->WriteBit(false);
    return;
  }
  // The leading-zero count has 5 bits; clamping keeps the window valid (it just grows).
  const int leading = std::min(std::countl_zero(x), 31);
  const int trailing = std::countr_zero(x);
  if (leading_ != kNoWindow && leading >= leading_ && trailing >= trailing_) {
    // The meaningful bits fit the previous window: control bits 10, then the window's bits.
    w->WriteBits(0b10, 2);
    w->WriteBits(x >> trailing_, 64 - leading_ - trailing_);
    return;
  }
  leading_ = static_cast<uint8_t>(leading);
  trailing_ = static_cast<uint8_t>(trailing);
  const int sig = 64 - leading - trailing;  // 1..64; 64 is stored as 0 in 6 bits
  // Control bits 11, 5 bits of leading zeros, 6 bits of significant-bit count.
  w->WriteBits((uint64_t{0b11} << 11) | (static_cast<uint64_t>(leading) << 6) |
                   static_cast<uint64_t>(sig & 0x3f),
               13);
  w->WriteBits(x >> trailing, sig);
}

// ---------------------------------------------------------------------------------------------
// XorIterator

XorIterator::XorIterator(std::string_view chunk_bytes) {
  if (chunk_bytes.size() < kXorChunkHeaderSize) {
    err_ = Status::Corruption("xor chunk: " + std::to_string(chunk_bytes.size()) +
                              " bytes, shorter than the 2-byte header");
    return;
  }
  num_total_ = HeaderCount(chunk_bytes);
  reader_ =
      BitReader(chunk_bytes.data() + kXorChunkHeaderSize, chunk_bytes.size() - kXorChunkHeaderSize);
}

bool XorIterator::Fail(const char* what) {
  err_ = Status::Corruption("xor chunk: " + std::string(what) + " in sample " +
                            std::to_string(num_read_ + 1) + " of " + std::to_string(num_total_));
  return false;
}

namespace {

// A LEB128 varint read through the bit reader (it is byte-aligned in this format). Same limits as
// GetVarint64: at most 10 bytes, and the 10th may only carry the 64th bit.
bool ReadVarint(BitReader* r, uint64_t* out) {
  uint64_t result = 0;
  for (int i = 0; i < 10; ++i) {
    uint64_t byte;
    if (!r->ReadBits(8, &byte)) return false;
    if (byte < 0x80) {
      if (i == 9 && byte > 1) return false;
      *out = result | (byte << (7 * i));
      return true;
    }
    result |= (byte & 0x7f) << (7 * i);
  }
  return false;
}

}  // namespace

bool XorIterator::Next() {
  if (!err_.ok() || num_read_ >= num_total_) return false;

  if (num_read_ == 0) {
    uint64_t zigzag;
    if (!ReadVarint(&reader_, &zigzag)) return Fail("bad or truncated first timestamp");
    uint64_t v_bits;
    if (!reader_.ReadBits(64, &v_bits)) return Fail("truncated first value");
    t_ = ZigZagDecode64(zigzag);
    v_bits_ = v_bits;
    ++num_read_;
    return true;
  }

  if (num_read_ == 1) {
    uint64_t delta;
    if (!ReadVarint(&reader_, &delta)) return Fail("bad or truncated timestamp delta");
    t_delta_ = delta;
  } else {
    const int prefix = reader_.ReadUnaryPrefix(4);
    if (prefix < 0) return Fail("truncated timestamp");
    static constexpr int kBucketBits[5] = {0, 14, 17, 20, 64};
    const int nbits = kBucketBits[prefix];
    uint64_t dod = 0;
    if (nbits != 0) {
      if (!reader_.ReadBits(nbits, &dod)) return Fail("truncated timestamp");
      // n-bit values above 2^(n-1) are negative (two's complement in n bits).
      if (nbits < 64 && dod > (uint64_t{1} << (nbits - 1))) dod -= uint64_t{1} << nbits;
    }
    t_delta_ += dod;
  }
  t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + t_delta_);
  return ReadValue();
}

bool XorIterator::ReadValue() {
  bool changed;
  if (!reader_.ReadBit(&changed)) return Fail("truncated value");
  if (changed) {
    bool new_window;
    if (!reader_.ReadBit(&new_window)) return Fail("truncated value");
    if (new_window) {
      uint64_t header;
      if (!reader_.ReadBits(11, &header)) return Fail("truncated value");
      const int leading = static_cast<int>(header >> 6);
      int sig = static_cast<int>(header & 0x3f);
      if (sig == 0) sig = 64;
      // A valid encoder never writes a window wider than 64 bits.
      if (leading + sig > 64) return Fail("value window exceeds 64 bits");
      leading_ = static_cast<uint8_t>(leading);
      trailing_ = static_cast<uint8_t>(64 - leading - sig);
      window_set_ = true;
    }
    // Before any window header (only possible in chunks written by Prometheus's appender after
    // a restart) leading_ = trailing_ = 0: a full 64-bit XOR.
    const int sig = 64 - leading_ - trailing_;
    uint64_t x;
    if (!reader_.ReadBits(sig, &x)) return Fail("truncated value");
    v_bits_ ^= x << trailing_;
  }
  ++num_read_;
  return true;
}

bool XorIterator::Seek(int64_t t) {
  if (!err_.ok()) return false;
  while (num_read_ == 0 || t_ < t) {
    if (!Next()) return false;
  }
  return true;
}

namespace {

// Bits of a padded copy of a chunk's stream: reads past the end see zeros, so nothing is checked
// per read; DecodeXorSamples compares the position with the end once per sample.
class PaddedBits {
 public:
  PaddedBits(const uint8_t* data, uint64_t nbits) : p_(data), end_(nbits) {}
  // The 64 bits from the current position, most significant first.
  uint64_t Peek() const {
    const uint8_t* b = p_ + (pos_ >> 3);
    uint64_t w;
    std::memcpy(&w, b, 8);
    if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
    const unsigned shift = static_cast<unsigned>(pos_ & 7);
    return (w << shift) | (uint64_t{b[8]} >> (8 - shift));
  }
  void Skip(unsigned n) { pos_ += n; }
  // `n` bits (1..64) into the low bits.
  uint64_t Read(unsigned n) {
    const uint64_t v = Peek() >> (64 - n);
    pos_ += n;
    return v;
  }
  bool Overrun() const { return pos_ > end_; }
  bool AtEnd() const { return pos_ >= end_; }
  uint64_t pos() const { return pos_; }

 private:
  const uint8_t* p_;
  uint64_t end_;
  uint64_t pos_ = 0;
};

// A byte-aligned LEB128 varint (as ReadVarint above); false when malformed.
bool ReadPaddedVarint(PaddedBits* r, uint64_t* out) {
  uint64_t result = 0;
  for (int i = 0; i < 10; ++i) {
    const uint64_t byte = r->Read(8);
    if (byte < 0x80) {
      if (i == 9 && byte > 1) return false;
      *out = result | (byte << (7 * i));
      return true;
    }
    result |= (byte & 0x7f) << (7 * i);
  }
  return false;
}

// Padding after the copied stream: one sample reads at most 4 + 64 + 2 + 11 + 64 bits (a
// varint: 80), and Peek reads 9 bytes from its position.
constexpr size_t kPad = 40;

}  // namespace

Status DecodeXorSamples(std::string_view chunk_bytes, int64_t mint, int64_t maxt,
                        std::vector<Sample>* out) {
  if (chunk_bytes.size() < kXorChunkHeaderSize) {
    return Status::Corruption("xor chunk: " + std::to_string(chunk_bytes.size()) +
                              " bytes, shorter than the 2-byte header");
  }
  const int total = HeaderCount(chunk_bytes);
  if (total == 0) return Status::OK();
  const size_t n = chunk_bytes.size() - kXorChunkHeaderSize;
  uint8_t stack_buf[1024];
  std::vector<uint8_t> heap_buf;
  uint8_t* buf = stack_buf;
  if (n + kPad > sizeof(stack_buf)) {
    heap_buf.resize(n + kPad);
    buf = heap_buf.data();
  }
  std::memcpy(buf, chunk_bytes.data() + kXorChunkHeaderSize, n);
  std::memset(buf + n, 0, kPad);
  PaddedBits r(buf, uint64_t{n} * 8);
  auto corrupt = [&](const char* what, int i) {
    return Status::Corruption("xor chunk: " + std::string(what) + " in sample " + std::to_string(i + 1) +
                              " of " + std::to_string(total));
  };

  uint64_t zigzag;
  if (!ReadPaddedVarint(&r, &zigzag) || r.Overrun()) return corrupt("bad or truncated first timestamp", 0);
  int64_t t = ZigZagDecode64(zigzag);
  uint64_t v_bits = r.Read(64);
  if (r.Overrun()) return corrupt("truncated first value", 0);
  if (t > maxt) return Status::OK();
  if (t >= mint) out->push_back({t, std::bit_cast<double>(v_bits)});

  static constexpr unsigned kBucketBits[5] = {0, 14, 17, 20, 64};
  uint64_t t_delta = 0;
  unsigned leading = 0, trailing = 0;
  for (int i = 1; i < total; ++i) {
    if (i == 1) {
      if (!ReadPaddedVarint(&r, &t_delta) || r.Overrun()) return corrupt("bad or truncated timestamp delta", i);
    } else {
      const uint64_t w = r.Peek();
      const unsigned ones = static_cast<unsigned>(std::countl_one(w));
      const unsigned prefix = ones >= 4 ? 4 : ones;
      r.Skip(prefix == 4 ? 4 : prefix + 1);
      const unsigned nbits = kBucketBits[prefix];
      if (nbits != 0) {
        uint64_t dod = r.Read(nbits);
        // n-bit values above 2^(n-1) are negative (two's complement in n bits).
        if (nbits < 64 && dod > (uint64_t{1} << (nbits - 1))) dod -= uint64_t{1} << nbits;
        t_delta += dod;
      }
      if (r.Overrun()) return corrupt("truncated timestamp", i);
    }
    t = static_cast<int64_t>(static_cast<uint64_t>(t) + t_delta);
    // The value: '0' unchanged; '10' XOR in the current window; '11' + 5-bit leading + 6-bit
    // width, then the XOR.
    const uint64_t w = r.Peek();
    if (w >> 63) {
      if ((w >> 62) & 1) {
        const unsigned header = static_cast<unsigned>((w >> 51) & 0x7ff);
        const unsigned lead = header >> 6;
        unsigned sig = header & 0x3f;
        if (sig == 0) sig = 64;
        r.Skip(13);
        if (lead + sig > 64) {
          if (r.Overrun()) return corrupt("truncated value", i);
          return corrupt("value window exceeds 64 bits", i);
        }
        leading = lead;
        trailing = 64 - lead - sig;
      } else {
        r.Skip(2);
      }
      v_bits ^= r.Read(64 - leading - trailing) << trailing;
    } else {
      r.Skip(1);
    }
    if (r.Overrun()) return corrupt("truncated value", i);
    if (t > maxt) return Status::OK();
    if (t >= mint) out->push_back({t, std::bit_cast<double>(v_bits)});
  }
  return Status::OK();
}

}  // namespace loupe::storage::tsdb
