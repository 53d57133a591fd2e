// SpanStore: legacy tag search, tag names and tag values.
#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "storage/spanstore/span_store.h"
#include "storage/spanstore/span_store_internal.h"

namespace loupe::storage::spanstore {
namespace {

// The alternatives one legacy tag stands for (any may hold).
Result<std::vector<Predicate>> TagPredicates(const std::string& k, const std::string& v) {
  std::vector<Predicate> out;
  auto add = [&](Result<Predicate> p) -> Status {
    if (!p.ok()) return p.status();
    out.push_back(std::move(*p));
    return Status::OK();
  };
  if (k == "name") {
    LOUPE_RETURN_IF_ERROR(add(Predicate::Of(Intrinsic::kName, CompareOp::kEq, Operand::String(v))));
  } else if (k == "status.code" || k == "status") {
    int code = -1;
    if (v == "unset") code = 0;
    if (v == "ok") code = 1;
    if (v == "error") code = 2;
    if (code < 0) return Status::InvalidArgument("unknown status code \"" + v + "\" (use unset, ok or error)");
    LOUPE_RETURN_IF_ERROR(add(Predicate::Of(Intrinsic::kStatus, CompareOp::kEq, Operand::Int(code))));
  } else if (k == "root.name") {
    LOUPE_RETURN_IF_ERROR(add(Predicate::Of(Intrinsic::kRootName, CompareOp::kEq, Operand::String(v))));
  } else if (k == "root.service.name") {
    LOUPE_RETURN_IF_ERROR(add(Predicate::Of(Intrinsic::kRootServiceName, CompareOp::kEq, Operand::String(v))));
  } else {
    // Any span or resource attribute; the value may be a string, an int, a float or a bool.
    LOUPE_RETURN_IF_ERROR(add(Predicate::Attribute(Scope::kNone, k, CompareOp::kEq, Operand::String(v))));
    int64_t i;
    if (auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), i); ec == std::errc() && p == v.data() + v.size()) {
      LOUPE_RETURN_IF_ERROR(add(Predicate::Attribute(Scope::kNone, k, CompareOp::kEq, Operand::Int(i))));
    } else {
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (!v.empty() && end == v.c_str() + v.size()) {
        LOUPE_RETURN_IF_ERROR(add(Predicate::Attribute(Scope::kNone, k, CompareOp::kEq, Operand::Double(d))));
      }
    }
    if (v == "true" || v == "false") {
      LOUPE_RETURN_IF_ERROR(add(Predicate::Attribute(Scope::kNone, k, CompareOp::kEq, Operand::Bool(v == "true"))));
    }
  }
  return out;
}

Table TableOfScope(Scope s) {
  switch (s) {
    case Scope::kResource:
      return Table::kResource;
    case Scope::kEvent:
      return Table::kEvent;
    case Scope::kLink:
      return Table::kLink;
    case Scope::kInstrumentation:
      return Table::kScope;
    default:
      return Table::kSpan;
  }
}

std::vector<Table> TablesOf(Scope s, bool all_for_none) {
  if (s != Scope::kNone) return {TableOfScope(s)};
  if (all_for_none) return {Table::kResource, Table::kSpan, Table::kEvent, Table::kLink, Table::kScope};
  return {Table::kSpan, Table::kResource};
}

}  // namespace

Result<SearchResult> SpanStore::SearchTags(std::string_view tenant, const TagSearchRequest& req) {
  std::vector<std::vector<Predicate>> groups;
  for (const auto& [k, v] : req.tags) {
    LOUPE_ASSIGN_OR_RETURN(auto g, TagPredicates(k, v));
    groups.push_back(std::move(g));
  }
  ScanFilter f;
  if (!groups.empty()) {
    f.may_match = [&groups](const BlockMeta& m) {
      for (const auto& g : groups) {
        if (std::none_of(g.begin(), g.end(), [&](const Predicate& p) { return p.MayMatch(m); })) return false;
      }
      return true;
    };
    f.eval = [&groups](BlockSource& b, std::vector<uint8_t>* matched) -> Status {
      const size_t n = matched->size();
      std::vector<uint8_t> tmp;
      for (size_t gi = 0; gi < groups.size(); ++gi) {
        std::vector<uint8_t>* dst = gi == 0 ? matched : &tmp;
        if (gi > 0) tmp.assign(n, 0);
        for (const auto& p : groups[gi]) LOUPE_RETURN_IF_ERROR(p.Evaluate(b, dst));
        if (gi > 0) {
          for (size_t r = 0; r < n; ++r) (*matched)[r] &= tmp[r];
        }
        if (std::find(matched->begin(), matched->end(), 1) == matched->end()) break;
      }
      return Status::OK();
    };
  }
  ScanRequest sr;
  sr.start_ns = req.start_ns;
  sr.end_ns = req.end_ns;
  // A trace's duration needs all its blocks: collect everything, then filter and limit.
  absl::flat_hash_map<TraceId, TraceSummary> found;
  SearchResult out;
  LOUPE_RETURN_IF_ERROR(ScanWith(tenant, f, sr, [&](const SpanBatch& b) {
    for (const auto& t : b.traces()) {
      TraceSummary s = b.Summary(t);
      auto [it, inserted] = found.try_emplace(s.id, s);
      if (!inserted) MergeSummary(&it->second, s);
    }
    return true;
  }, &out.stats));
  for (auto& [id, s] : found) {
    const int64_t d = s.duration_ns();
    if (req.min_duration_ns > 0 && d < req.min_duration_ns) continue;
    if (req.max_duration_ns > 0 && d > req.max_duration_ns) continue;
    out.traces.push_back(std::move(s));
  }
  std::sort(out.traces.begin(), out.traces.end(), [](const TraceSummary& a, const TraceSummary& b) {
    return a.start_ns != b.start_ns ? a.start_ns > b.start_ns : a.id < b.id;
  });
  if (req.limit > 0 && out.traces.size() > req.limit) out.traces.resize(req.limit);
  return out;
}

Result<std::vector<std::string>> SpanStore::TagNames(std::string_view tenant, Scope scope, int64_t start_ns,
                                                     int64_t end_ns, size_t limit) {
  std::set<std::string> names;
  Tenant* t = FindTenant(tenant);
  if (!t) return std::vector<std::string>{};
  const std::vector<Table> tables = TablesOf(scope, /*all_for_none=*/true);
  auto want = [&](Table tb) { return std::find(tables.begin(), tables.end(), tb) != tables.end(); };
  std::vector<std::shared_ptr<const BlockMeta>> blocks;
  {
    std::shared_lock lock(t->mu);
    auto from_cols = [&](const BlockColumns& c) {
      for (const auto& a : c.attrs) {
        if (want(a->table) && !a->rows.empty()) names.insert(a->key);
      }
    };
    from_cols(t->head->columns());
    for (const auto& f : t->frozen) from_cols(f->head->columns());
    blocks = t->blocks;
  }
  for (const auto& b : blocks) {
    if (!Overlaps(b->min_start, b->max_end, start_ns, end_ns)) continue;
    for (const auto& a : b->attrs) {
      if (want(a.table) && a.count > 0) names.insert(a.key);
    }
  }
  std::vector<std::string> out(names.begin(), names.end());
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

Result<std::vector<TagValue>> SpanStore::TagValues(std::string_view tenant, Scope scope, std::string_view key,
                                                   Intrinsic intrinsic, int64_t start_ns, int64_t end_ns,
                                                   size_t limit) {
  std::set<TagValue> values;
  Tenant* t = FindTenant(tenant);
  if (!t) return std::vector<TagValue>{};
  const std::vector<Table> tables = TablesOf(scope, /*all_for_none=*/false);
  auto full = [&] { return limit > 0 && values.size() >= limit; };
  auto add_dict = [&](const Dict& d, ValueType type) {
    for (auto v : d.values()) {
      if (full()) return;
      if (!v.empty() || type != ValueType::kString) values.insert({type, std::string(v)});
    }
  };
  // Collects from one block; units load on demand for persisted blocks.
  auto collect = [&](BlockSource& src) -> Status {
    const BlockColumns& c = src.cols();
    const BlockMeta* m = src.meta();
    switch (intrinsic) {
      case Intrinsic::kName:
        if (m && m->small_names) {
          for (const auto& n : m->names) values.insert({ValueType::kString, n});
          return Status::OK();
        }
        LOUPE_RETURN_IF_ERROR(src.Ensure(kUnitName));
        add_dict(c.names, ValueType::kString);
        return Status::OK();
      case Intrinsic::kStatusMessage:
        LOUPE_RETURN_IF_ERROR(src.Ensure(kUnitStatusMessage));
        add_dict(c.status_messages, ValueType::kString);
        return Status::OK();
      case Intrinsic::kRootServiceName:
        LOUPE_RETURN_IF_ERROR(src.Ensure(kUnitTraces));
        LOUPE_RETURN_IF_ERROR(src.Ensure(kUnitResourceRef));
        LOUPE_RETURN_IF_ERROR(src.Ensure(kUnitResources));
        for (int32_t root : c.trace_root) {
          if (full()) break;
          if (root < 0) continue;
          const std::string_view svc = c.services.Get(c.resource_service[c.resource[root]]);
          if (!svc.empty()) values.insert({ValueType::kString, std::string(svc)});
        }
        return Status::OK();
      case Intrinsic::kServiceName:
        if (m) {
          for (const auto& n : m->services) {
            if (!n.empty()) values.insert({ValueType::kString, n});
          }
          return Status::OK();
        }
        add_dict(c.services, ValueType::kString);
        return Status::OK();
      case Intrinsic::kRootName:
        LOUPE_RETURN_IF_ERROR(src.Ensure(kUnitTraces));
        LOUPE_RETURN_IF_ERROR(src.Ensure(kUnitName));
        for (int32_t root : c.trace_root) {
          if (full()) break;
          if (root >= 0) values.insert({ValueType::kString, std::string(c.names.Get(c.name[root]))});
        }
        return Status::OK();
      case Intrinsic::kEventName:
        LOUPE_RETURN_IF_ERROR(src.Ensure(kUnitEvents));
        add_dict(c.event_names, ValueType::kString);
        return Status::OK();
      case Intrinsic::kScopeName:
      case Intrinsic::kScopeVersion:
        LOUPE_RETURN_IF_ERROR(src.Ensure(kUnitScopes));
        add_dict(intrinsic == Intrinsic::kScopeName ? c.scope_names : c.scope_versions, ValueType::kString);
        return Status::OK();
      case Intrinsic::kStatus:
      case Intrinsic::kKind: {
        LOUPE_RETURN_IF_ERROR(src.Ensure(kUnitKindStatus));
        uint32_t seen = 0;
        for (uint8_t ks : c.kind_status) seen |= 1u << (intrinsic == Intrinsic::kKind ? (ks & 15) : (ks >> 4));
        for (int v = 0; v < 6; ++v) {
          if (!(seen & (1u << v))) continue;
          values.insert({ValueType::kString, std::string(intrinsic == Intrinsic::kKind
                                                             ? SpanKindName(static_cast<SpanKind>(v))
                                                             : SpanStatusName(static_cast<SpanStatus>(v)))});
        }
        return Status::OK();
      }
      case Intrinsic::kNone:
        break;
      default:
        return Status::InvalidArgument("tag values are not listed for this intrinsic");
    }
    for (Table tb : tables) {
      std::vector<uint32_t> cols;
      c.FindAttr(tb, key, &cols);
      for (uint32_t ci : cols) {
        if (full()) return Status::OK();
        const AttrColumn& a = *c.attrs[ci];
        if (m) {
          const AttrColumnInfo& info = m->attrs[ci];
          if (info.small_dict && info.type == ValueType::kString) {
            for (const auto& v : info.dict_values) values.insert({ValueType::kString, v});
            continue;
          }
        }
        LOUPE_RETURN_IF_ERROR(src.Ensure(kAttrUnitBase + ci));
        switch (a.type) {
          case ValueType::kString:
            add_dict(a.dict, ValueType::kString);
            break;
          case ValueType::kInt:
          case ValueType::kBool:
          case ValueType::kDouble:
            for (size_t k = 0; k < a.size() && !full(); ++k) {
              values.insert({a.type, FormatAttrValue(a.At(k))});
            }
            break;
          default:
            break;
        }
      }
    }
    return Status::OK();
  };

  std::vector<std::shared_ptr<const BlockMeta>> blocks;
  {
    std::shared_lock lock(t->mu);
    HeadSource hs(t->head->columns(), UINT64_MAX);
    LOUPE_RETURN_IF_ERROR(collect(hs));
    for (const auto& f : t->frozen) {
      HeadSource fs(f->head->columns(), f->block_id);
      LOUPE_RETURN_IF_ERROR(collect(fs));
    }
    blocks = t->blocks;
  }
  for (auto it = blocks.rbegin(); it != blocks.rend() && !full(); ++it) {
    if (!Overlaps((*it)->min_start, (*it)->max_end, start_ns, end_ns)) continue;
    auto b = OpenBlock(t->id, *it);
    auto s = collect(*b);
    TrimCache();
    LOUPE_RETURN_IF_ERROR(s);
  }
  std::vector<TagValue> out(values.begin(), values.end());
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace loupe::storage::spanstore
