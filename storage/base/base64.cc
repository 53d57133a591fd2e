#include "storage/base/base64.h"

#include <cstdint>

namespace loupe {
namespace {

constexpr char kBase64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

std::string EncodeBase64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kBase64Std[(n >> 18) & 63]);
    out.push_back(kBase64Std[(n >> 12) & 63]);
    out.push_back(kBase64Std[(n >> 6) & 63]);
    out.push_back(kBase64Std[n & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    out.push_back(kBase64Std[(n >> 18) & 63]);
    out.push_back(kBase64Std[(n >> 12) & 63]);
    out.append("==");
  } else if (rest == 2) {
    const uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out.push_back(kBase64Std[(n >> 18) & 63]);
    out.push_back(kBase64Std[(n >> 12) & 63]);
    out.push_back(kBase64Std[(n >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

bool DecodeBase64(std::string_view text, std::string* out) {
  out->clear();
  // Strip padding: at most two '=' and only where they complete a 4-character group.
  size_t pad = 0;
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++pad;
  }
  if (pad > 2) return false;
  if (pad > 0 && (text.size() + pad) % 4 != 0) return false;
  if (text.size() % 4 == 1) return false;
  out->reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = Base64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits of a partial group must be zero (canonical encoding).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return false;
  return true;
}

}  // namespace loupe
