// Loki push wire format (logproto.PushRequest), checked against hand-computed bytes.
#include <gtest/gtest.h>

#include <string>

#include "ingest/proto/wire_test_util.h"
#include "logproto/push.pb.h"

namespace loupe::ingest::proto {
namespace {

// streams { labels: "{a=\"b\"}" entries { timestamp { seconds: 1 nanos: 2 } line: "hi"
//   structuredMetadata { name: "k" value: "v" } } }
std::string PushRequestBytes() {
  return Cat({Bytes({0x0a, 0x1d,  // streams (29 bytes)
                     0x0a, 0x07}),
              "{a=\"b\"}",                                               // labels
              Bytes({0x12, 0x12,                                         // entries (18 bytes)
                     0x0a, 0x04, 0x08, 0x01, 0x10, 0x02,                 // Timestamp{1 s, 2 ns}
                     0x12, 0x02, 'h',  'i',                              // line
                     0x1a, 0x06, 0x0a, 0x01, 'k',  0x12, 0x01, 'v'})});  // structuredMetadata
}

TEST(LokiWire, PushRequestEncodes) {
  logproto::PushRequest req;
  auto* stream = req.add_streams();
  stream->set_labels("{a=\"b\"}");
  auto* entry = stream->add_entries();
  entry->mutable_timestamp()->set_seconds(1);
  entry->mutable_timestamp()->set_nanos(2);
  entry->set_line("hi");
  auto* md = entry->add_structuredmetadata();
  md->set_name("k");
  md->set_value("v");
  EXPECT_EQ(Hex(req.SerializeAsString()), Hex(PushRequestBytes()));
}

TEST(LokiWire, PushRequestParses) {
  // The fixture plus StreamAdapter.hash (3) = 5 and PushRequest.format (2) = "otlp".
  std::string fixture = PushRequestBytes();
  fixture[1] = 0x1f;  // the stream grows by two bytes
  fixture.insert(2 + 0x1d, Bytes({0x18, 0x05}));
  fixture += Cat({Bytes({0x12, 0x04}), "otlp"});

  logproto::PushRequest req;
  ASSERT_TRUE(req.ParseFromString(fixture));
  ASSERT_EQ(req.streams_size(), 1);
  const auto& stream = req.streams(0);
  EXPECT_EQ(stream.labels(), "{a=\"b\"}");
  EXPECT_EQ(stream.hash(), 5u);
  ASSERT_EQ(stream.entries_size(), 1);
  const auto& entry = stream.entries(0);
  EXPECT_EQ(entry.timestamp().seconds(), 1);
  EXPECT_EQ(entry.timestamp().nanos(), 2);
  EXPECT_EQ(entry.line(), "hi");
  ASSERT_EQ(entry.structuredmetadata_size(), 1);
  EXPECT_EQ(entry.structuredmetadata(0).name(), "k");
  EXPECT_EQ(entry.structuredmetadata(0).value(), "v");
  EXPECT_EQ(entry.parsed_size(), 0);
  EXPECT_EQ(req.format(), "otlp");
}

TEST(LokiWire, EntryParsedFieldIsFour) {
  logproto::EntryAdapter entry;
  auto* p = entry.add_parsed();
  p->set_name("n");
  EXPECT_EQ(Hex(entry.SerializeAsString()), Hex(Bytes({0x22, 0x03, 0x0a, 0x01, 'n'})));
}

}  // namespace
}  // namespace loupe::ingest::proto
