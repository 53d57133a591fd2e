#include "query/traceql/eval/metrics_series.h"

#include <algorithm>
#include <string_view>
#include <utility>

namespace loupe::query::traceql::eval {
namespace {

// Go's strconv.Quote for label values (ASCII-printable kept, the rest escaped).
std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static const char* kHex = "0123456789abcdef";
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string PromValue(const TypedValue& v) {
  if (v.type == TypedValue::Type::kNil) return "<nil>";
  if (v.type == TypedValue::Type::kString) {
    if (v.s == "nil") return "<nil>";
    if (v.s.empty()) return "<empty>";
    return v.s;
  }
  return TypedValueString(v);
}

}  // namespace

std::string PromLabels(const std::vector<KeyValue>& labels, bool skip_name) {
  std::vector<std::pair<std::string, std::string>> kv;
  for (const auto& l : labels) {
    if (skip_name && l.key == "__name__") continue;
    kv.emplace_back(l.key, PromValue(l.value));
  }
  std::sort(kv.begin(), kv.end());
  std::string out = "{";
  for (size_t k = 0; k < kv.size(); ++k) {
    if (k) out += ", ";
    out += kv[k].first + "=" + GoQuote(kv[k].second);
  }
  return out + "}";
}

}  // namespace loupe::query::traceql::eval
