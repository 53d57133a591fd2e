// Test-only helpers: building OTLP metric requests and looking up translated series.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "ingest/otlp/prom_translate.h"
#include "storage/model/labels.h"

namespace loupe::ingest::otlp::testing {

namespace metrics = ::opentelemetry::proto::metrics::v1;
namespace common = ::opentelemetry::proto::common::v1;
using Request = ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using storage::model::Labels;

using Attrs = std::vector<std::pair<std::string, std::string>>;

inline void SetAttrs(google::protobuf::RepeatedPtrField<common::KeyValue>* dst,
                     const Attrs& attrs) {
  for (const auto& [k, v] : attrs) {
    auto* kv = dst->Add();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
}

// A request with one resource and one scope; returns the scope to add metrics to.
inline metrics::ScopeMetrics* NewScope(Request* req, const Attrs& resource_attrs,
                                       const std::string& scope_name = "") {
  auto* rm = req->add_resource_metrics();
  SetAttrs(rm->mutable_resource()->mutable_attributes(), resource_attrs);
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name(scope_name);
  return sm;
}

inline metrics::Metric* AddMetric(metrics::ScopeMetrics* sm, const std::string& name,
                                  const std::string& unit = "",
                                  const std::string& description = "") {
  auto* m = sm->add_metrics();
  m->set_name(name);
  m->set_unit(unit);
  m->set_description(description);
  return m;
}

inline metrics::NumberDataPoint* AddNumber(
    google::protobuf::RepeatedPtrField<metrics::NumberDataPoint>* pts, double v, uint64_t time_ns,
    const Attrs& attrs = {}) {
  auto* p = pts->Add();
  p->set_as_double(v);
  p->set_time_unix_nano(time_ns);
  SetAttrs(p->mutable_attributes(), attrs);
  return p;
}

// Labels from name=value pairs (sorted by the Labels constructor).
inline Labels L(std::initializer_list<std::pair<const char*, const char*>> pairs) {
  std::vector<storage::model::Label> v;
  for (const auto& [n, val] : pairs) v.push_back({n, val});
  return Labels::FromUnsorted(std::move(v));
}

inline const storage::model::SeriesSamples* Find(const PromTranslation& t, const Labels& labels) {
  for (const auto& s : t.series) {
    if (s.labels == labels) return &s;
  }
  return nullptr;
}

inline std::string Dump(const PromTranslation& t) {
  std::string out;
  for (const auto& s : t.series) {
    out += s.labels.ToString();
    for (const auto& smp : s.samples) {
      out += " @" + std::to_string(smp.t) + "=" + std::to_string(smp.v);
    }
    out += "\n";
  }
  for (const auto& e : t.errors) out += "error: " + e + "\n";
  return out;
}

// Expects exactly one sample (t, v) in the series with `labels`.
#define EXPECT_SAMPLE(translation, labels, t_ms, value)                               \
  do {                                                                                \
    const auto* series_ = ::loupe::ingest::otlp::testing::Find(translation, labels);  \
    ASSERT_NE(series_, nullptr) << "missing " << (labels).ToString() << " in\n"       \
                                << ::loupe::ingest::otlp::testing::Dump(translation); \
    ASSERT_EQ(series_->samples.size(), 1u) << (labels).ToString();                    \
    EXPECT_EQ(series_->samples[0].t, (t_ms)) << (labels).ToString();                  \
    EXPECT_EQ(series_->samples[0].v, (value)) << (labels).ToString();                 \
  } while (0)

}  // namespace loupe::ingest::otlp::testing
