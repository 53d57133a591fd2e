#include "storage/spanstore/batch_codec.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <memory>

#include "storage/base/coding.h"

namespace loupe::storage::spanstore {
namespace {

using otlp::common::v1::AnyValue;
using otlp::common::v1::KeyValue;

Status Bad(const char* what) { return Status::Corruption(std::string("span batch: ") + what); }

// --- Encoding -------------------------------------------------------------------------------

void PutValue(std::string* out, const AnyValue& v, int depth);

void PutAttrs(std::string* out, const google::protobuf::RepeatedPtrField<KeyValue>& kvs, int depth) {
  PutVarint64(out, kvs.size());
  for (const auto& kv : kvs) {
    PutLengthPrefixed(out, kv.key());
    PutValue(out, kv.value(), depth);
  }
}

void PutValue(std::string* out, const AnyValue& v, int depth) {
  if (depth >= kMaxValueDepth) {
    out->push_back(static_cast<char>(ValueType::kEmpty));
    return;
  }
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      out->push_back(static_cast<char>(ValueType::kString));
      PutLengthPrefixed(out, v.string_value());
      break;
    case AnyValue::kBoolValue:
      out->push_back(static_cast<char>(ValueType::kBool));
      out->push_back(v.bool_value() ? 1 : 0);
      break;
    case AnyValue::kIntValue:
      out->push_back(static_cast<char>(ValueType::kInt));
      PutSignedVarint64(out, v.int_value());
      break;
    case AnyValue::kDoubleValue:
      out->push_back(static_cast<char>(ValueType::kDouble));
      PutFixed64(out, std::bit_cast<uint64_t>(v.double_value()));
      break;
    case AnyValue::kBytesValue:
      out->push_back(static_cast<char>(ValueType::kBytes));
      PutLengthPrefixed(out, v.bytes_value());
      break;
    case AnyValue::kArrayValue:
      out->push_back(static_cast<char>(ValueType::kArray));
      PutVarint64(out, v.array_value().values_size());
      for (const auto& e : v.array_value().values()) PutValue(out, e, depth + 1);
      break;
    case AnyValue::kKvlistValue:
      out->push_back(static_cast<char>(ValueType::kKvList));
      PutAttrs(out, v.kvlist_value().values(), depth + 1);
      break;
    default:
      out->push_back(static_cast<char>(ValueType::kEmpty));
      break;
  }
}

void PutSpanBody(std::string* out, const otlp::trace::v1::Span& s) {
  const int64_t start = static_cast<int64_t>(s.start_time_unix_nano());
  const int64_t end = static_cast<int64_t>(s.end_time_unix_nano());
  out->append(s.span_id().data(), 8);
  PutLengthPrefixed(out, s.parent_span_id());
  PutLengthPrefixed(out, s.name());
  // Kinds and status codes outside OTLP's enums (proto3 keeps unknown values) are stored as 0.
  const int kind = static_cast<int>(s.kind());
  out->push_back(static_cast<char>(kind >= 0 && kind <= 5 ? kind : 0));
  PutFixed64(out, static_cast<uint64_t>(start));
  PutSignedVarint64(out, static_cast<int64_t>(static_cast<uint64_t>(end) - static_cast<uint64_t>(start)));
  PutVarint64(out, s.flags());
  PutLengthPrefixed(out, s.trace_state());
  PutAttrs(out, s.attributes(), 0);
  PutVarint64(out, s.dropped_attributes_count());
  PutVarint64(out, s.events_size());
  for (const auto& e : s.events()) {
    PutSignedVarint64(out, static_cast<int64_t>(e.time_unix_nano() - s.start_time_unix_nano()));
    PutLengthPrefixed(out, e.name());
    PutAttrs(out, e.attributes(), 0);
    PutVarint64(out, e.dropped_attributes_count());
  }
  PutVarint64(out, s.dropped_events_count());
  PutVarint64(out, s.links_size());
  for (const auto& l : s.links()) {
    PutLengthPrefixed(out, l.trace_id());
    PutLengthPrefixed(out, l.span_id());
    PutLengthPrefixed(out, l.trace_state());
    PutVarint64(out, l.flags());
    PutAttrs(out, l.attributes(), 0);
    PutVarint64(out, l.dropped_attributes_count());
  }
  PutVarint64(out, s.dropped_links_count());
  const int code = static_cast<int>(s.status().code());
  out->push_back(static_cast<char>(code >= 0 && code <= 2 ? code : 0));
  PutLengthPrefixed(out, s.status().message());
}

// --- Decoding -------------------------------------------------------------------------------

bool GetU8(std::string_view* in, uint8_t* v) {
  if (in->empty()) return false;
  *v = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  return true;
}

bool GetU32Varint(std::string_view* in, uint32_t* v) { return GetVarint32(in, v); }

bool SkipValueBody(std::string_view* in, ValueType t, int depth);

bool SkipAttrs(std::string_view* in, int depth) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view key;
    uint8_t t;
    if (!GetLengthPrefixed(in, &key) || !GetU8(in, &t) || t >= kNumValueTypes) return false;
    if (!SkipValueBody(in, static_cast<ValueType>(t), depth)) return false;
  }
  return true;
}

bool SkipValueBody(std::string_view* in, ValueType t, int depth) {
  // Containers nest at most kMaxValueDepth deep (the encoder caps them); the +1 is the
  // top-level value's own level.
  if ((t == ValueType::kArray || t == ValueType::kKvList) && depth > kMaxValueDepth + 1) return false;
  std::string_view s;
  uint64_t u;
  switch (t) {
    case ValueType::kEmpty:
      return true;
    case ValueType::kString:
    case ValueType::kBytes:
      return GetLengthPrefixed(in, &s);
    case ValueType::kBool:
      if (in->empty()) return false;
      in->remove_prefix(1);
      return true;
    case ValueType::kInt:
      return GetVarint64(in, &u);
    case ValueType::kDouble:
      return GetFixed64(in, &u);
    case ValueType::kArray: {
      if (!GetVarint64(in, &u) || u > in->size()) return false;
      for (uint64_t i = 0; i < u; ++i) {
        uint8_t et;
        if (!GetU8(in, &et) || et >= kNumValueTypes) return false;
        if (!SkipValueBody(in, static_cast<ValueType>(et), depth + 1)) return false;
      }
      return true;
    }
    case ValueType::kKvList:
      return SkipAttrs(in, depth + 1);
  }
  return false;
}

bool GetAttrValue(std::string_view* in, AttrView* a) {
  uint8_t t;
  if (!GetU8(in, &t) || t >= kNumValueTypes) return false;
  a->type = static_cast<ValueType>(t);
  a->i = 0;
  a->d = 0;
  a->s = {};
  uint64_t u;
  switch (a->type) {
    case ValueType::kEmpty:
      return true;
    case ValueType::kString:
    case ValueType::kBytes:
      return GetLengthPrefixed(in, &a->s);
    case ValueType::kBool:
      if (in->empty()) return false;
      a->i = (*in)[0] ? 1 : 0;
      in->remove_prefix(1);
      return true;
    case ValueType::kInt:
      return GetSignedVarint64(in, &a->i);
    case ValueType::kDouble:
      if (!GetFixed64(in, &u)) return false;
      a->d = std::bit_cast<double>(u);
      return true;
    case ValueType::kArray:
    case ValueType::kKvList: {
      const char* begin = in->data();
      if (!SkipValueBody(in, a->type, 1)) return false;
      a->s = std::string_view(begin, static_cast<size_t>(in->data() - begin));
      return true;
    }
  }
  return false;
}

bool GetAttrs(std::string_view* in, std::vector<AttrView>* out) {
  out->clear();
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  out->resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    AttrView& a = (*out)[i];
    if (!GetLengthPrefixed(in, &a.key) || !GetAttrValue(in, &a)) return false;
  }
  return true;
}

void ToAnyValue(const AttrView& a, AnyValue* v);

Status DecodeValueInto(std::string_view* in, AnyValue* v, int depth);

Status DecodeKvList(std::string_view* in, google::protobuf::RepeatedPtrField<KeyValue>* out, int depth) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return Bad("bad kvlist");
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view key;
    if (!GetLengthPrefixed(in, &key)) return Bad("bad kvlist key");
    KeyValue* kv = out->Add();
    kv->set_key(std::string(key));
    LOUPE_RETURN_IF_ERROR(DecodeValueInto(in, kv->mutable_value(), depth));
  }
  return Status::OK();
}

Status DecodeBody(ValueType t, std::string_view* in, AnyValue* v, int depth) {
  if ((t == ValueType::kArray || t == ValueType::kKvList) && depth > kMaxValueDepth + 1) {
    return Bad("value nested too deeply");
  }
  std::string_view s;
  uint64_t u;
  int64_t i;
  switch (t) {
    case ValueType::kEmpty:
      return Status::OK();
    case ValueType::kString:
      if (!GetLengthPrefixed(in, &s)) return Bad("bad string value");
      v->set_string_value(std::string(s));
      return Status::OK();
    case ValueType::kBytes:
      if (!GetLengthPrefixed(in, &s)) return Bad("bad bytes value");
      v->set_bytes_value(std::string(s));
      return Status::OK();
    case ValueType::kBool:
      if (in->empty()) return Bad("bad bool value");
      v->set_bool_value((*in)[0] != 0);
      in->remove_prefix(1);
      return Status::OK();
    case ValueType::kInt:
      if (!GetSignedVarint64(in, &i)) return Bad("bad int value");
      v->set_int_value(i);
      return Status::OK();
    case ValueType::kDouble:
      if (!GetFixed64(in, &u)) return Bad("bad double value");
      v->set_double_value(std::bit_cast<double>(u));
      return Status::OK();
    case ValueType::kArray: {
      if (!GetVarint64(in, &u) || u > in->size()) return Bad("bad array value");
      auto* arr = v->mutable_array_value();
      for (uint64_t k = 0; k < u; ++k) {
        LOUPE_RETURN_IF_ERROR(DecodeValueInto(in, arr->add_values(), depth + 1));
      }
      return Status::OK();
    }
    case ValueType::kKvList:
      return DecodeKvList(in, v->mutable_kvlist_value()->mutable_values(), depth + 1);
  }
  return Bad("bad value type");
}

Status DecodeValueInto(std::string_view* in, AnyValue* v, int depth) {
  uint8_t t;
  if (!GetU8(in, &t) || t >= kNumValueTypes) return Bad("bad value type");
  return DecodeBody(static_cast<ValueType>(t), in, v, depth);
}

void ToAnyValue(const AttrView& a, AnyValue* v) {
  switch (a.type) {
    case ValueType::kString:
      v->set_string_value(std::string(a.s));
      break;
    case ValueType::kBytes:
      v->set_bytes_value(std::string(a.s));
      break;
    case ValueType::kBool:
      v->set_bool_value(a.i != 0);
      break;
    case ValueType::kInt:
      v->set_int_value(a.i);
      break;
    case ValueType::kDouble:
      v->set_double_value(a.d);
      break;
    case ValueType::kArray:
    case ValueType::kKvList: {
      // Validated by the parser that produced the view.
      (void)DecodeAnyValue(a.type, a.s, v);
      break;
    }
    case ValueType::kEmpty:
      break;
  }
}

void ToKeyValues(const std::vector<AttrView>& attrs, google::protobuf::RepeatedPtrField<KeyValue>* out) {
  out->Reserve(static_cast<int>(attrs.size()));
  for (const auto& a : attrs) {
    KeyValue* kv = out->Add();
    kv->set_key(std::string(a.key));
    // An empty AnyValue is written as no value at all (the usual wire form of "empty").
    if (a.type != ValueType::kEmpty) ToAnyValue(a, kv->mutable_value());
  }
}

}  // namespace

Status DecodeAnyValue(ValueType type, std::string_view body, AnyValue* out) {
  out->Clear();
  std::string_view in = body;
  LOUPE_RETURN_IF_ERROR(DecodeBody(type, &in, out, 1));
  if (!in.empty()) return Bad("trailing bytes after value");
  return Status::OK();
}

std::string FormatAttrValue(const AttrView& a) {
  switch (a.type) {
    case ValueType::kString:
      return std::string(a.s);
    case ValueType::kBool:
      return a.i ? "true" : "false";
    case ValueType::kInt:
      return std::to_string(a.i);
    case ValueType::kDouble: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%g", a.d);
      return buf;
    }
    case ValueType::kBytes:
      return HexEncode(a.s);
    case ValueType::kArray:
    case ValueType::kKvList: {
      AnyValue v;
      if (!DecodeAnyValue(a.type, a.s, &v).ok()) return "";
      return v.ShortDebugString();
    }
    case ValueType::kEmpty:
      return "";
  }
  return "";
}

Status ParseResourceHeader(std::string_view hdr, ResourceView* out) {
  if (!GetAttrs(&hdr, &out->attrs) || !GetU32Varint(&hdr, &out->dropped_attributes) ||
      !GetLengthPrefixed(&hdr, &out->schema_url) || !hdr.empty()) {
    return Bad("bad resource header");
  }
  return Status::OK();
}

Status ParseScopeHeader(std::string_view hdr, ScopeView* out) {
  if (!GetLengthPrefixed(&hdr, &out->name) || !GetLengthPrefixed(&hdr, &out->version) ||
      !GetAttrs(&hdr, &out->attrs) || !GetU32Varint(&hdr, &out->dropped_attributes) ||
      !GetLengthPrefixed(&hdr, &out->schema_url) || !hdr.empty()) {
    return Bad("bad scope header");
  }
  return Status::OK();
}

Status ParseSpan(std::string_view in, std::string_view shared_trace_id, SpanView* out) {
  if (!shared_trace_id.empty()) {
    out->trace_id = shared_trace_id;
  } else {
    if (in.size() < 16) return Bad("truncated span");
    out->trace_id = in.substr(0, 16);
    in.remove_prefix(16);
  }
  if (in.size() < 8) return Bad("truncated span");
  out->span_id = in.substr(0, 8);
  in.remove_prefix(8);
  uint8_t kind, status;
  uint64_t start;
  int64_t dur;
  if (!GetLengthPrefixed(&in, &out->parent_span_id) || !GetLengthPrefixed(&in, &out->name) ||
      !GetU8(&in, &kind) || !GetFixed64(&in, &start) || !GetSignedVarint64(&in, &dur) ||
      !GetU32Varint(&in, &out->flags) || !GetLengthPrefixed(&in, &out->trace_state) ||
      !GetAttrs(&in, &out->attrs) || !GetU32Varint(&in, &out->dropped_attributes)) {
    return Bad("bad span");
  }
  out->kind = static_cast<SpanKind>(kind);
  out->start = static_cast<int64_t>(start);
  out->end = static_cast<int64_t>(start + static_cast<uint64_t>(dur));
  uint64_t n;
  if (!GetVarint64(&in, &n) || n > in.size()) return Bad("bad span events");
  out->events.resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    EventView& e = out->events[i];
    int64_t dt;
    if (!GetSignedVarint64(&in, &dt) || !GetLengthPrefixed(&in, &e.name) || !GetAttrs(&in, &e.attrs) ||
        !GetU32Varint(&in, &e.dropped_attributes)) {
      return Bad("bad span event");
    }
    e.time = static_cast<int64_t>(start + static_cast<uint64_t>(dt));
  }
  if (!GetU32Varint(&in, &out->dropped_events) || !GetVarint64(&in, &n) || n > in.size()) {
    return Bad("bad span links");
  }
  out->links.resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    LinkView& l = out->links[i];
    if (!GetLengthPrefixed(&in, &l.trace_id) || !GetLengthPrefixed(&in, &l.span_id) ||
        !GetLengthPrefixed(&in, &l.trace_state) || !GetU32Varint(&in, &l.flags) ||
        !GetAttrs(&in, &l.attrs) || !GetU32Varint(&in, &l.dropped_attributes)) {
      return Bad("bad span link");
    }
  }
  if (!GetU32Varint(&in, &out->dropped_links) || !GetU8(&in, &status) || status > 2 || kind > 5 ||
      !GetLengthPrefixed(&in, &out->status_message) || !in.empty()) {
    return Bad("bad span status");
  }
  out->status = static_cast<SpanStatus>(status);
  return Status::OK();
}

Status WalkBatch(std::string_view in, BatchVisitor* v, std::string_view* shared_trace_id) {
  uint8_t version, flags;
  if (!GetU8(&in, &version) || version != kBatchVersion) return Bad("unknown version");
  if (!GetU8(&in, &flags) || (flags & ~kBatchSharedTraceId) != 0) return Bad("bad flags");
  std::string_view shared;
  if (flags & kBatchSharedTraceId) {
    if (in.size() < 16) return Bad("truncated trace id");
    shared = in.substr(0, 16);
    in.remove_prefix(16);
  }
  if (shared_trace_id) *shared_trace_id = shared;
  uint64_t nres;
  if (!GetVarint64(&in, &nres) || nres > in.size()) return Bad("bad resource count");
  for (uint64_t r = 0; r < nres; ++r) {
    std::string_view hdr;
    uint64_t nscopes;
    if (!GetLengthPrefixed(&in, &hdr) || !GetVarint64(&in, &nscopes) || nscopes > in.size()) {
      return Bad("bad resource");
    }
    LOUPE_RETURN_IF_ERROR(v->OnResource(hdr));
    for (uint64_t s = 0; s < nscopes; ++s) {
      std::string_view shdr;
      uint64_t nspans;
      if (!GetLengthPrefixed(&in, &shdr) || !GetVarint64(&in, &nspans) || nspans > in.size()) {
        return Bad("bad scope");
      }
      LOUPE_RETURN_IF_ERROR(v->OnScope(shdr));
      for (uint64_t k = 0; k < nspans; ++k) {
        std::string_view blob;
        if (!GetLengthPrefixed(&in, &blob)) return Bad("bad span length");
        LOUPE_RETURN_IF_ERROR(v->OnSpan(blob));
      }
    }
  }
  if (!in.empty()) return Bad("trailing bytes");
  return Status::OK();
}

// --- BatchBuilder ---------------------------------------------------------------------------

void BatchBuilder::Clear() {
  buf_.clear();
  resources_.clear();
  scopes_.clear();
  spans_.clear();
}

uint32_t BatchBuilder::AddResource(const otlp::resource::v1::Resource& r, std::string_view schema_url) {
  const auto off = static_cast<uint32_t>(buf_.size());
  PutAttrs(&buf_, r.attributes(), 0);
  PutVarint64(&buf_, r.dropped_attributes_count());
  PutLengthPrefixed(&buf_, schema_url);
  resources_.push_back({0, off, static_cast<uint32_t>(buf_.size() - off)});
  return static_cast<uint32_t>(resources_.size() - 1);
}

uint32_t BatchBuilder::AddScope(uint32_t resource, const otlp::common::v1::InstrumentationScope& s,
                                std::string_view schema_url) {
  const auto off = static_cast<uint32_t>(buf_.size());
  PutLengthPrefixed(&buf_, s.name());
  PutLengthPrefixed(&buf_, s.version());
  PutAttrs(&buf_, s.attributes(), 0);
  PutVarint64(&buf_, s.dropped_attributes_count());
  PutLengthPrefixed(&buf_, schema_url);
  scopes_.push_back({resource, off, static_cast<uint32_t>(buf_.size() - off)});
  return static_cast<uint32_t>(scopes_.size() - 1);
}

uint32_t BatchBuilder::AddSpan(uint32_t scope, const otlp::trace::v1::Span& span) {
  const auto off = static_cast<uint32_t>(buf_.size());
  buf_.append(span.trace_id().data(), 16);
  PutSpanBody(&buf_, span);
  spans_.push_back({scope, off, static_cast<uint32_t>(buf_.size() - off)});
  return static_cast<uint32_t>(spans_.size() - 1);
}

size_t BatchBuilder::Assemble(const std::vector<bool>& keep, std::string* out) const {
  auto kept = [&](size_t i) { return keep.empty() || keep[i]; };
  // Spans are added grouped by scope and scopes by resource (the OTLP nesting), so one pass
  // over spans finds each group's range.
  std::vector<uint32_t> scope_spans(scopes_.size(), 0);
  std::vector<uint32_t> res_scopes(resources_.size(), 0);
  size_t written = 0;
  for (size_t i = 0; i < spans_.size(); ++i) {
    if (kept(i) && scope_spans[spans_[i].scope]++ == 0) res_scopes[scopes_[spans_[i].scope].parent]++;
  }
  out->push_back(static_cast<char>(kBatchVersion));
  out->push_back(0);
  uint64_t nres = 0;
  for (uint32_t c : res_scopes) nres += c > 0;
  PutVarint64(out, nres);
  size_t si = 0;  // span cursor
  size_t sc = 0;  // scope cursor
  for (uint32_t r = 0; r < resources_.size(); ++r) {
    const bool res_kept = res_scopes[r] > 0;
    if (res_kept) {
      PutLengthPrefixed(out, std::string_view(buf_).substr(resources_[r].offset, resources_[r].length));
      PutVarint64(out, res_scopes[r]);
    }
    for (; sc < scopes_.size() && scopes_[sc].parent == r; ++sc) {
      const uint32_t n = scope_spans[sc];
      if (n > 0) {
        PutLengthPrefixed(out, std::string_view(buf_).substr(scopes_[sc].offset, scopes_[sc].length));
        PutVarint64(out, n);
      }
      for (; si < spans_.size() && spans_[si].scope == sc; ++si) {
        if (!kept(si)) continue;
        PutLengthPrefixed(out, SpanBlob(static_cast<uint32_t>(si)));
        ++written;
      }
    }
  }
  return written;
}

// --- TraceRecordWriter ----------------------------------------------------------------------

void TraceRecordWriter::Begin(const TraceId& id) {
  out_.clear();
  res_body_.clear();
  scope_body_.clear();
  resources_ = res_scopes_ = scope_spans_ = 0;
  in_res_ = in_scope_ = false;
  out_.push_back(static_cast<char>(kBatchVersion));
  out_.push_back(static_cast<char>(kBatchSharedTraceId));
  out_.append(id.view());
}

void TraceRecordWriter::CloseScope() {
  if (!in_scope_) return;
  PutLengthPrefixed(&res_body_, cur_scope_);
  PutVarint64(&res_body_, scope_spans_);
  res_body_.append(scope_body_);
  scope_body_.clear();
  scope_spans_ = 0;
  ++res_scopes_;
  in_scope_ = false;
}

void TraceRecordWriter::CloseResource() {
  CloseScope();
  if (!in_res_) return;
  // Resources are buffered whole: their count precedes them in the batch.
  PutLengthPrefixed(&out_, cur_res_);
  PutVarint64(&out_, res_scopes_);
  out_.append(res_body_);
  res_body_.clear();
  res_scopes_ = 0;
  ++resources_;
  in_res_ = false;
}

void TraceRecordWriter::Resource(std::string_view hdr) {
  if (in_res_ && hdr == cur_res_) return;
  CloseResource();
  cur_res_ = hdr;
  in_res_ = true;
}

void TraceRecordWriter::Scope(std::string_view hdr) {
  if (in_scope_ && hdr == cur_scope_) return;
  CloseScope();
  cur_scope_ = hdr;
  in_scope_ = true;
}

void TraceRecordWriter::Span(std::string_view blob) {
  PutLengthPrefixed(&scope_body_, blob.substr(16));
  ++scope_spans_;
}

const std::string& TraceRecordWriter::Finish() {
  CloseResource();
  // The resource count goes after the 18-byte prefix; resources were appended after it, so
  // rebuild with the count in place.
  std::string body = out_.substr(18);
  out_.resize(18);
  PutVarint64(&out_, resources_);
  out_.append(body);
  return out_;
}

// --- TraceAssembler -------------------------------------------------------------------------

class AssembleVisitor final : public BatchVisitor {
 public:
  AssembleVisitor(TraceAssembler* a, std::string_view shared) : a_(a), shared_(shared) {}
  Status OnResource(std::string_view hdr) override {
    res_hdr_ = hdr;
    res_ = nullptr;
    return Status::OK();
  }
  Status OnScope(std::string_view hdr) override {
    scope_hdr_ = hdr;
    scope_ = nullptr;
    return Status::OK();
  }
  Status OnSpan(std::string_view blob) override {
    LOUPE_RETURN_IF_ERROR(ParseSpan(blob, shared_, &span_));
    const uint64_t id = SpanIdFromBytes(span_.span_id);
    if (!a_->seen_.insert({id, static_cast<uint8_t>(span_.kind)}).second) return Status::OK();
    if (a_->max_bytes_ > 0 && a_->bytes_ + blob.size() > a_->max_bytes_) {
      a_->partial_ = true;
      return Status::OK();
    }
    a_->bytes_ += blob.size();
    a_->spans_++;
    if (!scope_) LOUPE_RETURN_IF_ERROR(OpenGroup());
    auto* s = scope_->add_spans();
    s->set_trace_id(std::string(span_.trace_id));
    s->set_span_id(std::string(span_.span_id));
    s->set_parent_span_id(std::string(span_.parent_span_id));
    s->set_trace_state(std::string(span_.trace_state));
    s->set_flags(span_.flags);
    s->set_name(std::string(span_.name));
    s->set_kind(static_cast<otlp::trace::v1::Span::SpanKind>(span_.kind));
    s->set_start_time_unix_nano(static_cast<uint64_t>(span_.start));
    s->set_end_time_unix_nano(static_cast<uint64_t>(span_.end));
    ToKeyValues(span_.attrs, s->mutable_attributes());
    s->set_dropped_attributes_count(span_.dropped_attributes);
    for (const auto& e : span_.events) {
      auto* ev = s->add_events();
      ev->set_time_unix_nano(static_cast<uint64_t>(e.time));
      ev->set_name(std::string(e.name));
      ToKeyValues(e.attrs, ev->mutable_attributes());
      ev->set_dropped_attributes_count(e.dropped_attributes);
    }
    s->set_dropped_events_count(span_.dropped_events);
    for (const auto& l : span_.links) {
      auto* lk = s->add_links();
      lk->set_trace_id(std::string(l.trace_id));
      lk->set_span_id(std::string(l.span_id));
      lk->set_trace_state(std::string(l.trace_state));
      lk->set_flags(l.flags);
      ToKeyValues(l.attrs, lk->mutable_attributes());
      lk->set_dropped_attributes_count(l.dropped_attributes);
    }
    s->set_dropped_links_count(span_.dropped_links);
    if (span_.status != SpanStatus::kUnset || !span_.status_message.empty()) {
      auto* st = s->mutable_status();
      st->set_code(static_cast<otlp::trace::v1::Status::StatusCode>(span_.status));
      st->set_message(std::string(span_.status_message));
    }
    return Status::OK();
  }

 private:
  Status OpenGroup() {
    if (!res_) {
      auto [it, inserted] = a_->resource_index_.try_emplace(std::string(res_hdr_),
                                                            static_cast<uint32_t>(a_->groups_.size()));
      if (inserted) {
        ResourceView rv;
        LOUPE_RETURN_IF_ERROR(ParseResourceHeader(res_hdr_, &rv));
        auto g = std::make_unique<otlp::trace::v1::ResourceSpans>();
        ToKeyValues(rv.attrs, g->mutable_resource()->mutable_attributes());
        g->mutable_resource()->set_dropped_attributes_count(rv.dropped_attributes);
        g->set_schema_url(std::string(rv.schema_url));
        a_->groups_.push_back(std::move(g));
      }
      res_index_ = it->second;
      res_ = a_->groups_[res_index_].get();
    }
    std::string key(reinterpret_cast<const char*>(&res_index_), sizeof(res_index_));
    key.append(scope_hdr_);
    auto [it, inserted] = a_->scope_index_.try_emplace(std::move(key), nullptr);
    if (inserted) {
      ScopeView sv;
      LOUPE_RETURN_IF_ERROR(ParseScopeHeader(scope_hdr_, &sv));
      auto* ss = res_->add_scope_spans();
      auto* scope = ss->mutable_scope();
      scope->set_name(std::string(sv.name));
      scope->set_version(std::string(sv.version));
      ToKeyValues(sv.attrs, scope->mutable_attributes());
      scope->set_dropped_attributes_count(sv.dropped_attributes);
      ss->set_schema_url(std::string(sv.schema_url));
      it->second = ss;
    }
    scope_ = it->second;
    return Status::OK();
  }

  TraceAssembler* a_;
  std::string_view shared_;
  std::string_view res_hdr_, scope_hdr_;
  otlp::trace::v1::ResourceSpans* res_ = nullptr;
  uint32_t res_index_ = 0;
  otlp::trace::v1::ScopeSpans* scope_ = nullptr;
  SpanView span_;
};

Status TraceAssembler::Add(std::string_view batch) {
  // Validate the framing first so a corrupt record adds nothing.
  struct Check final : BatchVisitor {
    std::string_view shared;
    ResourceView rv;
    ScopeView sv;
    SpanView span;
    Status OnResource(std::string_view hdr) override { return ParseResourceHeader(hdr, &rv); }
    Status OnScope(std::string_view hdr) override { return ParseScopeHeader(hdr, &sv); }
    Status OnSpan(std::string_view blob) override { return ParseSpan(blob, shared, &span); }
  } check;
  std::string_view shared;
  // The shared id is read by the first walk's header; spans need it, so peek it first.
  if (batch.size() >= 18 && static_cast<uint8_t>(batch[1]) & kBatchSharedTraceId) {
    check.shared = batch.substr(2, 16);
  }
  LOUPE_RETURN_IF_ERROR(WalkBatch(batch, &check, &shared));
  AssembleVisitor v(this, shared);
  return WalkBatch(batch, &v);
}

void TraceAssembler::Release(google::protobuf::RepeatedPtrField<otlp::trace::v1::ResourceSpans>* out) {
  for (auto& g : groups_) {
    if (g->scope_spans_size() == 0) continue;
    out->AddAllocated(g.release());
  }
  groups_.clear();
  resource_index_.clear();
  scope_index_.clear();
}

}  // namespace loupe::storage::spanstore
