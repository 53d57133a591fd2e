// Execution of parsed templates (see template.h).
#include <algorithm>

#include "query/common/go_format.h"
#include "query/logql/log/template_internal.h"

namespace loupe::query::logql {

namespace tmpl {

std::string_view TypeName(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNil: return "<nil>";
    case Value::Kind::kString: return "string";
    case Value::Kind::kInt: return "int";
    case Value::Kind::kFloat: return "float64";
    case Value::Kind::kBool: return "bool";
    case Value::Kind::kTime: return "time.Time";
    case Value::Kind::kLabels: return "map[string]string";
    case Value::Kind::kMap: return "map[string]interface {}";
    case Value::Kind::kList: return "[]interface {}";
  }
  return "?";
}

void AppendValue(const Value& v, std::string* out) {
  switch (v.kind) {
    case Value::Kind::kNil: out->append("<nil>"); return;
    case Value::Kind::kString: out->append(v.s); return;
    case Value::Kind::kInt: out->append(std::to_string(v.i)); return;
    case Value::Kind::kFloat: out->append(query::FormatFloatG(v.f)); return;
    case Value::Kind::kBool: out->append(v.b ? "true" : "false"); return;
    case Value::Kind::kTime: out->append(GoTimeString(v.t)); return;
    case Value::Kind::kLabels:
      out->append("map[");
      for (size_t i = 0; i < v.labels->size(); ++i) {
        if (i) out->push_back(' ');
        out->append((*v.labels)[i].name);
        out->push_back(':');
        out->append((*v.labels)[i].value);
      }
      out->push_back(']');
      return;
    case Value::Kind::kMap:
      out->append("map[");
      for (size_t i = 0; i < v.map->size(); ++i) {
        if (i) out->push_back(' ');
        out->append((*v.map)[i].first);
        out->push_back(':');
        AppendValue((*v.map)[i].second, out);
      }
      out->push_back(']');
      return;
    case Value::Kind::kList:
      out->push_back('[');
      for (size_t i = 0; i < v.list->size(); ++i) {
        if (i) out->push_back(' ');
        AppendValue((*v.list)[i], out);
      }
      out->push_back(']');
      return;
  }
}

std::string ValueString(const Value& v) {
  std::string s;
  AppendValue(v, &s);
  return s;
}

bool Truth(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNil: return false;
    case Value::Kind::kString: return !v.s.empty();
    case Value::Kind::kInt: return v.i != 0;
    case Value::Kind::kFloat: return v.f != 0;
    case Value::Kind::kBool: return v.b;
    case Value::Kind::kTime: return true;
    case Value::Kind::kLabels: return !v.labels->empty();
    case Value::Kind::kMap: return !v.map->empty();
    case Value::Kind::kList: return !v.list->empty();
  }
  return false;
}

namespace {

constexpr int64_t kMaxRangeInt = 1 << 20;

// Control flow out of a range body.
enum class Flow { kNormal, kBreak, kContinue };

class Executor {
 public:
  Executor(const Template& t, const TemplateInput& in, std::string* out) : t_(t), out_(out) {
    ctx_.input = &in;
    root_.kind = Value::Kind::kLabels;
    root_.labels = in.labels;
    vars_.push_back({"$", root_});
  }

  Status Run(const Node& root) {
    Flow flow;
    return Walk(root_, root, &flow);
  }

 private:
  Status Error(size_t pos, std::string_view context, const std::string& msg) const {
    const std::string_view text = t_.text();
    const size_t p = std::min(pos, text.size());
    const std::string_view before = text.substr(0, p);
    const size_t nl = before.rfind('\n');
    const size_t col = nl == std::string_view::npos ? p : p - nl - 1;
    const int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    return Status::InvalidArgument("template: " + t_.name() + ":" + std::to_string(line) + ":" +
                                   std::to_string(col) + ": executing \"" + t_.name() +
                                   "\" at <" + std::string(context) + ">: " + msg);
  }

  Status Walk(const Value& dot, const Node& n, Flow* flow) {
    *flow = Flow::kNormal;
    switch (n.type) {
      case NodeType::kList:
        return WalkList(dot, n.list, flow);
      case NodeType::kText:
        out_->append(n.text);
        return Status::OK();
      case NodeType::kAction: {
        Value v;
        LOUPE_RETURN_IF_ERROR(EvalPipe(dot, *n.pipe, &v));
        if (n.pipe->decl.empty()) Print(v);
        return Status::OK();
      }
      case NodeType::kIf:
      case NodeType::kWith: {
        const size_t mark = vars_.size();
        Value v;
        LOUPE_RETURN_IF_ERROR(EvalPipe(dot, *n.pipe, &v));
        Status s;
        if (Truth(v)) {
          s = WalkList(n.type == NodeType::kWith ? v : dot, n.list, flow);
        } else {
          s = WalkList(dot, n.else_list, flow);
        }
        vars_.resize(mark);
        return s;
      }
      case NodeType::kRange:
        return WalkRange(dot, n, flow);
      case NodeType::kBreak:
        *flow = Flow::kBreak;
        return Status::OK();
      case NodeType::kContinue:
        *flow = Flow::kContinue;
        return Status::OK();
    }
    return Status::OK();
  }

  Status WalkList(const Value& dot, const std::vector<std::unique_ptr<Node>>& list, Flow* flow) {
    for (const auto& c : list) {
      LOUPE_RETURN_IF_ERROR(Walk(dot, *c, flow));
      if (*flow != Flow::kNormal) return Status::OK();
    }
    return Status::OK();
  }

  Status WalkRange(const Value& dot, const Node& n, Flow* flow) {
    const size_t mark = vars_.size();
    // Evaluate the pipeline without its declarations; the range sets them per element.
    Pipe p = *n.pipe;
    p.decl.clear();
    Value v;
    LOUPE_RETURN_IF_ERROR(EvalPipe(dot, p, &v));
    const auto& decl = n.pipe->decl;
    auto body = [&](const Value& key, const Value& elem) -> Status {
      if (decl.size() == 1) SetVar(decl[0], elem, n.pipe->is_assign);
      if (decl.size() == 2) {
        SetVar(decl[0], key, n.pipe->is_assign);
        SetVar(decl[1], elem, n.pipe->is_assign);
      }
      Flow f;
      LOUPE_RETURN_IF_ERROR(WalkList(elem, n.list, &f));
      *flow = f;
      return Status::OK();
    };
    size_t count = 0;
    Status s;
    switch (v.kind) {
      case Value::Kind::kLabels:
        for (const auto& l : *v.labels) {
          s = body(Value::Str(l.name), Value::Str(l.value));
          ++count;
          if (!s.ok() || *flow == Flow::kBreak) break;
        }
        break;
      case Value::Kind::kMap:
        for (const auto& [k, e] : *v.map) {
          s = body(Value::Str(k), e);
          ++count;
          if (!s.ok() || *flow == Flow::kBreak) break;
        }
        break;
      case Value::Kind::kList:
        for (size_t i = 0; i < v.list->size(); ++i) {
          s = body(Value::Int(static_cast<int64_t>(i)), (*v.list)[i]);
          ++count;
          if (!s.ok() || *flow == Flow::kBreak) break;
        }
        break;
      case Value::Kind::kInt:
        // Go has no bound here; a bound keeps one line from stalling a query.
        if (v.i > kMaxRangeInt) {
          s = Error(n.pos, "range", "range over " + std::to_string(v.i) + " exceeds the limit of " +
                                        std::to_string(kMaxRangeInt) + " iterations");
          break;
        }
        for (int64_t i = 0; i < v.i; ++i) {
          s = body(Value::Int(i), Value::Int(i));
          ++count;
          if (!s.ok() || *flow == Flow::kBreak) break;
        }
        break;
      case Value::Kind::kNil:
        break;
      default:
        s = Error(n.pos, "range", "range can't iterate over " + ValueString(v));
        break;
    }
    *flow = Flow::kNormal;
    if (s.ok() && count == 0) s = WalkList(dot, n.else_list, flow);
    vars_.resize(mark);
    return s;
  }

  void SetVar(const std::string& name, const Value& v, bool assign) {
    if (assign) {
      for (size_t i = vars_.size(); i-- > 0;) {
        if (vars_[i].first == name) {
          vars_[i].second = v;
          return;
        }
      }
    }
    vars_.push_back({name, v});
  }

  Status EvalPipe(const Value& dot, const Pipe& p, Value* out) {
    Value final;
    bool has_final = false;
    for (const Command& c : p.cmds) {
      Value v;
      LOUPE_RETURN_IF_ERROR(EvalCommand(dot, c, has_final ? &final : nullptr, &v));
      final = std::move(v);
      has_final = true;
    }
    for (const std::string& d : p.decl) SetVar(d, final, p.is_assign);
    *out = std::move(final);
    return Status::OK();
  }

  Status EvalCommand(const Value& dot, const Command& c, const Value* final, Value* out) {
    const Arg& first = c.args[0];
    if (first.kind == Arg::Kind::kIdent) {
      return CallFunction(dot, first.name, c, 1, final, out, first);
    }
    if (c.args.size() > 1 || final) {
      if (first.kind == Arg::Kind::kNil || first.kind == Arg::Kind::kBool ||
          first.kind == Arg::Kind::kNumber || first.kind == Arg::Kind::kString) {
        return Error(c.pos, c.src, "can't give argument to non-function " + first.src);
      }
      return Error(c.pos, c.src, "can't give argument to non-function " + first.src);
    }
    if (first.kind == Arg::Kind::kNil) return Error(c.pos, c.src, "nil is not a command");
    return EvalArg(dot, first, out);
  }

  Status EvalArg(const Value& dot, const Arg& a, Value* out) {
    Value base;
    switch (a.kind) {
      case Arg::Kind::kField:
      case Arg::Kind::kDot:
        base = dot;
        break;
      case Arg::Kind::kVariable: {
        bool found = false;
        for (size_t i = vars_.size(); i-- > 0;) {
          if (vars_[i].first == a.name) {
            base = vars_[i].second;
            found = true;
            break;
          }
        }
        if (!found) return Error(a.pos, a.src, "undefined variable: " + a.name);
        break;
      }
      case Arg::Kind::kNil:
        *out = Value();
        return Status::OK();
      case Arg::Kind::kBool:
      case Arg::Kind::kNumber:
      case Arg::Kind::kString:
        *out = a.literal;
        return Status::OK();
      case Arg::Kind::kIdent: {
        Command c;
        c.args.push_back(a);
        c.pos = a.pos;
        c.src = a.src;
        LOUPE_RETURN_IF_ERROR(CallFunction(dot, a.name, c, 1, nullptr, &base, a));
        break;
      }
      case Arg::Kind::kPipe:
        LOUPE_RETURN_IF_ERROR(EvalPipe(dot, *a.pipe, &base));
        break;
    }
    for (const std::string& f : a.fields) {
      Value next;
      LOUPE_RETURN_IF_ERROR(Field(base, f, a, &next));
      base = std::move(next);
    }
    *out = std::move(base);
    return Status::OK();
  }

  Status Field(const Value& recv, const std::string& name, const Arg& a, Value* out) {
    switch (recv.kind) {
      case Value::Kind::kLabels: {
        auto it = std::lower_bound(
            recv.labels->begin(), recv.labels->end(), name,
            [](const storage::model::Label& l, const std::string& n) { return l.name < n; });
        *out = Value::Str(it != recv.labels->end() && it->name == name ? it->value : "");
        return Status::OK();
      }
      case Value::Kind::kMap: {
        auto it = std::lower_bound(
            recv.map->begin(), recv.map->end(), name,
            [](const std::pair<std::string, Value>& e, const std::string& n) { return e.first < n; });
        *out = it != recv.map->end() && it->first == name ? it->second : Value();
        return Status::OK();
      }
      case Value::Kind::kNil:
        return Error(a.pos, a.src, "nil pointer evaluating interface {}." + name);
      default:
        return Error(a.pos, a.src,
                     "can't evaluate field " + name + " in type " + std::string(TypeName(recv)));
    }
  }

  Status CallFunction(const Value& dot, const std::string& name, const Command& c, size_t first,
                      const Value* final, Value* out, const Arg& at) {
    const size_t nargs = c.args.size() - first + (final ? 1 : 0);
    if (name == "and" || name == "or") {
      if (nargs < 1) {
        return Error(at.pos, at.src, "wrong number of args for " + name + ": want at least 1 got 0");
      }
      Value v;
      for (size_t i = first; i < c.args.size(); ++i) {
        LOUPE_RETURN_IF_ERROR(EvalArg(dot, c.args[i], &v));
        if (Truth(v) != (name == "and")) {
          *out = std::move(v);
          return Status::OK();
        }
      }
      if (final) v = *final;
      *out = std::move(v);
      return Status::OK();
    }
    const FunctionSpec* spec = FindFunction(name);
    if (spec == nullptr) return Error(at.pos, at.src, "\"" + name + "\" is not a defined function");
    if (static_cast<int>(nargs) < spec->min_args ||
        (spec->max_args >= 0 && static_cast<int>(nargs) > spec->max_args)) {
      std::string want = spec->max_args < 0 ? "at least " + std::to_string(spec->min_args)
                                            : std::to_string(spec->max_args);
      return Error(at.pos, at.src,
                   "wrong number of args for " + name + ": want " + want + " got " +
                       std::to_string(nargs));
    }
    std::vector<Value> args;
    args.reserve(nargs);
    for (size_t i = first; i < c.args.size(); ++i) {
      args.emplace_back();
      LOUPE_RETURN_IF_ERROR(EvalArg(dot, c.args[i], &args.back()));
    }
    if (final) args.push_back(*final);
    Status s = spec->fn(ctx_, args, out);
    if (!s.ok()) return Error(at.pos, c.src, "error calling " + name + ": " + s.message());
    return Status::OK();
  }

  void Print(const Value& v) {
    if (v.kind == Value::Kind::kNil) {
      out_->append("<no value>");
      return;
    }
    AppendValue(v, out_);
  }

  const Template& t_;
  std::string* out_;
  ExecContext ctx_;
  Value root_;
  std::vector<std::pair<std::string, Value>> vars_;
};

}  // namespace
}  // namespace tmpl

Status Template::Execute(const TemplateInput& in, std::string* out) const {
  tmpl::Executor e(*this, in, out);
  return e.Run(*root_);
}

}  // namespace loupe::query::logql
