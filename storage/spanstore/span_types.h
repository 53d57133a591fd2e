// Value types shared by the span store's codecs, index and query API: trace and span ids, span
// kinds and status codes (OTLP numbering), attribute value types, discard reasons with Tempo's
// metric label values.
//
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace loupe::storage::spanstore {

// A 16-byte trace id in wire byte order (the order its hex form is printed in).
struct TraceId {
  std::array<uint8_t, 16> bytes{};

  static TraceId FromBytes(std::string_view b) {  // b.size() must be 16
    TraceId t;
    std::memcpy(t.bytes.data(), b.data(), 16);
    return t;
  }
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(bytes.data()), 16);
  }
  bool IsZero() const {
    for (uint8_t b : bytes) {
      if (b) return false;
    }
    return true;
  }
  std::string Hex() const;
  friend bool operator==(const TraceId& a, const TraceId& b) { return a.bytes == b.bytes; }
  friend bool operator<(const TraceId& a, const TraceId& b) { return a.bytes < b.bytes; }
  template <typename H>
  friend H AbslHashValue(H h, const TraceId& t) {
    return H::combine_contiguous(std::move(h), t.bytes.data(), 16);
  }
};

// Span ids are kept as the big-endian integer of their 8 bytes (0 = none), so numeric order is
// byte order and SpanIdHex prints the wire form.
uint64_t SpanIdFromBytes(std::string_view b);  // b.size() == 8; other sizes: 0
std::string SpanIdBytes(uint64_t id);          // 8 bytes
std::string SpanIdHex(uint64_t id);            // 16 lowercase hex digits
std::string HexEncode(std::string_view bytes);

// OTLP numbering.
enum class SpanKind : uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};
enum class SpanStatus : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

std::string_view SpanKindName(SpanKind k);      // TraceQL spelling: "server", "unspecified", ...
std::string_view SpanStatusName(SpanStatus s);  // "unset", "ok", "error"

// Attribute value types as stored. kArray, kKvList and kBytes keep the encoded value (see
// batch_codec.h); kEmpty is an AnyValue with nothing set.
enum class ValueType : uint8_t {
  kEmpty = 0,
  kString = 1,
  kBool = 2,
  kInt = 3,
  kDouble = 4,
  kBytes = 5,
  kArray = 6,
  kKvList = 7,
};
inline constexpr int kNumValueTypes = 8;
std::string_view ValueTypeName(ValueType t);  // "string", "int", "float", "bool", ...

// Where an attribute lives. kNone (TraceQL's unscoped `.attr`) means span or resource.
enum class Scope : uint8_t {
  kNone = 0,
  kResource = 1,
  kSpan = 2,
  kEvent = 3,
  kLink = 4,
  kInstrumentation = 5,
};
std::string_view ScopeName(Scope s);  // "resource", "span", "event", "link", "instrumentation"

// Why spans were discarded, as Tempo's tempo_discarded_spans_total{reason} labels them.
enum class DiscardReason : uint8_t {
  kInvalidTraceId = 0,  // not 16 bytes, or all zero
  kInvalidSpanId,       // not 8 bytes, or all zero
  kTraceTooLarge,       // max_bytes_per_trace
  kLiveTracesExceeded,  // max_live_traces
  kCount,
};
std::string_view DiscardReasonLabel(DiscardReason r);  // "invalid_trace_id", ...

}  // namespace loupe::storage::spanstore
