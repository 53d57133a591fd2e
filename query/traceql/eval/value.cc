#include "query/traceql/eval/value.h"

#include <re2/re2.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "query/traceql/syntax/printer.h"

namespace loupe::query::traceql {
namespace ss = storage::spanstore;
namespace eval {

Value Value::Owned(std::string v) {
  auto p = std::make_shared<const std::string>(std::move(v));
  Value x;
  x.kind = VKind::kString;
  x.s = *p;
  x.hold = std::move(p);
  return x;
}

Value Value::Array(std::vector<Value> elems) {
  auto p = std::make_shared<const std::vector<Value>>(std::move(elems));
  Value x;
  x.kind = VKind::kArray;
  x.arr = p.get();
  x.hold = std::move(p);
  return x;
}

double Value::AsFloat() const {
  switch (kind) {
    case VKind::kInt:
    case VKind::kDuration:
      return static_cast<double>(i);
    case VKind::kFloat:
      return f;
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

Value FromStatic(const Static& s) {
  switch (s.type) {
    case StaticType::kInt:
      return Value::Int(s.i);
    case StaticType::kFloat:
      return Value::Float(s.f);
    case StaticType::kString:
      return Value::Owned(s.s);
    case StaticType::kBoolean:
      return Value::Bool(s.i != 0);
    case StaticType::kDuration:
      return Value::Duration(s.i);
    case StaticType::kStatus:
      switch (static_cast<SpanStatus>(s.i)) {
        case SpanStatus::kError:
          return Value::Status(ss::SpanStatus::kError);
        case SpanStatus::kOk:
          return Value::Status(ss::SpanStatus::kOk);
        case SpanStatus::kUnset:
          return Value::Status(ss::SpanStatus::kUnset);
      }
      return Value::Nil();
    case StaticType::kKind:
      switch (static_cast<SpanKind>(s.i)) {
        case SpanKind::kUnspecified:
          return Value::Kind(ss::SpanKind::kUnspecified);
        case SpanKind::kInternal:
          return Value::Kind(ss::SpanKind::kInternal);
        case SpanKind::kClient:
          return Value::Kind(ss::SpanKind::kClient);
        case SpanKind::kServer:
          return Value::Kind(ss::SpanKind::kServer);
        case SpanKind::kProducer:
          return Value::Kind(ss::SpanKind::kProducer);
        case SpanKind::kConsumer:
          return Value::Kind(ss::SpanKind::kConsumer);
      }
      return Value::Nil();
    default:
      return Value::Nil();
  }
}

namespace {

Value FromAny(const ss::otlp::common::v1::AnyValue& v, const std::shared_ptr<const void>& hold) {
  using AV = ss::otlp::common::v1::AnyValue;
  switch (v.value_case()) {
    case AV::kStringValue: {
      Value x = Value::View(v.string_value());
      x.hold = hold;
      return x;
    }
    case AV::kIntValue:
      return Value::Int(v.int_value());
    case AV::kDoubleValue:
      return Value::Float(v.double_value());
    case AV::kBoolValue:
      return Value::Bool(v.bool_value());
    default:
      return Value::Nil();
  }
}

}  // namespace

Value FromAttr(const ss::AttrView& a) {
  switch (a.type) {
    case ss::ValueType::kString:
      return Value::View(a.s);
    case ss::ValueType::kInt:
      return Value::Int(a.i);
    case ss::ValueType::kDouble:
      return Value::Float(a.d);
    case ss::ValueType::kBool:
      return Value::Bool(a.i != 0);
    case ss::ValueType::kArray: {
      auto any = std::make_shared<ss::otlp::common::v1::AnyValue>();
      if (!ss::DecodeAnyValue(a.type, a.s, any.get()).ok() || !any->has_array_value()) {
        return Value::Nil();
      }
      std::shared_ptr<const void> hold = any;
      std::vector<Value> elems;
      VKind k = VKind::kNil;
      for (const auto& e : any->array_value().values()) {
        Value x = FromAny(e, hold);
        if (x.IsNil()) continue;
        // Tempo's arrays are homogeneous; a mixed array keeps its first element type.
        if (k == VKind::kNil) k = x.kind;
        if (x.kind == k) elems.push_back(std::move(x));
      }
      Value out = Value::Array(std::move(elems));
      return out;
    }
    default:
      return Value::Nil();
  }
}

namespace {

bool IsNum(VKind k) { return k == VKind::kInt || k == VKind::kFloat || k == VKind::kDuration; }

// Tempo's StaticType.isMatchingOperand for scalars.
bool MatchingScalar(VKind a, VKind b) {
  return a == b || (IsNum(a) && IsNum(b)) || a == VKind::kNil || b == VKind::kNil;
}

bool IsComparisonOp(Op op) {
  return op == Op::kGreater || op == Op::kGreaterEqual || op == Op::kLess || op == Op::kLessEqual;
}
bool IsArithOp(Op op) {
  return op == Op::kAdd || op == Op::kSub || op == Op::kMult || op == Op::kDiv || op == Op::kMod ||
         op == Op::kPower;
}

// Tempo's binaryTypeValid for one operand type.
bool TypeValid(Op op, VKind k) {
  switch (k) {
    case VKind::kBool:
      return op == Op::kAnd || op == Op::kOr || op == Op::kEqual || op == Op::kNotEqual;
    case VKind::kInt:
    case VKind::kFloat:
    case VKind::kDuration:
      return IsArithOp(op) || IsComparisonOp(op) || op == Op::kEqual || op == Op::kNotEqual;
    case VKind::kString:
      return op == Op::kEqual || op == Op::kNotEqual || op == Op::kRegex || op == Op::kNotRegex ||
             IsComparisonOp(op);
    case VKind::kNil:
    case VKind::kStatus:
    case VKind::kKind:
      return op == Op::kEqual || op == Op::kNotEqual;
    case VKind::kArray:
      return true;
  }
  return false;
}

int64_t IntPow(int64_t base, int64_t exp) {
  if (exp < 0) return 0;
  int64_t r = 1;
  for (int64_t k = 0; k < exp && k < 64; ++k) r *= base;
  return r;
}

bool RegexMatch(std::string_view text, std::string_view pattern, const re2::RE2* re) {
  if (re) return re2::RE2::FullMatch(text, *re);
  re2::RE2 tmp(pattern, re2::RE2::Quiet);
  return tmp.ok() && re2::RE2::FullMatch(text, tmp);
}

Value ScalarOp(Op op, const Value& l, const Value& r, const re2::RE2* re) {
  if (!MatchingScalar(l.kind, r.kind) || !TypeValid(op, l.kind) || !TypeValid(op, r.kind)) {
    return Value::Bool(false);
  }
  if (l.kind == VKind::kString && r.kind == VKind::kString) {
    switch (op) {
      case Op::kGreater:
        return Value::Bool(l.s > r.s);
      case Op::kGreaterEqual:
        return Value::Bool(l.s >= r.s);
      case Op::kLess:
        return Value::Bool(l.s < r.s);
      case Op::kLessEqual:
        return Value::Bool(l.s <= r.s);
      case Op::kRegex:
        return Value::Bool(RegexMatch(l.s, r.s, re));
      case Op::kNotRegex:
        return Value::Bool(!RegexMatch(l.s, r.s, re));
      default:
        break;
    }
  } else if (l.kind == VKind::kInt && r.kind == VKind::kInt) {
    const int64_t a = l.i, b = r.i;
    switch (op) {
      case Op::kAdd:
        return Value::Int(
            static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)));
      case Op::kSub:
        return Value::Int(
            static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b)));
      case Op::kMult:
        return Value::Int(
            static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)));
      case Op::kDiv:
        if (b == 0 || (a == std::numeric_limits<int64_t>::min() && b == -1)) return Value::Nil();
        return Value::Int(a / b);
      case Op::kMod:
        if (b == 0 || (a == std::numeric_limits<int64_t>::min() && b == -1)) return Value::Nil();
        return Value::Int(a % b);
      case Op::kPower:
        return Value::Int(IntPow(a, b));
      case Op::kGreater:
        return Value::Bool(a > b);
      case Op::kGreaterEqual:
        return Value::Bool(a >= b);
      case Op::kLess:
        return Value::Bool(a < b);
      case Op::kLessEqual:
        return Value::Bool(a <= b);
      default:
        break;
    }
  } else if (l.kind == VKind::kBool && r.kind == VKind::kBool) {
    if (op == Op::kAnd) return Value::Bool(l.i && r.i);
    if (op == Op::kOr) return Value::Bool(l.i || r.i);
  }
  const double a = l.AsFloat(), b = r.AsFloat();
  switch (op) {
    case Op::kAdd:
      return Value::Float(a + b);
    case Op::kSub:
      return Value::Float(a - b);
    case Op::kMult:
      return Value::Float(a * b);
    case Op::kDiv:
      return Value::Float(a / b);
    case Op::kMod:
      return Value::Float(std::fmod(a, b));
    case Op::kPower:
      return Value::Float(std::pow(a, b));
    case Op::kGreater:
      return Value::Bool(a > b);
    case Op::kGreaterEqual:
      return Value::Bool(a >= b);
    case Op::kLess:
      return Value::Bool(a < b);
    case Op::kLessEqual:
      return Value::Bool(a <= b);
    case Op::kEqual:
      return Value::Bool(Equals(l, r));
    case Op::kNotEqual:
      return Value::Bool(!l.IsNil() && !r.IsNil() && !Equals(l, r));
    default:
      return Value::Nil();
  }
}

Op Flip(Op op) {
  switch (op) {
    case Op::kGreater:
      return Op::kLess;
    case Op::kGreaterEqual:
      return Op::kLessEqual;
    case Op::kLess:
      return Op::kGreater;
    case Op::kLessEqual:
      return Op::kGreaterEqual;
    default:
      return op;
  }
}

}  // namespace

bool Equals(const Value& a, const Value& b) {
  if (a.IsNil() || b.IsNil()) return false;
  if (IsNum(a.kind) && IsNum(b.kind)) {
    if (a.kind != VKind::kFloat && b.kind != VKind::kFloat) return a.i == b.i;
    return a.AsFloat() == b.AsFloat();
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case VKind::kString:
      return a.s == b.s;
    case VKind::kBool:
    case VKind::kStatus:
    case VKind::kKind:
      return a.i == b.i;
    case VKind::kArray: {
      if (a.arr->size() != b.arr->size()) return false;
      for (size_t k = 0; k < a.arr->size(); ++k) {
        if (!Equals((*a.arr)[k], (*b.arr)[k])) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

Value BinaryOp(Op op, const Value& l, const Value& r, const re2::RE2* re) {
  const bool la = l.kind == VKind::kArray, ra = r.kind == VKind::kArray;
  if (!la && !ra) return ScalarOp(op, l, r, re);
  if (la && ra) {
    if (op == Op::kEqual) return Value::Bool(Equals(l, r));
    if (op == Op::kNotEqual) return Value::Bool(!Equals(l, r));
    return Value::Bool(false);
  }
  // One array, one scalar: the operator applies to each element.
  const bool boolean = op == Op::kEqual || op == Op::kNotEqual || op == Op::kRegex ||
                       op == Op::kNotRegex || IsComparisonOp(op);
  if (!boolean) return Value::Nil();
  const Value& arr = la ? l : r;
  const Value& scalar = la ? r : l;
  if (scalar.IsNil()) return Value::Bool(false);
  Op elem_op = op;
  const bool regex = op == Op::kRegex || op == Op::kNotRegex;
  if (la && !regex) elem_op = Flip(op);  // `arr < x` is `x > elem` for each element
  const bool all = op == Op::kNotEqual || op == Op::kNotRegex;
  size_t matched = 0;
  for (const Value& e : *arr.arr) {
    // Regexes keep the element on the left (the pattern is the scalar on the right).
    const Value res = regex ? ScalarOp(elem_op, e, scalar, re) : ScalarOp(elem_op, scalar, e, re);
    if (res.IsTrue()) {
      ++matched;
      if (!all) break;
    }
  }
  if (all) return Value::Bool(!arr.arr->empty() && matched == arr.arr->size());
  return Value::Bool(matched > 0);
}

int Compare(const Value& a, const Value& b) {
  if (IsNum(a.kind) && IsNum(b.kind)) {
    const double x = a.AsFloat(), y = b.AsFloat();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  switch (a.kind) {
    case VKind::kString:
      return a.s < b.s ? -1 : (a.s > b.s ? 1 : 0);
    default:
      return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  }
}

TypedValue ToTyped(const Value& v) {
  switch (v.kind) {
    case VKind::kNil:
      return {};
    case VKind::kString:
      return TypedValue::String(std::string(v.s));
    case VKind::kInt:
      return TypedValue::Int(v.i);
    case VKind::kFloat:
      return TypedValue::Float(v.f);
    case VKind::kBool:
      return TypedValue::Bool(v.i != 0);
    case VKind::kDuration:
      return TypedValue::Duration(v.i);
    case VKind::kStatus:
      return TypedValue::Status(static_cast<ss::SpanStatus>(v.i));
    case VKind::kKind:
      return TypedValue::Kind(static_cast<ss::SpanKind>(v.i));
    case VKind::kArray: {
      std::string s = "[";
      for (size_t k = 0; k < v.arr->size(); ++k) {
        if (k) s += ", ";
        s += TypedValueString(ToTyped((*v.arr)[k]));
      }
      return TypedValue::String(s + "]");
    }
  }
  return {};
}

std::string MapKey(const Value& v) {
  std::string k;
  AppendMapKey(v, &k);
  return k;
}

void AppendMapKey(const Value& v, std::string* out) {
  out->push_back(static_cast<char>('a' + static_cast<int>(v.kind)));
  switch (v.kind) {
    case VKind::kString:
      out->append(v.s);
      break;
    case VKind::kFloat:
      out->append(FormatGoFloat(v.f));
      break;
    case VKind::kArray:
      out->append(TypedValueString(ToTyped(v)));
      break;
    case VKind::kNil:
      break;
    default: {
      char buf[24];
      const int n = snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v.i));
      out->append(buf, static_cast<size_t>(n));
    }
  }
}

}  // namespace eval

// --- Public helpers -----------------------------------------------------------------------

std::string_view TypedValueTypeName(TypedValue::Type t) {
  switch (t) {
    case TypedValue::Type::kNil:
      return "nil";
    case TypedValue::Type::kString:
      return "string";
    case TypedValue::Type::kInt:
      return "int";
    case TypedValue::Type::kFloat:
      return "float";
    case TypedValue::Type::kBool:
      return "bool";
    case TypedValue::Type::kDuration:
      return "duration";
    case TypedValue::Type::kStatus:
      return "status";
    case TypedValue::Type::kKind:
      return "kind";
  }
  return "nil";
}

std::string TypedValueString(const TypedValue& v) {
  switch (v.type) {
    case TypedValue::Type::kNil:
      return "nil";
    case TypedValue::Type::kString:
      return v.s;
    case TypedValue::Type::kInt:
      return std::to_string(v.i);
    case TypedValue::Type::kFloat:
      return FormatGoFloat(v.f);
    case TypedValue::Type::kBool:
      return v.i ? "true" : "false";
    case TypedValue::Type::kDuration:
      return FormatGoDuration(v.i);
    case TypedValue::Type::kStatus:
      return std::string(ss::SpanStatusName(static_cast<ss::SpanStatus>(v.i)));
    case TypedValue::Type::kKind:
      return std::string(ss::SpanKindName(static_cast<ss::SpanKind>(v.i)));
  }
  return "";
}

}  // namespace loupe::query::traceql
