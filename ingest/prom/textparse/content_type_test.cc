#include "ingest/prom/textparse/content_type.h"

#include <gtest/gtest.h>

namespace loupe::ingest::prom {
namespace {

TEST(ContentTypeTest, RecognisedMediaTypes) {
  for (const char* ct : {"text/plain; version=0.0.4; charset=utf-8", "text/plain",
                         "TEXT/PLAIN;version=1.0.0;escaping=allow-utf-8", " text/plain ;",
                         "text/plain; charset=\"utf-8\""}) {
    const FormatChoice c = ChooseFormat(ct);
    EXPECT_EQ(c.format, ExpositionFormat::kPromText) << ct;
    EXPECT_EQ(c.message, "") << ct;
  }
  for (const char* ct :
       {"application/openmetrics-text; version=1.0.0; charset=utf-8",
        "application/openmetrics-text;version=0.0.1", "Application/OpenMetrics-Text"}) {
    const FormatChoice c = ChooseFormat(ct);
    EXPECT_EQ(c.format, ExpositionFormat::kOpenMetrics) << ct;
    EXPECT_EQ(c.message, "") << ct;
  }
  EXPECT_EQ(ChooseFormat("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;"
                         " encoding=delimited")
                .format,
            ExpositionFormat::kProtobuf);
}

TEST(ContentTypeTest, BlankContentTypeUsesTheFallback) {
  FormatChoice c = ChooseFormat("");
  EXPECT_EQ(c.format, ExpositionFormat::kPromText);
  EXPECT_EQ(c.message,
            "non-compliant scrape target sending blank Content-Type, using "
            "fallback_scrape_protocol \"text/plain\"");
  c = ChooseFormat("", ExpositionFormat::kNone);
  EXPECT_EQ(c.format, ExpositionFormat::kNone);
  EXPECT_EQ(c.message,
            "non-compliant scrape target sending blank Content-Type and no "
            "fallback_scrape_protocol specified for target");
}

TEST(ContentTypeTest, UnparseableAndUnknownContentTypes) {
  FormatChoice c = ChooseFormat("text/plain; version");
  EXPECT_EQ(c.format, ExpositionFormat::kPromText);
  EXPECT_EQ(c.message,
            "could not parse received Content-Type \"text/plain; version\", using "
            "fallback_scrape_protocol \"text/plain\"");
  c = ChooseFormat("text/", ExpositionFormat::kNone);
  EXPECT_EQ(c.format, ExpositionFormat::kNone);
  EXPECT_EQ(c.message,
            "cannot parse Content-Type \"text/\" and no fallback_scrape_protocol for target");
  EXPECT_EQ(ChooseFormat("text/plain; a=1; a=2").format, ExpositionFormat::kPromText);
  EXPECT_NE(ChooseFormat("text/plain; a=1; a=2").message, "");  // duplicate parameter
  c = ChooseFormat("application/json");
  EXPECT_EQ(c.format, ExpositionFormat::kPromText);
  EXPECT_EQ(c.message,
            "received unsupported Content-Type \"application/json\", using "
            "fallback_scrape_protocol \"text/plain\"");
  c = ChooseFormat("text/html", ExpositionFormat::kNone);
  EXPECT_EQ(c.format, ExpositionFormat::kNone);
  EXPECT_EQ(c.message,
            "received unsupported Content-Type \"text/html\" and no fallback_scrape_protocol "
            "specified for target");
}

TEST(ContentTypeTest, AcceptHeaderPrefersOpenMetrics) {
  const std::string_view accept = DefaultScrapeAcceptHeader();
  EXPECT_TRUE(accept.starts_with("application/openmetrics-text;version=1.0.0"));
  EXPECT_NE(accept.find("text/plain;version=0.0.4"), std::string_view::npos);
  EXPECT_EQ(accept.find("protobuf"), std::string_view::npos);
}

}  // namespace
}  // namespace loupe::ingest::prom
