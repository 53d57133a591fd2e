// Internal to the template engine: values, the parse tree and the function table.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "query/logql/log/go_time.h"
#include "query/logql/log/template.h"
#include "storage/base/status.h"

namespace loupe::query::logql::tmpl {

struct Value;
using MapData = std::vector<std::pair<std::string, Value>>;  // sorted by key

struct Value {
  enum class Kind : uint8_t { kNil, kString, kInt, kFloat, kBool, kTime, kLabels, kMap, kList };
  Kind kind = Kind::kNil;
  bool untyped_const = false;  // a number literal (Go's untyped constant)
  std::string s;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  GoTime t;
  const std::vector<storage::model::Label>* labels = nullptr;
  std::shared_ptr<const MapData> map;
  std::shared_ptr<const std::vector<Value>> list;

  static Value Str(std::string v) {
    Value x;
    x.kind = Kind::kString;
    x.s = std::move(v);
    return x;
  }
  static Value Int(int64_t v) {
    Value x;
    x.kind = Kind::kInt;
    x.i = v;
    return x;
  }
  static Value Float(double v) {
    Value x;
    x.kind = Kind::kFloat;
    x.f = v;
    return x;
  }
  static Value Bool(bool v) {
    Value x;
    x.kind = Kind::kBool;
    x.b = v;
    return x;
  }
  static Value Time(GoTime t) {
    Value x;
    x.kind = Kind::kTime;
    x.t = std::move(t);
    return x;
  }
  bool IsNumber() const { return kind == Kind::kInt || kind == Kind::kFloat; }
};

// Go's type name of a value in error texts ("string", "int", "float64", ...).
std::string_view TypeName(const Value& v);
// fmt's %v of a value.
void AppendValue(const Value& v, std::string* out);
std::string ValueString(const Value& v);
// text/template's truth.
bool Truth(const Value& v);

struct Pipe;

struct Arg {
  enum class Kind { kField, kVariable, kDot, kNil, kBool, kNumber, kString, kIdent, kPipe };
  Kind kind = Kind::kDot;
  std::string name;                 // variable ("$x", "$") or function identifier
  std::vector<std::string> fields;  // field chain applied after the operand
  Value literal;                    // kBool, kNumber, kString
  std::shared_ptr<Pipe> pipe;       // kPipe
  size_t pos = 0;
  std::string src;
};

struct Command {
  std::vector<Arg> args;
  size_t pos = 0;
  std::string src;
};

struct Pipe {
  std::vector<std::string> decl;  // declared or assigned variables
  bool is_assign = false;
  std::vector<Command> cmds;
  size_t pos = 0;
};

enum class NodeType { kList, kText, kAction, kIf, kRange, kWith, kBreak, kContinue };

struct Node {
  NodeType type = NodeType::kList;
  std::string text;            // kText
  std::shared_ptr<Pipe> pipe;  // kAction, kIf, kRange, kWith
  std::vector<std::unique_ptr<Node>> list, else_list;
  size_t pos = 0;
};

struct ExecContext {
  const TemplateInput* input = nullptr;
};

// A template function. Args are evaluated; the function sets *out or returns an error whose
// message becomes "error calling <name>: <message>".
using Function = Status (*)(const ExecContext& ctx, std::vector<Value>& args, Value* out);

struct FunctionSpec {
  std::string_view name;
  Function fn = nullptr;
  int min_args = 0;
  int max_args = 0;  // -1: variadic
};

// nullptr if `name` is not a template function ("and" and "or" are handled by the executor).
const FunctionSpec* FindFunction(std::string_view name);

// Conversions with Go's reflect/cast rules used by the function implementations.
Status WantString(const Value& v, std::string* out);
Status WantInt(const Value& v, int64_t* out);
Status WantFloat(const Value& v, double* out);
// sprig's cast.ToInt64 / ToFloat64 (lenient; errors give 0).
int64_t ToInt64(const Value& v);
double ToFloat64(const Value& v);
// fmt.Sprintf with Go's verbs.
std::string GoSprintf(std::string_view format, const std::vector<Value>& args, size_t first);

}  // namespace loupe::query::logql::tmpl
