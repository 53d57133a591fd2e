// Test-only helpers: hand-built OTLP traces, a sink that records what a collection writes, and
// Prometheus's extrapolated increase() over recorded samples.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ingest/derive/metric_registry.h"
#include "ingest/derive/span_util.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "storage/model/labels.h"
#include "storage/model/sample.h"

namespace loupe::ingest::derive::testing {

using TraceRequest = ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using Span = ::opentelemetry::proto::trace::v1::Span;
using Attrs = std::vector<std::pair<std::string, std::string>>;
using model::Labels;

inline constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;  // ns
inline constexpr uint64_t kMs = 1'000'000ull;                  // ns per ms

// 16-byte trace id and 8-byte span id with `n` in the last bytes (n > 0 keeps them valid).
inline std::string TraceId(uint32_t n) {
  std::string id(16, '\0');
  id[0] = '\x0a';
  for (int i = 0; i < 4; ++i) id[15 - i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return id;
}
inline std::string SpanId(uint32_t n) {
  std::string id(8, '\0');
  id[0] = '\x05';
  for (int i = 0; i < 4; ++i) id[7 - i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return id;
}
inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

inline void SetAttrs(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* dst,
                     const Attrs& attrs) {
  for (const auto& [k, v] : attrs) {
    auto* kv = dst->Add();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
}

struct SpanSpec {
  uint32_t trace = 1;
  uint32_t span = 1;
  uint32_t parent = 0;  // 0 = root
  std::string name = "op";
  Span::SpanKind kind = Span::SPAN_KIND_INTERNAL;
  uint64_t start_ms = 0;  // offsets from kT0
  uint64_t duration_ms = 10;
  otlp_trace::Status::StatusCode status = otlp_trace::Status::STATUS_CODE_UNSET;
  Attrs attrs;
};

// Builds a request: Service() starts a resource (one scope), Add() appends spans to it.
class TraceBuilder {
 public:
  TraceBuilder& Service(const std::string& name, const Attrs& extra = {}) {
    auto* rs = req_.add_resource_spans();
    if (!name.empty())
      SetAttrs(rs->mutable_resource()->mutable_attributes(), {{"service.name", name}});
    SetAttrs(rs->mutable_resource()->mutable_attributes(), extra);
    scope_ = rs->add_scope_spans();
    return *this;
  }
  TraceBuilder& Add(const SpanSpec& s) {
    Span* span = scope_->add_spans();
    span->set_trace_id(TraceId(s.trace));
    span->set_span_id(SpanId(s.span));
    if (s.parent != 0) span->set_parent_span_id(SpanId(s.parent));
    span->set_name(s.name);
    span->set_kind(s.kind);
    span->set_start_time_unix_nano(kT0 + s.start_ms * kMs);
    span->set_end_time_unix_nano(kT0 + (s.start_ms + s.duration_ms) * kMs);
    span->mutable_status()->set_code(s.status);
    SetAttrs(span->mutable_attributes(), s.attrs);
    last_ = span;
    return *this;
  }
  Span* last() { return last_; }
  const TraceRequest& request() const { return req_; }
  TraceRequest Take() { return std::move(req_); }

 private:
  TraceRequest req_;
  otlp_trace::ScopeSpans* scope_ = nullptr;
  Span* last_ = nullptr;
};

// Labels from name=value pairs.
inline Labels L(std::initializer_list<std::pair<const char*, const char*>> pairs) {
  std::vector<model::Label> v;
  for (const auto& [n, val] : pairs) v.push_back({n, val});
  return Labels::FromUnsorted(std::move(v));
}

// Records a collection: samples and exemplars per series, metadata by family.
class RecordingSink final : public SampleSink {
 public:
  void AddSeries(const model::Labels& labels) override { current_ = &series_[labels]; }
  void AddSample(int64_t t, double v) override { current_->samples.push_back({t, v}); }
  void AddExemplar(const model::Exemplar& e) override { current_->exemplars.push_back(e); }
  void AddMetadata(const model::MetricMetadata& md) override { metadata_[md.family] = md; }

  struct Series {
    std::vector<model::Sample> samples;
    std::vector<model::Exemplar> exemplars;
  };
  const std::map<Labels, Series>& series() const { return series_; }
  const std::map<std::string, model::MetricMetadata>& metadata() const { return metadata_; }
  const Series* Find(const Labels& l) const {
    auto it = series_.find(l);
    return it == series_.end() ? nullptr : &it->second;
  }
  // The last sample's value, NaN if the series is missing.
  double Last(const Labels& l) const {
    const Series* s = Find(l);
    return s == nullptr || s->samples.empty() ? std::nan("") : s->samples.back().v;
  }
  // Every series whose __name__ is `name`, as text (for failure messages).
  std::string Dump(std::string_view name = "") const {
    std::string out;
    for (const auto& [l, s] : series_) {
      if (!name.empty() && l.MetricName() != name) continue;
      out += l.ToString() + " =";
      for (const auto& smp : s.samples)
        out += " " + std::to_string(smp.v) + "@" + std::to_string(smp.t);
      out += "\n";
    }
    return out;
  }
  std::vector<Labels> Names(std::string_view name) const {
    std::vector<Labels> out;
    for (const auto& [l, s] : series_) {
      if (l.MetricName() == name) out.push_back(l);
    }
    return out;
  }
  void Clear() {
    series_.clear();
    current_ = nullptr;
  }

 private:
  std::map<Labels, Series> series_;
  std::map<std::string, model::MetricMetadata> metadata_;
  Series* current_ = nullptr;
};

// PromQL's increase(x[range_ms]) evaluated at `t_ms` over `samples` of a counter: Prometheus's
// extrapolatedRate (promql/functions.go) — the window is (t - range, t], staleness markers are
// not samples, resets are corrected, and the result is extrapolated towards the window edges
// (no further than to where the counter would have been zero). NaN with fewer than 2 samples.
inline double PromIncrease(const std::vector<model::Sample>& samples, int64_t t_ms,
                           int64_t range_ms) {
  const int64_t start = t_ms - range_ms;
  std::vector<model::Sample> in;
  for (const auto& s : samples) {
    if (s.t > start && s.t <= t_ms && !model::IsStaleNaN(s.v)) in.push_back(s);
  }
  if (in.size() < 2) return std::nan("");
  double result = in.back().v - in.front().v;
  for (size_t i = 1; i < in.size(); ++i) {
    if (in[i].v < in[i - 1].v) result += in[i - 1].v;  // counter reset
  }
  const double sampled = static_cast<double>(in.back().t - in.front().t) / 1000;
  double to_start = static_cast<double>(in.front().t - start) / 1000;
  double to_end = static_cast<double>(t_ms - in.back().t) / 1000;
  const double avg = sampled / static_cast<double>(in.size() - 1);
  if (result > 0 && in.front().v >= 0) {
    const double to_zero = sampled * (in.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = avg * 1.1;
  double interval = sampled;
  interval += to_start >= threshold ? avg / 2 : to_start;
  interval += to_end >= threshold ? avg / 2 : to_end;
  return result * (interval / sampled);
}

}  // namespace loupe::ingest::derive::testing
