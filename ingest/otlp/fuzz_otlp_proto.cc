// Fuzzes the guarded OTLP/protobuf decoders and, for metrics, the Prometheus translation with and
// without delta-to-cumulative conversion. Property: nothing crashes, hangs or trips a sanitizer,
// and every translated series has a metric name.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/otlp/delta_to_cumulative.h"
#include "ingest/otlp/otlp_proto.h"
#include "ingest/otlp/prom_translate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loupe::ingest::otlp;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest traces;
  (void)DecodeTracesProto(body, &traces);
  ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest logs;
  (void)DecodeLogsProto(body, &logs);
  ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest metrics;
  if (!DecodeMetricsProto(body, &metrics).ok()) return 0;

  PromTranslationOptions opts;
  PromTranslation plain = TranslateMetrics(metrics, opts);
  static DeltaToCumulative delta(DeltaToCumulative::Options{1000, 60'000'000'000});
  opts.promote_scope_metadata = true;
  opts.promote_all_resource_attributes = true;
  PromTranslation converted = TranslateMetrics(metrics, opts, &delta);
  converted = TranslateMetrics(metrics, opts, &delta);  // second pass: accumulate / reject
  for (const auto* t : {&plain, &converted}) {
    for (const auto& s : t->series) {
      if (s.labels.MetricName().empty()) std::abort();
    }
  }
  return 0;
}
