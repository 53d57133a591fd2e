#include "ingest/derive/service_graph.h"

#include <algorithm>

namespace loupe::ingest::derive {

namespace {

constexpr char kRequestTotal[] = "traces_service_graph_request_total";
constexpr char kRequestFailedTotal[] = "traces_service_graph_request_failed_total";
constexpr char kServerSeconds[] = "traces_service_graph_request_server_seconds";
constexpr char kClientSeconds[] = "traces_service_graph_request_client_seconds";
constexpr char kUnpairedTotal[] = "traces_service_graph_unpaired_spans_total";
constexpr char kDroppedTotal[] = "traces_service_graph_dropped_spans_total";

bool IsError(const otlp_trace::Span& span) {
  return span.status().code() == otlp_trace::Status::STATUS_CODE_ERROR;
}

}  // namespace

std::string_view ConnectionTypeLabel(ConnectionType t) {
  switch (t) {
    case ConnectionType::kUnset:
      return "";
    case ConnectionType::kVirtualNode:
      return "virtual_node";
    case ConnectionType::kMessagingSystem:
      return "messaging_system";
    case ConnectionType::kDatabase:
      return "database";
  }
  return "";
}

ServiceGraph::ServiceGraph(const ServiceGraphOptions& options, MetricRegistry* registry)
    : options_(options) {
  std::vector<std::string> labels = {"client", "server", "connection_type"};
  if (options_.enable_virtual_node_label) labels.push_back("virtual_node");
  request_total_ =
      registry->NewCounter(kRequestTotal, labels, "Total count of requests between two nodes");
  request_failed_total_ = registry->NewCounter(kRequestFailedTotal, labels,
                                               "Total count of failed requests between two nodes");
  server_seconds_ =
      registry->NewHistogram(kServerSeconds, labels, options_.histogram_buckets,
                             "Time for a request between two nodes as seen from the server");
  client_seconds_ =
      registry->NewHistogram(kClientSeconds, labels, options_.histogram_buckets,
                             "Time for a request between two nodes as seen from the client");
  const std::vector<std::string> side_labels = {"client", "server", "connection_type"};
  unpaired_total_ =
      registry->NewCounter(kUnpairedTotal, side_labels, "Total count of unpaired spans");
  dropped_total_ = registry->NewCounter(kDroppedTotal, side_labels, "Total count of dropped spans");
}

ServiceGraph::EdgeKey ServiceGraph::MakeKey(std::string_view trace_id, std::string_view span_id) {
  EdgeKey k;
  std::copy_n(trace_id.data(), std::min(trace_id.size(), k.trace_id.size()), k.trace_id.data());
  std::copy_n(span_id.data(), std::min(span_id.size(), k.span_id.size()), k.span_id.data());
  return k;
}

void ServiceGraph::SetTraceId(Edge* e, std::string_view trace_id) {
  e->trace_id_len = static_cast<uint8_t>(std::min(trace_id.size(), e->trace_id.size()));
  std::copy_n(trace_id.data(), e->trace_id_len, e->trace_id.data());
}

void ServiceGraph::Consume(const otlp_trace::ResourceSpans& rs, int64_t now_ms) {
  Expire(now_ms);
  const KeyValues& resource = rs.resource().attributes();
  const std::string_view service = ServiceName(resource, &name_scratch_);
  if (service.empty()) return;
  for (const auto& ss : rs.scope_spans()) {
    for (const auto& span : ss.spans()) {
      switch (span.kind()) {
        case otlp_trace::Span::SPAN_KIND_PRODUCER:
          ConsumeClient(resource, span, service, ConnectionType::kMessagingSystem, now_ms);
          break;
        case otlp_trace::Span::SPAN_KIND_CLIENT:
          ConsumeClient(resource, span, service, ConnectionType::kUnset, now_ms);
          break;
        case otlp_trace::Span::SPAN_KIND_CONSUMER:
          ConsumeServer(span, service, ConnectionType::kMessagingSystem, now_ms);
          break;
        case otlp_trace::Span::SPAN_KIND_SERVER:
          ConsumeServer(span, service, ConnectionType::kUnset, now_ms);
          break;
        default:
          break;  // not part of an edge
      }
    }
  }
}

ServiceGraph::Edge* ServiceGraph::Upsert(const EdgeKey& key, bool* is_new) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    *is_new = false;
    return &*it->second;
  }
  *is_new = true;
  Edge& e = scratch_edge_;
  e.key = key;
  e.root = false;
  e.client.clear();
  e.server.clear();
  e.peer_node.clear();
  e.type = ConnectionType::kUnset;
  e.client_seconds = e.server_seconds = 0;
  e.failed = false;
  e.trace_id_len = 0;
  e.expires_ms = 0;
  return &e;
}

void ServiceGraph::ConsumeClient(const KeyValues& resource, const otlp_trace::Span& span,
                                 std::string_view service, ConnectionType type, int64_t now_ms) {
  bool is_new = false;
  Edge* e = Upsert(MakeKey(span.trace_id(), span.span_id()), &is_new);
  SetTraceId(e, span.trace_id());
  e->type = type;
  e->client.assign(service);
  e->client_seconds = SpanDurationSeconds(span);
  e->failed = e->failed || IsError(span);
  const KeyValues& attrs = span.attributes();
  for (const std::string& key : options_.peer_attributes) {
    if (const otlp_common::AnyValue* v = FindAttribute(attrs, key)) {
      e->peer_node.assign(AttributeString(*v, &attr_scratch_));
      break;
    }
  }
  // A database call: the server side is the database, named from the client span.
  std::string_view db_name;
  bool is_database = false;
  for (const std::string& key : options_.database_name_attributes) {
    if (FindAttributeValue(key, resource, attrs, &attr_scratch_, &db_name)) {
      is_database = true;
      break;
    }
  }
  if (is_database) {
    e->type = ConnectionType::kDatabase;
    e->server_seconds = e->client_seconds;
    std::string_view name;
    if (FindAttributeValue("peer.service", resource, attrs, &attr_scratch2_, &name) ||
        FindAttributeValue("server.address", resource, attrs, &attr_scratch2_, &name)) {
      e->server.assign(name);
    } else if (FindAttributeValue("network.peer.address", resource, attrs, &attr_scratch2_,
                                  &name)) {
      e->server.assign(name);
      std::string_view port;
      std::string port_scratch;
      if (FindAttributeValue("network.peer.port", resource, attrs, &port_scratch, &port)) {
        e->server.push_back(':');
        e->server.append(port);
      }
    } else if (!db_name.empty()) {
      e->server.assign(db_name);
    }
  }
  Settle(e, is_new, now_ms);
}

void ServiceGraph::ConsumeServer(const otlp_trace::Span& span, std::string_view service,
                                 ConnectionType type, int64_t now_ms) {
  bool is_new = false;
  const bool root = span.parent_span_id().empty() || IsZeroId(span.parent_span_id());
  Edge* e =
      Upsert(MakeKey(span.trace_id(), root ? std::string_view() : span.parent_span_id()), &is_new);
  if (is_new) e->root = root;
  SetTraceId(e, span.trace_id());
  e->type = type;
  e->server.assign(service);
  e->server_seconds = SpanDurationSeconds(span);
  e->failed = e->failed || IsError(span);
  if (root) {
    // Only read when this edge expires without a client: it names the uninstrumented caller.
    for (const std::string& key : options_.peer_attributes) {
      if (const otlp_common::AnyValue* v = FindAttribute(span.attributes(), key)) {
        e->peer_node.assign(AttributeString(*v, &attr_scratch_));
        break;
      }
    }
  }
  Settle(e, is_new, now_ms);
}

void ServiceGraph::Settle(Edge* e, bool is_new, int64_t now_ms) {
  const bool complete = !e->client.empty() && !e->server.empty();
  if (complete) {
    Complete(*e, "", now_ms);
    if (!is_new) {
      auto it = index_.find(e->key);
      edges_.erase(it->second);
      index_.erase(it);
    }
    return;
  }
  if (!is_new) return;  // still waiting for the other half
  if (index_.size() >= options_.max_items) {
    ++counts_.spans_dropped;
    CountSide(dropped_total_, *e, e->type, now_ms);
    return;
  }
  e->expires_ms = now_ms + options_.wait_ms;
  edges_.push_back(std::move(*e));
  index_.emplace(edges_.back().key, std::prev(edges_.end()));
}

void ServiceGraph::Complete(const Edge& e, std::string_view virtual_node, int64_t now_ms) {
  ++counts_.edges_completed;
  if (options_.enable_virtual_node_label) {
    key_.Set({e.client, e.server, ConnectionTypeLabel(e.type), virtual_node});
  } else {
    key_.Set({e.client, e.server, ConnectionTypeLabel(e.type)});
  }
  request_total_->Inc(key_, 1, now_ms);
  if (e.failed) request_failed_total_->Inc(key_, 1, now_ms);
  const std::string_view trace_id(e.trace_id.data(), e.trace_id_len);
  server_seconds_->Observe(key_, e.server_seconds, trace_id, now_ms);
  client_seconds_->Observe(key_, e.client_seconds, trace_id, now_ms);
}

void ServiceGraph::CountSide(MetricRegistry::Counter* counter, const Edge& e, ConnectionType type,
                             int64_t now_ms) {
  key_.Set({e.client, e.server, ConnectionTypeLabel(type)});
  counter->Inc(key_, 1, now_ms);
}

void ServiceGraph::OnExpire(Edge& e, int64_t now_ms) {
  const ConnectionType seen_type = e.type;
  if (e.client.empty() && e.root) {
    // A request from outside (a browser, curl, an uninstrumented service).
    e.client = e.peer_node.empty() ? "user" : e.peer_node;
    e.type = ConnectionType::kVirtualNode;
    ++counts_.edges_virtual;
    Complete(e, "client", now_ms);
    return;
  }
  if (!e.client.empty() && e.server.empty() && !e.peer_node.empty()) {
    // A call to a service that sends no spans, named by the client's peer attribute.
    e.server = e.peer_node;
    e.type = ConnectionType::kVirtualNode;
    ++counts_.edges_virtual;
    Complete(e, "server", now_ms);
    return;
  }
  ++counts_.spans_unpaired;
  CountSide(unpaired_total_, e, seen_type, now_ms);
}

void ServiceGraph::Expire(int64_t now_ms) {
  while (!edges_.empty() && edges_.front().expires_ms <= now_ms) {
    Edge& e = edges_.front();
    index_.erase(e.key);
    OnExpire(e, now_ms);
    edges_.pop_front();
  }
}

}  // namespace loupe::ingest::derive
