// Fuzz target: the Tempo API's own parsers and encoders. The first byte picks the part:
//   0: trace id parsing (Tempo's HexStringToTraceID rules) — an accepted id prints back to the
//      same bytes;
//   1: logfmt tag lists — never crash;
//   2: OTLP protobuf request -> Tempo trace bodies — whatever the decoder accepts must encode as
//      JSON that parses and holds every span, and as protobuf that parses back to the same
//      span count.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "appliance/api/tempo_api.h"
#include "appliance/api/tempo_json.h"
#include "appliance/api/tempo_params.h"
#include "ingest/otlp/otlp_proto.h"
#include "tempopb/tempo.pb.h"

namespace {

size_t CountSpans(const loupe::appliance::api::ResourceSpansList& list) {
  size_t n = 0;
  for (const auto& rs : list) {
    for (const auto& ss : rs.scope_spans()) n += static_cast<size_t>(ss.spans_size());
  }
  return n;
}

size_t CountJsonSpans(const nlohmann::json& batches) {
  size_t n = 0;
  for (const auto& rs : batches) {
    if (!rs.contains("scopeSpans")) continue;
    for (const auto& ss : rs["scopeSpans"]) {
      if (ss.contains("spans")) n += ss["spans"].size();
    }
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto id = loupe::appliance::api::ParseTempoTraceId(in);
      if (id.ok() && in.size() == 32) {
        auto again = loupe::appliance::api::ParseTempoTraceId(id->Hex());
        if (!again.ok() || !(*again == *id)) std::abort();
      }
      break;
    }
    case 1:
      (void)loupe::appliance::api::tempo::ParseLogfmt(in);
      break;
    default: {
      ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
      if (!loupe::ingest::otlp::DecodeTracesProto(in, &req).ok()) break;
      const size_t spans = CountSpans(req.resource_spans());
      const auto j = nlohmann::json::parse(loupe::appliance::api::TraceV1Json(req.resource_spans()),
                                           nullptr, false);
      if (j.is_discarded()) std::abort();
      if (CountJsonSpans(j.value("batches", nlohmann::json::array())) != spans) std::abort();
      tempopb::Trace t;
      if (!t.ParseFromString(loupe::appliance::api::TraceV1Proto(req.resource_spans())))
        std::abort();
      if (CountSpans(t.resourcespans()) != spans) std::abort();
      break;
    }
  }
  return 0;
}
