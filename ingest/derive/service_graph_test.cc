#include "ingest/derive/service_graph.h"

#include <gtest/gtest.h>

#include "ingest/derive/derive_test_util.h"

namespace loupe::ingest::derive {
namespace {

using testing::L;
using testing::RecordingSink;
using testing::TraceBuilder;
using Span = otlp_trace::Span;
using Status = otlp_trace::Status;

model::Labels Edge(const char* name, const char* client, const char* server,
                   const char* type = "") {
  return L({{"__name__", name}, {"client", client}, {"server", server}, {"connection_type", type}});
}
model::Labels Total(const char* client, const char* server, const char* type = "") {
  return Edge("traces_service_graph_request_total", client, server, type);
}
model::Labels Failed(const char* client, const char* server, const char* type = "") {
  return Edge("traces_service_graph_request_failed_total", client, server, type);
}

class ServiceGraphTest : public ::testing::Test {
 protected:
  void Build(ServiceGraphOptions o = {}) {
    registry_ = std::make_unique<MetricRegistry>(RegistryOptions{});
    graph_ = std::make_unique<ServiceGraph>(o, registry_.get());
  }
  void Consume(const testing::TraceRequest& req, int64_t now_ms) {
    for (const auto& rs : req.resource_spans()) graph_->Consume(rs, now_ms);
  }
  RecordingSink& Collect(int64_t now_ms) {
    graph_->Expire(now_ms);
    sink_.Clear();
    registry_->Collect(now_ms, now_ms - 1000, &sink_);
    return sink_;
  }

  std::unique_ptr<MetricRegistry> registry_;
  std::unique_ptr<ServiceGraph> graph_;
  RecordingSink sink_;
};

TEST_F(ServiceGraphTest, PairsClientAndServerSpansInEitherOrder) {
  Build();
  // Trace 1: the client half arrives first (its own request), the server half later.
  TraceBuilder a;
  a.Service("frontend")
      .Add({.trace = 1,
            .span = 2,
            .parent = 1,
            .name = "POST /checkout",
            .kind = Span::SPAN_KIND_CLIENT,
            .duration_ms = 250});
  Consume(a.request(), 1000);
  EXPECT_EQ(graph_->pending_edges(), 1u);
  TraceBuilder b;
  b.Service("checkout")
      .Add({.trace = 1,
            .span = 3,
            .parent = 2,
            .name = "POST /checkout",
            .kind = Span::SPAN_KIND_SERVER,
            .start_ms = 10,
            .duration_ms = 200});
  // Trace 2: the server half first.
  b.Add({.trace = 2,
         .span = 7,
         .parent = 6,
         .name = "POST /checkout",
         .kind = Span::SPAN_KIND_SERVER,
         .duration_ms = 400});
  Consume(b.request(), 2000);
  TraceBuilder c;
  c.Service("frontend")
      .Add({.trace = 2,
            .span = 6,
            .parent = 5,
            .name = "POST /checkout",
            .kind = Span::SPAN_KIND_CLIENT,
            .duration_ms = 500});
  Consume(c.request(), 3000);
  EXPECT_EQ(graph_->pending_edges(), 0u);
  EXPECT_EQ(graph_->counts().edges_completed, 2u);

  auto& s = Collect(15'000);
  EXPECT_EQ(s.Last(Total("frontend", "checkout")), 2) << s.Dump();
  EXPECT_EQ(s.Find(Failed("frontend", "checkout")), nullptr);  // no failure yet: no series
  const auto server =
      Edge("traces_service_graph_request_server_seconds_sum", "frontend", "checkout");
  EXPECT_DOUBLE_EQ(s.Last(server), 0.6);
  EXPECT_DOUBLE_EQ(
      s.Last(Edge("traces_service_graph_request_client_seconds_sum", "frontend", "checkout")),
      0.75);
  EXPECT_EQ(
      s.Last(Edge("traces_service_graph_request_server_seconds_count", "frontend", "checkout")), 2);
  // Tempo's default buckets 0.1 * 2^i: 0.2 s lands in le="0.2", 0.4 s in le="0.4".
  auto bucket = [](const char* name, const char* le) {
    return Edge(name, "frontend", "checkout").With("le", le);
  };
  const char* kServerBucket = "traces_service_graph_request_server_seconds_bucket";
  EXPECT_EQ(s.Last(bucket(kServerBucket, "0.1")), 0);
  EXPECT_EQ(s.Last(bucket(kServerBucket, "0.2")), 1);
  EXPECT_EQ(s.Last(bucket(kServerBucket, "0.4")), 2);
  EXPECT_EQ(s.Last(bucket(kServerBucket, "12.8")), 2);
  EXPECT_EQ(s.Last(bucket(kServerBucket, "+Inf")), 2);
  EXPECT_EQ(s.Names(kServerBucket).size(), 9u);
  const auto* ex = s.Find(bucket(kServerBucket, "0.4"));
  ASSERT_EQ(ex->exemplars.size(), 1u);
  EXPECT_EQ(ex->exemplars[0].labels.Get("traceID"), testing::Hex(testing::TraceId(2)));
}

TEST_F(ServiceGraphTest, AFailureOnEitherSideFailsTheRequest) {
  Build();
  TraceBuilder b;
  b.Service("frontend")
      .Add({.trace = 1,
            .span = 2,
            .kind = Span::SPAN_KIND_CLIENT,
            .status = Status::STATUS_CODE_ERROR})
      .Add({.trace = 2, .span = 2, .kind = Span::SPAN_KIND_CLIENT})
      .Add({.trace = 3,
            .span = 2,
            .kind = Span::SPAN_KIND_CLIENT,
            .status = Status::STATUS_CODE_OK});
  b.Service("checkout")
      .Add({.trace = 1, .span = 3, .parent = 2, .kind = Span::SPAN_KIND_SERVER})
      .Add({.trace = 2,
            .span = 3,
            .parent = 2,
            .kind = Span::SPAN_KIND_SERVER,
            .status = Status::STATUS_CODE_ERROR})
      .Add({.trace = 3, .span = 3, .parent = 2, .kind = Span::SPAN_KIND_SERVER});
  Consume(b.request(), 1000);
  auto& s = Collect(15'000);
  EXPECT_EQ(s.Last(Total("frontend", "checkout")), 3) << s.Dump();
  EXPECT_EQ(s.Last(Failed("frontend", "checkout")), 2);
}

TEST_F(ServiceGraphTest, NestedCallsDatabasesAndTheUserNode) {
  Build();
  TraceBuilder b;
  // user -> frontend -> checkout -> payment; checkout -> several databases.
  b.Service("frontend")
      .Add({.trace = 1,
            .span = 1,
            .name = "GET /",
            .kind = Span::SPAN_KIND_SERVER,
            .duration_ms = 900})
      .Add(
          {.trace = 1, .span = 2, .parent = 1, .kind = Span::SPAN_KIND_CLIENT, .duration_ms = 800});
  b.Service("checkout")
      .Add({.trace = 1, .span = 3, .parent = 2, .kind = Span::SPAN_KIND_SERVER, .duration_ms = 700})
      .Add(
          {.trace = 1, .span = 4, .parent = 3, .kind = Span::SPAN_KIND_CLIENT, .duration_ms = 300});
  b.Service("payment").Add(
      {.trace = 1, .span = 5, .parent = 4, .kind = Span::SPAN_KIND_SERVER, .duration_ms = 250});
  b.Service("checkout")
      .Add({.trace = 1,
            .span = 10,
            .parent = 3,
            .kind = Span::SPAN_KIND_CLIENT,
            .duration_ms = 40,
            .attrs = {{"db.system", "postgresql"},
                      {"db.name", "orders"},
                      {"server.address", "pg.internal"}}})
      .Add({.trace = 1,
            .span = 11,
            .parent = 3,
            .kind = Span::SPAN_KIND_CLIENT,
            .duration_ms = 20,
            .status = Status::STATUS_CODE_ERROR,
            .attrs = {{"db.system", "postgresql"},
                      {"peer.service", "billing-db"},
                      {"server.address", "ignored"}}})
      .Add({.trace = 1,
            .span = 12,
            .parent = 3,
            .kind = Span::SPAN_KIND_CLIENT,
            .attrs = {{"db.system", "mysql"},
                      {"network.peer.address", "10.0.0.5"},
                      {"network.peer.port", "3306"}}})
      .Add({.trace = 1,
            .span = 13,
            .parent = 3,
            .kind = Span::SPAN_KIND_CLIENT,
            .attrs = {{"db.system", "redis"}}})
      .Add({.trace = 1,
            .span = 14,
            .parent = 3,
            .kind = Span::SPAN_KIND_CLIENT,
            .attrs = {{"db.system", "postgresql"},
                      {"db.name", "old"},
                      {"db.namespace", "inventory"}}})
      .Add({.trace = 1,
            .span = 15,
            .parent = 3,
            .name = "internal work",
            .kind = Span::SPAN_KIND_INTERNAL});
  Consume(b.request(), 1000);
  // Databases complete at once; the root server span waits for a client that never comes.
  EXPECT_EQ(graph_->pending_edges(), 1u);
  auto& s = Collect(5000);
  EXPECT_EQ(s.Last(Total("frontend", "checkout")), 1) << s.Dump();
  EXPECT_EQ(s.Last(Total("checkout", "payment")), 1);
  EXPECT_EQ(s.Last(Total("checkout", "pg.internal", "database")), 1);
  EXPECT_EQ(s.Last(Total("checkout", "billing-db", "database")), 1);
  EXPECT_EQ(s.Last(Failed("checkout", "billing-db", "database")), 1);
  EXPECT_EQ(s.Last(Total("checkout", "10.0.0.5:3306", "database")), 1);
  EXPECT_EQ(s.Last(Total("checkout", "redis", "database")), 1);
  EXPECT_EQ(s.Last(Total("checkout", "inventory", "database")), 1);
  // A database edge's server latency is the client span's duration.
  EXPECT_DOUBLE_EQ(s.Last(Edge("traces_service_graph_request_server_seconds_sum", "checkout",
                               "pg.internal", "database")),
                   0.04);
  EXPECT_EQ(s.Names("traces_service_graph_request_total").size(), 7u);
  EXPECT_EQ(s.Find(Total("user", "frontend", "virtual_node")), nullptr);

  // After the wait the root span's caller becomes the "user" virtual node.
  auto& later = Collect(11'000);
  EXPECT_EQ(later.Last(Total("user", "frontend", "virtual_node")), 1) << later.Dump();
  EXPECT_DOUBLE_EQ(later.Last(Edge("traces_service_graph_request_server_seconds_sum", "user",
                                   "frontend", "virtual_node")),
                   0.9);
  EXPECT_DOUBLE_EQ(later.Last(Edge("traces_service_graph_request_client_seconds_sum", "user",
                                   "frontend", "virtual_node")),
                   0);
  EXPECT_EQ(graph_->pending_edges(), 0u);
  EXPECT_TRUE(later.Names("traces_service_graph_unpaired_spans_total").empty());
}

TEST_F(ServiceGraphTest, ProducerAndConsumerPairAsAMessagingSystemEdge) {
  Build();
  TraceBuilder b;
  b.Service("shipping")
      .Add({.trace = 4,
            .span = 21,
            .parent = 20,
            .name = "orders process",
            .kind = Span::SPAN_KIND_CONSUMER,
            .duration_ms = 30});
  b.Service("checkout")
      .Add({.trace = 4,
            .span = 20,
            .parent = 3,
            .name = "orders publish",
            .kind = Span::SPAN_KIND_PRODUCER,
            .duration_ms = 5,
            .attrs = {{"messaging.system", "kafka"}}});
  Consume(b.request(), 1000);
  auto& s = Collect(15'000);
  EXPECT_EQ(s.Last(Total("checkout", "shipping", "messaging_system")), 1) << s.Dump();
  EXPECT_DOUBLE_EQ(s.Last(Edge("traces_service_graph_request_server_seconds_sum", "checkout",
                               "shipping", "messaging_system")),
                   0.03);
}

TEST_F(ServiceGraphTest, UnpairedHalvesAreCountedAfterTheWait) {
  Build();
  TraceBuilder b;
  b.Service("frontend").Add({.trace = 1, .span = 2, .parent = 1, .kind = Span::SPAN_KIND_CLIENT});
  b.Service("checkout")
      .Add({.trace = 2, .span = 9, .parent = 8, .kind = Span::SPAN_KIND_SERVER})
      .Add({.trace = 3, .span = 9, .parent = 8, .kind = Span::SPAN_KIND_CONSUMER});
  Consume(b.request(), 1000);
  EXPECT_EQ(graph_->pending_edges(), 3u);
  auto& s = Collect(10'999);  // wait (10 s) not over yet
  EXPECT_TRUE(s.series().empty()) << s.Dump();
  EXPECT_EQ(graph_->pending_edges(), 3u);
  auto& after = Collect(11'000);
  const char* kUnpaired = "traces_service_graph_unpaired_spans_total";
  EXPECT_EQ(after.Last(L({{"__name__", kUnpaired}, {"client", "frontend"}})), 1) << after.Dump();
  EXPECT_EQ(after.Last(L({{"__name__", kUnpaired}, {"server", "checkout"}})), 1);
  EXPECT_EQ(after.Last(L({{"__name__", kUnpaired},
                          {"server", "checkout"},
                          {"connection_type", "messaging_system"}})),
            1);
  EXPECT_TRUE(after.Names("traces_service_graph_request_total").empty());
  EXPECT_EQ(graph_->pending_edges(), 0u);
  EXPECT_EQ(graph_->counts().spans_unpaired, 3u);
  // A late server half no longer pairs; it waits (and expires) on its own.
  TraceBuilder late;
  late.Service("checkout")
      .Add({.trace = 1, .span = 3, .parent = 2, .kind = Span::SPAN_KIND_SERVER});
  Consume(late.request(), 12'000);
  auto& last = Collect(22'000);
  EXPECT_EQ(last.Last(L({{"__name__", kUnpaired}, {"server", "checkout"}})), 2);
}

TEST_F(ServiceGraphTest, UninstrumentedPeersBecomeVirtualNodes) {
  ServiceGraphOptions o;
  o.enable_virtual_node_label = true;
  Build(o);
  TraceBuilder b;
  b.Service("checkout")
      .Add({.trace = 1,
            .span = 2,
            .parent = 1,
            .kind = Span::SPAN_KIND_CLIENT,
            .duration_ms = 300,
            .attrs = {{"peer.service", "stripe"}}})
      .Add({.trace = 2,
            .span = 5,
            .kind = Span::SPAN_KIND_SERVER,
            .duration_ms = 50,
            .attrs = {{"peer.service", "mobile-app"}}});
  b.Service("frontend").Add({.trace = 3, .span = 6, .kind = Span::SPAN_KIND_SERVER});
  Consume(b.request(), 1000);
  auto& s = Collect(11'000);
  auto total = [](const char* client, const char* server, const char* side) {
    return Total(client, server, "virtual_node").With("virtual_node", side);
  };
  EXPECT_EQ(s.Last(total("checkout", "stripe", "server")), 1) << s.Dump();
  EXPECT_EQ(s.Last(total("mobile-app", "checkout", "client")), 1);
  EXPECT_EQ(s.Last(total("user", "frontend", "client")), 1);
  EXPECT_DOUBLE_EQ(s.Last(Edge("traces_service_graph_request_client_seconds_sum", "checkout",
                               "stripe", "virtual_node")
                              .With("virtual_node", "server")),
                   0.3);
  EXPECT_EQ(graph_->counts().edges_virtual, 3u);
  EXPECT_TRUE(s.Names("traces_service_graph_unpaired_spans_total").empty());
}

TEST_F(ServiceGraphTest, AFullStoreDropsNewHalvesButStillCompletesEdges) {
  ServiceGraphOptions o;
  o.max_items = 1;
  Build(o);
  TraceBuilder b;
  b.Service("frontend")
      .Add({.trace = 1, .span = 2, .kind = Span::SPAN_KIND_CLIENT})
      .Add({.trace = 2, .span = 2, .kind = Span::SPAN_KIND_CLIENT})
      .Add({.trace = 3, .span = 2, .kind = Span::SPAN_KIND_PRODUCER})
      .Add({.trace = 4,
            .span = 2,
            .kind = Span::SPAN_KIND_CLIENT,
            .attrs = {{"db.system", "redis"}}});
  b.Service("checkout").Add({.trace = 1, .span = 3, .parent = 2, .kind = Span::SPAN_KIND_SERVER});
  Consume(b.request(), 1000);
  auto& s = Collect(2000);
  const char* kDropped = "traces_service_graph_dropped_spans_total";
  EXPECT_EQ(s.Last(L({{"__name__", kDropped}, {"client", "frontend"}})), 1) << s.Dump();
  EXPECT_EQ(s.Last(L({{"__name__", kDropped},
                      {"client", "frontend"},
                      {"connection_type", "messaging_system"}})),
            1);
  EXPECT_EQ(s.Last(Total("frontend", "checkout")), 1);
  EXPECT_EQ(s.Last(Total("frontend", "redis", "database")), 1);
  EXPECT_EQ(graph_->counts().spans_dropped, 2u);
}

TEST_F(ServiceGraphTest, IgnoresSpansWithoutServiceNameOrEdgeKind) {
  Build();
  TraceBuilder b;
  b.Service("").Add({.trace = 1, .span = 2, .kind = Span::SPAN_KIND_CLIENT});
  b.Service("api")
      .Add({.trace = 1, .span = 3, .kind = Span::SPAN_KIND_INTERNAL})
      .Add({.trace = 1, .span = 4, .kind = Span::SPAN_KIND_UNSPECIFIED});
  Consume(b.request(), 1000);
  EXPECT_EQ(graph_->pending_edges(), 0u);
  auto& s = Collect(30'000);
  EXPECT_TRUE(s.series().empty()) << s.Dump();
}

}  // namespace
}  // namespace loupe::ingest::derive
