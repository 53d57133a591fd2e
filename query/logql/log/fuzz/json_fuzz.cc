// Fuzz target: the json parser stages (flattening and expressions) on arbitrary lines.
#include <cstddef>
#include <cstdint>
#include <string>

#include "query/logql/log/json_scan.h"
#include "query/logql/log/parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loupe::query::logql;
  const std::string line(reinterpret_cast<const char*>(data), size);
  static const std::vector<Label> stream = {{"app", "x"}, {"level", "info"}};
  static const ParserHints all;
  LabelsBuilder b(&stream);
  JsonParser p(&all);
  b.Reset();
  std::string_view l = line;
  p.Process(0, &l, &b);
  std::vector<Label> out;
  b.AllLabels(&out);

  static auto expr = JsonExpressionParser::Create(
      {{"a", "a"}, {"b", "b.c[0]"}, {"c", "[\"x y\"][1].z"}, {"d", "level"}});
  b.Reset();
  l = line;
  (*expr)->Process(0, &l, &b);
  b.AllLabels(&out);

  std::string s;
  json::Unescape(line, &s);
  json::StringValue(line, &s);
  // The input as an expression, too.
  (void)ParseJsonPath(line);
  return 0;
}
