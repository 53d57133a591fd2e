#include "storage/logstore/limits.h"

#include <gtest/gtest.h>

namespace loupe::storage::logstore {
namespace {

constexpr int64_t kSec = 1000000000;

TEST(LogstoreLimitsTest, TimeFormatsAsGo) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(1665408344 * kSec + 123), "2022-10-10T13:25:44Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(951782400 * kSec), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatGoTime(1665408344 * kSec), "2022-10-10 13:25:44 +0000 UTC");
  EXPECT_EQ(FormatGoTime(1665408344 * kSec + 416526133), "2022-10-10 13:25:44.416526133 +0000 UTC");
  EXPECT_EQ(FormatGoTime(1665408344 * kSec + 500000000), "2022-10-10 13:25:44.5 +0000 UTC");
}

TEST(LogstoreLimitsTest, LokiMessages) {
  const std::string s = "{app=\"api\"}";
  EXPECT_EQ(TooOldMessage(s, 1775622884 * kSec, 1778728038 * kSec),
            "entry for stream '{app=\"api\"}' has timestamp too old: 2026-04-08T04:34:44Z, oldest "
            "acceptable "
            "timestamp is: 2026-05-14T03:07:18Z");
  EXPECT_EQ(TooFarBehindMessage(1665408344 * kSec, 1666999816 * kSec),
            "entry too far behind, entry timestamp is: 2022-10-10T13:25:44Z, oldest acceptable "
            "timestamp is: "
            "2022-10-28T23:30:16Z");
  EXPECT_EQ(TooNewMessage(s, 0),
            "entry for stream '{app=\"api\"}' has timestamp too new: 1970-01-01T00:00:00Z");
  EXPECT_EQ(LineTooLongMessage(262144, s, 300000),
            "Max entry size '262144' bytes exceeded for stream '{app=\"api\"}' while adding an "
            "entry with length "
            "'300000' bytes");
  EXPECT_EQ(MaxLabelNamesMessage(s, 16, 15),
            "entry for stream '{app=\"api\"}' has 16 label names; limit 15");
  EXPECT_EQ(LabelNameTooLongMessage(s, "n"), "stream '{app=\"api\"}' has label name too long: 'n'");
  EXPECT_EQ(LabelValueTooLongMessage(s, "v"),
            "stream '{app=\"api\"}' has label value too long: 'v'");
  EXPECT_EQ(MissingLabelsMessage(), "error at least one label pair is required per stream");
  EXPECT_TRUE(StreamLimitMessage(s, "t1").starts_with(
      "Maximum active stream limit exceeded when trying to create stream {app=\"api\"}, reduce"));
  EXPECT_TRUE(StreamLimitMessage(s, "t1").ends_with("user: 't1'"));
  EXPECT_STREQ(RejectReasonName(RejectReason::kTooFarBehind), "too_far_behind");
  EXPECT_STREQ(RejectReasonName(RejectReason::kTooOld), "greater_than_max_sample_age");
  EXPECT_TRUE(RejectIsRateLimit(RejectReason::kStreamLimit));
  EXPECT_FALSE(RejectIsRateLimit(RejectReason::kLineTooLong));
}

}  // namespace
}  // namespace loupe::storage::logstore
