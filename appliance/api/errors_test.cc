#include "appliance/api/errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace loupe::appliance::api {
namespace {

using http::ApiFamily;

TEST(ErrorsTest, StatusCodesPerFamily) {
  EXPECT_EQ(HttpStatusFor(Status::InvalidArgument("x"), ApiFamily::kLoki), 400);
  EXPECT_EQ(HttpStatusFor(Status::TooLarge("x"), ApiFamily::kOtlp), 413);
  EXPECT_EQ(HttpStatusFor(Status::ResourceExhausted("x"), ApiFamily::kLoki), 429);
  EXPECT_EQ(HttpStatusFor(Status::ResourceExhausted("x"), ApiFamily::kPrometheus), 422);
  EXPECT_EQ(HttpStatusFor(Status::DeadlineExceeded("x"), ApiFamily::kPrometheus), 503);
  EXPECT_EQ(HttpStatusFor(Status::DeadlineExceeded("x"), ApiFamily::kLoki), 504);
  EXPECT_EQ(HttpStatusFor(Status::Unsupported("x"), ApiFamily::kPrometheus), 415);
  EXPECT_EQ(HttpStatusFor(Status::Cancelled("x"), ApiFamily::kLoki), 499);
}

TEST(ErrorsTest, PrometheusEnvelope) {
  auto r = ErrorResponse(ApiFamily::kPrometheus, Status::InvalidArgument("1:5: parse error: unexpected <EOF>"), nullptr);
  EXPECT_EQ(r.status, 400);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["errorType"], "bad_data");
  EXPECT_EQ(j["error"], "1:5: parse error: unexpected <EOF>");
  EXPECT_EQ(r.content_type, "application/json");
}

TEST(ErrorsTest, LokiPlainTextAndRetryAfter) {
  auto r = ErrorResponse(ApiFamily::kLoki, Status::ResourceExhausted("ingestion rate limit exceeded"), nullptr);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, "ingestion rate limit exceeded\n");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
}

TEST(ErrorsTest, OtlpRpcStatusFollowsContentType) {
  http::Request json_req;
  json_req.headers = {{"content-type", "application/json"}};
  auto j = ErrorResponse(ApiFamily::kOtlp, Status::InvalidArgument("bad"), &json_req);
  EXPECT_EQ(j.content_type, "application/json");
  EXPECT_EQ(nlohmann::json::parse(j.body)["code"], 3);
  http::Request pb_req;
  pb_req.headers = {{"content-type", "application/x-protobuf"}};
  auto p = ErrorResponse(ApiFamily::kOtlp, Status::InvalidArgument("bad"), &pb_req);
  EXPECT_EQ(p.content_type, "application/x-protobuf");
  // field 1 varint 3, field 2 "bad"
  EXPECT_EQ(p.body, std::string("\x08\x03\x12\x03" "bad", 7));
}

}  // namespace
}  // namespace loupe::appliance::api
