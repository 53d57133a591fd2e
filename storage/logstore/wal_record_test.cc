#include "storage/logstore/wal_record.h"

#include <gtest/gtest.h>

namespace loupe::storage::logstore {
namespace {

TEST(LogstoreWalRecordTest, StreamsRoundTrip) {
  std::vector<model::LabelRef> labels = {{"app", "api"}, {"env", "dev"}, {"app", "web"}};
  std::string rec;
  EncodeWalHeader(WalRecordType::kStreams, 3, &rec);
  EncodeWalStreams({7, 9}, labels, {0, 2, 3}, &rec);
  DecodedWalRecord d;
  ASSERT_TRUE(DecodeWalRecord(rec, &d).ok());
  EXPECT_EQ(d.type, WalRecordType::kStreams);
  EXPECT_EQ(d.tenant, 3u);
  ASSERT_EQ(d.streams.size(), 2u);
  EXPECT_EQ(d.streams[0].ref, 7u);
  ASSERT_EQ(d.streams[0].labels.size(), 2u);
  EXPECT_EQ(d.streams[0].labels[1].value, "dev");
  EXPECT_EQ(d.streams[1].labels[0].value, "web");
}

TEST(LogstoreWalRecordTest, EntriesRoundTripAndCorruption) {
  std::vector<WalEntryView> a = {
      {100, "first", ""}, {90, "older", "\x01\x01k\x01v"}, {INT64_MAX, "", ""}};
  std::vector<WalEntryView> b = {{-5, "neg", ""}};
  std::string rec;
  EncodeWalHeader(WalRecordType::kEntries, 1, &rec);
  EncodeWalGroup(4, 10, a.data(), a.size(), &rec);
  EncodeWalGroup(5, 0, b.data(), b.size(), &rec);
  DecodedWalRecord d;
  ASSERT_TRUE(DecodeWalRecord(rec, &d).ok());
  ASSERT_EQ(d.groups.size(), 2u);
  EXPECT_EQ(d.groups[0].ref, 4u);
  EXPECT_EQ(d.groups[0].first_seq, 10u);
  EXPECT_EQ(d.groups[0].count, 3u);
  ASSERT_EQ(d.entries.size(), 4u);
  EXPECT_EQ(d.entries[1].ts, 90);
  EXPECT_EQ(d.entries[1].metadata, "\x01\x01k\x01v");
  EXPECT_EQ(d.entries[2].ts, INT64_MAX);
  EXPECT_EQ(d.entries[3].ts, -5);
  EXPECT_EQ(d.entries[3].line, "neg");
  // Every truncation is corrupt except the two that end exactly between groups.
  std::string header;
  EncodeWalHeader(WalRecordType::kEntries, 1, &header);
  std::string first = header;
  EncodeWalGroup(4, 10, a.data(), a.size(), &first);
  for (size_t len = 0; len < rec.size(); ++len) {
    const Status s = DecodeWalRecord(rec.substr(0, len), &d);
    if (len == header.size() || len == first.size()) {
      EXPECT_TRUE(s.ok()) << len;
    } else {
      EXPECT_EQ(s.code(), StatusCode::kCorruption) << len;
    }
  }
  EXPECT_FALSE(DecodeWalRecord("", &d).ok());
  EXPECT_FALSE(DecodeWalRecord("\x09\x01", &d).ok());
}

}  // namespace
}  // namespace loupe::storage::logstore
