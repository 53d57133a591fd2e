// AnyValue → string, byte for byte as the OpenTelemetry Collector's pdata Value.AsString()
// produces it (Prometheus, Loki and Tempo all stringify attribute values with it, so label values
// must match):
//   string as is; bool "true"/"false"; int decimal; double in the ES6 form of Go's
//   encoding/json ("1.5", "1e-7", "1e+21"), non-finite as "json: unsupported value: NaN" /
//   "+Inf" / "-Inf"; bytes as standard base64; an unset value as "";
//   arrays and kvlists as compact JSON of their raw values (kvlist keys sorted, a repeated key
//   keeps its last value, bytes as base64 strings, unset values as null, <>& escaped as \u003c
//   ...). A NaN or infinity anywhere inside an array/kvlist makes the whole result "" (Go's
//   json.Marshal fails and pdata ignores the error).
//
// Thread-safety: pure function.
#pragma once

#include <string>

#include "opentelemetry/proto/common/v1/common.pb.h"

namespace loupe::ingest::otlp {

std::string AnyValueAsString(const ::opentelemetry::proto::common::v1::AnyValue& v);

}  // namespace loupe::ingest::otlp
