#include "storage/tsdb/wal_record.h"

#include <bit>

#include "storage/base/coding.h"

namespace loupe::storage::tsdb {
namespace {

void PutLabels(const model::Labels& labels, std::string* out) {
  PutVarint64(out, labels.size());
  for (const auto& l : labels) {
    PutLengthPrefixed(out, l.name);
    PutLengthPrefixed(out, l.value);
  }
}

bool GetLabels(std::string_view* in, model::Labels* out) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  std::vector<model::Label> labels;
  labels.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name, value;
    if (!GetLengthPrefixed(in, &name) || !GetLengthPrefixed(in, &value)) return false;
    labels.push_back({std::string(name), std::string(value)});
  }
  *out = model::Labels::FromUnsorted(std::move(labels));
  return true;
}

void Header(WalRecordType type, uint32_t tenant, std::string* out) {
  out->push_back(static_cast<char>(type));
  PutVarint64(out, tenant);
}

Status Corrupt(const char* what) { return Status::Corruption(std::string("metric WAL record: ") + what); }

}  // namespace

void EncodeSeriesRecord(uint32_t tenant, const std::vector<WalSeries>& series, std::string* out) {
  Header(WalRecordType::kSeries, tenant, out);
  PutVarint64(out, series.size());
  for (const auto& s : series) {
    PutVarint64(out, s.ref);
    PutLabels(s.labels, out);
  }
}

void EncodeSeriesRecord(uint32_t tenant, const std::vector<uint64_t>& refs,
                        const std::vector<model::LabelRef>& labels, const std::vector<uint32_t>& offsets,
                        std::string* out) {
  Header(WalRecordType::kSeries, tenant, out);
  PutVarint64(out, refs.size());
  for (size_t i = 0; i < refs.size(); ++i) {
    PutVarint64(out, refs[i]);
    PutVarint64(out, offsets[i + 1] - offsets[i]);
    for (uint32_t k = offsets[i]; k < offsets[i + 1]; ++k) {
      PutLengthPrefixed(out, labels[k].name);
      PutLengthPrefixed(out, labels[k].value);
    }
  }
}

void EncodeSamplesRecord(uint32_t tenant, const std::vector<WalSample>& samples, std::string* out,
                         WalRecordType type) {
  Header(type, tenant, out);
  PutVarint64(out, samples.size());
  int64_t prev = 0;
  for (const auto& s : samples) {
    PutVarint64(out, s.ref);
    PutSignedVarint64(out, s.t - prev);
    prev = s.t;
    PutFixed64(out, std::bit_cast<uint64_t>(s.v));
  }
}

void EncodeExemplarsRecord(uint32_t tenant, const std::vector<WalExemplar>& exemplars, std::string* out) {
  Header(WalRecordType::kExemplars, tenant, out);
  PutVarint64(out, exemplars.size());
  for (const auto& e : exemplars) {
    PutVarint64(out, e.ref);
    PutSignedVarint64(out, e.exemplar.t);
    PutFixed64(out, std::bit_cast<uint64_t>(e.exemplar.value));
    out->push_back(e.exemplar.has_timestamp ? 1 : 0);
    PutLabels(e.exemplar.labels, out);
  }
}

void EncodeMetadataRecord(uint32_t tenant, const std::vector<model::MetricMetadata>& md, std::string* out) {
  Header(WalRecordType::kMetadata, tenant, out);
  PutVarint64(out, md.size());
  for (const auto& m : md) {
    PutLengthPrefixed(out, m.family);
    out->push_back(static_cast<char>(m.type));
    PutLengthPrefixed(out, m.help);
    PutLengthPrefixed(out, m.unit);
  }
}

Status DecodeWalRecord(std::string_view in, DecodedWalRecord* out) {
  if (in.empty()) return Corrupt("empty");
  const auto type = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  uint32_t tenant;
  uint64_t n;
  if (!GetVarint32(&in, &tenant) || !GetVarint64(&in, &n)) return Corrupt("truncated header");
  // Every entry takes at least one byte: a count above the remaining bytes is corrupt (and would
  // otherwise make us reserve absurd amounts of memory).
  if (n > in.size()) return Corrupt("count exceeds payload");
  out->tenant = tenant;
  switch (type) {
    case static_cast<uint8_t>(WalRecordType::kSeries):
      out->type = WalRecordType::kSeries;
      out->series.reserve(n);
      for (uint64_t i = 0; i < n; ++i) {
        WalSeriesView s;
        uint64_t nl;
        if (!GetVarint64(&in, &s.ref) || !GetVarint64(&in, &nl) || nl > in.size()) return Corrupt("bad series entry");
        s.labels.resize(nl);
        for (uint64_t k = 0; k < nl; ++k) {
          if (!GetLengthPrefixed(&in, &s.labels[k].name) || !GetLengthPrefixed(&in, &s.labels[k].value)) {
            return Corrupt("bad series labels");
          }
        }
        out->series.push_back(std::move(s));
      }
      break;
    case static_cast<uint8_t>(WalRecordType::kSamples):
    case static_cast<uint8_t>(WalRecordType::kOooSamples): {
      out->type = static_cast<WalRecordType>(type);
      out->samples.reserve(n);
      int64_t prev = 0;
      for (uint64_t i = 0; i < n; ++i) {
        WalSample s;
        int64_t dt;
        uint64_t bits;
        if (!GetVarint64(&in, &s.ref) || !GetSignedVarint64(&in, &dt) || !GetFixed64(&in, &bits)) {
          return Corrupt("bad sample entry");
        }
        s.t = static_cast<int64_t>(static_cast<uint64_t>(prev) + static_cast<uint64_t>(dt));
        prev = s.t;
        s.v = std::bit_cast<double>(bits);
        out->samples.push_back(s);
      }
      break;
    }
    case static_cast<uint8_t>(WalRecordType::kExemplars):
      out->type = WalRecordType::kExemplars;
      for (uint64_t i = 0; i < n; ++i) {
        WalExemplar e;
        uint64_t bits;
        if (!GetVarint64(&in, &e.ref) || !GetSignedVarint64(&in, &e.exemplar.t) || !GetFixed64(&in, &bits) ||
            in.empty()) {
          return Corrupt("bad exemplar entry");
        }
        e.exemplar.value = std::bit_cast<double>(bits);
        e.exemplar.has_timestamp = in[0] != 0;
        in.remove_prefix(1);
        if (!GetLabels(&in, &e.exemplar.labels)) return Corrupt("bad exemplar labels");
        out->exemplars.push_back(std::move(e));
      }
      break;
    case static_cast<uint8_t>(WalRecordType::kMetadata):
      out->type = WalRecordType::kMetadata;
      for (uint64_t i = 0; i < n; ++i) {
        model::MetricMetadata m;
        std::string_view family, help, unit;
        if (!GetLengthPrefixed(&in, &family) || in.empty()) return Corrupt("bad metadata entry");
        m.type = static_cast<model::MetricType>(static_cast<uint8_t>(in[0]));
        in.remove_prefix(1);
        if (!GetLengthPrefixed(&in, &help) || !GetLengthPrefixed(&in, &unit)) return Corrupt("bad metadata entry");
        m.family = std::string(family);
        m.help = std::string(help);
        m.unit = std::string(unit);
        out->metadata.push_back(std::move(m));
      }
      break;
    default:
      return Corrupt("unknown type");
  }
  if (!in.empty()) return Corrupt("trailing bytes");
  return Status::OK();
}

}  // namespace loupe::storage::tsdb
