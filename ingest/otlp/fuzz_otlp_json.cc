// Fuzzes the OTLP/JSON decoders. Property: every body a decoder accepts re-encodes as canonical
// proto3 JSON (base64 ids, enum names, 64-bit integers as strings) that the same decoder accepts
// again and decodes to the identical message.
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ingest/otlp/otlp_json.h"

namespace {

template <typename Msg, typename Decode>
void RoundTrip(std::string_view body, Decode decode) {
  Msg first;
  if (!decode(body, &first).ok()) return;
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  // protobuf's printer stops at 64 nested messages, below what the decoder accepts (AnyValue
  // nesting of 32 = 69 levels); such inputs have no reference encoding to compare against.
  if (!google::protobuf::util::MessageToJsonString(first, &json, opts).ok()) return;
  Msg second;
  if (!decode(json, &second).ok()) std::abort();
  // By value: "-0" is an integer literal in JSON and decodes as +0; NaN equals NaN here.
  google::protobuf::util::DefaultFieldComparator cmp;
  cmp.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer diff;
  diff.set_field_comparator(&cmp);
  if (!diff.Compare(first, second)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loupe::ingest::otlp;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  RoundTrip<coltrace::ExportTraceServiceRequest>(
      body, [](std::string_view b, auto* m) { return DecodeTracesJson(b, m); });
  RoundTrip<colmetrics::ExportMetricsServiceRequest>(
      body, [](std::string_view b, auto* m) { return DecodeMetricsJson(b, m); });
  RoundTrip<collogs::ExportLogsServiceRequest>(
      body, [](std::string_view b, auto* m) { return DecodeLogsJson(b, m); });
  colmetrics::ExportMetricsServiceResponse resp;
  (void)DecodeMetricsResponseJson(body, &resp);
  return 0;
}
