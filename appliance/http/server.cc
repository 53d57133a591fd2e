#include "appliance/http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>
#include <optional>

namespace loupe::appliance::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
constexpr uint32_t kHeaderLimit = 1 << 20;
class Session;
namespace websocket = boost::beast::websocket;

// A WebSocket after the handshake: writes are queued and sent in order on the connection's
// strand; reads drain whatever the client sends so close frames and disconnects are seen.
class WsConnection final : public WebSocketConnection, public std::enable_shared_from_this<WsConnection> {
 public:
  explicit WsConnection(beast::tcp_stream&& stream) : ws_(std::move(stream)) {}

  void Accept(const bhttp::request<bhttp::string_body>& req, std::function<void(bool)> done) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept(req, [self = shared_from_this(), done = std::move(done)](beast::error_code ec) {
      self->accepted_ = true;
      if (ec || self->closing_) {
        if (!ec) self->DoClose();
        else self->open_ = false;
        done(false);
        return;
      }
      done(true);
      self->ReadLoop();
    });
  }

  bool Send(std::string text) override {
    if (!open_) return false;
    ++pending_;
    net::post(ws_.get_executor(), [self = shared_from_this(), t = std::move(text)]() mutable {
      self->queue_.push_back(std::move(t));
      if (!self->writing_) self->WriteNext();
    });
    return true;
  }

  // Beast allows one write at a time and a close counts as one, so a close requested while a
  // frame is being written waits for it (and drops what is still queued).
  void Close(std::string reason) override {
    net::post(ws_.get_executor(), [self = shared_from_this(), reason = std::move(reason)]() mutable {
      if (!self->open_ || self->closing_) return;
      self->closing_ = true;
      self->close_reason_ = std::move(reason);
      if (self->accepted_ && !self->writing_) self->DoClose();
    });
  }

  bool open() const override { return open_; }
  size_t pending() const override { return pending_; }

 private:
  void ReadLoop() {
    ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) {
        self->open_ = false;
        return;
      }
      self->buf_.consume(n);
      self->ReadLoop();
    });
  }
  void WriteNext() {
    if (closing_) {
      writing_ = false;
      pending_ -= queue_.size();
      queue_.clear();
      DoClose();
      return;
    }
    if (queue_.empty() || !open_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, size_t) {
      self->queue_.pop_front();
      --self->pending_;
      if (ec) {
        self->open_ = false;
        self->writing_ = false;
        return;
      }
      self->WriteNext();
    });
  }
  void DoClose() {
    if (!open_) return;
    websocket::close_reason cr(close_reason_.empty() ? websocket::close_code::normal
                                                     : websocket::close_code::going_away);
    cr.reason = close_reason_;
    ws_.async_close(cr, [self = shared_from_this()](beast::error_code) { self->open_ = false; });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buf_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool closing_ = false;
  bool accepted_ = false;
  std::string close_reason_;
  std::atomic<bool> open_{true};
  std::atomic<size_t> pending_{0};
};
}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  net::io_context& io;
  net::thread_pool& workers;
  const Dispatcher& dispatcher;
  ServerOptions options;
  RequestObserver observer;

  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::atomic<bool> stopping{false};

  std::mutex mu;
  std::condition_variable drained;
  int in_flight = 0;
  std::list<std::weak_ptr<Session>> sessions;
  std::list<std::weak_ptr<WsConnection>> sockets;  // open WebSockets, closed on stop

  Impl(net::io_context& io_, net::thread_pool& w, const Dispatcher& d, ServerOptions o, RequestObserver obs)
      : io(io_), workers(w), dispatcher(d), options(o), observer(std::move(obs)) {}

  void Accept(tcp::acceptor& acceptor);
  void Sniff(std::shared_ptr<tcp::socket> socket, int attempt);
  void StartSession(tcp::socket socket);
  void BeginRequest() {
    std::lock_guard lock(mu);
    ++in_flight;
  }
  void EndRequest() {
    std::lock_guard lock(mu);
    if (--in_flight == 0) drained.notify_all();
  }
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Server::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string() + ":" + std::to_string(remote.port());
  }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Called on stop: closes the connection if it is between requests.
  void CloseIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->Close();
    });
  }

 private:
  void ReadHeader() {
    if (server_->stopping) return Close();
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(server_->options.max_body_bytes);
    stream_.expires_after(std::chrono::nanoseconds(server_->options.idle_timeout_ns));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) {
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) {
      if (ec == bhttp::error::header_limit) {
        Begin();
        return WriteEarly(431, "request header fields too large\n");
      }
      if (ec == bhttp::error::body_limit) {  // declared Content-Length above the cap
        Begin();
        return WriteEarly(413, "request body too large\n");
      }
      return Close();  // EOF, timeout, reset or garbage: nothing to answer
    }
    Begin();
    const auto& req = parser_->get();
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      // Reject an oversized declared body before the client sends it.
      if (auto len = parser_->content_length(); len && *len > server_->options.max_body_bytes) {
        return WriteEarly(413, "request body too large\n");
      }
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, req.version());
      bhttp::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, size_t) {
        if (ec) return self->Fail();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(std::chrono::nanoseconds(server_->options.request_timeout_ns));
    bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->OnBody(ec);
    });
  }

  void OnBody(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return WriteEarly(413, "request body too large\n");
    if (ec) {
      spdlog::debug("http: reading request body from {}: {}", remote_, ec.message());
      return Fail();
    }
    auto& raw = parser_->get();
    auto req = std::make_shared<Request>();
    req->method = ParseMethod(std::string_view(raw.method_string().data(), raw.method_string().size()));
    req->target = std::string(raw.target());
    for (const auto& field : raw) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req->headers.emplace_back(std::move(name), std::string(field.value()));
    }
    req->body = std::move(raw.body());
    req->remote = remote_;
    req->deadline = start_ + std::chrono::nanoseconds(server_->options.request_timeout_ns);
    keep_alive_ = raw.keep_alive();
    version_ = raw.version();
    head_ = req->method == Method::kHead;

    auto prepared = server_->dispatcher.Prepare(*req);
    record_.method = req->method;
    record_.wire_body_bytes = req->wire_body_bytes;
    record_.decoded_body_bytes = req->body.size();
    if (prepared.response) {
      server_->dispatcher.Finish(*req, *prepared.response);
      return Write(std::move(*prepared.response));
    }
    const Route* route = prepared.route;
    record_.route = route;
    if (route->options.websocket && websocket::is_upgrade(raw) && !server_->stopping) return Upgrade(route, req);
    if (route->options.inline_handler) return Write(server_->dispatcher.Invoke(*route, *req));
    net::post(server_->workers, [self = shared_from_this(), req, route] {
      Response r = self->server_->dispatcher.Invoke(*route, *req);
      net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->Write(std::move(r)); });
    });
  }

  // Hands the socket to a WebSocket connection; this session ends here. The stream counts as
  // in flight until its handler returns, so Drain waits for it; stopping closes the socket,
  // which is how a handler's loop learns to end. Handlers run on their own thread: a tail
  // lives for minutes and must not hold a worker.
  void Upgrade(const Route* route, std::shared_ptr<Request> req) {
    auto conn = std::make_shared<WsConnection>(std::move(stream_));
    auto server = server_;
    record_.status = 101;
    record_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    auto record = record_;
    busy_ = false;
    {
      std::lock_guard lock(server->mu);
      server->sockets.remove_if([](const std::weak_ptr<WsConnection>& w) { return w.expired(); });
      server->sockets.push_back(conn);
    }
    conn->Accept(parser_->get(), [server, route, req, conn, record](bool ok) {
      if (server->observer) server->observer(record);
      if (!ok) {
        server->EndRequest();
        return;
      }
      std::thread([server, route, req, conn] {
        try {
          route->options.websocket(*req, conn);
        } catch (...) {
        }
        conn->Close("");
        server->EndRequest();
      }).detach();
    });
  }

  void Begin() {
    busy_ = true;
    start_ = std::chrono::steady_clock::now();
    record_ = RequestRecord{};
    server_->BeginRequest();
  }

  void WriteEarly(int status, std::string body) {
    keep_alive_ = false;
    linger_ = true;
    version_ = parser_ ? parser_->get().version() : 11;
    Response r = Response::Text(status, std::move(body));
    r.close = true;
    Write(std::move(r));
  }

  void Write(Response r) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(version_ == 10 ? 10 : 11);
    res->result(static_cast<unsigned>(r.status));
    if (!r.content_type.empty()) res->set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->insert(k, v);
    const bool keep = keep_alive_ && !r.close && !server_->stopping;
    res->keep_alive(keep);
    record_.status = r.status;
    if (head_) {
      res->content_length(r.body.size());
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    stream_.expires_after(std::chrono::nanoseconds(server_->options.request_timeout_ns));
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res, keep](beast::error_code ec, size_t) {
      self->OnWrite(ec, keep);
    });
  }

  void OnWrite(beast::error_code ec, bool keep) {
    if (ec) spdlog::debug("http: writing response to {}: {}", remote_, ec.message());
    record_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (server_->observer) server_->observer(record_);
    busy_ = false;
    server_->EndRequest();
    if (ec) return Close();
    if (!keep) return linger_ ? LingerThenClose() : Close();
    ReadHeader();
  }

  // After an early error (413, 431) the client may still be sending its body; closing at once
  // would reset the connection before it reads our answer. Stop sending, discard what arrives
  // for a short while, then close (what Go's net/http calls a lingering close).
  void LingerThenClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    scratch_.resize(16 << 10);
    Discard(0);
  }
  void Discard(size_t total) {
    stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this(), total](beast::error_code ec, size_t n) {
      constexpr size_t kMaxDiscard = 64 << 20;
      if (ec || total + n > kMaxDiscard) return self->Close();
      self->Discard(total + n);
    });
  }

  void Fail() {
    if (busy_) {
      busy_ = false;
      server_->EndRequest();
    }
    Close();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Server::Impl> server_;
  std::string remote_;
  std::string scratch_;
  bool busy_ = false;
  bool linger_ = false;
  bool keep_alive_ = true;
  bool head_ = false;
  unsigned version_ = 11;
  std::chrono::steady_clock::time_point start_;
  RequestRecord record_;
};

}  // namespace

void Server::Impl::StartSession(tcp::socket socket) {
  auto session = std::make_shared<Session>(std::move(socket), shared_from_this());
  {
    std::lock_guard lock(mu);
    // Drop expired entries as we go so the list does not grow without bound.
    sessions.remove_if([](const std::weak_ptr<Session>& w) { return w.expired(); });
    sessions.push_back(session);
  }
  session->Run();
}

// Peeks at the first bytes of a new connection: the HTTP/2 client preface starts with "PRI",
// which no HTTP/1.x method does. Such a connection (a gRPC client) is handed over; anything
// else becomes an HTTP session. Nothing is consumed from the socket.
void Server::Impl::Sniff(std::shared_ptr<tcp::socket> socket, int attempt) {
  socket->async_wait(tcp::socket::wait_read, [self = shared_from_this(), socket, attempt](beast::error_code ec) {
    if (ec || self->stopping) return;  // closed before sending anything
    char head[3];
    const size_t n = socket->receive(net::buffer(head), tcp::socket::message_peek, ec);
    if (ec || n == 0) return;
    const std::string_view got(head, n);
    const bool maybe_h2 = std::string_view("PRI").substr(0, n) == got;
    if (maybe_h2 && n < 3 && attempt < 50) {
      // A partial first segment ("P", "PR"): look again shortly rather than spin on a socket
      // that stays readable.
      auto timer = std::make_shared<net::steady_timer>(socket->get_executor(), std::chrono::milliseconds(2));
      timer->async_wait([self, socket, timer, attempt](beast::error_code) { self->Sniff(socket, attempt + 1); });
      return;
    }
    if (maybe_h2 && n == 3) {
      const int fd = socket->release(ec);
      if (!ec) self->options.h2c_handoff(fd);
      return;
    }
    self->StartSession(std::move(*socket));
  });
}

void Server::Impl::Accept(tcp::acceptor& acceptor) {
  acceptor.async_accept(net::make_strand(io), [self = shared_from_this(), &acceptor](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      spdlog::warn("accept failed: {}", ec.message());
    } else if (self->options.h2c_handoff) {
      self->Sniff(std::make_shared<tcp::socket>(std::move(socket)), 0);
    } else {
      self->StartSession(std::move(socket));
    }
    if (!self->stopping) self->Accept(acceptor);
  });
}

Server::Server(net::io_context& io, net::thread_pool& workers, const Dispatcher& dispatcher,
               ServerOptions options, RequestObserver observer)
    : impl_(std::make_shared<Impl>(io, workers, dispatcher, options, std::move(observer))) {}

Server::~Server() { StopAccepting(); }

Result<std::string> Server::Listen(const std::string& host, uint16_t port) {
  const std::string shown = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                            std::to_string(port);
  beast::error_code ec;
  tcp::resolver resolver(impl_->io);
  auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return Status::InvalidArgument("listen tcp " + shown + ": cannot resolve host: " + ec.message());
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  // On its own strand, so closing it on stop is serialised with accept completions.
  auto acceptor = std::make_unique<tcp::acceptor>(net::make_strand(impl_->io));
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    const std::string what = ec == net::error::address_in_use ? "address already in use" : ec.message();
    return Status::Unavailable("listen tcp " + shown + ": bind: " + what);
  }
  const auto local = acceptor->local_endpoint(ec);
  std::string bound = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                              : local.address().to_string();
  bound += ":" + std::to_string(local.port());
  impl_->acceptors.push_back(std::move(acceptor));
  return bound;
}

void Server::Start() {
  for (auto& a : impl_->acceptors) impl_->Accept(*a);
}

void Server::StopAccepting() {
  if (impl_->stopping.exchange(true)) return;
  for (auto& a : impl_->acceptors) {
    net::post(a->get_executor(), [acc = a.get()] {
      beast::error_code ec;
      acc->close(ec);
    });
  }
  std::lock_guard lock(impl_->mu);
  for (auto& w : impl_->sessions) {
    if (auto s = w.lock()) s->CloseIfIdle();
  }
  for (auto& w : impl_->sockets) {
    if (auto c = w.lock()) c->Close("server shutting down");
  }
}

bool Server::Drain(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(impl_->mu);
  return impl_->drained.wait_until(lock, deadline, [&] { return impl_->in_flight == 0; });
}

int Server::InFlight() const {
  std::lock_guard lock(impl_->mu);
  return impl_->in_flight;
}

}  // namespace loupe::appliance::http
