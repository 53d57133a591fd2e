// Fuzz target: the logfmt decoder and parser stage (strict and lenient, with and without
// --keep-empty) on arbitrary lines.
#include <cstddef>
#include <cstdint>
#include <string>

#include "query/logql/log/parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loupe::query::logql;
  const std::string line(reinterpret_cast<const char*>(data), size);
  static const std::vector<Label> stream = {{"app", "x"}};
  static const ParserHints all;
  std::vector<Label> out;
  for (int mode = 0; mode < 4; ++mode) {
    LabelsBuilder b(&stream);
    b.Reset();
    LogfmtParser p(mode & 1, mode & 2, &all);
    std::string_view l = line;
    p.Process(0, &l, &b);
    b.AllLabels(&out);
  }
  static auto expr = LogfmtExpressionParser::Create({{"m", "msg"}, {"l", "level"}}, true, false);
  LabelsBuilder b(&stream);
  b.Reset();
  std::string_view l = line;
  (*expr)->Process(0, &l, &b);
  b.AllLabels(&out);
  return 0;
}
