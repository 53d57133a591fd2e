// Fuzz target for the PromQL parser and printer. Checks, for any input:
// - parsing never crashes (errors are values, positions lie within the input);
// - when parsing succeeds, the printed form parses again, prints identically and gives an
//   equal tree, and the pretty-printed form parses back to the same printed form.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "query/promql/syntax/parser.h"
#include "query/promql/syntax/printer.h"

namespace {

[[noreturn]] void Die(const char* what, std::string_view input, std::string_view detail) {
  std::fprintf(stderr, "fuzz_promql_parse: %s\ninput:  %.*s\ndetail: %.*s\n", what,
               static_cast<int>(input.size()), input.data(), static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loupe::query::promql;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ParseResult first = ParseExprWithErrors(input);
  for (const ParseError& e : first.errors) {
    if (e.pos.start < 0 || e.pos.start > e.pos.end ||
        static_cast<size_t>(e.pos.end) > input.size()) {
      Die("error position outside the input", input, e.message);
    }
    if (e.message.empty()) Die("empty error message", input, "");
  }
  if (!first.errors.empty()) {
    if (first.expr != nullptr) Die("tree returned together with errors", input, "");
    return 0;
  }
  if (first.expr == nullptr) Die("no tree and no error", input, "");
  const std::string printed = Print(*first.expr);
  auto second = ParseExpr(printed);
  if (!second.ok())
    Die("printed form does not parse", input, printed + "\n" + second.status().message());
  const std::string reprinted = Print(**second);
  if (reprinted != printed) Die("print is not stable", input, printed + "\n" + reprinted);
  if (!ExprEqual(*first.expr, **second)) Die("round trip changed the tree", input, printed);
  const std::string pretty = Pretty(*first.expr);
  auto third = ParseExpr(pretty);
  if (!third.ok()) Die("pretty form does not parse", input, pretty);
  if (Print(**third) != printed) Die("pretty form parses differently", input, pretty);
  return 0;
}
