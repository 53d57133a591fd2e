// Tag names and tag values for autocomplete, optionally narrowed by a TraceQL filter `q`.
#include <algorithm>
#include <charconv>
#include <set>

#include "query/traceql/eval/engine.h"
#include "query/traceql/eval/evaluator.h"
#include "query/traceql/eval/internal.h"
#include "query/traceql/eval/pushdown.h"
#include "query/traceql/syntax/parser.h"
#include "query/traceql/syntax/validate.h"

namespace loupe::query::traceql {
namespace ss = storage::spanstore;
using eval::Program;
using eval::TraceContext;
using eval::Value;

namespace {

constexpr char kBadTag[] = "tag name is not valid intrinsic or scoped attribute";

// The tag as an attribute of the tree: `{ <tag> }` must parse to a single attribute read.
Result<Attribute> ParseTag(std::string_view tag) {
  if (tag.empty()) return Status::InvalidArgument(kBadTag);
  auto root = Parse("{ " + std::string(tag) + " }");
  if (!root.ok() || root->IsMetrics() || root->pipeline.elements.size() != 1) {
    return Status::InvalidArgument(kBadTag);
  }
  const auto& el = root->pipeline.elements[0];
  if (el.kind != PipelineElement::Kind::kSpanset ||
      el.spanset->kind != SpansetExpr::Kind::kFilter ||
      el.spanset->filter->kind != FieldExpr::Kind::kAttribute) {
    return Status::InvalidArgument(kBadTag);
  }
  const Attribute a = el.spanset->filter->attr;
  if (a.parent || a.intrinsic == Intrinsic::kParent ||
      (!a.IsIntrinsic() && a.scope == AttributeScope::kNone)) {
    return Status::InvalidArgument(kBadTag);
  }
  return a;
}

// A `q` worth using: parses, validates and is a span query.
std::optional<RootExpr> Filter(std::string_view q) {
  if (q.empty()) return std::nullopt;
  auto root = Parse(q);
  if (!root.ok() || root->IsMetrics() || !Validate(*root).ok()) return std::nullopt;
  // `{}` / `{ true }` narrows nothing.
  const auto& els = root->pipeline.elements;
  if (els.size() == 1 && els[0].kind == PipelineElement::Kind::kSpanset &&
      els[0].spanset->kind == SpansetExpr::Kind::kFilter &&
      els[0].spanset->filter->kind == FieldExpr::Kind::kStatic) {
    return std::nullopt;
  }
  return std::move(*root);
}

TypedValue FromStored(const ss::TagValue& v, Intrinsic in) {
  if (in == Intrinsic::kStatus) {
    for (auto st : {ss::SpanStatus::kUnset, ss::SpanStatus::kOk, ss::SpanStatus::kError}) {
      if (ss::SpanStatusName(st) == v.value) return TypedValue::Status(st);
    }
  }
  if (in == Intrinsic::kKind) {
    for (int k = 0; k <= 5; ++k) {
      const auto kind = static_cast<ss::SpanKind>(k);
      if (ss::SpanKindName(kind) == v.value) return TypedValue::Kind(kind);
    }
  }
  switch (v.type) {
    case ss::ValueType::kInt: {
      int64_t i = 0;
      std::from_chars(v.value.data(), v.value.data() + v.value.size(), i);
      return TypedValue::Int(i);
    }
    case ss::ValueType::kDouble:
      return TypedValue::Float(std::strtod(v.value.c_str(), nullptr));
    case ss::ValueType::kBool:
      return TypedValue::Bool(v.value == "true");
    default:
      return TypedValue::String(v.value);
  }
}

bool Less(const TypedValue& a, const TypedValue& b) {
  if (a.type != b.type) return a.type < b.type;
  if (a.type == TypedValue::Type::kString) return a.s < b.s;
  if (a.type == TypedValue::Type::kFloat) return a.f < b.f;
  return a.i < b.i;
}

// A literal that q's top-level && chain pins the tag to (`tag = literal`).
std::optional<TypedValue> Pinned(const FieldExpr& e, const Attribute& tag) {
  if (e.kind != FieldExpr::Kind::kBinary) return std::nullopt;
  if (e.op == Op::kAnd) {
    if (auto v = Pinned(*e.lhs, tag)) return v;
    return Pinned(*e.rhs, tag);
  }
  if (e.op != Op::kEqual) return std::nullopt;
  const FieldExpr* a = e.lhs.get();
  const FieldExpr* l = e.rhs.get();
  if (a->kind == FieldExpr::Kind::kStatic) std::swap(a, l);
  if (a->kind != FieldExpr::Kind::kAttribute || l->kind != FieldExpr::Kind::kStatic) {
    return std::nullopt;
  }
  if (!(a->attr == tag)) return std::nullopt;
  return eval::ToTyped(eval::FromStatic(l->value));
}

// Runs q's pipeline over the store and calls `fn` for every span of its result.
Status ForEachMatch(ss::SpanStore& store, std::string_view tenant, const RootExpr& q,
                    int64_t start_ns, int64_t end_ns,
                    const std::function<bool(const Program&, TraceContext&, uint32_t)>& fn) {
  LOUPE_ASSIGN_OR_RETURN(auto prog, Program::Compile(q.pipeline));
  const eval::ScanPlan plan = eval::PlanScan(q.pipeline, prog->touched());
  ss::ScanRequest sr;
  sr.start_ns = start_ns;
  sr.end_ns = end_ns;
  sr.predicates = plan.predicates;
  sr.match_all = plan.match_all;
  sr.whole_traces = plan.whole_traces;
  Status err;
  auto cb = [&](const ss::SpanBatch& batch) -> bool {
    for (const auto& t : batch.traces()) {
      TraceContext ctx(batch, t);
      auto sets = prog->Run(ctx);
      if (!sets.ok()) {
        err = sets.status();
        return false;
      }
      for (const auto& set : *sets) {
        for (uint32_t span : set.spans) {
          if (!fn(*prog, ctx, span)) return false;
        }
      }
    }
    return batch.status().ok();
  };
  LOUPE_RETURN_IF_ERROR(store.Scan(tenant, sr, cb));
  return err;
}

ss::Scope StoreScope(AttributeScope s) {
  switch (s) {
    case AttributeScope::kResource:
      return ss::Scope::kResource;
    case AttributeScope::kSpan:
      return ss::Scope::kSpan;
    case AttributeScope::kEvent:
      return ss::Scope::kEvent;
    case AttributeScope::kLink:
      return ss::Scope::kLink;
    case AttributeScope::kInstrumentation:
      return ss::Scope::kInstrumentation;
    default:
      return ss::Scope::kNone;
  }
}

}  // namespace

Result<std::vector<TypedValue>> TagValues(ss::SpanStore& store, std::string_view tenant,
                                          std::string_view tag, std::string_view q,
                                          int64_t start_ns, int64_t end_ns, size_t limit) {
  LOUPE_ASSIGN_OR_RETURN(Attribute attr, ParseTag(tag));
  std::vector<TypedValue> out;
  if (auto root = Filter(q)) {
    const auto& els = root->pipeline.elements;
    if (els.size() == 1 && els[0].kind == PipelineElement::Kind::kSpanset &&
        els[0].spanset->kind == SpansetExpr::Kind::kFilter) {
      if (auto v = Pinned(*els[0].spanset->filter, attr)) return std::vector<TypedValue>{*v};
    }
    std::vector<TypedValue> found;
    std::set<std::string> seen;
    LOUPE_RETURN_IF_ERROR(ForEachMatch(store, tenant, *root, start_ns, end_ns,
                                       [&](const Program& prog, TraceContext& ctx, uint32_t span) {
                                         const Value v = prog.Read(attr, ctx, span);
                                         if (v.IsNil() || v.kind == eval::VKind::kArray)
                                           return true;
                                         if (seen.insert(eval::MapKey(v)).second)
                                           found.push_back(eval::ToTyped(v));
                                         return limit == 0 || found.size() < limit;
                                       }));
    std::sort(found.begin(), found.end(), Less);
    return found;
  }
  ss::Intrinsic in = ss::Intrinsic::kNone;
  switch (attr.intrinsic) {
    case Intrinsic::kNone:
      if (attr.scope == AttributeScope::kResource && attr.name == "service.name") {
        in = ss::Intrinsic::kServiceName;
      }
      break;
    case Intrinsic::kName:
      in = ss::Intrinsic::kName;
      break;
    case Intrinsic::kStatus:
      in = ss::Intrinsic::kStatus;
      break;
    case Intrinsic::kKind:
      in = ss::Intrinsic::kKind;
      break;
    case Intrinsic::kStatusMessage:
      in = ss::Intrinsic::kStatusMessage;
      break;
    case Intrinsic::kTraceRootService:
      in = ss::Intrinsic::kRootServiceName;
      break;
    case Intrinsic::kTraceRootSpan:
      in = ss::Intrinsic::kRootName;
      break;
    case Intrinsic::kEventName:
      in = ss::Intrinsic::kEventName;
      break;
    case Intrinsic::kInstrumentationName:
      in = ss::Intrinsic::kScopeName;
      break;
    case Intrinsic::kInstrumentationVersion:
      in = ss::Intrinsic::kScopeVersion;
      break;
    default:
      return out;  // durations, ids, nested sets: not listed (as Tempo)
  }
  LOUPE_ASSIGN_OR_RETURN(auto vals, store.TagValues(tenant, StoreScope(attr.scope), attr.name, in,
                                                    start_ns, end_ns, limit));
  for (const auto& v : vals) out.push_back(FromStored(v, attr.intrinsic));
  std::sort(out.begin(), out.end(), Less);
  return out;
}

namespace {

const std::vector<std::string>& IntrinsicTags() {
  static const std::vector<std::string> kTags = {"duration",
                                                 "event:name",
                                                 "event:timeSinceStart",
                                                 "instrumentation:name",
                                                 "instrumentation:version",
                                                 "kind",
                                                 "link:spanID",
                                                 "link:traceID",
                                                 "name",
                                                 "rootName",
                                                 "rootServiceName",
                                                 "span:childCount",
                                                 "span:duration",
                                                 "span:id",
                                                 "span:kind",
                                                 "span:name",
                                                 "span:parentID",
                                                 "span:status",
                                                 "span:statusMessage",
                                                 "status",
                                                 "statusMessage",
                                                 "trace:duration",
                                                 "trace:id",
                                                 "trace:rootName",
                                                 "trace:rootService",
                                                 "traceDuration"};
  return kTags;
}

struct ScopeDef {
  const char* name;
  ss::Scope scope;
};
constexpr ScopeDef kScopes[] = {{"resource", ss::Scope::kResource},
                                {"span", ss::Scope::kSpan},
                                {"event", ss::Scope::kEvent},
                                {"link", ss::Scope::kLink},
                                {"instrumentation", ss::Scope::kInstrumentation}};

}  // namespace

Result<std::vector<ScopeTags>> TagNames(ss::SpanStore& store, std::string_view tenant,
                                        std::string_view scope, std::string_view q,
                                        int64_t start_ns, int64_t end_ns, size_t limit) {
  bool known = scope.empty() || scope == "intrinsic" || scope == "none" || scope == "all";
  for (const auto& d : kScopes) known = known || scope == d.name;
  if (!known) return Status::InvalidArgument("invalid scope: " + std::string(scope));
  const bool all = scope.empty() || scope == "none" || scope == "all";
  std::vector<ScopeTags> out;
  auto root = Filter(q);
  for (const auto& d : kScopes) {
    if (!all && scope != d.name) continue;
    ScopeTags st;
    st.name = d.name;
    if (root) {
      std::set<std::string> names;
      LOUPE_RETURN_IF_ERROR(ForEachMatch(
          store, tenant, *root, start_ns, end_ns,
          [&](const Program&, TraceContext& ctx, uint32_t span) {
            const ss::SpanBatch& b = ctx.batch();
            const uint32_t row = ctx.row(span);
            std::vector<ss::AttrView> attrs;
            if (d.scope == ss::Scope::kEvent || d.scope == ss::Scope::kLink) {
              std::vector<ss::AttrView> one;  // EventAttrs/LinkAttrs replace their output
              if (d.scope == ss::Scope::kEvent) {
                std::vector<ss::SpanBatch::Event> evs;
                b.Events(row, &evs);
                for (const auto& e : evs) {
                  b.EventAttrs(e.index, &one);
                  attrs.insert(attrs.end(), one.begin(), one.end());
                }
              } else {
                std::vector<ss::SpanBatch::Link> lks;
                b.Links(row, &lks);
                for (const auto& l : lks) {
                  b.LinkAttrs(l.index, &one);
                  attrs.insert(attrs.end(), one.begin(), one.end());
                }
              }
            } else {
              b.Attrs(row, d.scope, &attrs);
            }
            for (const auto& a : attrs) names.insert(std::string(a.key));
            return true;
          }));
      st.tags.assign(names.begin(), names.end());
      if (limit && st.tags.size() > limit) st.tags.resize(limit);
    } else {
      LOUPE_ASSIGN_OR_RETURN(st.tags, store.TagNames(tenant, d.scope, start_ns, end_ns, limit));
    }
    if (!st.tags.empty() || !all) out.push_back(std::move(st));
  }
  if (all || scope == "intrinsic") {
    ScopeTags st;
    st.name = "intrinsic";
    st.tags = IntrinsicTags();
    if (limit && st.tags.size() > limit) st.tags.resize(limit);
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace loupe::query::traceql
