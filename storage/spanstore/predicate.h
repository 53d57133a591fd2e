// Predicates pushed down into span scans: a comparison of one span intrinsic or one attribute
// with a constant, evaluated column-wise over a block into a set of matching span rows.
//
// Semantics follow TraceQL's: an attribute that a span does not have never matches (also not
// for != or !~); strings compare with strings, numbers (int, float, duration) with numbers
// (ints and floats compare numerically), bools with bools; a type mismatch does not match.
// An array attribute compares element-wise as the evaluator does (any element for =, <, =~,
// ..., every element for != and !~).
// Regexes are RE2, fully anchored (storage/model Matcher). Unscoped attributes (Scope::kNone)
// match a span attribute or an attribute of the span's resource. Event, link and
// instrumentation-scope predicates mark the spans that own a matching event, link or scope.
//
// Thread-safety: a compiled Predicate is immutable; Evaluate may run concurrently on distinct
// blocks (and on one PersistedBlock).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "storage/base/result.h"
#include "storage/model/matcher.h"
#include "storage/spanstore/block_codec.h"
#include "storage/spanstore/block_source.h"
#include "storage/spanstore/span_types.h"

namespace loupe::storage::spanstore {

enum class Intrinsic : uint8_t {
  kNone = 0,          // an attribute predicate
  kName,              // span name (string)
  kKind,              // SpanKind as int
  kStatus,            // SpanStatus as int
  kStatusMessage,     // string
  kDuration,          // ns
  kStart,             // span start, ns since epoch
  kEnd,               // span end, ns since epoch
  kSpanId,            // 16 hex digits (string)
  kParentId,          // 16 hex digits (string); "" = root
  kTraceId,           // 32 hex digits (string)
  kServiceName,       // resource service.name (string)
  kRootServiceName,   // trace:rootService (string)
  kRootName,          // trace:rootName (string)
  kTraceDuration,     // trace:duration, ns (over the trace's spans in the block)
  kEventName,         // event:name (string)
  kLinkTraceId,       // link:traceID (hex string)
  kLinkSpanId,        // link:spanID (hex string)
  kScopeName,         // instrumentation:name
  kScopeVersion,      // instrumentation:version
};

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kRegex, kNotRegex, kExists };

struct Operand {
  enum class Kind : uint8_t { kString, kInt, kDouble, kBool };
  Kind kind = Kind::kString;
  std::string s;
  int64_t i = 0;  // kInt, kBool (0/1)
  double d = 0;

  static Operand String(std::string v) { return {Kind::kString, std::move(v), 0, 0}; }
  static Operand Int(int64_t v) { return {Kind::kInt, {}, v, 0}; }
  static Operand Double(double v) { return {Kind::kDouble, {}, 0, v}; }
  static Operand Bool(bool v) { return {Kind::kBool, {}, v ? 1 : 0, 0}; }
  bool IsNumeric() const { return kind == Kind::kInt || kind == Kind::kDouble; }
  double AsDouble() const { return kind == Kind::kDouble ? d : static_cast<double>(i); }
};

class Predicate {
 public:
  // kInvalidArgument for a bad regex, an operator the field does not support, or a malformed
  // id literal.
  static Result<Predicate> Attribute(Scope scope, std::string key, CompareOp op, Operand value);
  static Result<Predicate> Of(Intrinsic intrinsic, CompareOp op, Operand value);

  Intrinsic intrinsic() const { return intrinsic_; }
  Scope scope() const { return scope_; }
  const std::string& key() const { return key_; }
  CompareOp op() const { return op_; }
  const Operand& value() const { return value_; }

  // false when the block's metadata proves that no span matches (nothing is read).
  bool MayMatch(const BlockMeta& meta) const;
  // Sets out[row] for every matching span row (out has num_spans entries; others untouched).
  Status Evaluate(BlockSource& block, std::vector<uint8_t>* out) const;

  // Comparisons (exposed for the legacy search and tests).
  bool MatchString(std::string_view v) const;
  bool MatchInt(int64_t v) const;
  bool MatchDouble(double v) const;
  bool MatchBool(bool v) const;
  bool MatchAttr(const AttrView& a) const;
  // An encoded array value (batch_codec.h): != and !~ hold when every element differs, the
  // other operators when one element matches; a malformed value never matches.
  bool MatchArray(std::string_view encoded) const;

 private:
  Predicate() = default;
  Status Compile();
  bool MatchU64(uint64_t v) const;  // ids
  Status EvalAttribute(BlockSource& b, Table table, std::vector<uint8_t>* span_rows) const;
  Status EvalIntrinsic(BlockSource& b, std::vector<uint8_t>* out) const;
  bool AttrMayMatch(const BlockMeta& m, Table table) const;

  Intrinsic intrinsic_ = Intrinsic::kNone;
  Scope scope_ = Scope::kSpan;
  std::string key_;
  CompareOp op_ = CompareOp::kEq;
  Operand value_;
  std::shared_ptr<const model::Matcher> re_;
  uint64_t id_ = 0;        // span/parent/link span id operands
  TraceId trace_id_;       // trace/link trace id operands
};

}  // namespace loupe::storage::spanstore
