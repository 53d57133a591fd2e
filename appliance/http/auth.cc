#include "appliance/http/auth.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "storage/base/base64.h"

namespace loupe::appliance::http {
namespace {

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? a[i] : 0;
    const unsigned char y = i < b.size() ? b[i] : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool Authorized(std::string_view auth, std::string_view token) {
  if (token.empty()) return true;
  if (StartsWithNoCase(auth, "Bearer ")) return ConstantTimeEqual(auth.substr(7), token);
  if (StartsWithNoCase(auth, "Basic ")) {
    std::string creds;
    if (!DecodeBase64(auth.substr(6), &creds)) return false;
    const auto colon = creds.find(':');
    if (colon == std::string::npos) return false;
    return ConstantTimeEqual(std::string_view(creds).substr(colon + 1), token);
  }
  return false;
}

}  // namespace loupe::appliance::http
