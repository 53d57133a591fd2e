#include "ingest/loki/push_decoder.h"

#include <simdjson.h>

#include <cctype>

#include "ingest/prom/protowire.h"

namespace loupe::ingest::loki {

using prom::ProtoReader;
using prom::WireType;
using storage::model::LabelRef;

namespace {

Status Bad(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Reads a Go double-quoted string starting at s[*pos] == '"'; sets *out to a view of s when no
// escapes, else to an unescaped copy in the arena.
bool ReadQuoted(std::string_view s, size_t* pos, std::deque<std::string>* arena, std::string_view* out) {
  const char quote = s[*pos];
  size_t i = *pos + 1;
  if (quote == '`') {
    const auto end = s.find('`', i);
    if (end == std::string_view::npos) return false;
    *out = s.substr(i, end - i);
    *pos = end + 1;
    return true;
  }
  const size_t start = i;
  bool escaped = false;
  while (i < s.size() && s[i] != '"') {
    if (s[i] == '\\') {
      escaped = true;
      ++i;
    }
    ++i;
  }
  if (i >= s.size()) return false;
  if (!escaped) {
    *out = s.substr(start, i - start);
  } else {
    std::string v;
    for (size_t k = start; k < i; ++k) {
      if (s[k] != '\\') {
        v += s[k];
        continue;
      }
      const char e = s[++k];
      switch (e) {
        case 'n': v += '\n'; break;
        case 't': v += '\t'; break;
        case 'r': v += '\r'; break;
        case '\\': v += '\\'; break;
        case '"': v += '"'; break;
        case '\'': v += '\''; break;
        case 'u': {
          if (k + 4 >= i + 1 || k + 4 > i) return false;
          const unsigned cp = static_cast<unsigned>(std::stoul(std::string(s.substr(k + 1, 4)), nullptr, 16));
          if (cp < 0x80) {
            v += static_cast<char>(cp);
          } else if (cp < 0x800) {
            v += static_cast<char>(0xc0 | (cp >> 6));
            v += static_cast<char>(0x80 | (cp & 0x3f));
          } else {
            v += static_cast<char>(0xe0 | (cp >> 12));
            v += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            v += static_cast<char>(0x80 | (cp & 0x3f));
          }
          k += 4;
          break;
        }
        default:
          return false;
      }
    }
    arena->push_back(std::move(v));
    *out = arena->back();
  }
  *pos = i + 1;
  return true;
}

void SkipSpace(std::string_view s, size_t* pos) {
  while (*pos < s.size() && std::isspace(static_cast<unsigned char>(s[*pos]))) ++(*pos);
}

}  // namespace

Status ParseLabelSet(std::string_view s, std::deque<std::string>* arena, std::vector<LabelRef>* out) {
  out->clear();
  auto fail = [&](const std::string& why) {
    return Bad("error parsing labels '" + std::string(s) + "' with error: " + why);
  };
  size_t pos = 0;
  SkipSpace(s, &pos);
  if (pos >= s.size() || s[pos] != '{') return fail("expected '{'");
  ++pos;
  SkipSpace(s, &pos);
  if (pos < s.size() && s[pos] == '}') {
    ++pos;
    SkipSpace(s, &pos);
    return pos == s.size() ? Status::OK() : fail("unexpected characters after '}'");
  }
  while (true) {
    SkipSpace(s, &pos);
    LabelRef l;
    if (pos < s.size() && (s[pos] == '"' || s[pos] == '`')) {
      if (!ReadQuoted(s, &pos, arena, &l.name)) return fail("unterminated quoted label name");
    } else {
      if (pos >= s.size() || !IsNameStart(s[pos])) return fail("expected a label name at position " + std::to_string(pos));
      const size_t start = pos;
      while (pos < s.size() && IsNameChar(s[pos])) ++pos;
      l.name = s.substr(start, pos - start);
    }
    SkipSpace(s, &pos);
    if (pos >= s.size() || s[pos] != '=') return fail("expected '=' after label name \"" + std::string(l.name) + "\"");
    ++pos;
    SkipSpace(s, &pos);
    if (pos >= s.size() || (s[pos] != '"' && s[pos] != '`')) return fail("expected a quoted label value for \"" + std::string(l.name) + "\"");
    if (!ReadQuoted(s, &pos, arena, &l.value)) return fail("invalid or unterminated label value");
    out->push_back(l);
    SkipSpace(s, &pos);
    if (pos < s.size() && s[pos] == ',') {
      ++pos;
      SkipSpace(s, &pos);
      if (pos < s.size() && s[pos] == '}') break;  // trailing comma
      continue;
    }
    if (pos < s.size() && s[pos] == '}') break;
    return fail("expected ',' or '}'");
  }
  ++pos;
  SkipSpace(s, &pos);
  if (pos != s.size()) return fail("unexpected characters after '}'");
  return Status::OK();
}

struct PushDecoder::Impl {
  simdjson::dom::parser parser;
  std::deque<std::string> arena;
  std::vector<LabelRef> labels;
  std::vector<LabelRef> metadata;
};

PushDecoder::PushDecoder() : impl_(std::make_unique<Impl>()) {}
PushDecoder::~PushDecoder() = default;

namespace {

Status JsonError(const char* where, simdjson::error_code e) {
  return Bad(std::string("couldn't parse push request: ") + where + ": " + simdjson::error_message(e));
}

bool ParseNanos(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  int64_t v = 0;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    i = 1;
  }
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (v > (INT64_MAX - (s[i] - '0')) / 10) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = neg ? -v : v;
  return true;
}

}  // namespace

Status PushDecoder::DecodeJson(std::string_view body, storage::logstore::LogStore::Appender* app, PushDecodeStats* stats) {
  // The DOM parser keeps every unescaped string in its own buffer, which lives as long as the
  // decoder: lines and values go to the appender as views, without copies.
  Impl& m = *impl_;
  simdjson::dom::element root;
  if (auto e = m.parser.parse(body.data(), body.size()).get(root); e) return JsonError("document", e);
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return Bad("couldn't parse push request: the body must be a JSON object");
  simdjson::dom::array streams;
  if (auto e = obj["streams"].get_array().get(streams); e) {
    if (e == simdjson::NO_SUCH_FIELD) return Status::OK();  // nothing to push
    return Bad("couldn't parse push request: \"streams\" must be an array");
  }
  for (simdjson::dom::element sv : streams) {
    simdjson::dom::object stream;
    if (sv.get_object().get(stream)) return Bad("couldn't parse push request: each stream must be an object");
    m.labels.clear();
    simdjson::dom::object lo;
    auto le = stream["stream"].get_object().get(lo);
    if (le == simdjson::NO_SUCH_FIELD) le = stream["labels"].get_object().get(lo);
    if (le && le != simdjson::NO_SUCH_FIELD) return Bad("couldn't parse push request: \"stream\" must be an object of labels");
    if (!le) {
      for (auto [name, value] : lo) {
        std::string_view v;
        if (value.get_string().get(v)) {
          return Bad("couldn't parse push request: label \"" + std::string(name) + "\" must have a string value");
        }
        m.labels.push_back({name, v});
      }
    }
    ++stats->streams;
    app->AddStream(m.labels.data(), m.labels.size());
    simdjson::dom::array values;
    if (auto e = stream["values"].get_array().get(values); e) {
      if (e == simdjson::NO_SUCH_FIELD) continue;
      return Bad("couldn't parse push request: \"values\" must be an array");
    }
    for (simdjson::dom::element ev : values) {
      simdjson::dom::array tuple;
      if (ev.get_array().get(tuple)) return Bad("couldn't parse push request: each value must be an array");
      const size_t n = tuple.size();
      if (n < 2 || n > 3) return Bad("couldn't parse push request: a value must be [\"<ns>\", \"<line>\"] or [\"<ns>\", \"<line>\", {metadata}]");
      std::string_view tss, line;
      if (tuple.at(0).get_string().get(tss)) {
        return Bad("couldn't parse push request: timestamp must be a string of nanoseconds since the Unix epoch");
      }
      int64_t ts;
      if (!ParseNanos(tss, &ts)) return Bad("couldn't parse push request: invalid timestamp \"" + std::string(tss) + "\"");
      if (tuple.at(1).get_string().get(line)) return Bad("couldn't parse push request: the line must be a string");
      m.metadata.clear();
      if (n == 3) {
        simdjson::dom::object md;
        if (tuple.at(2).get_object().get(md)) return Bad("couldn't parse push request: structured metadata must be an object");
        for (auto [k, v] : md) {
          std::string_view vs;
          if (v.get_string().get(vs)) return Bad("couldn't parse push request: structured metadata values must be strings");
          m.metadata.push_back({k, vs});
        }
      }
      app->AddEntry(ts, line, m.metadata.data(), m.metadata.size());
      ++stats->entries;
      stats->bytes += line.size();
    }
  }
  return Status::OK();
}

Status PushDecoder::DecodeProto(std::string_view body, storage::logstore::LogStore::Appender* app, PushDecodeStats* stats) {
  Impl& m = *impl_;
  ProtoReader req(body);
  while (req.Next()) {
    if (req.field() != 1 || req.wire_type() != WireType::kLen) {
      if (!req.Skip()) break;
      continue;
    }
    std::string_view labels_text;
    std::vector<std::string_view> entries;
    ProtoReader st(req.bytes());
    while (st.Next()) {
      if (st.field() == 1 && st.wire_type() == WireType::kLen) labels_text = st.bytes();
      else if (st.field() == 2 && st.wire_type() == WireType::kLen) entries.push_back(st.bytes());
      else if (!st.Skip()) break;
    }
    if (!st.ok()) return Bad("couldn't parse push request: malformed StreamAdapter");
    LOUPE_RETURN_IF_ERROR(ParseLabelSet(labels_text, &m.arena, &m.labels));
    ++stats->streams;
    app->AddStream(m.labels.data(), m.labels.size());
    for (auto eb : entries) {
      int64_t secs = 0, nanos = 0;
      std::string_view line;
      m.metadata.clear();
      ProtoReader e(eb);
      while (e.Next()) {
        if (e.field() == 1 && e.wire_type() == WireType::kLen) {
          ProtoReader ts(e.bytes());
          while (ts.Next()) {
            if (ts.field() == 1 && ts.wire_type() == WireType::kVarint) secs = static_cast<int64_t>(ts.varint());
            else if (ts.field() == 2 && ts.wire_type() == WireType::kVarint) nanos = static_cast<int32_t>(ts.varint());
            else if (!ts.Skip()) break;
          }
          if (!ts.ok()) return Bad("couldn't parse push request: malformed timestamp");
        } else if (e.field() == 2 && e.wire_type() == WireType::kLen) {
          line = e.bytes();
        } else if (e.field() == 3 && e.wire_type() == WireType::kLen) {
          LabelRef l;
          ProtoReader lp(e.bytes());
          while (lp.Next()) {
            if (lp.field() == 1 && lp.wire_type() == WireType::kLen) l.name = lp.bytes();
            else if (lp.field() == 2 && lp.wire_type() == WireType::kLen) l.value = lp.bytes();
            else if (!lp.Skip()) break;
          }
          if (!lp.ok()) return Bad("couldn't parse push request: malformed structured metadata");
          m.metadata.push_back(l);
        } else if (!e.Skip()) {
          break;
        }
      }
      if (!e.ok()) return Bad("couldn't parse push request: malformed EntryAdapter");
      if (secs > INT64_MAX / 1'000'000'000 || secs < INT64_MIN / 1'000'000'000) {
        return Bad("couldn't parse push request: timestamp out of range");
      }
      app->AddEntry(secs * 1'000'000'000 + nanos, line, m.metadata.data(), m.metadata.size());
      ++stats->entries;
      stats->bytes += line.size();
    }
  }
  if (!req.ok()) return Bad("couldn't parse push request: malformed PushRequest");
  return Status::OK();
}

}  // namespace loupe::ingest::loki
