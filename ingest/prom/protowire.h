// ProtoReader: a bounds-checked reader of the protobuf wire format over a byte view, for decoders
// on hot paths that must not allocate (remote write, and later other push formats).
// Usage: for (ProtoReader r(buf); r.Next();) switch (r.field()) {...}; then check r.ok().
// Any malformed or truncated input makes Next() return false with ok() false.
#pragma once

#include <cstdint>
#include <string_view>

#include "storage/base/coding.h"

namespace loupe::ingest::prom {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLen = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5 };

class ProtoReader {
 public:
  explicit ProtoReader(std::string_view buf) : in_(buf) {}

  // Reads the next tag and its value; false at the end or on error.
  bool Next() {
    if (in_.empty() || !ok_) return false;
    uint64_t tag;
    if (!GetVarint64(&in_, &tag)) return Fail();
    field_ = static_cast<uint32_t>(tag >> 3);
    wire_ = static_cast<WireType>(tag & 7);
    if (field_ == 0) return Fail();
    switch (wire_) {
      case WireType::kVarint:
        return GetVarint64(&in_, &varint_) || Fail();
      case WireType::kFixed64:
        return GetFixed64(&in_, &varint_) || Fail();
      case WireType::kFixed32: {
        uint32_t v;
        if (!GetFixed32(&in_, &v)) return Fail();
        varint_ = v;
        return true;
      }
      case WireType::kLen:
        return GetLengthPrefixed(&in_, &bytes_) || Fail();
      default:
        return Fail();  // groups are not used by any format we read
    }
  }

  uint32_t field() const { return field_; }
  WireType wire_type() const { return wire_; }
  uint64_t varint() const { return varint_; }
  uint64_t fixed64() const { return varint_; }
  uint32_t fixed32() const { return static_cast<uint32_t>(varint_); }
  std::string_view bytes() const { return bytes_; }
  // The value was already consumed by Next(); kept for readability at call sites.
  bool Skip() const { return ok_; }
  bool ok() const { return ok_; }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }
  std::string_view in_;
  uint32_t field_ = 0;
  WireType wire_ = WireType::kVarint;
  uint64_t varint_ = 0;
  std::string_view bytes_;
  bool ok_ = true;
};

}  // namespace loupe::ingest::prom
