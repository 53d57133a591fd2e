// Choosing the exposition parser from a scrape response's Content-Type, as Prometheus's scrape
// loop does (model/textparse.New / extractMediaType).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace loupe::ingest::prom {

enum class ExpositionFormat : uint8_t {
  kNone,         // no usable parser: the scrape fails with `message`
  kPromText,     // text/plain (version 0.0.4 and the Prometheus 3 UTF-8 escaping variants)
  kOpenMetrics,  // application/openmetrics-text (1.0.0 and 0.0.1)
  kProtobuf,     // application/vnd.google.protobuf: recognised, not parsed by this package
};

const char* ExpositionFormatName(ExpositionFormat f);

struct FormatChoice {
  ExpositionFormat format = ExpositionFormat::kNone;
  // Empty when the Content-Type was recognised. Otherwise Prometheus's text: a warning when a
  // fallback was used ("non-compliant scrape target sending blank Content-Type, using
  // fallback_scrape_protocol \"PrometheusText0.0.4\""), or the scrape error when format is kNone.
  std::string message;
};

// Prometheus's mime.ParseMediaType-then-switch: the media type (lower-cased, parameters
// ignored once they parse) picks the format; a blank, unparseable or unknown Content-Type uses
// `fallback` with a warning, and with fallback kNone fails. loupe's scraper passes kPromText as
// the fallback, which is Prometheus 3 with `fallback_scrape_protocol: PrometheusText0.0.4` and
// what Prometheus 2 always did.
FormatChoice ChooseFormat(std::string_view content_type,
                          ExpositionFormat fallback = ExpositionFormat::kPromText);

// The Accept header Prometheus 3 sends by default (OpenMetrics 1.0 preferred, then 0.0.1, then
// the text format), without the protobuf alternatives since loupe does not parse protobuf.
std::string_view DefaultScrapeAcceptHeader();

}  // namespace loupe::ingest::prom
