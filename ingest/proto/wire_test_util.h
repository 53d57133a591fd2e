// Helpers for the wire-format tests: build byte strings from hand-computed bytes and print them
// as hex so a mismatch shows exactly which byte differs.
#ifndef LOUPE_INGEST_PROTO_WIRE_TEST_UTIL_H_
#define LOUPE_INGEST_PROTO_WIRE_TEST_UTIL_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace loupe::ingest::proto {

// Returns the bytes given as integers 0..255, in order.
inline std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (int b : bytes) out.push_back(static_cast<char>(static_cast<uint8_t>(b)));
  return out;
}

// Returns the concatenation of the given pieces (to splice ASCII text between raw bytes).
inline std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

// Returns "0a 03 61 62 63": lower-case hex bytes separated by spaces.
inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) out.push_back(' ');
    uint8_t b = static_cast<uint8_t>(bytes[i]);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

}  // namespace loupe::ingest::proto

#endif  // LOUPE_INGEST_PROTO_WIRE_TEST_UTIL_H_
