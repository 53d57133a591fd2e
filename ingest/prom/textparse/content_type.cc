#include "ingest/prom/textparse/content_type.h"

#include <set>

#include "ingest/prom/textparse/go_text.h"

namespace loupe::ingest::prom {
namespace {

bool IsTSpecial(char c) {
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
      return true;
    default:
      return false;
  }
}

bool IsTokenChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && !IsTSpecial(c);
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view TrimLeftSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

// Splits the leading token off v (mime.consumeToken).
std::string_view ConsumeToken(std::string_view* v) {
  size_t i = 0;
  while (i < v->size() && IsTokenChar((*v)[i])) ++i;
  std::string_view tok = v->substr(0, i);
  v->remove_prefix(i);
  return tok;
}

// mime.checkMediaTypeDisposition.
bool CheckMediaType(std::string_view s) {
  std::string_view type = ConsumeToken(&s);
  if (type.empty()) return false;
  if (s.empty()) return true;
  if (s.front() != '/') return false;
  s.remove_prefix(1);
  std::string_view sub = ConsumeToken(&s);
  return !sub.empty() && s.empty();
}

// A token or a quoted string (mime.consumeValue). Returns false on a malformed value.
bool ConsumeValue(std::string_view* v) {
  if (v->empty()) return false;
  if (v->front() != '"') return !ConsumeToken(v).empty();
  for (size_t i = 1; i < v->size(); ++i) {
    const char c = (*v)[i];
    if (c == '"') {
      v->remove_prefix(i + 1);
      return true;
    }
    if (c == '\\' && i + 1 < v->size() && IsTSpecial((*v)[i + 1])) {
      ++i;
    } else if (c == '\r' || c == '\n') {
      return false;
    }
  }
  return false;
}

// mime.ParseMediaType, keeping only what decides success and the media type.
bool ParseMediaType(std::string_view v, std::string* media_type) {
  const size_t semi = v.find(';');
  std::string_view base = v.substr(0, semi);
  std::string lowered(base);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  *media_type = std::string(TrimSpace(lowered));
  if (!CheckMediaType(*media_type)) return false;
  std::set<std::string> seen;
  std::string_view rest = semi == std::string_view::npos ? std::string_view() : v.substr(semi);
  while (!rest.empty()) {
    rest = TrimLeftSpace(rest);
    if (rest.empty()) break;
    std::string_view p = rest;
    bool ok = false;
    if (p.front() == ';') {
      p = TrimLeftSpace(p.substr(1));
      std::string_view key = ConsumeToken(&p);
      p = TrimLeftSpace(p);
      if (!key.empty() && !p.empty() && p.front() == '=') {
        p = TrimLeftSpace(p.substr(1));
        if (ConsumeValue(&p)) {
          std::string k(key);
          for (char& c : k) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
          }
          if (!seen.insert(k).second) return false;  // duplicate parameter
          ok = true;
          rest = p;
        }
      }
    }
    if (!ok) {
      if (TrimSpace(rest) == ";") break;  // a trailing semicolon is fine
      return false;
    }
  }
  return true;
}

std::string FallbackMediaType(ExpositionFormat f) {
  switch (f) {
    case ExpositionFormat::kPromText:
      return "text/plain";
    case ExpositionFormat::kOpenMetrics:
      return "application/openmetrics-text";
    case ExpositionFormat::kProtobuf:
      return "application/vnd.google.protobuf";
    case ExpositionFormat::kNone:
      break;
  }
  return "";
}

}  // namespace

const char* ExpositionFormatName(ExpositionFormat f) {
  switch (f) {
    case ExpositionFormat::kPromText:
      return "prometheus-text";
    case ExpositionFormat::kOpenMetrics:
      return "openmetrics";
    case ExpositionFormat::kProtobuf:
      return "protobuf";
    case ExpositionFormat::kNone:
      break;
  }
  return "none";
}

FormatChoice ChooseFormat(std::string_view content_type, ExpositionFormat fallback) {
  FormatChoice c;
  const std::string fb = GoQuote(FallbackMediaType(fallback));
  if (content_type.empty()) {
    if (fallback == ExpositionFormat::kNone) {
      c.message =
          "non-compliant scrape target sending blank Content-Type and no "
          "fallback_scrape_protocol specified for target";
      return c;
    }
    c.format = fallback;
    c.message =
        "non-compliant scrape target sending blank Content-Type, using "
        "fallback_scrape_protocol " +
        fb;
    return c;
  }
  std::string media_type;
  if (!ParseMediaType(content_type, &media_type)) {
    if (fallback == ExpositionFormat::kNone) {
      c.message = "cannot parse Content-Type " + GoQuote(content_type) +
                  " and no fallback_scrape_protocol for target";
      return c;
    }
    c.format = fallback;
    c.message = "could not parse received Content-Type " + GoQuote(content_type) +
                ", using fallback_scrape_protocol " + fb;
    return c;
  }
  if (media_type == "application/openmetrics-text") {
    c.format = ExpositionFormat::kOpenMetrics;
  } else if (media_type == "text/plain") {
    c.format = ExpositionFormat::kPromText;
  } else if (media_type == "application/vnd.google.protobuf") {
    c.format = ExpositionFormat::kProtobuf;
  } else if (fallback == ExpositionFormat::kNone) {
    c.message = "received unsupported Content-Type " + GoQuote(content_type) +
                " and no fallback_scrape_protocol specified for target";
  } else {
    c.format = fallback;
    c.message = "received unsupported Content-Type " + GoQuote(content_type) +
                ", using fallback_scrape_protocol " + fb;
  }
  return c;
}

std::string_view DefaultScrapeAcceptHeader() {
  return "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
         "application/openmetrics-text;version=0.0.1;q=0.5,"
         "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
         "text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
}

}  // namespace loupe::ingest::prom
