// The metric store's write-ahead-log records (payloads of storage/wal records).
//
//   record   := type:u8 tenant:varint body
//   series   := n:varint ( ref:varint nlabels:varint (name:lp value:lp)* )*
//   samples  := n:varint ( ref:varint t:svarint v:u64le )*          t as delta to the previous
//   exemplars:= n:varint ( ref:varint t:svarint v:u64le has_ts:u8 nlabels:varint (name:lp value:lp)* )*
//   metadata := n:varint ( family:lp type:u8 help:lp unit:lp )*
// (lp = varint length-prefixed bytes, svarint = zig-zag varint)
// Decoding is bounds-checked: a malformed payload yields kCorruption, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/model/labels.h"
#include "storage/model/sample.h"

namespace loupe::storage::tsdb {

enum class WalRecordType : uint8_t {
  kSeries = 1,
  kSamples = 2,     // accepted in order
  kExemplars = 3,
  kMetadata = 4,
  kOooSamples = 5,  // accepted into out-of-order buffers (same layout as kSamples)
};

struct WalSeries {
  uint64_t ref;
  model::Labels labels;
};
struct WalSample {
  uint64_t ref;
  int64_t t;
  double v;
};
struct WalExemplar {
  uint64_t ref;
  model::Exemplar exemplar;
};

// Encoders append one complete record to *out.
void EncodeSeriesRecord(uint32_t tenant, const std::vector<WalSeries>& series, std::string* out);
void EncodeSamplesRecord(uint32_t tenant, const std::vector<WalSample>& samples, std::string* out,
                         WalRecordType type = WalRecordType::kSamples);
void EncodeExemplarsRecord(uint32_t tenant, const std::vector<WalExemplar>& exemplars, std::string* out);
void EncodeMetadataRecord(uint32_t tenant, const std::vector<model::MetricMetadata>& md, std::string* out);

struct DecodedWalRecord {
  WalRecordType type;
  uint32_t tenant = 0;
  std::vector<WalSeries> series;
  std::vector<WalSample> samples;
  std::vector<WalExemplar> exemplars;
  std::vector<model::MetricMetadata> metadata;
};

// kCorruption on malformed input or an unknown type.
Status DecodeWalRecord(std::string_view payload, DecodedWalRecord* out);

}  // namespace loupe::storage::tsdb
