// Test helpers (not part of the library): a span store in a temp dir and a compact way to
// write traces in code.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "storage/spanstore/span_store.h"
#include "tests/testing/temp_dir.h"

namespace loupe::query::traceql::testing {

namespace v1 = ::opentelemetry::proto::trace::v1;
namespace common = ::opentelemetry::proto::common::v1;

using AttrValue = std::variant<std::string, int64_t, double, bool, std::vector<std::string>>;
using Attrs = std::vector<std::pair<std::string, AttrValue>>;

inline void SetAttr(common::KeyValue* kv, const std::string& k, const AttrValue& v) {
  kv->set_key(k);
  auto* av = kv->mutable_value();
  if (auto* s = std::get_if<std::string>(&v)) av->set_string_value(*s);
  if (auto* i = std::get_if<int64_t>(&v)) av->set_int_value(*i);
  if (auto* d = std::get_if<double>(&v)) av->set_double_value(*d);
  if (auto* b = std::get_if<bool>(&v)) av->set_bool_value(*b);
  if (auto* a = std::get_if<std::vector<std::string>>(&v)) {
    auto* arr = av->mutable_array_value();
    for (const auto& e : *a) arr->add_values()->set_string_value(e);
  }
}

struct EventDef {
  std::string name;
  int64_t offset_ns = 0;  // from the span start
  Attrs attrs;
};

struct SpanDef {
  uint64_t id = 0;
  uint64_t parent = 0;
  std::string service = "svc";
  std::string name = "op";
  int64_t start_ns = 0;  // absolute
  int64_t duration_ns = 1'000'000;
  int kind = 1;    // OTLP numbering
  int status = 0;  // OTLP numbering
  std::string status_message;
  Attrs attrs;
  std::vector<EventDef> events;
  std::vector<std::pair<std::string, uint64_t>> links;  // (trace id bytes, span id)
  std::string scope_name = "lib";
  std::string scope_version = "1.0";
};

inline std::string IdBytes(uint64_t id, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n && i < 8; ++i) s[n - 1 - i] = static_cast<char>((id >> (8 * i)) & 0xff);
  return s;
}
inline std::string TraceBytes(uint64_t id) {
  std::string s = IdBytes(id, 16);
  s[0] = 0x0a;  // never all zero
  return s;
}

// Accumulates spans as ResourceSpans, one per (service, resource attributes).
class TraceBuilder {
 public:
  // Resource attributes (besides service.name) of a service.
  void SetResource(const std::string& service, Attrs attrs) {
    resources_[service] = std::move(attrs);
  }

  void Add(uint64_t trace, const SpanDef& d) {
    v1::ResourceSpans& rs = out_[d.service];
    if (!rs.has_resource()) {
      auto* r = rs.mutable_resource();
      SetAttr(r->add_attributes(), "service.name", d.service);
      for (const auto& [k, v] : resources_[d.service]) SetAttr(r->add_attributes(), k, v);
    }
    v1::ScopeSpans* ss = nullptr;
    for (auto& s : *rs.mutable_scope_spans()) {
      if (s.scope().name() == d.scope_name && s.scope().version() == d.scope_version) ss = &s;
    }
    if (!ss) {
      ss = rs.add_scope_spans();
      ss->mutable_scope()->set_name(d.scope_name);
      ss->mutable_scope()->set_version(d.scope_version);
    }
    auto* s = ss->add_spans();
    s->set_trace_id(TraceBytes(trace));
    s->set_span_id(IdBytes(d.id, 8));
    if (d.parent) s->set_parent_span_id(IdBytes(d.parent, 8));
    s->set_name(d.name);
    s->set_kind(static_cast<v1::Span::SpanKind>(d.kind));
    s->set_start_time_unix_nano(static_cast<uint64_t>(d.start_ns));
    s->set_end_time_unix_nano(static_cast<uint64_t>(d.start_ns + d.duration_ns));
    s->mutable_status()->set_code(static_cast<v1::Status::StatusCode>(d.status));
    s->mutable_status()->set_message(d.status_message);
    for (const auto& [k, v] : d.attrs) SetAttr(s->add_attributes(), k, v);
    for (const auto& e : d.events) {
      auto* ev = s->add_events();
      ev->set_name(e.name);
      ev->set_time_unix_nano(static_cast<uint64_t>(d.start_ns + e.offset_ns));
      for (const auto& [k, v] : e.attrs) SetAttr(ev->add_attributes(), k, v);
    }
    for (const auto& [tid, sid] : d.links) {
      auto* l = s->add_links();
      l->set_trace_id(tid);
      l->set_span_id(IdBytes(sid, 8));
    }
  }

  std::vector<v1::ResourceSpans> Take() {
    std::vector<v1::ResourceSpans> v;
    for (auto& [k, rs] : out_) v.push_back(std::move(rs));
    out_.clear();
    return v;
  }

 private:
  std::map<std::string, Attrs> resources_;
  std::map<std::string, v1::ResourceSpans> out_;
};

// A small fixture for smoke tests (conformance, fuzzing): three traces at `base`, base + 1s and
// base + 2s with nesting, errors, events, a link, an array attribute and several services.
inline std::vector<v1::ResourceSpans> SmallShop(int64_t base) {
  constexpr int64_t kMs = 1'000'000;
  TraceBuilder b;
  b.SetResource("frontend", {{"region", std::string("eu")}, {"replicas", int64_t{3}}});
  b.SetResource("checkout", {{"region", std::string("us")}});
  auto span = [&](uint64_t trace, uint64_t id, uint64_t parent, const char* svc, const char* name,
                  int64_t start_ms, int64_t dur_ms, int kind, int status) {
    SpanDef d;
    d.id = id;
    d.parent = parent;
    d.service = svc;
    d.name = name;
    d.start_ns = base + start_ms * kMs;
    d.duration_ns = dur_ms * kMs;
    d.kind = kind;
    d.status = status;
    return d;
  };
  SpanDef d = span(1, 1, 0, "frontend", "GET /", 0, 300, 2, 0);
  d.attrs = {{"http.method", std::string("GET")}, {"http.status", int64_t{200}}, {"a", int64_t{2}}};
  b.Add(1, d);
  d = span(1, 2, 1, "checkout", "POST /pay", 10, 200, 3, 2);
  d.status_message = "boom";
  d.attrs = {{"a", 1.5}, {"b", true}, {"c", std::string("test")}, {"field", int64_t{4}}};
  d.events = {{"exception", 5 * kMs, {{"foo", std::string("bar")}}}};
  d.links = {{TraceBytes(2), 3}};
  b.Add(1, d);
  d = span(1, 4, 2, "payment", "charge", 20, 100, 1, 0);
  d.attrs = {{"attr", std::string("a")}, {"tags", std::vector<std::string>{"x", "y"}}};
  b.Add(1, d);
  d = span(2, 3, 0, "checkout", "POST /pay", 1000, 50, 2, 1);
  d.attrs = {{"client_ip", std::string("10.0.0.1")}, {"http.path", std::string("/pay")}};
  b.Add(2, d);
  d = span(3, 5, 0, "frontend", "GET /home", 2000, 5, 2, 0);
  d.attrs = {{"foo", std::string("bar")}, {"attr", int64_t{1}}};
  b.Add(3, d);
  d = span(3, 6, 5, "frontend", "render", 2001, 2, 1, 0);
  b.Add(3, d);
  return b.Take();
}

// A span store in a temp dir (no background thread, no retention, no live-trace limit).
class TestStore {
 public:
  explicit TestStore(uint32_t max_block_spans = 250'000) : dir_("traceql_eval") {
    storage::spanstore::SpanStoreOptions o;
    o.retention_ns = 0;
    o.retention_bytes = 0;
    o.maintenance_interval_ms = 0;
    o.max_live_traces = 0;
    o.max_bytes_per_trace = 0;
    o.max_block_spans = max_block_spans;
    o.max_block_duration_ns = INT64_MAX / 2;
    auto kv = storage::kv::RocksStore::Open(dir_.Sub("kv"), {},
                                            storage::spanstore::SpanStore::ColumnFamilies());
    if (!kv.ok()) return;
    kv_ = std::move(*kv);
    auto s = storage::spanstore::SpanStore::Open(*kv_, dir_.Sub("wal"), o);
    if (!s.ok()) return;
    store_ = std::move(*s);
  }
  ~TestStore() {
    if (store_) (void)store_->Close();
    store_.reset();
    kv_.reset();
  }
  bool ok() const { return store_ != nullptr; }
  storage::spanstore::SpanStore& store() { return *store_; }
  const std::string& dir() const { return dir_.path(); }

  Status Append(const std::vector<v1::ResourceSpans>& batches, const std::string& tenant = "t1") {
    auto app = store_->NewAppender(tenant);
    for (const auto& rs : batches) app->Add(rs);
    auto r = app->Commit();
    if (!r.ok()) return r.status();
    if (!r->batch_error.ok()) return r->batch_error;
    if (r->rejected()) return Status::InvalidArgument("rejected: " + r->first_error);
    return Status::OK();
  }
  Status Flush() { return store_->FlushHeads(); }

 private:
  loupe::testing::TempDir dir_;
  std::unique_ptr<storage::kv::RocksStore> kv_;
  std::unique_ptr<storage::spanstore::SpanStore> store_;
};

}  // namespace loupe::query::traceql::testing
