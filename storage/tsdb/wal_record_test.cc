#include "storage/tsdb/wal_record.h"

#include <gtest/gtest.h>

#include <cmath>

namespace loupe::storage::tsdb {
namespace {

TEST(WalRecordTest, RoundTripEveryType) {
  std::string buf;
  EncodeSeriesRecord(3, {{7, model::Labels{{"__name__", "x"}, {"a", "b"}}}}, &buf);
  DecodedWalRecord r;
  ASSERT_TRUE(DecodeWalRecord(buf, &r).ok());
  EXPECT_EQ(r.tenant, 3u);
  ASSERT_EQ(r.series.size(), 1u);
  ASSERT_EQ(r.series[0].labels.size(), 2u);
  EXPECT_EQ(r.series[0].labels[1].name, "a");
  EXPECT_EQ(r.series[0].labels[1].value, "b");

  buf.clear();
  EncodeSamplesRecord(1, {{7, -5, 1.5}, {8, 1'700'000'000'000, model::StaleNaN()}, {7, 3, -0.0}}, &buf);
  r = {};
  ASSERT_TRUE(DecodeWalRecord(buf, &r).ok());
  ASSERT_EQ(r.samples.size(), 3u);
  EXPECT_EQ(r.samples[0].t, -5);
  EXPECT_EQ(r.samples[1].t, 1'700'000'000'000);
  EXPECT_TRUE(model::IsStaleNaN(r.samples[1].v));
  EXPECT_TRUE(std::signbit(r.samples[2].v));

  buf.clear();
  EncodeExemplarsRecord(1, {{7, {model::Labels{{"trace_id", "t"}}, 2.5, 99, false}}}, &buf);
  r = {};
  ASSERT_TRUE(DecodeWalRecord(buf, &r).ok());
  ASSERT_EQ(r.exemplars.size(), 1u);
  EXPECT_FALSE(r.exemplars[0].exemplar.has_timestamp);

  buf.clear();
  EncodeMetadataRecord(1, {{"up", model::MetricType::kGauge, "help", "seconds"}}, &buf);
  r = {};
  ASSERT_TRUE(DecodeWalRecord(buf, &r).ok());
  EXPECT_EQ(r.metadata[0].unit, "seconds");
}

TEST(WalRecordTest, EveryTruncationIsCorruptionNotCrash) {
  std::string buf;
  EncodeSeriesRecord(3, {{7, model::Labels{{"__name__", "x"}, {"a", "b"}}}}, &buf);
  EncodeSamplesRecord(1, {{7, 5, 1.5}}, &buf);  // two records back to back: trailing bytes
  DecodedWalRecord r;
  EXPECT_EQ(DecodeWalRecord(buf, &r).code(), StatusCode::kCorruption);
  std::string one;
  EncodeSamplesRecord(1, {{7, 5, 1.5}, {9, 6, 2.5}}, &one);
  for (size_t n = 0; n < one.size(); ++n) {
    DecodedWalRecord rr;
    EXPECT_EQ(DecodeWalRecord(std::string_view(one).substr(0, n), &rr).code(), StatusCode::kCorruption) << n;
  }
  std::string huge_count = "\x02\x01\xff\xff\xff\xff\x0f";
  EXPECT_EQ(DecodeWalRecord(huge_count, &r).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeWalRecord("\x09\x00\x00", &r).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace loupe::storage::tsdb
