#include "query/common/aggregate.h"

#include <gtest/gtest.h>

#include <cmath>

namespace loupe::query {
namespace {

using storage::model::Labels;

Labels L(std::initializer_list<storage::model::Label> l) { return Labels(l); }

std::vector<StepSample> Agg(VectorAggregator& agg, const std::vector<StepSample>& in,
                            double param = 0) {
  std::vector<StepSample> out;
  agg.Step(in, param, &out);
  return out;
}

TEST(AggregateTest, SumByGroupsInFirstAppearanceOrder) {
  VectorAggregator agg(AggregateOp::kSum, Grouping{{"group"}, false});
  agg.AddSeries(L({{"__name__", "x"}, {"group", "b"}, {"i", "0"}}));
  agg.AddSeries(L({{"__name__", "x"}, {"group", "a"}, {"i", "1"}}));
  agg.AddSeries(L({{"__name__", "x"}, {"group", "b"}, {"i", "2"}}));
  auto out = Agg(agg, {{0, 1}, {1, 10}, {2, 2}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(agg.group_labels(out[0].series), L({{"group", "b"}}));
  EXPECT_EQ(out[0].value, 3);
  EXPECT_EQ(out[1].value, 10);
}

TEST(AggregateTest, WithoutDropsMetricName) {
  VectorAggregator agg(AggregateOp::kCount, Grouping{{"i"}, true});
  agg.AddSeries(L({{"__name__", "x"}, {"job", "a"}, {"i", "0"}}));
  agg.AddSeries(L({{"__name__", "y"}, {"job", "a"}, {"i", "1"}}));
  auto out = Agg(agg, {{0, 5}, {1, 6}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(agg.group_labels(0), L({{"job", "a"}}));
  EXPECT_EQ(out[0].value, 2);
}

TEST(AggregateTest, KahanSumAndDirectMean) {
  VectorAggregator sum(AggregateOp::kSum, Grouping{});
  VectorAggregator avg(AggregateOp::kAvg, Grouping{});
  for (int i = 0; i < 4; ++i) {
    sum.AddSeries(L({{"i", std::to_string(i)}}));
    avg.AddSeries(L({{"i", std::to_string(i)}}));
  }
  std::vector<StepSample> in{{0, 2}, {1, 8}, {2, 1e100}, {3, -1e100}};
  EXPECT_EQ(Agg(sum, in)[0].value, 10);
  EXPECT_EQ(Agg(avg, in)[0].value, 2.5);
  // Overflowing sums switch to the incremental mean.
  std::vector<StepSample> big{{0, 9.988465674311579e+307},
                              {1, 9.988465674311579e+307},
                              {2, 9.988465674311579e+307},
                              {3, 9.988465674311579e+307}};
  EXPECT_DOUBLE_EQ(Agg(avg, big)[0].value, 9.988465674311579e+307);
}

TEST(AggregateTest, StddevTreatsInfAsNaN) {
  VectorAggregator agg(AggregateOp::kStddev, Grouping{});
  for (int i = 0; i < 3; ++i) agg.AddSeries(L({{"i", std::to_string(i)}}));
  EXPECT_DOUBLE_EQ(Agg(agg, {{0, 1}, {1, 2}})[0].value, 0.5);
  EXPECT_TRUE(std::isnan(Agg(agg, {{0, 1}, {1, 2}, {2, INFINITY}})[0].value));
}

TEST(AggregateTest, MinMaxSkipNaN) {
  VectorAggregator mx(AggregateOp::kMax, Grouping{});
  for (int i = 0; i < 3; ++i) mx.AddSeries(L({{"i", std::to_string(i)}}));
  EXPECT_EQ(Agg(mx, {{0, NAN}, {1, 3}, {2, 1}})[0].value, 3);
}

TEST(AggregateTest, TopkOrdersDescendingWithNaNLast) {
  VectorAggregator agg(AggregateOp::kTopk, Grouping{});
  for (int i = 0; i < 4; ++i) agg.AddSeries(L({{"i", std::to_string(i)}}));
  auto out = Agg(agg, {{0, 100}, {1, 200}, {2, NAN}, {3, 50}}, 3);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].series, 1u);
  EXPECT_EQ(out[1].series, 0u);
  EXPECT_EQ(out[2].series, 3u);
  auto b = VectorAggregator(AggregateOp::kBottomk, Grouping{});
  for (int i = 0; i < 3; ++i) b.AddSeries(L({{"i", std::to_string(i)}}));
  out = Agg(b, {{0, 100}, {1, 200}, {2, NAN}}, 3);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].series, 0u);
  EXPECT_EQ(out[1].series, 1u);
  EXPECT_EQ(out[2].series, 2u);
}

TEST(AggregateTest, LimitRatioComplements) {
  VectorAggregator a(AggregateOp::kLimitRatio, Grouping{});
  VectorAggregator b(AggregateOp::kLimitRatio, Grouping{});
  std::vector<StepSample> in;
  for (int i = 0; i < 50; ++i) {
    a.AddSeries(L({{"i", std::to_string(i)}}));
    b.AddSeries(L({{"i", std::to_string(i)}}));
    in.push_back({static_cast<uint32_t>(i), 1});
  }
  auto x = Agg(a, in, 0.3);
  auto y = Agg(b, in, -0.7);
  EXPECT_EQ(x.size() + y.size(), 50u);
  for (const auto& s : x) {
    for (const auto& t : y) EXPECT_NE(s.series, t.series);
  }
}

TEST(AggregateTest, ParamChecks) {
  Annotations annos;
  bool empty;
  std::vector<double> nan{1, NAN};
  EXPECT_EQ(CheckAggregateParams(AggregateOp::kTopk, nan, 0, 1, &annos, &empty).message(),
            "Parameter value is NaN");
  std::vector<double> zero{0, 0.5};
  ASSERT_TRUE(CheckAggregateParams(AggregateOp::kTopk, zero, 0, 1, &annos, &empty).ok());
  EXPECT_TRUE(empty);
  std::vector<double> r{1.1};
  ASSERT_TRUE(CheckAggregateParams(AggregateOp::kLimitRatio, r, 0, 1, &annos, &empty).ok());
  ASSERT_EQ(annos.items().size(), 1u);
  EXPECT_EQ(annos.items()[0].message,
            "PromQL warning: ratio value should be between -1 and 1, got 1.1, capping to 1");
}

TEST(AggregateTest, CountValues) {
  CountValuesAggregator agg("version", Grouping{});
  agg.AddSeries(L({{"__name__", "v"}, {"i", "0"}}));
  agg.AddSeries(L({{"__name__", "v"}, {"i", "1"}}));
  agg.AddSeries(L({{"__name__", "v"}, {"i", "2"}}));
  std::vector<StepSample> out;
  agg.Step(std::vector<StepSample>{{0, 6}, {1, 6}, {2, 0.5}}, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(agg.output_labels(out[0].series), L({{"version", "6"}}));
  EXPECT_EQ(out[0].value, 2);
  EXPECT_EQ(agg.output_labels(out[1].series), L({{"version", "0.5"}}));
}

}  // namespace
}  // namespace loupe::query
