// Fuzz target: the Go-template engine. Input: "<template>\n<line>"; the template is parsed
// and, when valid, executed with a few labels, the line and a timestamp.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "query/logql/log/go_time.h"
#include "query/logql/log/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loupe::query::logql;
  if (size > 4096) return 0;
  const std::string in(reinterpret_cast<const char*>(data), size);
  const size_t nl = in.find('\n');
  const std::string text = in.substr(0, nl);
  const std::string line = nl == std::string::npos ? "" : in.substr(nl + 1);
  auto t = Template::Parse("line", text);
  if (t.ok()) {
    static const std::vector<loupe::storage::model::Label> labels = {
        {"app", "x"}, {"level", "info"}, {"n", "42"}, {"dur", "1.5s"}, {"ts", "2024-01-02"}};
    TemplateInput input;
    input.labels = &labels;
    input.line = line;
    input.ts = 1700000000123456789;
    std::string out;
    (void)(*t)->Execute(input, &out);
  }
  // The line as a time layout and value, too.
  (void)FormatGoTime(GoTime::FromUnixNanos(1700000000123456789), line);
  (void)ParseGoTime(text, line);
  return 0;
}
