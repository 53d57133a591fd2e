// Status: the outcome of an operation that can fail, as a value.
//
// A Status is either OK (cheap: no allocation) or an error code from a small fixed set plus a
// human-readable message. The message is meant for the end user: API layers put it verbatim in
// error bodies, so it should read like the real system's error text where one exists.
// Mapping codes to HTTP and gRPC status codes happens in exactly one place
// (appliance/api/errors.h); storage and query code never think in HTTP terms.
//
// Thread-safety: a Status is a value type; distinct objects may be used from distinct threads.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace loupe {

enum class StatusCode : unsigned char {
  kOk = 0,
  kInvalidArgument,    // malformed input; retrying the same request can never succeed
  kNotFound,           // the named thing does not exist
  kAlreadyExists,      // create of something that exists
  kFailedPrecondition, // the system is not in a state where this can run (e.g. dir locked)
  kTooLarge,           // a size limit was exceeded (request body, decoded payload, response)
  kResourceExhausted,  // a rate or count limit was exceeded; retry later
  kUnsupported,        // an unsupported media type, encoding or protocol version
  kUnauthenticated,    // missing or wrong credentials
  kUnavailable,        // transient: shutting down, not ready; retry
  kDeadlineExceeded,   // the operation ran past its deadline
  kCancelled,          // the caller went away
  kCorruption,         // stored data failed a check
  kIOError,            // the OS or a storage engine reported a failure
  kUnimplemented,      // a valid request for something loupe does not do (yet)
  kInternal,           // a broken invariant: a bug
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK
  Status(StatusCode code, std::string message);

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) { return {StatusCode::kFailedPrecondition, std::move(msg)}; }
  static Status TooLarge(std::string msg) { return {StatusCode::kTooLarge, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) { return {StatusCode::kResourceExhausted, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {StatusCode::kUnsupported, std::move(msg)}; }
  static Status Unauthenticated(std::string msg) { return {StatusCode::kUnauthenticated, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status DeadlineExceeded(std::string msg) { return {StatusCode::kDeadlineExceeded, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Unimplemented(std::string msg) { return {StatusCode::kUnimplemented, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const noexcept { return rep_ == nullptr; }
  StatusCode code() const noexcept { return rep_ ? rep_->code : StatusCode::kOk; }
  // Empty for OK.
  const std::string& message() const noexcept;

  // "InvalidArgument: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>"; OK stays OK.
  Status WithContext(std::string_view prefix) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<Rep> rep_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

}  // namespace loupe

// Evaluates an expression yielding a Status; returns it from the current function if not OK.
#define LOUPE_RETURN_IF_ERROR(expr)                    \
  do {                                                 \
    ::loupe::Status loupe_status_tmp_ = (expr);        \
    if (!loupe_status_tmp_.ok()) return loupe_status_tmp_; \
  } while (0)
