// WebSocket connections for streaming endpoints (Loki's /loki/api/v1/tail). A route marked
// with a WebSocketHandler answers an HTTP upgrade: the server performs the handshake, then
// hands the connection to the handler, which sends text frames from any thread until either
// side closes. Frames the client sends are read and dropped (a tail client only listens), so
// close frames and disconnects are noticed.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "appliance/http/request.h"

namespace loupe::appliance::http {

class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  // Queues a text frame; frames go out in order. False once the connection is closed.
  virtual bool Send(std::string text) = 0;
  // Sends a close frame (normal closure, or policy violation with `reason`) and closes.
  virtual void Close(std::string reason = "") = 0;
  virtual bool open() const = 0;
  // Frames queued but not yet written (handlers use it to slow down or drop).
  virtual size_t pending() const = 0;
};

// Called once the handshake completed. The handler keeps the connection (shared_ptr) as long as
// it streams; it runs on the worker pool and may block.
using WebSocketHandler = std::function<void(const Request&, std::shared_ptr<WebSocketConnection>)>;

}  // namespace loupe::appliance::http
