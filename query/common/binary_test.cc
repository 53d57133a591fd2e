#include "query/common/binary.h"

#include <gtest/gtest.h>

#include <cmath>

namespace loupe::query {
namespace {

using storage::model::Labels;

Labels L(std::initializer_list<storage::model::Label> l) { return Labels(l); }

TEST(BinaryTest, OneToOneDropsNameAndMatchesIgnoringName) {
  VectorBinaryOp op(BinaryOp::kAdd, VectorMatching{}, false);
  op.AddLeft(L({{"__name__", "a"}, {"env", "1"}}));
  op.AddRight(L({{"__name__", "b"}, {"env", "1"}}));
  std::vector<StepSample> out;
  ASSERT_TRUE(
      op.Step(std::vector<StepSample>{{0, 120}}, std::vector<StepSample>{{0, 180}}, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value, 300);
  EXPECT_EQ(op.output_labels(out[0].series), L({{"env", "1"}}));
}

TEST(BinaryTest, GroupLeftCopiesIncludedLabels) {
  VectorMatching m;
  m.card = MatchCardinality::kManyToOne;
  m.on = true;
  m.labels = {"instance"};
  m.include = {"role"};
  VectorBinaryOp op(BinaryOp::kMul, m, false);
  op.AddLeft(L({{"__name__", "node_cpu"}, {"instance", "abc"}, {"mode", "idle"}}));
  op.AddLeft(L({{"__name__", "node_cpu"}, {"instance", "abc"}, {"mode", "user"}}));
  op.AddRight(L({{"__name__", "node_role"}, {"instance", "abc"}, {"role", "prometheus"}}));
  std::vector<StepSample> out;
  ASSERT_TRUE(
      op.Step(std::vector<StepSample>{{0, 3}, {1, 1}}, std::vector<StepSample>{{0, 1}}, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(op.output_labels(out[0].series),
            L({{"instance", "abc"}, {"mode", "idle"}, {"role", "prometheus"}}));
}

TEST(BinaryTest, ManyToManyIsAnError) {
  VectorMatching m;
  m.on = true;
  m.labels = {"job"};
  VectorBinaryOp op(BinaryOp::kDiv, m, false);
  op.AddLeft(L({{"job", "a"}, {"i", "0"}}));
  op.AddRight(L({{"job", "a"}, {"i", "1"}}));
  op.AddRight(L({{"job", "a"}, {"i", "2"}}));
  std::vector<StepSample> out;
  Status s =
      op.Step(std::vector<StepSample>{{0, 1}}, std::vector<StepSample>{{0, 1}, {1, 2}}, &out);
  EXPECT_EQ(s.message(),
            "found duplicate series for the match group {job=\"a\"} on the right hand-side of the "
            "operation: [{i=\"2\", job=\"a\"}, {i=\"1\", job=\"a\"}];many-to-many matching not "
            "allowed: matching labels must be unique on one side");
  // Many lhs entries for one rhs entry without group_left.
  VectorBinaryOp op2(BinaryOp::kDiv, m, false);
  op2.AddLeft(L({{"job", "a"}, {"i", "0"}}));
  op2.AddLeft(L({{"job", "a"}, {"i", "1"}}));
  op2.AddRight(L({{"job", "a"}}));
  s = op2.Step(std::vector<StepSample>{{0, 1}, {1, 2}}, std::vector<StepSample>{{0, 1}}, &out);
  EXPECT_EQ(s.message(),
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
}

TEST(BinaryTest, ComparisonFiltersAndBool) {
  VectorBinaryOp op(BinaryOp::kGt, VectorMatching{}, false);
  op.AddLeft(L({{"__name__", "a"}, {"i", "0"}}));
  op.AddLeft(L({{"__name__", "a"}, {"i", "1"}}));
  op.AddRight(L({{"__name__", "b"}, {"i", "0"}}));
  op.AddRight(L({{"__name__", "b"}, {"i", "1"}}));
  std::vector<StepSample> out;
  ASSERT_TRUE(op.Step(std::vector<StepSample>{{0, 5}, {1, 1}},
                      std::vector<StepSample>{{0, 2}, {1, 2}}, &out)
                  .ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value, 5);
  EXPECT_EQ(op.output_labels(out[0].series).MetricName(), "a");

  std::vector<StepSample> vs;
  VectorScalarStep(BinaryOp::kLe, std::vector<StepSample>{{0, 1}, {1, 5}}, 3, true, false, &vs);
  ASSERT_EQ(vs.size(), 1u);  // 3 <= 5
  EXPECT_EQ(vs[0].value, 5);
}

TEST(BinaryTest, SetOperators) {
  VectorMatching m;
  m.card = MatchCardinality::kManyToMany;
  VectorBinaryOp op(BinaryOp::kOr, m, false);
  op.AddLeft(L({{"i", "0"}}));
  op.AddRight(L({{"i", "0"}}));
  op.AddRight(L({{"i", "1"}}));
  std::vector<StepSample> out;
  ASSERT_TRUE(
      op.Step(std::vector<StepSample>{{0, 1}}, std::vector<StepSample>{{0, 9}, {1, 2}}, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].value, 1);
  EXPECT_EQ(out[1].value, 2);
  VectorBinaryOp un(BinaryOp::kUnless, m, false);
  un.AddLeft(L({{"i", "0"}}));
  un.AddLeft(L({{"i", "1"}}));
  un.AddRight(L({{"i", "1"}}));
  out.clear();
  ASSERT_TRUE(
      un.Step(std::vector<StepSample>{{0, 1}, {1, 2}}, std::vector<StepSample>{{0, 0}}, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(un.output_labels(out[0].series), L({{"i", "0"}}));
}

TEST(BinaryTest, GoMathSemantics) {
  EXPECT_TRUE(std::isnan(Arithmetic(BinaryOp::kMod, 1, 0)));
  EXPECT_EQ(Arithmetic(BinaryOp::kPow, NAN, 0), 1);
  EXPECT_EQ(ScalarBinary(BinaryOp::kEq, 1, 1), 1);
}

}  // namespace
}  // namespace loupe::query
