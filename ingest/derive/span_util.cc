#include "ingest/derive/span_util.h"

#include <cmath>

#include "ingest/otlp/any_value_string.h"
#include "ingest/otlp/codec_util.h"

namespace loupe::ingest::derive {

const otlp_common::AnyValue* FindAttribute(const KeyValues& attrs, std::string_view key) {
  for (const auto& kv : attrs) {
    if (kv.key() == key) return &kv.value();
  }
  return nullptr;
}

std::string_view AttributeString(const otlp_common::AnyValue& v, std::string* scratch) {
  if (v.value_case() == otlp_common::AnyValue::kStringValue) return v.string_value();
  *scratch = otlp::AnyValueAsString(v);
  return *scratch;
}

bool FindAttributeValue(std::string_view key, const KeyValues& resource, const KeyValues& span,
                        std::string* scratch, std::string_view* out) {
  const otlp_common::AnyValue* v = FindAttribute(resource, key);
  if (v == nullptr) v = FindAttribute(span, key);
  if (v == nullptr) return false;
  *out = AttributeString(*v, scratch);
  return true;
}

std::string_view ServiceName(const KeyValues& resource, std::string* scratch) {
  const otlp_common::AnyValue* v = FindAttribute(resource, "service.name");
  return v == nullptr ? std::string_view() : AttributeString(*v, scratch);
}

namespace {

constexpr std::string_view kSpanKindNames[] = {
    "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",      "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
};
constexpr std::string_view kStatusCodeNames[] = {
    "STATUS_CODE_UNSET",
    "STATUS_CODE_OK",
    "STATUS_CODE_ERROR",
};

std::string_view NumberName(int v, std::string* scratch) {
  *scratch = std::to_string(v);
  return *scratch;
}

}  // namespace

std::string_view SpanKindName(int kind, std::string* scratch) {
  if (kind >= 0 && kind < static_cast<int>(std::size(kSpanKindNames))) return kSpanKindNames[kind];
  return NumberName(kind, scratch);
}

std::string_view StatusCodeName(int code, std::string* scratch) {
  if (code >= 0 && code < static_cast<int>(std::size(kStatusCodeNames))) {
    return kStatusCodeNames[code];
  }
  return NumberName(code, scratch);
}

double SpanDurationSeconds(const otlp_trace::Span& span) {
  const uint64_t start = span.start_time_unix_nano();
  const uint64_t end = span.end_time_unix_nano();
  if (end <= start) return 0;
  return static_cast<double>(end - start) / 1e9;
}

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const size_t base = out->size();
  out->resize(base + bytes.size() * 2);
  char* p = out->data() + base;
  for (unsigned char c : bytes) {
    *p++ = kDigits[c >> 4];
    *p++ = kDigits[c & 0xf];
  }
}

bool IsZeroId(std::string_view id) {
  for (char c : id) {
    if (c != 0) return false;
  }
  return true;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = otlp::Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string_view TruncateUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  // Back up over continuation bytes (10xxxxxx) to the start of the cut code point.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

std::string SanitizeLabelName(std::string_view key) {
  std::string out;
  out.reserve(key.size() + 1);
  if (!key.empty() && key[0] >= '0' && key[0] <= '9') out.push_back('_');
  size_t i = 0;
  while (i < key.size()) {
    const char c = key[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      out.push_back(c);
      ++i;
      continue;
    }
    out.push_back('_');
    const size_t n = static_cast<unsigned char>(c) < 0x80 ? 1 : otlp::Utf8SequenceLength(key, i);
    i += n == 0 ? 1 : n;
  }
  return out;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  out.reserve(count);
  double v = start;
  for (int i = 0; i < count; ++i) {
    out.push_back(v);
    v *= factor;
  }
  return out;
}

}  // namespace loupe::ingest::derive
