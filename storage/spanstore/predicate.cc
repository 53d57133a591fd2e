#include "storage/spanstore/predicate.h"

#include <algorithm>

#include "storage/spanstore/batch_codec.h"

namespace loupe::storage::spanstore {
namespace {

template <typename T>
bool Cmp(T a, T b, CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return a == b;
    case CompareOp::kNe:
      return a != b;
    case CompareOp::kLt:
      return a < b;
    case CompareOp::kLe:
      return a <= b;
    case CompareOp::kGt:
      return a > b;
    case CompareOp::kGe:
      return a >= b;
    case CompareOp::kExists:
      return true;
    default:
      return false;
  }
}

bool IsIdIntrinsic(Intrinsic i) {
  return i == Intrinsic::kSpanId || i == Intrinsic::kParentId || i == Intrinsic::kTraceId ||
         i == Intrinsic::kLinkTraceId || i == Intrinsic::kLinkSpanId;
}

// Parses up to `max_digits` hex digits, left-padded with zeros, into big-endian bytes.
bool ParseHexId(std::string_view hex, size_t bytes, uint8_t* out) {
  if (hex.size() > bytes * 2) return false;
  std::string padded(bytes * 2 - hex.size(), '0');
  padded.append(hex);
  for (size_t i = 0; i < bytes; ++i) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      const char c = padded[i * 2 + k];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return false;
      }
      v = v * 16 + d;
    }
    out[i] = static_cast<uint8_t>(v);
  }
  return true;
}

uint32_t TableRowsOf(BlockSource& b, Table t) {
  const BlockMeta* m = b.meta();
  const BlockColumns& c = b.cols();
  switch (t) {
    case Table::kResource:
      return m ? m->num_resources : c.num_resources;
    case Table::kScope:
      return m ? m->num_scopes : c.num_scopes;
    case Table::kSpan:
      return m ? m->num_spans : c.num_spans();
    case Table::kEvent:
      return m ? m->num_events : c.num_events();
    case Table::kLink:
      return m ? m->num_links : c.num_links();
  }
  return 0;
}

Table TableOf(Scope s) {
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

// Marks span rows from per-row marks of another table.
Status MapToSpans(BlockSource& b, Table t, const std::vector<uint8_t>& marks, std::vector<uint8_t>* out) {
  if (std::find(marks.begin(), marks.end(), 1) == marks.end()) return Status::OK();
  const BlockColumns& c = b.cols();
  switch (t) {
    case Table::kSpan:
      for (size_t r = 0; r < marks.size(); ++r) (*out)[r] |= marks[r];
      break;
    case Table::kResource:
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitResourceRef));
      for (size_t r = 0; r < c.resource.size(); ++r) (*out)[r] |= marks[c.resource[r]];
      break;
    case Table::kScope:
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitScopeRef));
      for (size_t r = 0; r < c.scope.size(); ++r) (*out)[r] |= marks[c.scope[r]];
      break;
    case Table::kEvent:
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitEvents));
      for (size_t e = 0; e < c.event_span.size(); ++e) {
        if (marks[e]) (*out)[c.event_span[e]] = 1;
      }
      break;
    case Table::kLink:
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitLinks));
      for (size_t l = 0; l < c.link_span.size(); ++l) {
        if (marks[l]) (*out)[c.link_span[l]] = 1;
      }
      break;
  }
  return Status::OK();
}

}  // namespace

Result<Predicate> Predicate::Attribute(Scope scope, std::string key, CompareOp op, Operand value) {
  Predicate p;
  p.scope_ = scope;
  p.key_ = std::move(key);
  p.op_ = op;
  p.value_ = std::move(value);
  LOUPE_RETURN_IF_ERROR(p.Compile());
  return p;
}

Result<Predicate> Predicate::Of(Intrinsic intrinsic, CompareOp op, Operand value) {
  if (intrinsic == Intrinsic::kNone) return Status::InvalidArgument("predicate: no intrinsic");
  Predicate p;
  p.intrinsic_ = intrinsic;
  p.op_ = op;
  p.value_ = std::move(value);
  LOUPE_RETURN_IF_ERROR(p.Compile());
  return p;
}

Status Predicate::Compile() {
  if (op_ == CompareOp::kRegex || op_ == CompareOp::kNotRegex) {
    if (value_.kind != Operand::Kind::kString) {
      return Status::InvalidArgument("predicate: a regex needs a string operand");
    }
    LOUPE_ASSIGN_OR_RETURN(auto m, model::Matcher::Create(model::MatchType::kRegexMatch, "", value_.s));
    re_ = std::make_shared<const model::Matcher>(std::move(m));
  }
  if (IsIdIntrinsic(intrinsic_)) {
    if (op_ != CompareOp::kEq && op_ != CompareOp::kNe) {
      return Status::InvalidArgument("predicate: ids compare with = and != only");
    }
    if (value_.kind != Operand::Kind::kString) return Status::InvalidArgument("predicate: ids are hex strings");
    const bool trace = intrinsic_ == Intrinsic::kTraceId || intrinsic_ == Intrinsic::kLinkTraceId;
    if (trace) {
      if (!ParseHexId(value_.s, 16, trace_id_.bytes.data())) {
        return Status::InvalidArgument("predicate: bad trace id \"" + value_.s + "\"");
      }
    } else {
      uint8_t b[8];
      if (!ParseHexId(value_.s, 8, b)) return Status::InvalidArgument("predicate: bad span id \"" + value_.s + "\"");
      id_ = SpanIdFromBytes(std::string_view(reinterpret_cast<const char*>(b), 8));
    }
  }
  return Status::OK();
}

bool Predicate::MatchString(std::string_view v) const {
  switch (op_) {
    case CompareOp::kExists:
      return true;
    case CompareOp::kRegex:
      return re_->Matches(v);
    case CompareOp::kNotRegex:
      return !re_->Matches(v);
    default:
      return value_.kind == Operand::Kind::kString && Cmp<std::string_view>(v, value_.s, op_);
  }
}

bool Predicate::MatchInt(int64_t v) const {
  if (op_ == CompareOp::kExists) return true;
  if (value_.kind == Operand::Kind::kInt) return Cmp<int64_t>(v, value_.i, op_);
  if (value_.kind == Operand::Kind::kDouble) return Cmp<double>(static_cast<double>(v), value_.d, op_);
  return false;
}

bool Predicate::MatchDouble(double v) const {
  if (op_ == CompareOp::kExists) return true;
  if (!value_.IsNumeric()) return false;
  return Cmp<double>(v, value_.AsDouble(), op_);
}

bool Predicate::MatchBool(bool v) const {
  if (op_ == CompareOp::kExists) return true;
  if (value_.kind != Operand::Kind::kBool || (op_ != CompareOp::kEq && op_ != CompareOp::kNe)) return false;
  return Cmp<int64_t>(v ? 1 : 0, value_.i, op_);
}

bool Predicate::MatchU64(uint64_t v) const { return op_ == CompareOp::kEq ? v == id_ : v != id_; }

bool Predicate::MatchAttr(const AttrView& a) const {
  switch (a.type) {
    case ValueType::kString:
      return MatchString(a.s);
    case ValueType::kInt:
      return MatchInt(a.i);
    case ValueType::kDouble:
      return MatchDouble(a.d);
    case ValueType::kBool:
      return MatchBool(a.i != 0);
    case ValueType::kArray:
      return MatchArray(a.s);
    default:
      return op_ == CompareOp::kExists;
  }
}

bool Predicate::MatchArray(std::string_view encoded) const {
  if (op_ == CompareOp::kExists) return true;
  otlp::common::v1::AnyValue v;
  if (!DecodeAnyValue(ValueType::kArray, encoded, &v).ok() || !v.has_array_value()) return false;
  // As the TraceQL evaluator: elements of the first element's type count (Tempo's arrays are
  // homogeneous); != and !~ need every element to differ, the other operators one to match.
  const bool all = op_ == CompareOp::kNe || op_ == CompareOp::kNotRegex;
  using AV = otlp::common::v1::AnyValue;
  AV::ValueCase kind = AV::VALUE_NOT_SET;
  size_t n = 0, matched = 0;
  for (const AV& e : v.array_value().values()) {
    const AV::ValueCase c = e.value_case();
    if (c != AV::kStringValue && c != AV::kIntValue && c != AV::kDoubleValue && c != AV::kBoolValue) {
      continue;
    }
    if (kind == AV::VALUE_NOT_SET) kind = c;
    if (c != kind) continue;
    ++n;
    bool m = false;
    switch (c) {
      case AV::kStringValue:
        m = MatchString(e.string_value());
        break;
      case AV::kIntValue:
        m = MatchInt(e.int_value());
        break;
      case AV::kDoubleValue:
        m = MatchDouble(e.double_value());
        break;
      default:
        m = MatchBool(e.bool_value());
        break;
    }
    if (m) {
      ++matched;
      if (!all) return true;
    }
  }
  return all ? n > 0 && matched == n : false;
}

// --- Pruning --------------------------------------------------------------------------------

namespace {
bool RangeMayMatch(double lo, double hi, double v, CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return lo <= v && v <= hi;
    case CompareOp::kNe:
      return !(lo == v && hi == v);
    case CompareOp::kGt:
      return hi > v;
    case CompareOp::kGe:
      return hi >= v;
    case CompareOp::kLt:
      return lo < v;
    case CompareOp::kLe:
      return lo <= v;
    case CompareOp::kExists:
      return true;
    default:
      return false;
  }
}
}  // namespace

bool Predicate::AttrMayMatch(const BlockMeta& m, Table table) const {
  for (const auto& info : m.attrs) {
    if (info.table != table || info.key != key_ || info.count == 0) continue;
    if (op_ == CompareOp::kExists) return true;
    switch (info.type) {
      case ValueType::kString:
        if (value_.kind != Operand::Kind::kString) break;
        if (!info.small_dict) return true;
        for (const auto& v : info.dict_values) {
          if (MatchString(v)) return true;
        }
        break;
      case ValueType::kInt:
        if (value_.IsNumeric() &&
            RangeMayMatch(static_cast<double>(info.imin), static_cast<double>(info.imax), value_.AsDouble(), op_)) {
          return true;
        }
        break;
      case ValueType::kDouble:
        if (value_.IsNumeric() && RangeMayMatch(info.dmin, info.dmax, value_.AsDouble(), op_)) return true;
        break;
      case ValueType::kBool:
        if (value_.kind == Operand::Kind::kBool &&
            RangeMayMatch(static_cast<double>(info.imin), static_cast<double>(info.imax),
                          static_cast<double>(value_.i), op_)) {
          return true;
        }
        break;
      case ValueType::kArray:
        return true;  // no value summary of array elements: the block may match
      default:
        break;
    }
  }
  return false;
}

bool Predicate::MayMatch(const BlockMeta& m) const {
  auto in = [&](const std::vector<std::string>& set) {
    for (const auto& s : set) {
      if (MatchString(s)) return true;
    }
    return false;
  };
  switch (intrinsic_) {
    case Intrinsic::kNone:
      if (scope_ == Scope::kNone) return AttrMayMatch(m, Table::kSpan) || AttrMayMatch(m, Table::kResource);
      return AttrMayMatch(m, TableOf(scope_));
    case Intrinsic::kName:
    case Intrinsic::kRootName:
      return !m.small_names || in(m.names);
    case Intrinsic::kServiceName:
    case Intrinsic::kRootServiceName:
      return in(m.services);
    case Intrinsic::kKind:
      if (op_ == CompareOp::kEq && value_.kind == Operand::Kind::kInt) {
        return value_.i >= 0 && value_.i <= 5 && m.HasKind(static_cast<SpanKind>(value_.i));
      }
      return true;
    case Intrinsic::kStatus:
      if (op_ == CompareOp::kEq && value_.kind == Operand::Kind::kInt) {
        return value_.i >= 0 && value_.i <= 2 && m.HasStatus(static_cast<SpanStatus>(value_.i));
      }
      return true;
    case Intrinsic::kDuration:
      return value_.IsNumeric() && RangeMayMatch(static_cast<double>(m.min_duration),
                                                 static_cast<double>(m.max_duration), value_.AsDouble(), op_);
    case Intrinsic::kStart:
      return value_.IsNumeric() && RangeMayMatch(static_cast<double>(m.min_start),
                                                 static_cast<double>(m.max_start), value_.AsDouble(), op_);
    case Intrinsic::kTraceId:
      return op_ != CompareOp::kEq || m.bloom.MayContain(trace_id_);
    case Intrinsic::kEventName:
      return m.num_events > 0;
    case Intrinsic::kLinkTraceId:
    case Intrinsic::kLinkSpanId:
      return m.num_links > 0;
    default:
      return true;
  }
}

// --- Evaluation -----------------------------------------------------------------------------

Status Predicate::EvalAttribute(BlockSource& b, Table table, std::vector<uint8_t>* out) const {
  std::vector<uint32_t> cols;
  b.cols().FindAttr(table, key_, &cols);
  if (cols.empty()) return Status::OK();
  std::vector<uint8_t> marks(TableRowsOf(b, table), 0);
  std::vector<uint8_t> id_match;
  for (uint32_t ci : cols) {
    const AttrColumn& a = *b.cols().attrs[ci];
    const bool compatible =
        op_ == CompareOp::kExists ||
        (a.type == ValueType::kString && value_.kind == Operand::Kind::kString) ||
        ((a.type == ValueType::kInt || a.type == ValueType::kDouble) && value_.IsNumeric()) ||
        (a.type == ValueType::kBool && value_.kind == Operand::Kind::kBool) ||
        a.type == ValueType::kArray;  // elements of any scalar type
    if (!compatible) continue;
    LOUPE_RETURN_IF_ERROR(b.Ensure(kAttrUnitBase + ci));
    const size_t n = a.rows.size();
    if (op_ == CompareOp::kExists) {
      for (size_t k = 0; k < n; ++k) marks[a.rows[k]] = 1;
      continue;
    }
    switch (a.type) {
      case ValueType::kString: {
        id_match.assign(a.dict.size(), 0);
        bool any = false;
        for (uint32_t id = 0; id < a.dict.size(); ++id) any |= (id_match[id] = MatchString(a.dict.Get(id)));
        if (!any) break;
        for (size_t k = 0; k < n; ++k) {
          if (id_match[a.ids[k]]) marks[a.rows[k]] = 1;
        }
        break;
      }
      case ValueType::kInt:
        for (size_t k = 0; k < n; ++k) {
          if (MatchInt(a.ints[k])) marks[a.rows[k]] = 1;
        }
        break;
      case ValueType::kBool:
        for (size_t k = 0; k < n; ++k) {
          if (MatchBool(a.ints[k] != 0)) marks[a.rows[k]] = 1;
        }
        break;
      case ValueType::kDouble:
        for (size_t k = 0; k < n; ++k) {
          if (MatchDouble(a.doubles[k])) marks[a.rows[k]] = 1;
        }
        break;
      case ValueType::kArray: {
        id_match.assign(a.dict.size(), 0);
        bool any = false;
        for (uint32_t id = 0; id < a.dict.size(); ++id) any |= (id_match[id] = MatchArray(a.dict.Get(id)));
        if (!any) break;
        for (size_t k = 0; k < n; ++k) {
          if (id_match[a.ids[k]]) marks[a.rows[k]] = 1;
        }
        break;
      }
      default:
        break;
    }
  }
  return MapToSpans(b, table, marks, out);
}

Status Predicate::EvalIntrinsic(BlockSource& b, std::vector<uint8_t>* out) const {
  const BlockColumns& c = b.cols();
  std::vector<uint8_t>& o = *out;
  auto dict_rows = [&](const Dict& d, const std::vector<uint32_t>& ids, std::vector<uint8_t>* marks) {
    std::vector<uint8_t> m(d.size(), 0);
    bool any = false;
    for (uint32_t id = 0; id < d.size(); ++id) any |= (m[id] = MatchString(d.Get(id)));
    if (!any) return;
    for (size_t r = 0; r < ids.size(); ++r) {
      if (m[ids[r]]) (*marks)[r] = 1;
    }
  };
  auto per_trace = [&](auto&& pred) -> Status {
    LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitTraces));
    std::vector<uint8_t> tm(c.num_traces(), 0);
    bool any = false;
    for (uint32_t t = 0; t < c.num_traces(); ++t) any |= (tm[t] = pred(t));
    if (!any) return Status::OK();
    for (uint32_t r = 0; r < c.span_trace.size(); ++r) {
      if (tm[c.span_trace[r]]) o[r] = 1;
    }
    return Status::OK();
  };
  switch (intrinsic_) {
    case Intrinsic::kName:
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitName));
      dict_rows(c.names, c.name, out);
      return Status::OK();
    case Intrinsic::kStatusMessage:
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitStatusMessage));
      dict_rows(c.status_messages, c.status_message, out);
      return Status::OK();
    case Intrinsic::kKind:
    case Intrinsic::kStatus: {
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitKindStatus));
      const bool kind = intrinsic_ == Intrinsic::kKind;
      uint8_t m[16];
      for (int v = 0; v < 16; ++v) m[v] = MatchInt(v);
      for (size_t r = 0; r < c.kind_status.size(); ++r) {
        const uint8_t ks = c.kind_status[r];
        if (m[kind ? (ks & 15) : (ks >> 4)]) o[r] = 1;
      }
      return Status::OK();
    }
    case Intrinsic::kDuration:
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitDuration));
      if (value_.kind == Operand::Kind::kInt) {
        const int64_t v = value_.i;
        // The common shapes get tight loops.
        if (op_ == CompareOp::kGt) {
          for (size_t r = 0; r < c.duration.size(); ++r) o[r] |= c.duration[r] > v;
          return Status::OK();
        }
        if (op_ == CompareOp::kGe) {
          for (size_t r = 0; r < c.duration.size(); ++r) o[r] |= c.duration[r] >= v;
          return Status::OK();
        }
      }
      for (size_t r = 0; r < c.duration.size(); ++r) {
        if (MatchInt(c.duration[r])) o[r] = 1;
      }
      return Status::OK();
    case Intrinsic::kStart:
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitStart));
      for (size_t r = 0; r < c.start.size(); ++r) {
        if (MatchInt(c.start[r])) o[r] = 1;
      }
      return Status::OK();
    case Intrinsic::kEnd:
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitStart));
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitDuration));
      for (size_t r = 0; r < c.start.size(); ++r) {
        if (MatchInt(c.start[r] + c.duration[r])) o[r] = 1;
      }
      return Status::OK();
    case Intrinsic::kSpanId:
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitSpanIds));
      for (size_t r = 0; r < c.span_id.size(); ++r) {
        if (MatchU64(c.span_id[r])) o[r] = 1;
      }
      return Status::OK();
    case Intrinsic::kParentId:
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitParents));
      for (size_t r = 0; r < c.parent_id.size(); ++r) {
        if (MatchU64(c.parent_id[r])) o[r] = 1;
      }
      return Status::OK();
    case Intrinsic::kTraceId:
      return per_trace([&](uint32_t t) { return (c.trace_ids[t] == trace_id_) == (op_ == CompareOp::kEq); });
    case Intrinsic::kTraceDuration:
      return per_trace([&](uint32_t t) { return MatchInt(c.trace_end[t] - c.trace_start[t]); });
    case Intrinsic::kServiceName: {
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitResources));
      std::vector<uint8_t> marks(TableRowsOf(b, Table::kResource), 0);
      dict_rows(c.services, c.resource_service, &marks);
      return MapToSpans(b, Table::kResource, marks, out);
    }
    case Intrinsic::kRootServiceName:
    case Intrinsic::kRootName: {
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitTraces));
      const bool service = intrinsic_ == Intrinsic::kRootServiceName;
      LOUPE_RETURN_IF_ERROR(b.Ensure(service ? kUnitResourceRef : kUnitName));
      if (service) LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitResources));
      return per_trace([&](uint32_t t) {
        const int32_t root = c.trace_root[t];
        if (root < 0) return false;
        return MatchString(service ? c.services.Get(c.resource_service[c.resource[root]])
                                   : c.names.Get(c.name[root]));
      });
    }
    case Intrinsic::kEventName: {
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitEvents));
      std::vector<uint8_t> marks(c.event_name.size(), 0);
      dict_rows(c.event_names, c.event_name, &marks);
      return MapToSpans(b, Table::kEvent, marks, out);
    }
    case Intrinsic::kLinkTraceId:
    case Intrinsic::kLinkSpanId: {
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitLinks));
      std::vector<uint8_t> marks(c.link_span.size(), 0);
      for (size_t l = 0; l < marks.size(); ++l) {
        marks[l] = intrinsic_ == Intrinsic::kLinkSpanId
                       ? MatchU64(c.link_span_id[l])
                       : (c.link_trace[l] == trace_id_) == (op_ == CompareOp::kEq);
      }
      return MapToSpans(b, Table::kLink, marks, out);
    }
    case Intrinsic::kScopeName:
    case Intrinsic::kScopeVersion: {
      LOUPE_RETURN_IF_ERROR(b.Ensure(kUnitScopes));
      std::vector<uint8_t> marks(TableRowsOf(b, Table::kScope), 0);
      if (intrinsic_ == Intrinsic::kScopeName) {
        dict_rows(c.scope_names, c.scope_name, &marks);
      } else {
        dict_rows(c.scope_versions, c.scope_version, &marks);
      }
      return MapToSpans(b, Table::kScope, marks, out);
    }
    case Intrinsic::kNone:
      break;
  }
  return Status::OK();
}

Status Predicate::Evaluate(BlockSource& b, std::vector<uint8_t>* out) const {
  if (intrinsic_ != Intrinsic::kNone) return EvalIntrinsic(b, out);
  if (scope_ == Scope::kNone) {
    LOUPE_RETURN_IF_ERROR(EvalAttribute(b, Table::kSpan, out));
    return EvalAttribute(b, Table::kResource, out);
  }
  return EvalAttribute(b, TableOf(scope_), out);
}

}  // namespace loupe::storage::spanstore
