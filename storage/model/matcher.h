// Matcher: one label matcher of a series or stream selector: name op "value" with op one of
// =, !=, =~, !~. Regexes use RE2 syntax and are fully anchored with dot matching newline,
// exactly as Prometheus (`^(?s:<re>)$`) and Loki do. A matcher on an absent label sees "".
//
// Thread-safety: immutable after Create(); Matches() may be called concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "storage/base/result.h"
#include "storage/model/labels.h"

namespace re2 {
class RE2;
}

namespace loupe::storage::model {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

std::string_view MatchTypeString(MatchType t);  // "=", "!=", "=~", "!~"

class Matcher {
 public:
  // kInvalidArgument with RE2's message for a bad regex ("error parsing regexp: ...").
  static Result<Matcher> Create(MatchType type, std::string name, std::string value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  bool Matches(std::string_view v) const;
  bool Matches(const Labels& labels) const { return Matches(labels.Get(name_)); }
  // True if this matcher accepts the empty string (so it also matches series without the label).
  bool MatchesEmpty() const { return Matches(std::string_view()); }

  // name="value" with the value escaped, e.g. job=~"api|web".
  std::string ToString() const;

  friend bool operator==(const Matcher& a, const Matcher& b) {
    return a.type_ == b.type_ && a.name_ == b.name_ && a.value_ == b.value_;
  }

 private:
  Matcher(MatchType type, std::string name, std::string value)
      : type_(type), name_(std::move(name)), value_(std::move(value)) {}
  MatchType type_;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // regex types only
  // Literal fast paths for common regex shapes ("foo", "foo|bar", ".*", ".+", "foo.*").
  enum class Fast { kNone, kAny, kNonEmpty, kLiteral, kPrefix } fast_ = Fast::kNone;
  std::string literal_;
};

}  // namespace loupe::storage::model
