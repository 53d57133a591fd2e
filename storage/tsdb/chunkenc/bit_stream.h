// Bit-granular writer and reader for the chunk encodings (most significant bit first).
//
// BitWriter appends to a std::string that the caller owns; BitReader reads a byte range it does
// not own. Both are header-only so the per-sample loops inline.
//
// Byte-compatibility note: Prometheus's bstream, after writing a run of whole bytes that ends on a
// byte boundary, leaves one more zero byte at the end of the stream (8 free bits), where a
// bit-by-bit write ending on the same boundary does not. BitWriter reproduces this so that loupe
// and Prometheus produce identical chunk bytes for the same samples; the extra byte never changes
// what is decoded.
//
// Thread-safety: none; a writer or reader is used by one thread at a time.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace loupe::storage::tsdb {

class BitWriter {
 public:
  // Appends to `*out` (not owned; must outlive the writer). `free_bits` is the number of unused
  // low-order bits in the last byte of `*out` (0..8; 8 means the last byte is an untouched pad
  // byte); those bits must be zero.
  explicit BitWriter(std::string* out, int free_bits = 0) : out_(out), free_(free_bits) {}

  // Writes the low `nbits` bits of `value` (0 <= nbits <= 64), most significant first. Higher
  // bits of `value` are ignored.
  void WriteBits(uint64_t value, int nbits) {
    const bool whole_bytes = nbits > 0 && nbits % 8 == 0;
    while (nbits > 0) {
      if (free_ == 0) {
        out_->push_back('\0');
        free_ = 8;
      }
      const int take = nbits < free_ ? nbits : free_;
      const auto piece = static_cast<unsigned>((value >> (nbits - take)) & ((1u << take) - 1));
      out_->back() =
          static_cast<char>(static_cast<unsigned char>(out_->back()) | (piece << (free_ - take)));
      free_ -= take;
      nbits -= take;
    }
    if (whole_bytes && free_ == 0) {  // see the byte-compatibility note above
      out_->push_back('\0');
      free_ = 8;
    }
  }
  void WriteBit(bool bit) { WriteBits(bit ? 1 : 0, 1); }
  void WriteByte(uint8_t byte) { WriteBits(byte, 8); }

  int free_bits() const { return free_; }

 private:
  std::string* out_;
  int free_;
};

class BitReader {
 public:
  BitReader() = default;
  // Reads the first `nbits` bits of `data` (nbits <= 8 * size). `data` must outlive the reader.
  BitReader(const char* data, size_t size, uint64_t nbits)
      : data_(reinterpret_cast<const uint8_t*>(data)), size_(size), end_(nbits) {}
  BitReader(const char* data, size_t size) : BitReader(data, size, uint64_t{size} * 8) {}

  uint64_t position() const { return pos_; }
  uint64_t bits_left() const { return end_ - pos_; }

  // Reads `nbits` (1..64) bits into the low bits of `*out`. Returns false, consuming nothing,
  // when fewer than `nbits` bits are left.
  bool ReadBits(int nbits, uint64_t* out) {
    if (static_cast<uint64_t>(nbits) > end_ - pos_) return false;
    *out = Peek64() >> (64 - nbits);
    pos_ += static_cast<uint64_t>(nbits);
    return true;
  }
  bool ReadBit(bool* out) {
    if (pos_ == end_) return false;
    *out = (data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1;
    ++pos_;
    return true;
  }
  // Number of leading one bits at the current position, stopping after `max` ones or at the first
  // zero (which is consumed too). Returns -1, consuming nothing, if the stream ends first.
  int ReadUnaryPrefix(int max) {
    const uint64_t avail = end_ - pos_;
    const uint64_t word = Peek64();
    const int ones = std::countl_one(word);
    if (ones >= max) {
      if (avail < static_cast<uint64_t>(max)) return -1;
      pos_ += static_cast<uint64_t>(max);
      return max;
    }
    if (avail < static_cast<uint64_t>(ones) + 1) return -1;
    pos_ += static_cast<uint64_t>(ones) + 1;
    return ones;
  }

 private:
  // The 64 bits starting at pos_, most significant first; bits past the data read as zero.
  uint64_t Peek64() const {
    const size_t byte = static_cast<size_t>(pos_ >> 3);
    const unsigned shift = static_cast<unsigned>(pos_ & 7);
    uint64_t w = 0;
    if (byte + 9 <= size_) {
      std::memcpy(&w, data_ + byte, 8);
      if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
      if (shift != 0) w = (w << shift) | (data_[byte + 8] >> (8 - shift));
      return w;
    }
    for (size_t i = 0; i < 9; ++i) {
      const uint64_t b = byte + i < size_ ? data_[byte + i] : 0;
      const int at = 56 - 8 * static_cast<int>(i) + static_cast<int>(shift);
      if (at >= 0) {
        if (at < 64) w |= b << at;
      } else {
        w |= b >> -at;
      }
    }
    return w;
  }

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint64_t end_ = 0;
  uint64_t pos_ = 0;
};

}  // namespace loupe::storage::tsdb
