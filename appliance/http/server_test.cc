// The Beast server over real sockets: plain requests, WebSocket upgrades, and how stopping
// ends a stream.
#include "appliance/http/server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <thread>

#include "appliance/http/dispatcher.h"
#include "appliance/http/router.h"

namespace loupe::appliance::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    dispatcher_ = std::make_unique<Dispatcher>(router_, DispatcherOptions{});
    server_ = std::make_unique<Server>(io_, workers_, *dispatcher_, options, nullptr);
    auto bound = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    port_ = bound->substr(bound->rfind(':') + 1);
    server_->Start();
    io_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) {
      server_->StopAccepting();
      server_->Drain(std::chrono::steady_clock::now() + 2s);
    }
    work_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
    workers_.join();
  }

  // A connected client WebSocket on `target`.
  std::unique_ptr<websocket::stream<tcp::socket>> Dial(const std::string& target) {
    auto ws = std::make_unique<websocket::stream<tcp::socket>>(client_io_);
    tcp::resolver resolver(client_io_);
    net::connect(ws->next_layer(), resolver.resolve("127.0.0.1", port_));
    ws->handshake("127.0.0.1:" + port_, target);
    return ws;
  }

  Router router_;
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  net::thread_pool workers_{2};
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Server> server_;
  std::thread io_thread_;
  std::string port_;
  net::io_context client_io_;
};

TEST_F(ServerTest, WebSocketRouteStreamsFramesWithQueryParameters) {
  RouteOptions options;
  options.websocket = [](const Request& req, std::shared_ptr<WebSocketConnection> conn) {
    const int n = std::stoi(req.params.GetOr("n", "0"));
    for (int i = 0; i < n; ++i) conn->Send("frame " + std::to_string(i));
    // Wait until everything is written, then close normally.
    while (conn->open() && conn->pending() > 0) std::this_thread::sleep_for(1ms);
  };
  router_.Handle({Method::kGet}, "/tail",
                 [](Request&) { return Response::Text(400, "websocket upgrade required\n"); },
                 options);
  Start();

  auto ws = Dial("/tail?n=3");
  beast::flat_buffer buf;
  for (int i = 0; i < 3; ++i) {
    ws->read(buf);
    EXPECT_TRUE(ws->got_text());
    EXPECT_EQ(beast::buffers_to_string(buf.data()), "frame " + std::to_string(i));
    buf.consume(buf.size());
  }
  beast::error_code ec;
  ws->read(buf, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws->reason().code, websocket::close_code::normal);
}

TEST_F(ServerTest, PlainRequestOnAWebSocketRouteGetsTheOrdinaryHandler) {
  RouteOptions options;
  options.websocket = [](const Request&, std::shared_ptr<WebSocketConnection>) {};
  router_.Handle({Method::kGet}, "/tail",
                 [](Request&) { return Response::Text(400, "websocket upgrade required\n"); },
                 options);
  Start();

  tcp::socket sock(client_io_);
  tcp::resolver resolver(client_io_);
  net::connect(sock, resolver.resolve("127.0.0.1", port_));
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/tail", 11};
  req.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(sock, req);
  beast::flat_buffer buf;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(sock, buf, res);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(res.body(), "websocket upgrade required\n");
}

TEST_F(ServerTest, StoppingClosesStreamsGoingAwayAndDrainWaitsForTheirHandlers) {
  std::atomic<bool> handler_done{false};
  RouteOptions options;
  options.websocket = [&](const Request&, std::shared_ptr<WebSocketConnection> conn) {
    conn->Send("hello");
    while (conn->open()) std::this_thread::sleep_for(1ms);  // a tail loop
    std::this_thread::sleep_for(50ms);  // cleanup Drain must wait for
    handler_done = true;
  };
  router_.Handle({Method::kGet}, "/tail", [](Request&) { return Response::Text(400, ""); },
                 options);
  Start();

  auto ws = Dial("/tail");
  beast::flat_buffer buf;
  ws->read(buf);
  EXPECT_EQ(beast::buffers_to_string(buf.data()), "hello");
  EXPECT_EQ(server_->InFlight(), 1);

  server_->StopAccepting();
  beast::error_code ec;
  ws->read(buf, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws->reason().code, websocket::close_code::going_away);
  EXPECT_TRUE(server_->Drain(std::chrono::steady_clock::now() + 2s));
  EXPECT_TRUE(handler_done);
  EXPECT_EQ(server_->InFlight(), 0);
}

TEST_F(ServerTest, ClientDisconnectEndsTheHandler) {
  std::atomic<bool> handler_done{false};
  RouteOptions options;
  options.websocket = [&](const Request&, std::shared_ptr<WebSocketConnection> conn) {
    while (conn->open()) {
      conn->Send("tick");
      std::this_thread::sleep_for(5ms);
    }
    handler_done = true;
  };
  router_.Handle({Method::kGet}, "/tail", [](Request&) { return Response::Text(400, ""); },
                 options);
  Start();

  {
    auto ws = Dial("/tail");
    beast::flat_buffer buf;
    ws->read(buf);
    ws->close(websocket::close_code::normal);
  }
  for (int i = 0; i < 200 && !handler_done; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(handler_done);
  EXPECT_EQ(server_->InFlight(), 0);
}

// With h2c_handoff set, a connection opening with the HTTP/2 preface is handed over as a raw
// fd with nothing consumed (even when the preface arrives in pieces); HTTP/1.1 connections,
// including methods starting with 'P', are still served.
TEST_F(ServerTest, Http2PrefaceIsHandedOverAndHttp1StillServed) {
  router_.Handle({Method::kGet, Method::kPost}, "/hello", [](Request&) { return Response::Text(200, "hi\n"); });
  std::atomic<int> handed{-1};
  ServerOptions options;
  options.h2c_handoff = [&handed](int fd) { handed = fd; };
  Start(options);

  auto http1 = [&](const std::string& method) {
    tcp::socket s(client_io_);
    tcp::resolver resolver(client_io_);
    net::connect(s, resolver.resolve("127.0.0.1", port_));
    beast::http::request<beast::http::string_body> req{method == "POST" ? beast::http::verb::post : beast::http::verb::get,
                                                       "/hello", 11};
    req.set(beast::http::field::host, "x");
    req.prepare_payload();
    beast::http::write(s, req);
    beast::flat_buffer buf;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(s, buf, res);
    return res.body();
  };
  EXPECT_EQ(http1("GET"), "hi\n");
  EXPECT_EQ(http1("POST"), "hi\n");
  EXPECT_EQ(handed.load(), -1);

  // The preface in two segments: "PR", then the rest.
  tcp::socket s(client_io_);
  tcp::resolver resolver(client_io_);
  net::connect(s, resolver.resolve("127.0.0.1", port_));
  s.set_option(tcp::no_delay(true));
  const std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  net::write(s, net::buffer(preface.substr(0, 2)));
  std::this_thread::sleep_for(20ms);
  net::write(s, net::buffer(preface.substr(2)));
  for (int i = 0; i < 200 && handed.load() < 0; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_GE(handed.load(), 0);
  // Nothing was read from it: the whole preface is still there for the new owner.
  char got[64];
  const ssize_t n = ::recv(handed.load(), got, sizeof(got), 0);
  EXPECT_EQ(std::string(got, n > 0 ? static_cast<size_t>(n) : 0), preface);
  ::close(handed.load());
}

}  // namespace
}  // namespace loupe::appliance::http
