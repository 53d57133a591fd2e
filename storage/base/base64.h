// Base64 (RFC 4648): the one implementation the project uses (OTLP bytes and ids, basic auth
// headers of scrape configs and of incoming requests).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>

namespace loupe {

// Standard alphabet with '=' padding (RFC 4648 §4), as Go's base64.StdEncoding.
std::string EncodeBase64(std::string_view bytes);
// Accepts the standard and the URL-safe alphabet, with or without padding (proto3 JSON readers
// accept both). False on any other character, bad padding or a dangling 6-bit group.
bool DecodeBase64(std::string_view text, std::string* out);

}  // namespace loupe
