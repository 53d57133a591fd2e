// ServiceGraph: Tempo's service-graphs processor. Pairs the two halves of each request between
// services and counts the edges:
//
//   traces_service_graph_request_total                      counter
//   traces_service_graph_request_failed_total               counter (either half has status ERROR)
//   traces_service_graph_request_server_seconds_{bucket,sum,count}  server span duration
//   traces_service_graph_request_client_seconds_{bucket,sum,count}  client span duration
//   traces_service_graph_unpaired_spans_total               counter (half edges that expired)
//   traces_service_graph_dropped_spans_total                counter (store full)
//
// labelled client, server, connection_type (absent = unset, "virtual_node",
// "messaging_system", "database") and, with enable_virtual_node_label, virtual_node ("client",
// "server"; absent otherwise). The histograms carry exemplars with the edge's trace id.
//
// Pairing (as Tempo does it): a CLIENT span is stored under (trace id, its span id), a SERVER
// span under (trace id, its parent span id), so a server span meets the client span that
// called it. PRODUCER and CONSUMER spans pair the same way with connection_type
// messaging_system. Spans of other kinds, and resources without service.name, are ignored.
// The edge is emitted as soon as both services are known. A client span is a database call
// when it (or its resource) has one of `database_name_attributes`; its edge completes at once
// with connection_type database and server = peer.service, else server.address, else
// network.peer.address[:network.peer.port], else the database name found.
//
// An edge still half-open after `wait_ms` expires. If it is a root server span (no parent),
// the caller is an uninstrumented client: client = the span's first `peer_attributes` value or
// "user". If it is a client span with a `peer_attributes` value, the server is an
// uninstrumented service named by it. Both become connection_type virtual_node edges (the
// missing half's duration observed as 0, as Tempo does). Any other expired half is counted in
// unpaired_spans_total with the labels of the side that was seen. When `max_items` edges are
// waiting, a new half edge is not stored and is counted in dropped_spans_total.
//
// Thread-safety: none; the owner serializes calls (MetricsGenerator holds a tenant lock).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <list>
#include <string>
#include <vector>

#include "ingest/derive/metric_registry.h"
#include "ingest/derive/span_util.h"

namespace loupe::ingest::derive {

struct ServiceGraphOptions {
  bool enabled = true;
  int64_t wait_ms = 10'000;  // Tempo's default wait
  // Half-open edges kept at once. Every trace's root server span waits the full `wait_ms` (for
  // a client that usually does not exist), so this must exceed traces/s x wait: Tempo's 10'000
  // drops edges above 1k traces/s; one loupe process serves all traffic, so 100'000 (about
  // 25 MB when full) covers 10k traces/s.
  size_t max_items = 100'000;
  std::vector<double> histogram_buckets = ExponentialBuckets(0.1, 2, 8);  // Tempo's default
  std::vector<std::string> peer_attributes = {"peer.service", "db.name", "db.system"};
  std::vector<std::string> database_name_attributes = {"db.namespace", "db.name", "db.system"};
  bool enable_virtual_node_label = false;
};

enum class ConnectionType : uint8_t { kUnset, kVirtualNode, kMessagingSystem, kDatabase };
// The label value: "" (label absent), "virtual_node", "messaging_system", "database".
std::string_view ConnectionTypeLabel(ConnectionType t);

struct ServiceGraphCounts {
  uint64_t edges_completed = 0;  // including virtual-node edges
  uint64_t edges_virtual = 0;
  uint64_t spans_unpaired = 0;
  uint64_t spans_dropped = 0;
};

class ServiceGraph {
 public:
  // `registry` must outlive this object.
  ServiceGraph(const ServiceGraphOptions& options, MetricRegistry* registry);
  ServiceGraph(const ServiceGraph&) = delete;
  ServiceGraph& operator=(const ServiceGraph&) = delete;

  // Pairs the spans of one resource. Expires due edges first.
  void Consume(const otlp_trace::ResourceSpans& rs, int64_t now_ms);
  // Handles every edge whose wait ended at or before `now_ms`.
  void Expire(int64_t now_ms);

  size_t pending_edges() const { return index_.size(); }
  const ServiceGraphCounts& counts() const { return counts_; }

 private:
  struct EdgeKey {
    std::array<char, 16> trace_id{};
    std::array<char, 8> span_id{};
    friend bool operator==(const EdgeKey&, const EdgeKey&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const EdgeKey& k) {
      return H::combine_contiguous(std::move(h), k.trace_id.data(), 24);
    }
  };
  static_assert(sizeof(EdgeKey) == 24);
  struct Edge {
    EdgeKey key;
    bool root = false;  // stored by a server span without a parent
    std::string client, server, peer_node;
    ConnectionType type = ConnectionType::kUnset;
    double client_seconds = 0, server_seconds = 0;
    bool failed = false;
    std::array<char, 16> trace_id{};
    uint8_t trace_id_len = 0;
    int64_t expires_ms = 0;
  };
  using EdgeList = std::list<Edge>;

  void ConsumeClient(const KeyValues& resource, const otlp_trace::Span& span,
                     std::string_view service, ConnectionType type, int64_t now_ms);
  void ConsumeServer(const otlp_trace::Span& span, std::string_view service, ConnectionType type,
                     int64_t now_ms);
  // Finds the edge for `key` or makes a new one (not yet stored).
  Edge* Upsert(const EdgeKey& key, bool* is_new);
  // Stores a new edge, completes a complete one, or drops it when the store is full.
  void Settle(Edge* e, bool is_new, int64_t now_ms);
  void Complete(const Edge& e, std::string_view virtual_node, int64_t now_ms);
  void OnExpire(Edge& e, int64_t now_ms);
  void CountSide(MetricRegistry::Counter* counter, const Edge& e, ConnectionType type,
                 int64_t now_ms);
  static void SetTraceId(Edge* e, std::string_view trace_id);
  static EdgeKey MakeKey(std::string_view trace_id, std::string_view span_id);

  ServiceGraphOptions options_;
  MetricRegistry::Counter* request_total_;
  MetricRegistry::Counter* request_failed_total_;
  MetricRegistry::Histogram* server_seconds_;
  MetricRegistry::Histogram* client_seconds_;
  MetricRegistry::Counter* unpaired_total_;
  MetricRegistry::Counter* dropped_total_;

  EdgeList edges_;  // in creation order, so in expiry order
  absl::flat_hash_map<EdgeKey, EdgeList::iterator> index_;
  Edge scratch_edge_;  // a new edge before it is known to need storing
  SeriesKey key_;
  std::string attr_scratch_, attr_scratch2_, name_scratch_;
  ServiceGraphCounts counts_;
};

}  // namespace loupe::ingest::derive
