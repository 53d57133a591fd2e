// Test and benchmark helper (not part of the library): generates realistic OTLP traces — ten
// services of a shop (resource attributes as SDKs set them), nested server/client/internal
// spans, about ten attributes per span with a realistic mix of low- and high-cardinality
// values, occasional exception events, links and errors — and batches them per service the way
// an SDK exporter sends them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "storage/spanstore/batch_codec.h"

namespace loupe::storage::spanstore::testing {

namespace v1 = ::opentelemetry::proto::trace::v1;
namespace common = ::opentelemetry::proto::common::v1;

inline void SetStr(common::KeyValue* kv, const std::string& k, const std::string& v) {
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}
inline void SetInt(common::KeyValue* kv, const std::string& k, int64_t v) {
  kv->set_key(k);
  kv->mutable_value()->set_int_value(v);
}
template <typename M>
void AddStr(M* m, const std::string& k, const std::string& v) {
  SetStr(m->add_attributes(), k, v);
}
template <typename M>
void AddInt(M* m, const std::string& k, int64_t v) {
  SetInt(m->add_attributes(), k, v);
}

class SpanGenerator {
 public:
  static constexpr int kServices = 10;
  static const char* Service(int i) {
    static const char* names[kServices] = {"frontend", "checkout", "cart", "payment", "shipping",
                                           "currency", "email", "recommendation", "ad", "product-catalog"};
    return names[i % kServices];
  }

  explicit SpanGenerator(uint64_t seed = 1, int64_t base_ns = 1'700'000'000'000'000'000)
      : rng_(seed), now_(base_ns) {}

  // Appends one trace's spans to `out[service]` (one ResourceSpans per service, created on
  // first use with its resource and scope). Returns the trace id.
  std::string AddTrace(std::vector<v1::ResourceSpans>* out) {
    if (out->size() < kServices) out->resize(kServices);
    std::string trace_id(16, '\0');
    for (auto& c : trace_id) c = static_cast<char>(rng_());
    trace_id[0] |= 1;  // never all zero
    now_ += 1'000'000 + rng_() % 5'000'000;  // traces start 1-6 ms apart
    // Log-normal durations around 40 ms (a few seconds at the far tail).
    std::lognormal_distribution<double> ln(std::log(40e6), 1.0);
    const int64_t dur = std::clamp<int64_t>(static_cast<int64_t>(ln(rng_)), 1'000'000, 10'000'000'000);
    Emit(out, trace_id, "", 0, now_, dur, 0, "GET /api/checkout");
    return trace_id;
  }

  // `traces` traces as exporter batches of at most `batch_spans` spans of one service each.
  std::vector<v1::ResourceSpans> Batches(int traces, int batch_spans) {
    std::vector<v1::ResourceSpans> by_service;
    for (int i = 0; i < traces; ++i) AddTrace(&by_service);
    std::vector<v1::ResourceSpans> out;
    for (auto& rs : by_service) {
      if (!rs.has_resource()) continue;
      const auto& spans = rs.scope_spans(0).spans();
      for (int b = 0; b < spans.size(); b += batch_spans) {
        v1::ResourceSpans part;
        *part.mutable_resource() = rs.resource();
        part.set_schema_url(rs.schema_url());
        auto* ss = part.add_scope_spans();
        *ss->mutable_scope() = rs.scope_spans(0).scope();
        for (int k = b; k < std::min(spans.size(), b + batch_spans); ++k) *ss->add_spans() = spans[k];
        out.push_back(std::move(part));
      }
    }
    return out;
  }

  uint64_t spans_emitted() const { return spans_; }

 private:
  v1::ScopeSpans* Scope(std::vector<v1::ResourceSpans>* out, int service) {
    v1::ResourceSpans& rs = (*out)[service];
    if (!rs.has_resource()) {
      auto* r = rs.mutable_resource();
      AddStr(r, "service.name", Service(service));
      AddStr(r, "service.namespace", "shop");
      AddStr(r, "service.version", "1." + std::to_string(service % 3) + ".4");
      AddStr(r, "service.instance.id", "7d3c0a1e-4b2f-4c55-9a1d-" + std::to_string(100000000000 + service));
      AddStr(r, "host.name", "node-" + std::to_string(service % 4));
      AddStr(r, "k8s.namespace.name", "shop-prod");
      AddStr(r, "k8s.pod.name", std::string(Service(service)) + "-5f6d8b7c9-x2k4p");
      AddStr(r, "deployment.environment", "production");
      AddStr(r, "telemetry.sdk.name", "opentelemetry");
      AddStr(r, "telemetry.sdk.language", service % 2 ? "go" : "java");
      AddStr(r, "telemetry.sdk.version", "1.24.0");
      rs.set_schema_url("https://opentelemetry.io/schemas/1.21.0");
      auto* ss = rs.add_scope_spans();
      ss->mutable_scope()->set_name(service % 2 ? "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
                                                : "io.opentelemetry.spring-webmvc-6.0");
      ss->mutable_scope()->set_version("0.49.0");
    }
    return rs.mutable_scope_spans(0);
  }

  uint64_t NewSpanId() {
    uint64_t id = rng_() | 1;
    return id;
  }

  static std::string IdBytes(uint64_t id) {
    std::string s(8, '\0');
    for (int i = 7; i >= 0; --i, id >>= 8) s[i] = static_cast<char>(id & 0xff);
    return s;
  }

  // Emits a server span for `service` and, below it, client calls to other services and
  // internal/database spans.
  void Emit(std::vector<v1::ResourceSpans>* out, const std::string& trace_id, const std::string& parent,
            int service, int64_t start, int64_t dur, int depth, const std::string& route) {
    static const char* kMethods[] = {"GET", "GET", "GET", "POST", "PUT"};
    const uint64_t id = NewSpanId();
    auto* s = Scope(out, service)->add_spans();
    ++spans_;
    s->set_trace_id(trace_id);
    s->set_span_id(IdBytes(id));
    s->set_parent_span_id(parent);
    s->set_flags(0x301);
    s->set_name(route);
    s->set_kind(v1::Span::SPAN_KIND_SERVER);
    s->set_start_time_unix_nano(static_cast<uint64_t>(start));
    s->set_end_time_unix_nano(static_cast<uint64_t>(start + dur));
    const bool error = rng_() % 50 == 0;
    AddStr(s, "http.request.method", kMethods[rng_() % 5]);
    AddStr(s, "http.route", route.substr(route.find(' ') + 1));
    AddInt(s, "http.response.status_code", error ? 500 : 200);
    AddStr(s, "url.path", route.substr(route.find(' ') + 1) + "/" + std::to_string(rng_() % 100000));
    AddStr(s, "url.scheme", "http");
    AddStr(s, "server.address", std::string(Service(service)) + ".shop.svc");
    AddInt(s, "server.port", 8080);
    AddStr(s, "network.protocol.version", "1.1");
    AddStr(s, "user_agent.original", rng_() % 2 ? "Mozilla/5.0 (X11; Linux x86_64)" : "python-requests/2.31.0");
    AddInt(s, "app.user.id", static_cast<int64_t>(rng_() % 50000));
    AddStr(s, "thread.name", "http-nio-8080-exec-" + std::to_string(rng_() % 16));
    if (error) {
      s->mutable_status()->set_code(v1::Status::STATUS_CODE_ERROR);
      s->mutable_status()->set_message("upstream request failed");
      auto* e = s->add_events();
      e->set_name("exception");
      e->set_time_unix_nano(static_cast<uint64_t>(start + dur - 1000));
      AddStr(e, "exception.type", "java.io.IOException");
      AddStr(e, "exception.message", "Connection reset by peer");
    }
    // Children: a database call and calls to other services.
    int64_t t = start + dur / 20;
    if (rng_() % 2 == 0) {
      auto* db = Scope(out, service)->add_spans();
      ++spans_;
      db->set_trace_id(trace_id);
      db->set_span_id(IdBytes(NewSpanId()));
      db->set_parent_span_id(IdBytes(id));
      db->set_name("SELECT shop.orders");
      db->set_kind(v1::Span::SPAN_KIND_CLIENT);
      const int64_t d = dur / 10 + static_cast<int64_t>(rng_() % 1'000'000);
      db->set_start_time_unix_nano(static_cast<uint64_t>(t));
      db->set_end_time_unix_nano(static_cast<uint64_t>(t + d));
      AddStr(db, "db.system", "postgresql");
      AddStr(db, "db.name", "shop");
      AddStr(db, "db.operation", "SELECT");
      AddStr(db, "db.sql.table", "orders");
      AddStr(db, "db.statement", "SELECT id, total FROM orders WHERE user_id = $1 LIMIT $2");
      AddStr(db, "server.address", "postgres.shop.svc");
      AddInt(db, "server.port", 5432);
      AddStr(db, "db.user", "shop_app");
      AddInt(db, "db.rows_returned", static_cast<int64_t>(rng_() % 40));
      AddStr(db, "thread.name", "db-pool-" + std::to_string(rng_() % 8));
      t += d;
    }
    if (depth >= 2) return;
    const int calls = depth == 0 ? 1 + static_cast<int>(rng_() % 3) : static_cast<int>(rng_() % 3);
    for (int c = 0; c < calls; ++c) {
      const int callee = 1 + static_cast<int>(rng_() % (kServices - 1));
      const int64_t d = static_cast<int64_t>(static_cast<double>(dur) * (0.3 + 0.6 * (rng_() % 1000) / 1000.0)) / calls;
      const uint64_t cid = NewSpanId();
      auto* cs = Scope(out, service)->add_spans();
      ++spans_;
      const std::string callee_route = std::string("POST /") + Service(callee) + "/" +
                                       (c % 2 ? "Get" : "List") + "Items";
      cs->set_trace_id(trace_id);
      cs->set_span_id(IdBytes(cid));
      cs->set_parent_span_id(IdBytes(id));
      cs->set_name(callee_route);
      cs->set_kind(v1::Span::SPAN_KIND_CLIENT);
      cs->set_start_time_unix_nano(static_cast<uint64_t>(t));
      cs->set_end_time_unix_nano(static_cast<uint64_t>(t + d));
      AddStr(cs, "rpc.system", "grpc");
      AddStr(cs, "rpc.service", std::string("shop.") + Service(callee));
      AddStr(cs, "rpc.method", c % 2 ? "GetItems" : "ListItems");
      AddStr(cs, "server.address", std::string(Service(callee)) + ".shop.svc");
      AddInt(cs, "server.port", 9090);
      AddInt(cs, "rpc.grpc.status_code", 0);
      AddStr(cs, "network.transport", "tcp");
      AddStr(cs, "app.request.id", std::to_string(rng_()));
      AddInt(cs, "app.item.count", static_cast<int64_t>(rng_() % 20));
      AddStr(cs, "thread.name", "grpc-default-executor-" + std::to_string(rng_() % 8));
      if (rng_() % 20 == 0) {
        auto* l = cs->add_links();
        l->set_trace_id(trace_id);
        l->set_span_id(IdBytes(id));
        AddStr(l, "link.kind", "follows_from");
      }
      Emit(out, trace_id, IdBytes(cid), callee, t + d / 20, d - d / 10, depth + 1, callee_route);
      t += d;
    }
  }

  std::mt19937_64 rng_;
  int64_t now_;
  uint64_t spans_ = 0;
};

// The batch encoding (batch_codec.h, a trace id per span) of OTLP ResourceSpans, as the WAL and
// Head::Append take it.
template <typename ResourceSpansRange>
std::string EncodeBatch(const ResourceSpansRange& batches) {
  BatchBuilder bb;
  for (const auto& rs : batches) {
    if (!rs.has_resource()) continue;
    const uint32_t r = bb.AddResource(rs.resource(), rs.schema_url());
    for (const auto& ss : rs.scope_spans()) {
      const uint32_t sc = bb.AddScope(r, ss.scope(), ss.schema_url());
      for (const auto& s : ss.spans()) bb.AddSpan(sc, s);
    }
  }
  std::string out;
  bb.Assemble({}, &out);
  return out;
}

}  // namespace loupe::storage::spanstore::testing
