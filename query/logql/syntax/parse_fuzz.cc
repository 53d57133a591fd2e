// Fuzz target: any input must parse or fail cleanly (no crash, no hang), and whatever parses
// must print to a query that parses again and prints identically (canonical and pretty forms).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "query/logql/syntax/parser.h"
#include "query/logql/syntax/printer.h"

namespace {

void Check(bool ok, const char* what, const std::string& a, const std::string& b) {
  if (ok) return;
  std::fprintf(stderr, "%s\n  first:  %.300s\n  second: %.300s\n", what, a.c_str(), b.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loupe::query::logql;
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseExprWithoutValidation(query);
  if (!parsed.ok()) {
    Check(parsed.status().message().rfind("parse error", 0) == 0, "error without prefix",
          std::string(query), parsed.status().message());
    (void)ParseExpr(query);
    return 0;
  }
  const std::string printed = Print(**parsed);
  if (!PrintRoundTrips(**parsed)) return 0;  // Loki's own unreadable forms ("NaN", "0B")
  auto again = ParseExprWithoutValidation(printed);
  Check(again.ok(), "printed query does not parse", printed,
        again.ok() ? "" : again.status().message());
  Check(Print(**again) == printed, "print is not stable", printed, Print(**again));
  const std::string pretty = Pretty(**parsed);  // indentation may push it over the size limit
  if (pretty.size() < kMaxQueryBytes) {
    auto from_pretty = ParseExprWithoutValidation(pretty);
    Check(from_pretty.ok(), "pretty query does not parse", pretty,
          from_pretty.ok() ? "" : from_pretty.status().message());
  }
  (void)ParseExpr(query);
  return 0;
}
