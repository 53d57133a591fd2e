// URL pieces: percent-decoding and query/form parsing with Go's net/url semantics
// ('+' is a space in queries and forms; malformed escapes are an error).
#pragma once

#include <string>
#include <string_view>

#include "appliance/http/request.h"
#include "storage/base/result.h"

namespace loupe::appliance::http {

// Decodes %XX escapes; with `plus_is_space`, '+' becomes ' '. kInvalidArgument on a malformed
// escape ("invalid URL escape \"%zz\"").
Result<std::string> PercentDecode(std::string_view s, bool plus_is_space);

std::string PercentEncode(std::string_view s);

// Parses "a=1&b=2&a=3" into *out (appending). Empty pieces are skipped.
Status ParseQuery(std::string_view query, Params* out);

}  // namespace loupe::appliance::http
