// Value: what a TraceQL field expression evaluates to for one span, with Tempo's operator
// semantics (pkg/traceql Static and BinaryOperation.execute):
//  - operands must be "matching" (same type, both numeric, either nil, or array vs element),
//    and the operator must be valid for both types; otherwise a comparison is false;
//  - int op int stays int (division by zero yields nil here, where Go would panic), other
//    numeric arithmetic is float (durations compare and combine as nanoseconds);
//  - strings compare lexicographically, regexes are RE2 fully anchored;
//  - any comparison with nil is false (`= nil` / `!= nil` are the exists operators);
//  - an array matches `=`, `<`, `=~`, ... when any element does, `!=` and `!~` when all do.
// Strings are views: into a SpanBatch (valid during the scan callback), or owned (`hold`).
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/traceql/eval/engine.h"
#include "query/traceql/syntax/ast.h"
#include "storage/spanstore/batch_codec.h"

namespace re2 {
class RE2;
}

namespace loupe::query::traceql::eval {

enum class VKind : uint8_t {
  kNil,
  kString,
  kInt,
  kFloat,
  kBool,
  kDuration,
  kStatus,
  kKind,
  kArray
};

struct Value {
  VKind kind = VKind::kNil;
  int64_t i = 0;       // kInt, kBool, kDuration (ns), kStatus / kKind (OTLP numbering)
  double f = 0;        // kFloat
  std::string_view s;  // kString
  const std::vector<Value>* arr = nullptr;  // kArray (scalar elements)
  std::shared_ptr<const void> hold;         // owns `s` / `arr` when they are not batch views

  static Value Nil() { return {}; }
  static Value Bool(bool b) { return {VKind::kBool, b ? 1 : 0}; }
  static Value Int(int64_t v) { return {VKind::kInt, v}; }
  static Value Float(double v) { return {VKind::kFloat, 0, v}; }
  static Value Duration(int64_t ns) { return {VKind::kDuration, ns}; }
  static Value Status(storage::spanstore::SpanStatus st) {
    return {VKind::kStatus, static_cast<int64_t>(st)};
  }
  static Value Kind(storage::spanstore::SpanKind k) {
    return {VKind::kKind, static_cast<int64_t>(k)};
  }
  static Value View(std::string_view v) {
    Value x;
    x.kind = VKind::kString;
    x.s = v;
    return x;
  }
  static Value Owned(std::string v);
  static Value Array(std::vector<Value> elems);

  bool IsNil() const { return kind == VKind::kNil; }
  bool IsNumeric() const {
    return kind == VKind::kInt || kind == VKind::kFloat || kind == VKind::kDuration;
  }
  bool IsTrue() const { return kind == VKind::kBool && i != 0; }
  // Numeric value as a double (durations in ns); NaN for non-numbers.
  double AsFloat() const;
};

// From a literal of the tree (status and kind mapped to OTLP numbering).
Value FromStatic(const Static& s);
// From a stored attribute; arrays are decoded (scalar elements), kvlists and bytes are nil.
Value FromAttr(const storage::spanstore::AttrView& a);

// Tempo's Static.Equals: nil never equals; numbers compare numerically.
bool Equals(const Value& a, const Value& b);
// Binary operator (arithmetic, comparison, regex, && / ||) on evaluated operands. `re` is a
// precompiled regex for rhs (may be null: compiled on the fly; an invalid one yields nil).
Value BinaryOp(Op op, const Value& l, const Value& r, const re2::RE2* re);
// Ordering used by min()/max() aggregates: numbers numerically, else by type then value.
int Compare(const Value& a, const Value& b);

// Conversions to the public form.
TypedValue ToTyped(const Value& v);
// Metrics label / by() key: a string identifying the value (type-tagged).
std::string MapKey(const Value& v);
void AppendMapKey(const Value& v, std::string* out);

}  // namespace loupe::query::traceql::eval
