#include "appliance/http/url.h"

namespace loupe::appliance::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || HexValue(s[i + 1]) < 0 || HexValue(s[i + 2]) < 0) {
        const auto bad = s.substr(i, std::min<size_t>(3, s.size() - i));
        return Status::InvalidArgument("invalid URL escape \"" + std::string(bad) + "\"");
      }
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status ParseQuery(std::string_view query, Params* out) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    const auto eq = piece.find('=');
    auto key = PercentDecode(piece.substr(0, eq), true);
    if (!key.ok()) return key.status();
    std::string value;
    if (eq != std::string_view::npos) {
      auto v = PercentDecode(piece.substr(eq + 1), true);
      if (!v.ok()) return v.status();
      value = std::move(*v);
    }
    out->Add(std::move(*key), std::move(value));
  }
  return Status::OK();
}

}  // namespace loupe::appliance::http
