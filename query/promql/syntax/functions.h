// The table of PromQL functions: every function of Prometheus 3 (stable and experimental)
// with its argument types and return type. The parser type-checks calls against it and the
// evaluator dispatches on it, so both agree on what exists.
//
// Thread-safety: the table is immutable static data.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "query/promql/syntax/ast.h"

namespace loupe::query::promql {

struct Function {
  std::string_view name;
  // Declared argument types, in order.
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types.size() arguments.
  // n > 0: the last declared argument is optional and may repeat up to n times in total, so
  //        between size()-1 and size()-1+n arguments.
  // -1: the last declared argument may repeat without limit (at least size()-1 arguments).
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  // Gated behind --enable-feature=promql-experimental-functions in Prometheus.
  bool experimental = false;

  int MinArgs() const {
    return variadic == 0 ? static_cast<int>(arg_types.size())
                         : static_cast<int>(arg_types.size()) - 1;
  }
  // -1 when unbounded.
  int MaxArgs() const {
    if (variadic < 0) return -1;
    return variadic == 0 ? static_cast<int>(arg_types.size())
                         : static_cast<int>(arg_types.size()) - 1 + variadic;
  }
  // Expected type of argument i (i may exceed the declared list for variadic functions);
  // kNone for functions without arguments.
  ValueType ArgType(size_t i) const {
    if (arg_types.empty()) return ValueType::kNone;
    return i < arg_types.size() ? arg_types[i] : arg_types.back();
  }
};

// nullptr if there is no function of that name (names are case-sensitive).
const Function* FindFunction(std::string_view name);

// All functions, sorted by name.
std::span<const Function> AllFunctions();

}  // namespace loupe::query::promql
