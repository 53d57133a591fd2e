// A logfmt decoder with the behaviour of Loki's pkg/logql/log/logfmt (adapted from go-logfmt):
// keys run to '=' or a space; values are bare (ending at a space) or double-quoted with Go/JSON
// escapes; a key without '=' has an empty value. After a syntax error the decoder skips to the
// next space and continues, keeping the first error (Loki reports it only with --strict):
//   logfmt syntax error at pos <n> : unexpected '"'
//   logfmt syntax error at pos <n> : unterminated quoted value
//   logfmt syntax error at pos <n> : invalid quoted value | invalid key
//
// Thread-safety: a decoder is used by one thread.
#pragma once

#include <string>
#include <string_view>

namespace loupe::query::logql {

class LogfmtDecoder {
 public:
  void Reset(std::string_view line) {
    line_ = line;
    pos_ = 0;
    err_.clear();
  }
  bool Eol() const { return pos_ >= line_.size(); }
  // Scans the next key/value pair; false on an error or when only spaces were left.
  bool ScanKeyval();
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }
  // The first error ("" if none).
  const std::string& err() const { return err_; }

 private:
  void SyntaxError(std::string_view msg);
  void UnexpectedByte(char c);
  bool SkipValue();

  std::string_view line_;
  size_t pos_ = 0;
  std::string_view key_, value_;
  std::string unquoted_;
  std::string err_;
};

}  // namespace loupe::query::logql
