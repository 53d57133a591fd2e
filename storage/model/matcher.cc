#include "storage/model/matcher.h"

#include <re2/re2.h>

namespace loupe::storage::model {
namespace {

bool HasRegexMeta(std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\': case '.': case '+': case '*': case '?': case '(': case ')': case '|':
      case '[': case ']': case '{': case '}': case '^': case '$':
        return true;
      default:
        break;
    }
  }
  return false;
}

}  // namespace

std::string_view MatchTypeString(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegexMatch: return "=~";
    case MatchType::kRegexNoMatch: return "!~";
  }
  return "?";
}

Result<Matcher> Matcher::Create(MatchType type, std::string name, std::string value) {
  Matcher m(type, std::move(name), std::move(value));
  if (type == MatchType::kRegexMatch || type == MatchType::kRegexNoMatch) {
    const std::string& v = m.value_;
    if (v == ".*") {
      m.fast_ = Fast::kAny;
    } else if (v == ".+") {
      m.fast_ = Fast::kNonEmpty;
    } else if (!HasRegexMeta(v)) {
      m.fast_ = Fast::kLiteral;
      m.literal_ = v;
    } else if (v.size() > 2 && v.substr(v.size() - 2) == ".*" &&
               !HasRegexMeta(std::string_view(v).substr(0, v.size() - 2))) {
      m.fast_ = Fast::kPrefix;
      m.literal_ = v.substr(0, v.size() - 2);
    }
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);
    auto re = std::make_shared<const RE2>("^(?:" + v + ")$", opts);
    if (!re->ok()) {
      return Status::InvalidArgument("error parsing regexp: " + re->error());
    }
    m.re_ = std::move(re);
  }
  return m;
}

bool Matcher::Matches(std::string_view v) const {
  switch (type_) {
    case MatchType::kEqual:
      return v == value_;
    case MatchType::kNotEqual:
      return v != value_;
    case MatchType::kRegexMatch:
    case MatchType::kRegexNoMatch: {
      bool matched;
      switch (fast_) {
        case Fast::kAny: matched = true; break;
        case Fast::kNonEmpty: matched = !v.empty(); break;
        case Fast::kLiteral: matched = v == literal_; break;
        case Fast::kPrefix: matched = v.substr(0, literal_.size()) == literal_; break;
        default: matched = RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_); break;
      }
      return type_ == MatchType::kRegexMatch ? matched : !matched;
    }
  }
  return false;
}

std::string Matcher::ToString() const {
  std::string out = name_;
  out += MatchTypeString(type_);
  out += '"';
  out += EscapeLabelValue(value_);
  out += '"';
  return out;
}

}  // namespace loupe::storage::model
