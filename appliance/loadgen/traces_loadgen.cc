#include "appliance/loadgen/traces_loadgen.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "appliance/http/client.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "storage/base/clock.h"
#include "storage/base/compression.h"
#include "tempopb/tempo.pb.h"

namespace loupe::appliance::loadgen {
namespace {

namespace coltrace = ::opentelemetry::proto::collector::trace::v1;
namespace trace = ::opentelemetry::proto::trace::v1;
namespace common = ::opentelemetry::proto::common::v1;
using Clock = std::chrono::steady_clock;

constexpr const char* kServices[] = {"frontend", "checkout", "payments", "inventory",
                                     "shipping", "users",    "search",   "recommendation",
                                     "ads",      "email",    "currency", "cart"};
constexpr int kNumServiceNames = sizeof(kServices) / sizeof(kServices[0]);
constexpr const char* kRoutes[] = {"/api/products", "/api/products/{id}",  "/api/cart",
                                   "/api/checkout", "/api/orders/{id}",    "/api/users/{id}",
                                   "/api/search",   "/api/recommendations"};
constexpr const char* kMethods[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
constexpr const char* kDbSystems[] = {"postgresql", "redis", "mysql", "mongodb"};
constexpr const char* kDbOps[] = {"SELECT", "INSERT", "UPDATE", "GET", "SET"};
constexpr int kMaxDepth = 6;
constexpr int kMaxConsecutiveFailures = 20;

void Attr(google::protobuf::RepeatedPtrField<common::KeyValue>* kvs, const char* key,
          std::string_view v) {
  auto* kv = kvs->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(std::string(v));
}
void Attr(google::protobuf::RepeatedPtrField<common::KeyValue>* kvs, const char* key, int64_t v) {
  auto* kv = kvs->Add();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(v);
}

// One prebuilt request: the bytes, where each trace id's last 8 bytes sit, and spans per trace.
struct Template {
  std::string bytes;
  std::vector<std::vector<uint32_t>> id_offsets;  // per trace: offsets of bytes 8..15 of its id
  std::vector<uint32_t> trace_spans;
  uint64_t spans = 0;
};

class TraceBuilder {
 public:
  TraceBuilder(const TracesLoadgenOptions& o, uint64_t seed, std::string nonce)
      : o_(o),
        rng_(seed),
        nonce_(std::move(nonce)),
        services_(std::clamp(o.services, 1, kNumServiceNames)) {}

  Template Build(int64_t now_ns) {
    coltrace::ExportTraceServiceRequest req;
    std::map<int, trace::ResourceSpans*> by_service;
    Template t;
    std::vector<std::string> placeholders;
    while (t.spans < static_cast<uint64_t>(std::max(1, o_.batch_spans)) &&
           placeholders.size() < 65535) {
      const uint16_t index = static_cast<uint16_t>(placeholders.size());
      std::string id = nonce_;
      id.push_back(static_cast<char>(index >> 8));
      id.push_back(static_cast<char>(index & 0xff));
      const std::string placeholder = RandomBytes(8);
      id += placeholder;
      placeholders.push_back(id);
      const uint32_t n = AddTrace(id, now_ns, &req, &by_service);
      t.trace_spans.push_back(n);
      t.spans += n;
    }
    t.bytes = req.SerializeAsString();
    // Every trace id starts with the run's nonce and its 2-byte index: find each occurrence.
    t.id_offsets.resize(placeholders.size());
    const std::string_view buf(t.bytes);
    size_t pos = 0;
    while ((pos = buf.find(nonce_, pos)) != std::string_view::npos) {
      if (pos + 16 <= buf.size()) {
        const uint16_t index = static_cast<uint16_t>((static_cast<uint8_t>(buf[pos + 6]) << 8) |
                                                     static_cast<uint8_t>(buf[pos + 7]));
        if (index < placeholders.size() && buf.substr(pos, 16) == placeholders[index]) {
          t.id_offsets[index].push_back(static_cast<uint32_t>(pos + 8));
          pos += 16;
          continue;
        }
      }
      ++pos;
    }
    return t;
  }

 private:
  struct Node {
    uint64_t span_id;
    int service;
    int depth;
    int64_t start, end;
    bool can_parent;
  };

  std::string RandomBytes(int n) {
    std::string s(static_cast<size_t>(n), '\0');
    for (auto& c : s) c = static_cast<char>(rng_() & 0xff);
    if (s.find_first_not_of('\0') == std::string::npos) s[0] = 1;
    return s;
  }
  uint64_t NewSpanId() {
    uint64_t v = rng_();
    return v ? v : 1;
  }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  double Unit() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

  trace::Span* NewSpan(int service, const std::string& trace_id,
                       std::map<int, trace::ResourceSpans*>* by_service,
                       coltrace::ExportTraceServiceRequest* req) {
    auto& rs = (*by_service)[service];
    if (!rs) {
      rs = req->add_resource_spans();
      auto* attrs = rs->mutable_resource()->mutable_attributes();
      Attr(attrs, "service.name", kServices[service]);
      Attr(attrs, "service.namespace", "shop");
      Attr(attrs, "service.version", "1." + std::to_string(service % 4) + ".0");
      Attr(attrs, "service.instance.id",
           std::string(kServices[service]) + "-" + std::to_string(service % 3));
      Attr(attrs, "host.name", "node-" + std::to_string(service % 5));
      Attr(attrs, "deployment.environment", "loadgen");
      Attr(attrs, "telemetry.sdk.language", service % 2 ? "go" : "java");
      auto* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name("loupe-loadgen");
      ss->mutable_scope()->set_version("1.0.0");
    }
    auto* s = rs->mutable_scope_spans(0)->add_spans();
    s->set_trace_id(trace_id);
    return s;
  }

  static std::string IdBytes(uint64_t id) {
    std::string b(8, '\0');
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(id >> (56 - 8 * i));
    return b;
  }

  // Appends one trace; returns its span count.
  uint32_t AddTrace(const std::string& trace_id, int64_t now_ns,
                    coltrace::ExportTraceServiceRequest* req,
                    std::map<int, trace::ResourceSpans*>* by_service) {
    const int n = Uniform(3, 20);
    const bool error = Unit() < o_.error_ratio;
    std::vector<Node> nodes;
    const int64_t root_dur = static_cast<int64_t>(2e6 + Unit() * Unit() * 800e6);  // 2 ms .. 800 ms
    const int64_t root_start = now_ns - root_dur - static_cast<int64_t>(Unit() * 1e9);
    const char* route = kRoutes[Uniform(0, 7)];
    const char* method = kMethods[Uniform(0, 5)];
    {
      auto* s = NewSpan(0, trace_id, by_service, req);
      const uint64_t id = NewSpanId();
      s->set_span_id(IdBytes(id));
      s->set_name(std::string(method) + " " + route);
      s->set_kind(trace::Span::SPAN_KIND_SERVER);
      s->set_start_time_unix_nano(static_cast<uint64_t>(root_start));
      s->set_end_time_unix_nano(static_cast<uint64_t>(root_start + root_dur));
      Attr(s->mutable_attributes(), "http.request.method", method);
      Attr(s->mutable_attributes(), "http.route", route);
      Attr(s->mutable_attributes(), "url.scheme", "https");
      Attr(s->mutable_attributes(), "http.response.status_code",
           error ? 500 : (Unit() < 0.05 ? 404 : 200));
      if (error) {
        s->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
        s->mutable_status()->set_message("upstream request failed");
      } else {
        s->mutable_status()->set_code(trace::Status::STATUS_CODE_UNSET);
      }
      nodes.push_back({id, 0, 1, root_start, root_start + root_dur, true});
    }
    while (static_cast<int>(nodes.size()) < n) {
      // Parent: a recent span that may have children (servers and internals), not too deep.
      int pi = static_cast<int>(nodes.size()) - 1;
      for (int tries = 0; tries < 8; ++tries) {
        pi = Uniform(std::max(0, static_cast<int>(nodes.size()) - 6),
                     static_cast<int>(nodes.size()) - 1);
        if (nodes[pi].can_parent && nodes[pi].depth < kMaxDepth) break;
      }
      if (!nodes[pi].can_parent || nodes[pi].depth >= kMaxDepth) pi = 0;
      const Node parent = nodes[pi];
      const int64_t span = std::max<int64_t>(parent.end - parent.start, 1000);
      const int64_t start =
          parent.start + static_cast<int64_t>(Unit() * 0.3 * static_cast<double>(span));
      const int64_t dur = std::max<int64_t>(
          1000, static_cast<int64_t>(Unit() * 0.6 * static_cast<double>(parent.end - start)));
      const double roll = Unit();
      const bool last_error = error && static_cast<int>(nodes.size()) + 2 >= n;
      if (roll < 0.45 && static_cast<int>(nodes.size()) + 2 <= n && services_ > 1) {
        // A call into another service: CLIENT here, SERVER there.
        int callee = Uniform(1, services_ - 1);
        if (callee == parent.service) callee = (callee % (services_ - 1)) + 1;
        const char* r = kRoutes[Uniform(0, 7)];
        auto* c = NewSpan(parent.service, trace_id, by_service, req);
        const uint64_t cid = NewSpanId();
        c->set_span_id(IdBytes(cid));
        c->set_parent_span_id(IdBytes(parent.span_id));
        c->set_name(std::string("POST ") + r);
        c->set_kind(trace::Span::SPAN_KIND_CLIENT);
        c->set_start_time_unix_nano(static_cast<uint64_t>(start));
        c->set_end_time_unix_nano(static_cast<uint64_t>(start + dur));
        Attr(c->mutable_attributes(), "http.request.method", "POST");
        Attr(c->mutable_attributes(), "server.address", kServices[callee]);
        Attr(c->mutable_attributes(), "server.port", int64_t{8080});
        Attr(c->mutable_attributes(), "http.response.status_code", last_error ? 500 : 200);
        nodes.push_back({cid, parent.service, parent.depth + 1, start, start + dur, false});
        auto* sv = NewSpan(callee, trace_id, by_service, req);
        const uint64_t sid = NewSpanId();
        const int64_t s_start = start + dur / 20, s_end = start + dur - dur / 20;
        sv->set_span_id(IdBytes(sid));
        sv->set_parent_span_id(IdBytes(cid));
        sv->set_name(std::string("POST ") + r);
        sv->set_kind(trace::Span::SPAN_KIND_SERVER);
        sv->set_start_time_unix_nano(static_cast<uint64_t>(s_start));
        sv->set_end_time_unix_nano(static_cast<uint64_t>(s_end));
        Attr(sv->mutable_attributes(), "http.request.method", "POST");
        Attr(sv->mutable_attributes(), "http.route", r);
        Attr(sv->mutable_attributes(), "http.response.status_code", last_error ? 500 : 200);
        if (last_error) {
          c->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
          sv->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
          sv->mutable_status()->set_message("internal error");
        }
        nodes.push_back({sid, callee, parent.depth + 2, s_start, s_end, true});
      } else if (roll < 0.75) {
        // A database call.
        const char* db = kDbSystems[Uniform(0, 3)];
        const char* op = kDbOps[Uniform(0, 4)];
        auto* d = NewSpan(parent.service, trace_id, by_service, req);
        const uint64_t id = NewSpanId();
        d->set_span_id(IdBytes(id));
        d->set_parent_span_id(IdBytes(parent.span_id));
        d->set_name(std::string(op) + " " + kServices[parent.service]);
        d->set_kind(trace::Span::SPAN_KIND_CLIENT);
        d->set_start_time_unix_nano(static_cast<uint64_t>(start));
        d->set_end_time_unix_nano(static_cast<uint64_t>(start + dur));
        Attr(d->mutable_attributes(), "db.system", db);
        Attr(d->mutable_attributes(), "db.name", kServices[parent.service]);
        Attr(d->mutable_attributes(), "db.statement",
             std::string(op) + " * FROM " + kServices[parent.service] + " WHERE id = ?");
        if (last_error) d->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
        nodes.push_back({id, parent.service, parent.depth + 1, start, start + dur, false});
      } else {
        auto* in = NewSpan(parent.service, trace_id, by_service, req);
        const uint64_t id = NewSpanId();
        in->set_span_id(IdBytes(id));
        in->set_parent_span_id(IdBytes(parent.span_id));
        in->set_name(Unit() < 0.5 ? "render" : "validate");
        in->set_kind(trace::Span::SPAN_KIND_INTERNAL);
        in->set_start_time_unix_nano(static_cast<uint64_t>(start));
        in->set_end_time_unix_nano(static_cast<uint64_t>(start + dur));
        Attr(in->mutable_attributes(), "code.function", "handle");
        nodes.push_back({id, parent.service, parent.depth + 1, start, start + dur, true});
      }
    }
    return static_cast<uint32_t>(nodes.size());
  }

  const TracesLoadgenOptions& o_;
  std::mt19937_64 rng_;
  std::string nonce_;
  int services_;
};

void PutSeq(char* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>(v >> (56 - 8 * i));
}

struct Target {
  std::string hostport;
  std::string path = "/v1/traces";
};

Result<Target> ParseTarget(const TracesLoadgenOptions& o) {
  Target t;
  std::string_view u = o.target;
  if (u.substr(0, 7) == "http://") {
    u.remove_prefix(7);
    const auto slash = u.find('/');
    t.hostport = std::string(u.substr(0, slash));
    if (slash != std::string_view::npos) t.path = std::string(u.substr(slash));
  } else if (u.find("://") != std::string_view::npos) {
    return Status::InvalidArgument("target must be host:port or an http:// URL, got " + o.target);
  } else {
    t.hostport = std::string(u);
  }
  if (t.hostport.find(':') == std::string::npos)
    t.hostport += o.protocol == "grpc" ? ":4317" : ":4318";
  return t;
}

struct Sample {
  std::string trace_id;
  uint32_t spans;
};

// Sends one serialized request; returns (ok, rejected spans, error). When spans were rejected,
// `error` gets the receiver's partial_success message.
class Sender {
 public:
  virtual ~Sender() = default;
  virtual bool Send(const std::string& body, uint64_t* rejected, std::string* error) = 0;
};

class GrpcSender final : public Sender {
 public:
  GrpcSender(std::shared_ptr<grpc::Channel> ch, const TracesLoadgenOptions& o)
      : stub_(std::move(ch)), o_(o) {}
  bool Send(const std::string& body, uint64_t* rejected, std::string* error) override {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!o_.tenant.empty()) ctx.AddMetadata("x-scope-orgid", o_.tenant);
    if (o_.gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    grpc::Slice slice(body.data(), body.size());
    grpc::ByteBuffer request(&slice, 1), response;
    std::promise<grpc::Status> done;
    stub_.UnaryCall(&ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                    grpc::StubOptions(), &request, &response,
                    [&done](grpc::Status s) { done.set_value(std::move(s)); });
    const grpc::Status st = done.get_future().get();
    if (!st.ok()) {
      *error = "gRPC " + std::to_string(st.error_code()) + ": " + st.error_message();
      return false;
    }
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (response.Dump(&slices).ok()) {
      for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    coltrace::ExportTraceServiceResponse resp;
    if (resp.ParseFromString(bytes)) {
      *rejected = static_cast<uint64_t>(resp.partial_success().rejected_spans());
      if (*rejected > 0) *error = resp.partial_success().error_message();
    }
    return true;
  }

 private:
  grpc::GenericStub stub_;
  const TracesLoadgenOptions& o_;
};

class HttpSender final : public Sender {
 public:
  HttpSender(const Target& t, const TracesLoadgenOptions& o)
      : client_(t.hostport), path_(t.path), o_(o) {
    headers_ = {{"Content-Type", "application/x-protobuf"}};
    if (!o.tenant.empty()) headers_.emplace_back("X-Scope-OrgID", o.tenant);
    if (o.gzip) headers_.emplace_back("Content-Encoding", "gzip");
  }
  bool Send(const std::string& body, uint64_t* rejected, std::string* error) override {
    const std::string* payload = &body;
    if (o_.gzip) {
      packed_.clear();
      (void)Compress(Codec::kGzip, body, &packed_);
      payload = &packed_;
    }
    auto r = client_.Request("POST", path_, headers_, *payload);
    if (r.status != 200) {
      *error = "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300);
      return false;
    }
    coltrace::ExportTraceServiceResponse resp;
    if (resp.ParseFromString(r.body)) {
      *rejected = static_cast<uint64_t>(resp.partial_success().rejected_spans());
      if (*rejected > 0) *error = resp.partial_success().error_message();
    }
    return true;
  }

 private:
  http::HttpClient client_;
  std::string path_;
  const TracesLoadgenOptions& o_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string packed_;
};

}  // namespace

Result<TracesLoadgenReport> RunTracesLoadgen(const TracesLoadgenOptions& o) {
  if (o.batch_spans <= 0 || o.concurrency <= 0 || o.concurrency > 255 || o.templates <= 0 ||
      o.services <= 0) {
    return Status::InvalidArgument(
        "batch, concurrency (1..255), templates and services must be positive");
  }
  if (o.protocol != "grpc" && o.protocol != "http") {
    return Status::InvalidArgument("protocol must be grpc or http, got " + o.protocol);
  }
  if (o.duration_s <= 0 && o.max_spans == 0)
    return Status::InvalidArgument("give a positive duration or max spans");
  LOUPE_ASSIGN_OR_RETURN(const Target target, ParseTarget(o));

  const uint64_t seed =
      o.seed ? o.seed : static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  std::mt19937_64 nonce_rng(seed);
  std::string nonce(6, '\0');
  for (auto& c : nonce) c = static_cast<char>(nonce_rng() & 0xff);
  nonce[0] = static_cast<char>(nonce[0] | 0x01);  // never all zero

  // Build every connection's templates up front, in parallel.
  const int64_t now_ns = loupe::Clock::Real().NowNanos();
  std::vector<std::vector<Template>> templates(static_cast<size_t>(o.concurrency));
  {
    std::vector<std::thread> builders;
    for (int w = 0; w < o.concurrency; ++w) {
      builders.emplace_back([&, w] {
        TraceBuilder b(o, seed * 7919 + static_cast<uint64_t>(w) + 1, nonce);
        for (int i = 0; i < o.templates; ++i) templates[w].push_back(b.Build(now_ns));
      });
    }
    for (auto& t : builders) t.join();
  }

  const bool use_grpc = o.protocol == "grpc";
  const uint64_t verify_every = static_cast<uint64_t>(std::max(1, o.verify_every));
  TracesLoadgenReport report;
  std::atomic<uint64_t> spans{0}, rejected{0}, traces{0}, requests{0}, failed{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<Sample> samples;
  const auto start = Clock::now();
  const auto deadline = o.duration_s > 0 ? start + std::chrono::duration_cast<Clock::duration>(
                                                       std::chrono::duration<double>(o.duration_s))
                                         : Clock::time_point::max();
  std::vector<std::thread> threads;
  for (int w = 0; w < o.concurrency; ++w) {
    threads.emplace_back([&, w] {
      std::unique_ptr<Sender> sender;
      if (use_grpc) {
        // One channel per connection with its own subchannel pool: separate HTTP/2 connections.
        grpc::ChannelArguments args;
        args.SetMaxSendMessageSize(-1);
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        sender = std::make_unique<GrpcSender>(
            grpc::CreateCustomChannel(target.hostport, grpc::InsecureChannelCredentials(), args),
            o);
      } else {
        sender = std::make_unique<HttpSender>(target, o);
      }
      const double per_thread_rate = o.rate > 0 ? o.rate / o.concurrency : 0;
      auto next = Clock::now();
      std::string scratch;
      int consecutive_failures = 0;
      for (uint64_t seq = 1; !stop.load(std::memory_order_relaxed); ++seq) {
        if (Clock::now() >= deadline) break;
        const Template& t = templates[w][(seq - 1) % templates[w].size()];
        if (o.max_spans > 0 && spans.load() >= o.max_spans) break;
        scratch = t.bytes;
        const uint64_t id_part = (static_cast<uint64_t>(w) << 48) | seq;
        for (const auto& offs : t.id_offsets) {
          for (uint32_t off : offs) PutSeq(scratch.data() + off, id_part);
        }
        uint64_t rej = 0;
        std::string err;
        const bool ok = sender->Send(scratch, &rej, &err);
        requests++;
        if (!ok) {
          failed++;
          std::lock_guard lock(mu);
          if (report.first_error.empty()) report.first_error = err;
          // A receiver that refuses everything (down, wrong port) ends the run early.
          if (++consecutive_failures >= kMaxConsecutiveFailures) break;
        } else {
          consecutive_failures = 0;
          spans += t.spans;
          traces += t.trace_spans.size();
          rejected += rej;
          if (rej > 0) {
            std::lock_guard lock(mu);
            if (report.first_rejection.empty()) report.first_rejection = err;
          }
          if (!o.verify_addr.empty() && rej == 0 && (seq - 1) % verify_every == 0 &&
              !t.id_offsets[0].empty()) {
            std::string id = scratch.substr(t.id_offsets[0][0] - 8, 16);
            std::lock_guard lock(mu);
            samples.push_back({std::move(id), t.trace_spans[0]});
          }
        }
        if (per_thread_rate > 0) {
          next += std::chrono::duration_cast<Clock::duration>(
              std::chrono::duration<double>(t.spans / per_thread_rate));
          std::this_thread::sleep_until(next);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.spans = spans;
  report.spans_rejected = rejected;
  report.traces = traces;
  report.requests = requests;
  report.failed_requests = failed;

  if (!o.verify_addr.empty()) {
    http::HttpClient client(o.verify_addr);
    std::vector<std::pair<std::string, std::string>> headers = {{"Accept", "application/protobuf"}};
    if (!o.tenant.empty()) headers.emplace_back("X-Scope-OrgID", o.tenant);
    static const char kHex[] = "0123456789abcdef";
    for (const auto& s : samples) {
      std::string hex;
      for (unsigned char c : s.trace_id) {
        hex.push_back(kHex[c >> 4]);
        hex.push_back(kHex[c & 15]);
      }
      auto r = client.Request("GET", "/api/v2/traces/" + hex, headers);
      report.verified++;
      if (r.status != 200) {
        report.verify_missing++;
        continue;
      }
      tempopb::TraceByIDResponse resp;
      uint64_t n = 0;
      if (resp.ParseFromString(r.body)) {
        for (const auto& rs : resp.trace().resourcespans()) {
          for (const auto& ss : rs.scope_spans()) n += static_cast<uint64_t>(ss.spans_size());
        }
      }
      if (n < s.spans) report.verify_short++;
    }
  }
  return report;
}

}  // namespace loupe::appliance::loadgen
