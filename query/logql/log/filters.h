// Line filters (|=, !=, |~, !~, |>, !>, ip(), `or` alternatives) and label filters (string,
// numeric, duration, bytes and ip comparisons combined with and/or), as Loki evaluates them.
//
// Line filters: a contains test is a byte search (an empty needle matches every line); regexes
// are RE2, unanchored (Go's regexp semantics); ip("...") finds IPv4/IPv6 addresses in the line
// and tests them against an address, a CIDR prefix or an `a-b` range. Negative filters hold one
// term. A LineMatcher is immutable and thread-safe, so it can also be pushed down into the log
// store's block scans.
//
// Label filters: a string matcher compares the label value ("" when absent; `__error__` and
// `__error_details__` compare the error fields). Numeric, duration, bytes and ip comparisons
// pass every line that already has an error, drop lines without the label, and on a value
// that does not convert set __error__="LabelFilterErr" (with the conversion error as
// __error_details__) and keep the line. `and` evaluates both sides (as Loki does, so both may
// set errors); `or` stops at the first true side.
//
// Thread-safety: LineMatcher is immutable; the stages follow stage.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "query/logql/log/pattern.h"
#include "query/logql/log/stage.h"
#include "query/logql/syntax/ast.h"
#include "storage/base/result.h"

namespace re2 {
class RE2;
}

namespace loupe::query::logql {

// An ip("...") pattern: a single address, a CIDR prefix or a range "a-b".
class IpMatcher {
 public:
  // kInvalidArgument `ip: invalid pattern: "<pattern>"`.
  static Result<IpMatcher> Create(std::string_view pattern);
  // True if an address found in `text` (Loki's scan) matches.
  bool MatchesIn(std::string_view text) const;
  bool Contains(const uint8_t addr[16], bool v4) const;

 private:
  bool v4_ = false;
  uint8_t lo_[16] = {};
  uint8_t hi_[16] = {};
};

class LineMatcher {
 public:
  static Result<std::shared_ptr<const LineMatcher>> Create(const LineFilter& filter);
  ~LineMatcher();
  bool Matches(std::string_view line) const;

  LineMatchType type() const { return type_; }
  // A single plain string term of |= or != (the log store's fast contains path).
  bool IsSimpleContains() const;
  const std::string& needle() const { return terms_[0].text; }

 private:
  struct Term {
    std::string text;
    std::shared_ptr<const re2::RE2> re;
    std::shared_ptr<const IpMatcher> ip;
    std::shared_ptr<const PatternMatcher> pattern;
  };
  bool AnyMatches(std::string_view line) const;
  LineMatchType type_ = LineMatchType::kContains;
  std::vector<Term> terms_;
};

class LineFilterStage : public PipelineStage {
 public:
  explicit LineFilterStage(std::vector<std::shared_ptr<const LineMatcher>> m)
      : matchers_(std::move(m)) {}
  bool Process(int64_t, std::string_view* line, LabelsBuilder*) override {
    for (const auto& m : matchers_) {
      if (!m->Matches(*line)) return false;
    }
    return true;
  }

 private:
  std::vector<std::shared_ptr<const LineMatcher>> matchers_;
};

class LabelFilterStage : public PipelineStage {
 public:
  // Compiles the tree (ip patterns are checked here: `ip: invalid pattern: "x"`).
  static Result<std::unique_ptr<LabelFilterStage>> Create(const LabelFilter& filter);
  ~LabelFilterStage() override;
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;
  void RequiredLabels(std::vector<std::string>* out) const override;

  struct Node;

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace loupe::query::logql
