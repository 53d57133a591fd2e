// Fuzz target: the pattern language. Input: "<pattern>\n<line>"; both the parser form and the
// line-filter form are compiled and run.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "query/logql/log/pattern.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loupe::query::logql;
  const std::string in(reinterpret_cast<const char*>(data), size);
  const size_t nl = in.find('\n');
  const std::string pattern = in.substr(0, nl);
  const std::string line = nl == std::string::npos ? in : in.substr(nl + 1);
  std::vector<std::string_view> caps;
  if (auto m = PatternMatcher::ForParser(pattern); m.ok()) {
    m->Matches(line, &caps);
    if (caps.size() > m->names().size()) __builtin_trap();
    for (auto c : caps) {
      if (c.data() < line.data() || c.data() + c.size() > line.data() + line.size()) {
        __builtin_trap();
      }
    }
  }
  if (auto f = PatternMatcher::ForLineFilter(pattern); f.ok()) (void)f->Test(line);
  return 0;
}
