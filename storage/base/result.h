// Result<T>: a T or the Status explaining why there is none.
//
// value() on an error Result aborts (a bug in the caller, never a user error); check ok() or
// use LOUPE_ASSIGN_OR_RETURN.
#pragma once

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "storage/base/status.h"

namespace loupe {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> is meaningless");

 public:
  // Implicit from a value or an error Status, so `return value;` and `return status;` both work.
  Result(const T& value) : v_(value) {}                      // NOLINT
  Result(T&& value) : v_(std::move(value)) {}                // NOLINT
  Result(Status status) : v_(std::move(status)) {            // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result constructed from OK status");
  }
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U&&, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, T>>>
  Result(U&& value) : v_(T(std::forward<U>(value))) {}       // NOLINT

  bool ok() const { return v_.index() == 0; }

  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  Status status() && { return ok() ? Status() : std::move(std::get<Status>(v_)); }

  T& value() & { Check(); return std::get<0>(v_); }
  const T& value() const& { Check(); return std::get<0>(v_); }
  T&& value() && { Check(); return std::move(std::get<0>(v_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& { return ok() ? std::get<0>(v_) : T(std::forward<U>(fallback)); }

 private:
  void Check() const {
    if (!ok()) std::abort();
  }
  std::variant<T, Status> v_;
};

}  // namespace loupe

#define LOUPE_CONCAT_INNER_(a, b) a##b
#define LOUPE_CONCAT_(a, b) LOUPE_CONCAT_INNER_(a, b)

// LOUPE_ASSIGN_OR_RETURN(auto x, Foo()); returns Foo()'s Status on error, else binds its value.
#define LOUPE_ASSIGN_OR_RETURN(lhs, expr) \
  LOUPE_ASSIGN_OR_RETURN_IMPL_(LOUPE_CONCAT_(loupe_result_, __LINE__), lhs, expr)
#define LOUPE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()
