#include "ingest/prom/textparse/family.h"

#include <gtest/gtest.h>

namespace loupe::ingest::prom {
namespace {

using storage::model::MetricType;

TEST(FamilyTest, FamilyOfStripsTheTypesSuffixes) {
  EXPECT_EQ(FamilyOf("x_bucket", MetricType::kHistogram), "x");
  EXPECT_EQ(FamilyOf("x_sum", MetricType::kHistogram), "x");
  EXPECT_EQ(FamilyOf("x_count", MetricType::kHistogram), "x");
  EXPECT_EQ(FamilyOf("x_created", MetricType::kHistogram), "x");
  EXPECT_EQ(FamilyOf("x", MetricType::kHistogram), "x");
  EXPECT_EQ(FamilyOf("x_total", MetricType::kCounter), "x");
  EXPECT_EQ(FamilyOf("x_created", MetricType::kCounter), "x");
  EXPECT_EQ(FamilyOf("x_sum", MetricType::kSummary), "x");
  EXPECT_EQ(FamilyOf("x_count", MetricType::kSummary), "x");
  EXPECT_EQ(FamilyOf("x", MetricType::kSummary), "x");
  EXPECT_EQ(FamilyOf("x_bucket", MetricType::kGaugeHistogram), "x");
  EXPECT_EQ(FamilyOf("x_gsum", MetricType::kGaugeHistogram), "x");
  EXPECT_EQ(FamilyOf("x_gcount", MetricType::kGaugeHistogram), "x");
  EXPECT_EQ(FamilyOf("x_sum", MetricType::kGaugeHistogram), "x_sum");
  EXPECT_EQ(FamilyOf("x_info", MetricType::kInfo), "x");
  // Suffixes of other types, or of no type, stay.
  EXPECT_EQ(FamilyOf("x_total", MetricType::kGauge), "x_total");
  EXPECT_EQ(FamilyOf("x_bucket", MetricType::kSummary), "x_bucket");
  EXPECT_EQ(FamilyOf("x_count", MetricType::kUnknown), "x_count");
  EXPECT_EQ(FamilyOf("x_total", MetricType::kStateSet), "x_total");
  // A bare suffix is a name, not a family plus suffix.
  EXPECT_EQ(FamilyOf("_total", MetricType::kCounter), "_total");
}

TEST(FamilyTest, BelongsToFamilyAcceptsBothCounterConventions) {
  EXPECT_TRUE(BelongsToFamily("x_total", "x", MetricType::kCounter));  // OpenMetrics
  EXPECT_TRUE(BelongsToFamily("x_created", "x", MetricType::kCounter));
  EXPECT_TRUE(BelongsToFamily("x_total", "x_total", MetricType::kCounter));  // Prometheus text
  EXPECT_TRUE(BelongsToFamily("x", "x", MetricType::kCounter));
  EXPECT_FALSE(BelongsToFamily("x_totals", "x", MetricType::kCounter));
  EXPECT_FALSE(BelongsToFamily("y_total", "x", MetricType::kCounter));
  EXPECT_TRUE(BelongsToFamily("x_bucket", "x", MetricType::kHistogram));
  EXPECT_FALSE(BelongsToFamily("x_bucket", "x", MetricType::kSummary));
  EXPECT_TRUE(BelongsToFamily("x_info", "x", MetricType::kInfo));
  EXPECT_TRUE(BelongsToFamily("x_info", "x_info", MetricType::kInfo));
  EXPECT_TRUE(BelongsToFamily("x", "x", MetricType::kUnknown));
  EXPECT_FALSE(BelongsToFamily("x_count", "x", MetricType::kUnknown));
  EXPECT_FALSE(BelongsToFamily("xy", "x", MetricType::kGauge));
}

}  // namespace
}  // namespace loupe::ingest::prom
