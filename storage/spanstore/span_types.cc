#include "storage/spanstore/span_types.h"

namespace loupe::storage::spanstore {

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string TraceId::Hex() const { return HexEncode(view()); }

uint64_t SpanIdFromBytes(std::string_view b) {
  if (b.size() != 8) return 0;
  uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

std::string SpanIdBytes(uint64_t id) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(id & 0xff);
    id >>= 8;
  }
  return out;
}

std::string SpanIdHex(uint64_t id) { return HexEncode(SpanIdBytes(id)); }

std::string_view SpanKindName(SpanKind k) {
  switch (k) {
    case SpanKind::kUnspecified:
      return "unspecified";
    case SpanKind::kInternal:
      return "internal";
    case SpanKind::kServer:
      return "server";
    case SpanKind::kClient:
      return "client";
    case SpanKind::kProducer:
      return "producer";
    case SpanKind::kConsumer:
      return "consumer";
  }
  return "unspecified";
}

std::string_view SpanStatusName(SpanStatus s) {
  switch (s) {
    case SpanStatus::kUnset:
      return "unset";
    case SpanStatus::kOk:
      return "ok";
    case SpanStatus::kError:
      return "error";
  }
  return "unset";
}

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kEmpty:
      return "nil";
    case ValueType::kString:
      return "string";
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt:
      return "int";
    case ValueType::kDouble:
      return "float";
    case ValueType::kBytes:
      return "bytes";
    case ValueType::kArray:
      return "array";
    case ValueType::kKvList:
      return "kvlist";
  }
  return "nil";
}

std::string_view ScopeName(Scope s) {
  switch (s) {
    case Scope::kNone:
      return "none";
    case Scope::kResource:
      return "resource";
    case Scope::kSpan:
      return "span";
    case Scope::kEvent:
      return "event";
    case Scope::kLink:
      return "link";
    case Scope::kInstrumentation:
      return "instrumentation";
  }
  return "none";
}

std::string_view DiscardReasonLabel(DiscardReason r) {
  switch (r) {
    case DiscardReason::kInvalidTraceId:
      return "invalid_trace_id";
    case DiscardReason::kInvalidSpanId:
      return "invalid_span_id";
    case DiscardReason::kTraceTooLarge:
      return "trace_too_large";
    case DiscardReason::kLiveTracesExceeded:
      return "live_traces_exceeded";
    case DiscardReason::kCount:
      break;
  }
  return "unknown_error";
}

}  // namespace loupe::storage::spanstore
