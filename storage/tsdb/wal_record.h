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
// Series given as views: refs[i] with labels[offsets[i] .. offsets[i+1]).
void EncodeSeriesRecord(uint32_t tenant, const std::vector<uint64_t>& refs,
                        const std::vector<model::LabelRef>& labels, const std::vector<uint32_t>& offsets,
                        std::string* out);
void EncodeSamplesRecord(uint32_t tenant, const std::vector<WalSample>& samples, std::string* out,
                         WalRecordType type = WalRecordType::kSamples);
void EncodeExemplarsRecord(uint32_t tenant, const std::vector<WalExemplar>& exemplars, std::string* out);
void EncodeMetadataRecord(uint32_t tenant, const std::vector<model::MetricMetadata>& md, std::string* out);

// A series entry decoded without copying: the label views point into the payload.
struct WalSeriesView {
  uint64_t ref;
  std::vector<model::LabelRef> labels;  // in the order written (sorted by the writer)
};

struct DecodedWalRecord {
  WalRecordType type;
  uint32_t tenant = 0;
  std::vector<WalSeriesView> series;
  std::vector<WalSample> samples;
  std::vector<WalExemplar> exemplars;
  std::vector<model::MetricMetadata> metadata;
};

// kCorruption on malformed input or an unknown type. Series label views point into `payload`,
// which must outlive their use.
Status DecodeWalRecord(std::string_view payload, DecodedWalRecord* out);

}  // namespace loupe::storage::tsdb
