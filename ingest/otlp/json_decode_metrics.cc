// OTLP/JSON metrics: ExportMetricsServiceRequest and its response.
#include "ingest/otlp/json_decoder.h"
#include "ingest/otlp/otlp_json.h"

namespace loupe::ingest::otlp {
namespace {

using json_internal::Decoder;
using json_internal::Element;
using json_internal::EnumNames;
using json_internal::Is;
namespace metrics = ::opentelemetry::proto::metrics::v1;

constexpr const char* kTemporalityNames[] = {"AGGREGATION_TEMPORALITY_UNSPECIFIED",
                                             "AGGREGATION_TEMPORALITY_DELTA",
                                             "AGGREGATION_TEMPORALITY_CUMULATIVE"};
constexpr EnumNames kTemporality{kTemporalityNames, 3};

Status DecodeRepeatedU64(Decoder& d, Element v, google::protobuf::RepeatedField<uint64_t>* dst) {
  return d.ForEach(v, [&](Element item) {
    uint64_t x = 0;
    LOUPE_RETURN_IF_ERROR(d.ReadUint64(item, &x));
    dst->Add(x);
    return Status::OK();
  });
}

Status DecodeExemplar(Decoder& d, Element e, metrics::Exemplar* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "filteredAttributes", "filtered_attributes")) {
      return d.Field("filteredAttributes",
                     [&] { return d.DecodeKeyValues(v, out->mutable_filtered_attributes()); });
    }
    if (Is(key, "timeUnixNano", "time_unix_nano")) {
      return d.Field("timeUnixNano",
                     [&] { return d.Set(v, out, &metrics::Exemplar::set_time_unix_nano); });
    }
    if (Is(key, "asDouble", "as_double")) {
      return d.Field("asDouble", [&] { return d.Set(v, out, &metrics::Exemplar::set_as_double); });
    }
    if (Is(key, "asInt", "as_int")) {
      return d.Field("asInt", [&] { return d.Set(v, out, &metrics::Exemplar::set_as_int); });
    }
    if (Is(key, "spanId", "span_id")) {
      return d.Field("spanId", [&] { return d.ReadId(v, 8, out->mutable_span_id()); });
    }
    if (Is(key, "traceId", "trace_id")) {
      return d.Field("traceId", [&] { return d.ReadId(v, 16, out->mutable_trace_id()); });
    }
    return Status::OK();
  });
}

// Fields every data point type has under the same names; true if `key` was one of them.
template <typename Point>
bool DecodeCommonPointField(Decoder& d, std::string_view key, Element v, Point* out,
                            Status* status) {
  if (Is(key, "attributes")) {
    *status =
        d.Field("attributes", [&] { return d.DecodeKeyValues(v, out->mutable_attributes()); });
  } else if (Is(key, "startTimeUnixNano", "start_time_unix_nano")) {
    *status = d.Field("startTimeUnixNano",
                      [&] { return d.Set(v, out, &Point::set_start_time_unix_nano); });
  } else if (Is(key, "timeUnixNano", "time_unix_nano")) {
    *status = d.Field("timeUnixNano", [&] { return d.Set(v, out, &Point::set_time_unix_nano); });
  } else if (Is(key, "flags")) {
    *status = d.Field("flags", [&] { return d.Set(v, out, &Point::set_flags); });
  } else {
    return false;
  }
  return true;
}

template <typename Point>
Status DecodeExemplars(Decoder& d, Element v, Point* out) {
  return d.Field("exemplars", [&] {
    return d.ForEach(v,
                     [&](Element item) { return DecodeExemplar(d, item, out->add_exemplars()); });
  });
}

Status DecodeNumberPoint(Decoder& d, Element e, metrics::NumberDataPoint* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    Status s;
    if (DecodeCommonPointField(d, key, v, out, &s)) return s;
    if (Is(key, "asDouble", "as_double")) {
      return d.Field("asDouble",
                     [&] { return d.Set(v, out, &metrics::NumberDataPoint::set_as_double); });
    }
    if (Is(key, "asInt", "as_int")) {
      return d.Field("asInt", [&] { return d.Set(v, out, &metrics::NumberDataPoint::set_as_int); });
    }
    if (Is(key, "exemplars")) return DecodeExemplars(d, v, out);
    return Status::OK();
  });
}

Status DecodeHistogramPoint(Decoder& d, Element e, metrics::HistogramDataPoint* out) {
  using P = metrics::HistogramDataPoint;
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    Status s;
    if (DecodeCommonPointField(d, key, v, out, &s)) return s;
    if (Is(key, "count")) return d.Field("count", [&] { return d.Set(v, out, &P::set_count); });
    if (Is(key, "sum")) return d.Field("sum", [&] { return d.Set(v, out, &P::set_sum); });
    if (Is(key, "min")) return d.Field("min", [&] { return d.Set(v, out, &P::set_min); });
    if (Is(key, "max")) return d.Field("max", [&] { return d.Set(v, out, &P::set_max); });
    if (Is(key, "bucketCounts", "bucket_counts")) {
      return d.Field("bucketCounts",
                     [&] { return DecodeRepeatedU64(d, v, out->mutable_bucket_counts()); });
    }
    if (Is(key, "explicitBounds", "explicit_bounds")) {
      return d.Field("explicitBounds", [&] {
        return d.ForEach(v, [&](Element item) {
          double x = 0;
          LOUPE_RETURN_IF_ERROR(d.ReadDouble(item, &x));
          out->add_explicit_bounds(x);
          return Status::OK();
        });
      });
    }
    if (Is(key, "exemplars")) return DecodeExemplars(d, v, out);
    return Status::OK();
  });
}

Status DecodeBuckets(Decoder& d, Element e, metrics::ExponentialHistogramDataPoint::Buckets* out) {
  using B = metrics::ExponentialHistogramDataPoint::Buckets;
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "offset")) return d.Field("offset", [&] { return d.Set(v, out, &B::set_offset); });
    if (Is(key, "bucketCounts", "bucket_counts")) {
      return d.Field("bucketCounts",
                     [&] { return DecodeRepeatedU64(d, v, out->mutable_bucket_counts()); });
    }
    return Status::OK();
  });
}

Status DecodeExpHistogramPoint(Decoder& d, Element e, metrics::ExponentialHistogramDataPoint* out) {
  using P = metrics::ExponentialHistogramDataPoint;
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    Status s;
    if (DecodeCommonPointField(d, key, v, out, &s)) return s;
    if (Is(key, "count")) return d.Field("count", [&] { return d.Set(v, out, &P::set_count); });
    if (Is(key, "sum")) return d.Field("sum", [&] { return d.Set(v, out, &P::set_sum); });
    if (Is(key, "min")) return d.Field("min", [&] { return d.Set(v, out, &P::set_min); });
    if (Is(key, "max")) return d.Field("max", [&] { return d.Set(v, out, &P::set_max); });
    if (Is(key, "scale")) return d.Field("scale", [&] { return d.Set(v, out, &P::set_scale); });
    if (Is(key, "zeroCount", "zero_count")) {
      return d.Field("zeroCount", [&] { return d.Set(v, out, &P::set_zero_count); });
    }
    if (Is(key, "zeroThreshold", "zero_threshold")) {
      return d.Field("zeroThreshold", [&] { return d.Set(v, out, &P::set_zero_threshold); });
    }
    if (Is(key, "positive")) {
      return d.Field("positive", [&] { return DecodeBuckets(d, v, out->mutable_positive()); });
    }
    if (Is(key, "negative")) {
      return d.Field("negative", [&] { return DecodeBuckets(d, v, out->mutable_negative()); });
    }
    if (Is(key, "exemplars")) return DecodeExemplars(d, v, out);
    return Status::OK();
  });
}

Status DecodeSummaryPoint(Decoder& d, Element e, metrics::SummaryDataPoint* out) {
  using P = metrics::SummaryDataPoint;
  using Q = metrics::SummaryDataPoint::ValueAtQuantile;
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    Status s;
    if (DecodeCommonPointField(d, key, v, out, &s)) return s;
    if (Is(key, "count")) return d.Field("count", [&] { return d.Set(v, out, &P::set_count); });
    if (Is(key, "sum")) return d.Field("sum", [&] { return d.Set(v, out, &P::set_sum); });
    if (Is(key, "quantileValues", "quantile_values")) {
      return d.Field("quantileValues", [&] {
        return d.ForEach(v, [&](Element item) {
          Q* q = out->add_quantile_values();
          return d.ForEachField(item, [&](std::string_view k, Element f) -> Status {
            if (Is(k, "quantile")) {
              return d.Field("quantile", [&] { return d.Set(f, q, &Q::set_quantile); });
            }
            if (Is(k, "value")) return d.Field("value", [&] { return d.Set(f, q, &Q::set_value); });
            return Status::OK();
          });
        });
      });
    }
    return Status::OK();
  });
}

// Gauge, Sum, Histogram, ExponentialHistogram and Summary share the shape
// {dataPoints, aggregationTemporality?, isMonotonic?}.
template <typename Data, typename Point>
Status DecodeData(Decoder& d, Element e, Data* out,
                  Status (*decode_point)(Decoder&, Element, Point*)) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "dataPoints", "data_points")) {
      return d.Field("dataPoints", [&] {
        return d.ForEach(
            v, [&](Element item) { return decode_point(d, item, out->add_data_points()); });
      });
    }
    if constexpr (requires {
                    out->set_aggregation_temporality(metrics::AggregationTemporality{});
                  }) {
      if (Is(key, "aggregationTemporality", "aggregation_temporality")) {
        return d.Field("aggregationTemporality", [&] {
          return d.SetEnum(v, out, &Data::set_aggregation_temporality, kTemporality);
        });
      }
    }
    if constexpr (requires { out->set_is_monotonic(true); }) {
      if (Is(key, "isMonotonic", "is_monotonic")) {
        return d.Field("isMonotonic", [&] { return d.Set(v, out, &Data::set_is_monotonic); });
      }
    }
    return Status::OK();
  });
}

Status DecodeMetric(Decoder& d, Element e, metrics::Metric* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "name"))
      return d.Field("name", [&] { return d.ReadString(v, out->mutable_name()); });
    if (Is(key, "description")) {
      return d.Field("description", [&] { return d.ReadString(v, out->mutable_description()); });
    }
    if (Is(key, "unit"))
      return d.Field("unit", [&] { return d.ReadString(v, out->mutable_unit()); });
    if (Is(key, "metadata")) {
      return d.Field("metadata", [&] { return d.DecodeKeyValues(v, out->mutable_metadata()); });
    }
    if (Is(key, "gauge")) {
      return d.Field("gauge",
                     [&] { return DecodeData(d, v, out->mutable_gauge(), &DecodeNumberPoint); });
    }
    if (Is(key, "sum")) {
      return d.Field("sum",
                     [&] { return DecodeData(d, v, out->mutable_sum(), &DecodeNumberPoint); });
    }
    if (Is(key, "histogram")) {
      return d.Field("histogram", [&] {
        return DecodeData(d, v, out->mutable_histogram(), &DecodeHistogramPoint);
      });
    }
    if (Is(key, "exponentialHistogram", "exponential_histogram")) {
      return d.Field("exponentialHistogram", [&] {
        return DecodeData(d, v, out->mutable_exponential_histogram(), &DecodeExpHistogramPoint);
      });
    }
    if (Is(key, "summary")) {
      return d.Field("summary",
                     [&] { return DecodeData(d, v, out->mutable_summary(), &DecodeSummaryPoint); });
    }
    return Status::OK();
  });
}

Status DecodeScopeMetrics(Decoder& d, Element e, metrics::ScopeMetrics* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "scope") || Is(key, "instrumentationLibrary", "instrumentation_library")) {
      return d.Field("scope", [&] { return d.DecodeScope(v, out->mutable_scope()); });
    }
    if (Is(key, "metrics")) {
      return d.Field("metrics", [&] {
        return d.ForEach(v,
                         [&](Element item) { return DecodeMetric(d, item, out->add_metrics()); });
      });
    }
    if (Is(key, "schemaUrl", "schema_url")) {
      return d.Field("schemaUrl", [&] { return d.ReadString(v, out->mutable_schema_url()); });
    }
    return Status::OK();
  });
}

Status DecodeResourceMetrics(Decoder& d, Element e, metrics::ResourceMetrics* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "resource")) {
      return d.Field("resource", [&] { return d.DecodeResource(v, out->mutable_resource()); });
    }
    if (Is(key, "scopeMetrics", "scope_metrics") ||
        Is(key, "instrumentationLibraryMetrics", "instrumentation_library_metrics")) {
      return d.Field("scopeMetrics", [&] {
        return d.ForEach(
            v, [&](Element item) { return DecodeScopeMetrics(d, item, out->add_scope_metrics()); });
      });
    }
    if (Is(key, "schemaUrl", "schema_url")) {
      return d.Field("schemaUrl", [&] { return d.ReadString(v, out->mutable_schema_url()); });
    }
    return Status::OK();
  });
}

}  // namespace

Status DecodeMetricsJson(std::string_view body, colmetrics::ExportMetricsServiceRequest* out,
                         const JsonDecodeLimits& limits) {
  out->Clear();
  json_internal::JsonDocument doc;
  LOUPE_RETURN_IF_ERROR(doc.Parse(body, limits.max_body_bytes));
  Decoder d(limits.max_any_value_depth);
  return d.ForEachField(doc.root(), [&](std::string_view key, Element v) -> Status {
    if (!Is(key, "resourceMetrics", "resource_metrics")) return Status::OK();
    return d.Field("resourceMetrics", [&] {
      return d.ForEach(v, [&](Element item) {
        return DecodeResourceMetrics(d, item, out->add_resource_metrics());
      });
    });
  });
}

Status DecodeMetricsResponseJson(std::string_view body,
                                 colmetrics::ExportMetricsServiceResponse* out) {
  out->Clear();
  json_internal::JsonDocument doc;
  LOUPE_RETURN_IF_ERROR(doc.Parse(body, JsonDecodeLimits{}.max_body_bytes));
  Decoder d(0);
  return d.ForEachField(doc.root(), [&](std::string_view key, Element v) -> Status {
    if (!Is(key, "partialSuccess", "partial_success")) return Status::OK();
    return d.Field("partialSuccess", [&] {
      auto* ps = out->mutable_partial_success();
      return d.ForEachField(v, [&](std::string_view k, Element f) -> Status {
        if (Is(k, "rejectedDataPoints", "rejected_data_points")) {
          return d.Field("rejectedDataPoints", [&] {
            return d.Set(f, ps, &colmetrics::ExportMetricsPartialSuccess::set_rejected_data_points);
          });
        }
        if (Is(k, "errorMessage", "error_message")) {
          return d.Field("errorMessage",
                         [&] { return d.ReadString(f, ps->mutable_error_message()); });
        }
        return Status::OK();
      });
    });
  });
}

}  // namespace loupe::ingest::otlp
