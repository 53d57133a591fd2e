// Fuzz target: any input must parse or fail cleanly; whatever parses must validate without
// crashing, print, and print back to the same text after a second parse (printer fixpoint).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "query/traceql/syntax/parser.h"
#include "query/traceql/syntax/printer.h"
#include "query/traceql/syntax/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  auto parsed = loupe::query::traceql::Parse(query);
  if (!parsed.ok()) return 0;
  (void)loupe::query::traceql::Validate(*parsed);
  const std::string printed = loupe::query::traceql::Print(*parsed);
  auto reparsed = loupe::query::traceql::Parse(printed);
  // Printing parenthesizes every operand, so a query at the nesting limit may print deeper
  // than the limit; that is the only accepted reason for the printed form not to parse.
  if (!reparsed.ok() &&
      reparsed.status().message().find("nested too deeply") != std::string::npos) {
    return 0;
  }
  if (!reparsed.ok()) {
    std::fprintf(stderr, "printed form does not parse:\n  in:  %s\n  out: %s\n  err: %s\n",
                 std::string(query).c_str(), printed.c_str(), reparsed.status().message().c_str());
    std::abort();
  }
  const std::string again = loupe::query::traceql::Print(*reparsed);
  if (again != printed) {
    std::fprintf(stderr, "print is not a fixpoint:\n  1: %s\n  2: %s\n", printed.c_str(),
                 again.c_str());
    std::abort();
  }
  return 0;
}
