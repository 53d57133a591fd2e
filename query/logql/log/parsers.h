// Parser stages: json, logfmt, regexp, pattern and unpack, with Loki 3's semantics.
//
//  json         every string/number/bool member becomes a label; nested objects are flattened
//               with '_' (`{"a":{"b":1}}` -> a_b="1"); arrays and nulls are skipped; names are
//               sanitised (Loki's sanitizeLabelKey). A malformed line sets
//               __error__="JSONParserErr" and __error_details__ (jsonparser's text) and keeps the
//               labels found before the error.
//  json a="x.y[0]"  only the given JSON paths; a path that is absent yields a="".
//  logfmt [--strict] [--keep-empty]  every key=value; empty values are skipped unless
//               --keep-empty; syntax errors skip to the next pair unless --strict, which stops
//               and sets __error__="LogfmtParserErr" with the decoder's text.
//  regexp "re"  named groups (the line is kept when the regex does not match).
//  pattern "p"  see pattern.h.
//  unpack       a JSON object of string members (Promtail's `pack`); `_entry` replaces the line.
//
// Every parser adds `_extracted` to a name that clashes with a stream label, does not overwrite
// a label an earlier parser of the same line extracted, and consults the ParserHints.
//
// Thread-safety: see stage.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "query/logql/log/logfmt.h"
#include "query/logql/log/pattern.h"
#include "query/logql/log/stage.h"
#include "storage/base/result.h"

namespace re2 {
class RE2;
}

namespace loupe::query::logql {

struct LabelExtractionSpec {
  std::string label;
  std::string expression;
};

// A JSON path of a `| json a="..."` expression: keys and array indices.
struct JsonPathElem {
  bool is_index = false;
  int index = 0;
  std::string key;
};
// Loki's jsonexpr grammar: `a.b[0]`, `["a b"].c`, `a["b"][1]`. Errors are
// "syntax error: ..." texts.
Result<std::vector<JsonPathElem>> ParseJsonPath(std::string_view expr);

class JsonParser : public PipelineStage {
 public:
  explicit JsonParser(const ParserHints* hints) : hints_(hints) {}
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;

 private:
  std::string_view ParseObject(std::string_view data, LabelsBuilder* lbs);
  const ParserHints* hints_;
  std::string prefix_;
  std::string key_;
  std::string value_;
};

class JsonExpressionParser : public PipelineStage {
 public:
  static Result<std::unique_ptr<JsonExpressionParser>> Create(
      const std::vector<LabelExtractionSpec>& specs);
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;

 private:
  struct Expr {
    std::string label;
    std::vector<JsonPathElem> path;
  };
  std::vector<Expr> exprs_;
  std::string value_;
  std::string name_;
};

class LogfmtParser : public PipelineStage {
 public:
  LogfmtParser(bool strict, bool keep_empty, const ParserHints* hints)
      : strict_(strict), keep_empty_(keep_empty), hints_(hints) {}
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;

 private:
  bool strict_, keep_empty_;
  const ParserHints* hints_;
  LogfmtDecoder dec_;
  std::string key_;
  std::string value_;
};

class LogfmtExpressionParser : public PipelineStage {
 public:
  static Result<std::unique_ptr<LogfmtExpressionParser>> Create(
      const std::vector<LabelExtractionSpec>& specs, bool strict, bool keep_empty);
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;

 private:
  std::vector<LabelExtractionSpec> specs_;
  bool strict_ = false, keep_empty_ = false;
  LogfmtDecoder dec_;
  std::string key_;
  std::string name_;
};

class RegexpParser : public PipelineStage {
 public:
  // Errors: Go's regexp error text, "at least one named capture must be supplied",
  // "invalid extracted label name '<n>'", "duplicate extracted label name '<n>'".
  static Result<std::unique_ptr<RegexpParser>> Create(std::string_view re,
                                                      const ParserHints* hints);
  ~RegexpParser() override;
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;

 private:
  RegexpParser() = default;
  std::unique_ptr<re2::RE2> re_;
  std::vector<std::string> names_;  // by group index - 1; "" for unnamed groups
  const ParserHints* hints_ = nullptr;
  struct Scratch;
  std::unique_ptr<Scratch> scratch_;
  std::string key_;
};

class PatternParser : public PipelineStage {
 public:
  // Errors: see pattern.h, and "invalid capture label name '<n>'".
  static Result<std::unique_ptr<PatternParser>> Create(std::string_view pattern,
                                                       const ParserHints* hints);
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;

 private:
  explicit PatternParser(PatternMatcher m, const ParserHints* hints)
      : matcher_(std::move(m)), hints_(hints) {}
  PatternMatcher matcher_;
  const ParserHints* hints_;
  std::vector<std::string_view> caps_;
  std::string key_;
};

class UnpackParser : public PipelineStage {
 public:
  explicit UnpackParser(const ParserHints* hints) : hints_(hints) {}
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;

 private:
  const ParserHints* hints_;
  std::vector<std::pair<std::string, std::string>> pending_;
  size_t pending_n_ = 0;
  std::string entry_;
  std::string value_;
};

}  // namespace loupe::query::logql
