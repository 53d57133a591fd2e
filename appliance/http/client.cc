#include "appliance/http/client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace loupe::appliance::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string HttpResponse::Header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

struct HttpClient::Impl {
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::string host, port;
  bool connected = false;
  std::chrono::milliseconds timeout{30000};

  beast::error_code Connect() {
    beast::error_code ec;
    stream.socket().close(ec);
    ec = {};
    tcp::resolver resolver(io);
    auto results = resolver.resolve(host, port, ec);
    if (ec) return ec;
    stream.expires_after(timeout);
    stream.connect(results, ec);
    connected = !ec;
    return ec;
  }
};

HttpClient::HttpClient(const std::string& addr) : impl_(std::make_unique<Impl>()) {
  const auto colon = addr.rfind(':');
  impl_->host = addr.substr(0, colon);
  if (!impl_->host.empty() && impl_->host.front() == '[') impl_->host = impl_->host.substr(1, impl_->host.size() - 2);
  impl_->port = addr.substr(colon + 1);
}

HttpClient::~HttpClient() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

HttpResponse HttpClient::Request(const std::string& method, const std::string& target,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& body, const RequestOptions& options) {
  HttpResponse out;
  beast::error_code ec;
  impl_->timeout = options.timeout;
  if (!impl_->connected && (ec = impl_->Connect())) {
    out.body = "connect: " + ec.message();
    return out;
  }
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, impl_->host);
  req.set(bhttp::field::user_agent, "loupe");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT") req.prepare_payload();
  impl_->stream.expires_after(options.timeout);
  bhttp::write(impl_->stream, req, ec);
  if (ec) {
    impl_->connected = false;
    out.body = "write: " + ec.message();
    return out;
  }
  // Interim 1xx responses (100 Continue) precede the final one: skip them.
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;
  while (true) {
    parser.emplace();
    parser->body_limit(options.max_body_bytes);
    if (method == "HEAD") parser->skip(true);
    bhttp::read(impl_->stream, impl_->buffer, *parser, ec);
    if (ec) {
      impl_->connected = false;
      out.body = "read: " + ec.message();
      return out;
    }
    if (parser->get().result_int() / 100 != 1) break;
  }
  auto res = parser->release();
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  out.body = std::move(res.body());
  if (!res.keep_alive()) impl_->connected = false;
  return out;
}

HttpResponse HttpGet(const std::string& addr, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpClient c(addr);
  return c.Get(target, headers);
}

}  // namespace loupe::appliance::http
