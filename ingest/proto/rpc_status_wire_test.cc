// google.rpc.Status, the OTLP/HTTP error body.
#include <gtest/gtest.h>

#include "google/protobuf/any.pb.h"
#include "google/rpc/status.pb.h"
#include "ingest/proto/wire_test_util.h"

namespace loupe::ingest::proto {
namespace {

TEST(RpcStatusWire, EncodesCodeMessageDetails) {
  google::rpc::Status status;
  status.set_code(3);  // INVALID_ARGUMENT
  status.set_message("bad");
  auto* any = status.add_details();
  any->set_type_url("t");
  any->set_value(Bytes({0x01}));
  const std::string expected = Bytes({0x08, 0x03, 0x12, 0x03, 'b', 'a', 'd',  //
                                      0x1a, 0x06, 0x0a, 0x01, 't', 0x12, 0x01, 0x01});
  EXPECT_EQ(Hex(status.SerializeAsString()), Hex(expected));

  google::rpc::Status parsed;
  ASSERT_TRUE(parsed.ParseFromString(expected));
  EXPECT_EQ(parsed.code(), 3);
  EXPECT_EQ(parsed.message(), "bad");
  ASSERT_EQ(parsed.details_size(), 1);
  EXPECT_EQ(parsed.details(0).type_url(), "t");
}

}  // namespace
}  // namespace loupe::ingest::proto
