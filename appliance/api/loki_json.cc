#include "appliance/api/loki_json.h"

#include "query/common/go_format.h"

namespace loupe::appliance::api {

namespace ql = query::logql;
using storage::model::Label;

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at s[i], or 0 when invalid.
size_t Utf8Len(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
    return 0;
  }
  return n;
}

// Sample time: model.Time(ms).String().
void AppendSampleTime(std::string& out, int64_t ns) {
  const int64_t ms = ns / 1'000'000 - ((ns % 1'000'000 < 0) ? 1 : 0);
  out += query::FormatFloatF(static_cast<double>(ms) / 1000.0);
}

void AppendPoint(std::string& out, int64_t ns, double v) {
  out += '[';
  AppendSampleTime(out, ns);
  out += ",\"";
  out += query::FormatFloatF(v);
  out += "\"]";
}

void AppendValue(std::string& out, const ql::StreamEntry& e, bool categorize) {
  out += "[\"";
  out += std::to_string(e.ts);
  out += "\",";
  AppendLokiJsonString(out, e.line, true);
  if (categorize) {
    out += ",{";
    if (!e.metadata.empty()) {
      out += "\"structuredMetadata\":";
      AppendLokiLabels(out, e.metadata);
    }
    if (!e.parsed.empty()) {
      if (!e.metadata.empty()) out += ',';
      out += "\"parsed\":";
      AppendLokiLabels(out, e.parsed);
    }
    out += '}';
  }
  out += ']';
}

void AppendInt(std::string& out, std::string_view name, int64_t v, bool comma = true) {
  if (comma) out += ',';
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(v);
}

void AppendZeros(std::string& out, std::initializer_list<std::string_view> names) {
  bool first = true;
  for (auto n : names) {
    AppendInt(out, n, 0, !first);
    first = false;
  }
}

void AppendStore(std::string& out, const ql::QueryStats* s) {
  out += "{";
  AppendZeros(out, {"totalChunksRef", "totalChunksDownloaded", "chunksDownloadTime"});
  out += ",\"queryReferencedStructuredMetadata\":false,\"chunk\":{";
  const int64_t bytes = s ? static_cast<int64_t>(s->bytes_processed) : 0;
  const int64_t lines = s ? static_cast<int64_t>(s->lines_processed) : 0;
  AppendInt(out, "headChunkBytes", 0, false);
  AppendInt(out, "headChunkLines", 0);
  AppendInt(out, "decompressedBytes", bytes);
  AppendInt(out, "decompressedLines", lines);
  AppendInt(out, "compressedBytes", 0);
  AppendInt(out, "totalDuplicates", 0);
  AppendInt(out, "postFilterLines", lines);
  AppendInt(out, "headChunkStructuredMetadataBytes", 0);
  AppendInt(out, "decompressedStructuredMetadataBytes", 0);
  out += "},";
  AppendZeros(out,
              {"chunkRefsFetchTime", "congestionControlLatency", "pipelineWrapperFilteredLines"});
  out += '}';
}

void AppendCache(std::string& out) {
  out += '{';
  AppendZeros(out, {"entriesFound", "entriesRequested", "entriesStored", "bytesReceived",
                    "bytesSent", "requests", "downloadTime", "queryLengthServed"});
  out += '}';
}

}  // namespace

void AppendLokiJsonString(std::string& out, std::string_view s, bool html) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || (html && (c == '<' || c == '>' || c == '&'))) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const size_t n = Utf8Len(s, i);
    if (n == 0) {
      // Invalid UTF-8 becomes U+FFFD (labels are checked at ingest, lines are not).
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (html && n == 3 && c == 0xe2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xa8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xa9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out += '"';
}

void AppendLokiLabels(std::string& out, const std::vector<Label>& labels) {
  out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    AppendLokiJsonString(out, labels[i].name, false);
    out += ':';
    AppendLokiJsonString(out, labels[i].value, false);
  }
  out += '}';
}

void AppendLokiStats(std::string& out, const ql::QueryStats& s, int64_t queue_ns) {
  const double exec_s = static_cast<double>(s.exec_ns) / 1e9;
  const auto per_second = [&](uint64_t n) -> int64_t {
    return s.exec_ns > 0 ? static_cast<int64_t>(static_cast<double>(n) / exec_s) : 0;
  };
  out += "{\"summary\":{";
  AppendInt(out, "bytesProcessedPerSecond", per_second(s.bytes_processed), false);
  AppendInt(out, "linesProcessedPerSecond", per_second(s.lines_processed));
  AppendInt(out, "totalBytesProcessed", static_cast<int64_t>(s.bytes_processed));
  AppendInt(out, "totalLinesProcessed", static_cast<int64_t>(s.lines_processed));
  out += ",\"execTime\":";
  out += query::FormatFloatF(exec_s);
  out += ",\"queueTime\":";
  out += query::FormatFloatF(static_cast<double>(queue_ns) / 1e9);
  AppendInt(out, "subqueries", 0);
  AppendInt(out, "totalEntriesReturned", static_cast<int64_t>(s.entries_returned));
  AppendInt(out, "splits", 0);
  AppendInt(out, "shards", 0);
  AppendInt(out, "totalPostFilterLines", static_cast<int64_t>(s.lines_processed));
  AppendInt(out, "totalStructuredMetadataBytesProcessed", 0);
  out += "},\"querier\":{\"store\":";
  AppendStore(out, &s);
  out += "},\"ingester\":{";
  AppendZeros(out, {"totalReached", "totalChunksMatched", "totalBatches", "totalLinesSent"});
  out += ",\"store\":";
  AppendStore(out, nullptr);
  out += "},\"cache\":{";
  bool first = true;
  for (std::string_view c : {"chunk", "index", "result", "statsResult", "volumeResult",
                             "seriesResult", "labelResult", "instantMetricResult"}) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += c;
    out += "\":";
    AppendCache(out);
  }
  out += "},\"index\":{";
  AppendZeros(out, {"totalChunks", "postFilterChunks", "shardsDuration"});
  out += ",\"usedBloomFilters\":false}}";
}

std::string LokiQueryResponseJson(const ql::QueryResult& r, bool categorize) {
  std::string out = R"({"status":"success","data":{"resultType":")";
  switch (r.type) {
    case ql::ResultType::kStreams:
      out += "streams";
      break;
    case ql::ResultType::kVector:
      out += "vector";
      break;
    case ql::ResultType::kMatrix:
      out += "matrix";
      break;
    case ql::ResultType::kScalar:
      out += "scalar";
      break;
  }
  out += '"';
  const bool streams = r.type == ql::ResultType::kStreams;
  if (streams && categorize) out += R"(,"encodingFlags":["categorize-labels"])";
  out += ",\"result\":";
  switch (r.type) {
    case ql::ResultType::kStreams:
      out += '[';
      for (size_t i = 0; i < r.streams.size(); ++i) {
        if (i) out += ',';
        out += "{\"stream\":";
        AppendLokiLabels(out, r.streams[i].labels);
        out += ",\"values\":[";
        for (size_t j = 0; j < r.streams[i].entries.size(); ++j) {
          if (j) out += ',';
          AppendValue(out, r.streams[i].entries[j], categorize);
        }
        out += "]}";
      }
      out += ']';
      break;
    case ql::ResultType::kVector:
    case ql::ResultType::kMatrix: {
      const bool vector = r.type == ql::ResultType::kVector;
      out += '[';
      for (size_t i = 0; i < r.series.size(); ++i) {
        if (i) out += ',';
        out += "{\"metric\":";
        AppendLokiLabels(out, r.series[i].labels.items());
        if (vector) {
          out += ",\"value\":";
          const auto& p = r.series[i].points.front();
          AppendPoint(out, p.ts, p.value);
        } else {
          out += ",\"values\":[";
          for (size_t j = 0; j < r.series[i].points.size(); ++j) {
            if (j) out += ',';
            AppendPoint(out, r.series[i].points[j].ts, r.series[i].points[j].value);
          }
          out += ']';
        }
        out += '}';
      }
      out += ']';
      break;
    }
    case ql::ResultType::kScalar:
      AppendPoint(out, r.scalar.ts, r.scalar.value);
      break;
  }
  out += ",\"stats\":";
  AppendLokiStats(out, r.stats, 0);
  out += "}}\n";
  return out;
}

std::string LokiTailFrameJson(const std::vector<TailEntry>& entries,
                              const std::vector<TailEntry>& dropped, bool categorize) {
  std::string out = "{\"streams\":[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ',';
    out += "{\"stream\":";
    AppendLokiLabels(out, entries[i].labels);
    out += ",\"values\":[";
    AppendValue(out, entries[i].entry, categorize);
    out += "]}";
  }
  out += ']';
  if (!dropped.empty()) {
    out += ",\"dropped_entries\":[";
    for (size_t i = 0; i < dropped.size(); ++i) {
      if (i) out += ',';
      out += "{\"timestamp\":\"";
      out += std::to_string(dropped[i].entry.ts);
      out += "\",\"labels\":";
      AppendLokiLabels(out, dropped[i].labels);
      out += '}';
    }
    out += ']';
  }
  if (categorize) out += R"(,"encodingFlags":["categorize-labels"])";
  out += '}';
  return out;
}

}  // namespace loupe::appliance::api
