#include "query/traceql/eval/value.h"

#include <gtest/gtest.h>

#include "query/traceql/syntax/printer.h"

namespace loupe::query::traceql::eval {
namespace {

bool Is(const Value& v) { return v.IsTrue(); }

TEST(TraceqlValue, ComparisonsFollowTempo) {
  EXPECT_TRUE(Is(BinaryOp(Op::kEqual, Value::Int(2), Value::Float(2.0), nullptr)));
  EXPECT_TRUE(Is(BinaryOp(Op::kLess, Value::Int(1), Value::Duration(2), nullptr)));
  EXPECT_FALSE(Is(BinaryOp(Op::kEqual, Value::Int(2), Value::View("2"), nullptr)));
  EXPECT_FALSE(Is(BinaryOp(Op::kNotEqual, Value::Int(2), Value::View("2"), nullptr)));
  EXPECT_FALSE(Is(BinaryOp(Op::kEqual, Value::Nil(), Value::Nil(), nullptr)));
  EXPECT_FALSE(Is(BinaryOp(Op::kNotEqual, Value::Nil(), Value::Int(1), nullptr)));
  EXPECT_TRUE(Is(BinaryOp(Op::kGreater, Value::View("b"), Value::View("a"), nullptr)));
  EXPECT_TRUE(Is(BinaryOp(Op::kRegex, Value::View("abc"), Value::View("a.c"), nullptr)));
  EXPECT_FALSE(Is(BinaryOp(Op::kRegex, Value::View("xabc"), Value::View("a.c"), nullptr)));
  EXPECT_FALSE(Is(BinaryOp(Op::kRegex, Value::View("abc"), Value::View("("), nullptr)));
  EXPECT_TRUE(Is(BinaryOp(Op::kEqual, Value::Status(storage::spanstore::SpanStatus::kError),
                          Value::Status(storage::spanstore::SpanStatus::kError), nullptr)));
  EXPECT_FALSE(Is(BinaryOp(Op::kGreater, Value::Status(storage::spanstore::SpanStatus::kError),
                           Value::Status(storage::spanstore::SpanStatus::kOk), nullptr)));
  EXPECT_TRUE(Is(BinaryOp(Op::kEqual, Value::Bool(true), Value::Bool(true), nullptr)));
  EXPECT_FALSE(Is(BinaryOp(Op::kLess, Value::Bool(false), Value::Bool(true), nullptr)));
}

TEST(TraceqlValue, Arithmetic) {
  Value v = BinaryOp(Op::kAdd, Value::Int(2), Value::Int(3), nullptr);
  EXPECT_EQ(v.kind, VKind::kInt);
  EXPECT_EQ(v.i, 5);
  EXPECT_TRUE(BinaryOp(Op::kDiv, Value::Int(1), Value::Int(0), nullptr).IsNil());
  EXPECT_EQ(BinaryOp(Op::kDiv, Value::Int(7), Value::Int(2), nullptr).i, 3);
  EXPECT_EQ(BinaryOp(Op::kPower, Value::Int(2), Value::Int(10), nullptr).i, 1024);
  v = BinaryOp(Op::kMult, Value::Duration(1000), Value::Int(2), nullptr);
  EXPECT_EQ(v.kind, VKind::kFloat);
  EXPECT_EQ(v.f, 2000.0);
  EXPECT_FALSE(Is(BinaryOp(Op::kAdd, Value::View("a"), Value::Int(1), nullptr)));
}

TEST(TraceqlValue, Arrays) {
  Value arr = Value::Array({Value::View("a"), Value::View("b")});
  EXPECT_TRUE(Is(BinaryOp(Op::kEqual, arr, Value::View("b"), nullptr)));
  EXPECT_TRUE(Is(BinaryOp(Op::kEqual, Value::View("a"), arr, nullptr)));
  EXPECT_FALSE(Is(BinaryOp(Op::kEqual, arr, Value::View("c"), nullptr)));
  EXPECT_TRUE(Is(BinaryOp(Op::kNotEqual, arr, Value::View("c"), nullptr)));   // none equal
  EXPECT_FALSE(Is(BinaryOp(Op::kNotEqual, arr, Value::View("a"), nullptr)));  // one equals
  EXPECT_TRUE(Is(BinaryOp(Op::kRegex, arr, Value::View("[ab]"), nullptr)));
  EXPECT_FALSE(Is(BinaryOp(Op::kNotRegex, arr, Value::View("a"), nullptr)));
  Value nums = Value::Array({Value::Int(1), Value::Int(5)});
  EXPECT_TRUE(Is(BinaryOp(Op::kGreater, nums, Value::Int(4), nullptr)));
  EXPECT_FALSE(Is(BinaryOp(Op::kGreater, nums, Value::Int(5), nullptr)));
  EXPECT_TRUE(Is(BinaryOp(Op::kLess, Value::Int(4), nums, nullptr)));  // 4 < 5
}

TEST(TraceqlValue, PublicForms) {
  EXPECT_EQ(TypedValueString(TypedValue::Duration(1'500'000)), "1.5ms");
  EXPECT_EQ(TypedValueString(TypedValue::Float(0.5)), "0.5");
  EXPECT_EQ(TypedValueString(TypedValue::Status(storage::spanstore::SpanStatus::kError)), "error");
  EXPECT_EQ(TypedValueString(TypedValue::Kind(storage::spanstore::SpanKind::kServer)), "server");
  EXPECT_EQ(TypedValueTypeName(TypedValue::Type::kDuration), "duration");
  Static s = Static::Kind(SpanKind::kClient);
  EXPECT_EQ(FromStatic(s).i, static_cast<int64_t>(storage::spanstore::SpanKind::kClient));
}

}  // namespace
}  // namespace loupe::query::traceql::eval
