#include "ingest/prom/remote_write.h"

#include <algorithm>
#include <bit>
#include <vector>

#include "ingest/prom/protowire.h"

namespace loupe::ingest::prom {
namespace {

using storage::model::LabelRef;

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

Status Bad(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

Status ParseLabel(std::string_view msg, LabelRef* out) {
  ProtoReader r(msg);
  while (r.Next()) {
    if (r.field() == 1 && r.wire_type() == WireType::kLen) out->name = r.bytes();
    else if (r.field() == 2 && r.wire_type() == WireType::kLen) out->value = r.bytes();
    else if (!r.Skip()) break;
  }
  return r.ok() ? Status::OK() : Bad("proto: cannot parse Label");
}

std::string SeriesForError(const std::vector<LabelRef>& labels) {
  std::string s = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) s += ", ";
    s += std::string(labels[i].name) + "=\"" + std::string(labels[i].value) + "\"";
  }
  return s + "}";
}

Status ValidateLabels(std::vector<LabelRef>* labels, const RemoteWriteLimits& limits) {
  // Empty values mean "no label".
  labels->erase(std::remove_if(labels->begin(), labels->end(), [](const LabelRef& l) { return l.value.empty(); }),
                labels->end());
  if (!std::is_sorted(labels->begin(), labels->end(), [](const LabelRef& a, const LabelRef& b) { return a.name < b.name; })) {
    std::sort(labels->begin(), labels->end(), [](const LabelRef& a, const LabelRef& b) { return a.name < b.name; });
  }
  bool has_name = false;
  for (size_t i = 0; i < labels->size(); ++i) {
    const LabelRef& l = (*labels)[i];
    if (l.name.empty()) return Bad("invalid label name: empty, series " + SeriesForError(*labels));
    if (i > 0 && (*labels)[i - 1].name == l.name) {
      return Bad("duplicate label name \"" + std::string(l.name) + "\" in series " + SeriesForError(*labels));
    }
    if (!ValidUtf8(l.name) || !ValidUtf8(l.value)) {
      return Bad("invalid UTF-8 in label of series " + SeriesForError(*labels));
    }
    if (limits.max_label_name_length && l.name.size() > limits.max_label_name_length) {
      return Bad("label name too long: \"" + std::string(l.name) + "\"");
    }
    if (limits.max_label_value_length && l.value.size() > limits.max_label_value_length) {
      return Bad("label value too long for label \"" + std::string(l.name) + "\"");
    }
    if (l.name == storage::model::kMetricNameLabel) has_name = true;
  }
  if (!has_name) return Bad("invalid metric name: series " + SeriesForError(*labels) + " has no __name__ label");
  if (limits.max_label_names_per_series && labels->size() > limits.max_label_names_per_series) {
    return Bad("series " + SeriesForError(*labels) + " has " + std::to_string(labels->size()) +
               " label names; limit " + std::to_string(limits.max_label_names_per_series));
  }
  return Status::OK();
}

}  // namespace

Status DecodeWriteRequest(std::string_view proto, const RemoteWriteLimits& limits,
                          storage::tsdb::MetricStore::Appender* app, RemoteWriteResult* result) {
  std::vector<LabelRef> labels;
  std::vector<std::string_view> sample_msgs, exemplar_msgs;
  ProtoReader req(proto);
  while (req.Next()) {
    if (req.field() == 1 && req.wire_type() == WireType::kLen) {
      // TimeSeries: labels first (we need them before samples), so collect field views.
      labels.clear();
      sample_msgs.clear();
      exemplar_msgs.clear();
      ProtoReader ts(req.bytes());
      while (ts.Next()) {
        switch (ts.field()) {
          case 1: {
            if (ts.wire_type() != WireType::kLen) return Bad("proto: bad TimeSeries.labels");
            LabelRef l;
            LOUPE_RETURN_IF_ERROR(ParseLabel(ts.bytes(), &l));
            labels.push_back(l);
            break;
          }
          case 2:
            if (ts.wire_type() != WireType::kLen) return Bad("proto: bad TimeSeries.samples");
            sample_msgs.push_back(ts.bytes());
            break;
          case 3:
            if (ts.wire_type() != WireType::kLen) return Bad("proto: bad TimeSeries.exemplars");
            exemplar_msgs.push_back(ts.bytes());
            break;
          case 4:
            ++result->histograms_dropped;
            if (!ts.Skip()) return Bad("proto: bad TimeSeries.histograms");
            break;
          default:
            if (!ts.Skip()) return Bad("proto: cannot parse TimeSeries");
        }
      }
      if (!ts.ok()) return Bad("proto: cannot parse TimeSeries");
      LOUPE_RETURN_IF_ERROR(ValidateLabels(&labels, limits));
      ++result->series;
      app->AddSeries(labels.data(), labels.size());
      for (auto sm : sample_msgs) {
        double v = 0;
        int64_t t = 0;
        ProtoReader s(sm);
        while (s.Next()) {
          if (s.field() == 1 && s.wire_type() == WireType::kFixed64) v = std::bit_cast<double>(s.fixed64());
          else if (s.field() == 2 && s.wire_type() == WireType::kVarint) t = static_cast<int64_t>(s.varint());
          else if (!s.Skip()) break;
        }
        if (!s.ok()) return Bad("proto: cannot parse Sample");
        app->AddSample(t, v);
        ++result->samples;
      }
      for (auto em : exemplar_msgs) {
        storage::model::Exemplar e;
        std::vector<storage::model::Label> elabels;
        ProtoReader x(em);
        while (x.Next()) {
          if (x.field() == 1 && x.wire_type() == WireType::kLen) {
            LabelRef l;
            LOUPE_RETURN_IF_ERROR(ParseLabel(x.bytes(), &l));
            elabels.push_back({std::string(l.name), std::string(l.value)});
          } else if (x.field() == 2 && x.wire_type() == WireType::kFixed64) {
            e.value = std::bit_cast<double>(x.fixed64());
          } else if (x.field() == 3 && x.wire_type() == WireType::kVarint) {
            e.t = static_cast<int64_t>(x.varint());
          } else if (!x.Skip()) {
            break;
          }
        }
        if (!x.ok()) return Bad("proto: cannot parse Exemplar");
        e.labels = storage::model::Labels::FromUnsorted(std::move(elabels));
        app->AddExemplar(e);
        ++result->exemplars;
      }
    } else if (req.field() == 3 && req.wire_type() == WireType::kLen) {
      storage::model::MetricMetadata md;
      ProtoReader m(req.bytes());
      while (m.Next()) {
        if (m.field() == 1 && m.wire_type() == WireType::kVarint) {
          // prompb MetricType: UNKNOWN, COUNTER, GAUGE, HISTOGRAM, GAUGEHISTOGRAM, SUMMARY, INFO, STATESET
          const uint64_t t = m.varint();
          md.type = t <= 7 ? static_cast<storage::model::MetricType>(t) : storage::model::MetricType::kUnknown;
        } else if (m.field() == 2 && m.wire_type() == WireType::kLen) {
          md.family = std::string(m.bytes());
        } else if (m.field() == 4 && m.wire_type() == WireType::kLen) {
          md.help = std::string(m.bytes());
        } else if (m.field() == 5 && m.wire_type() == WireType::kLen) {
          md.unit = std::string(m.bytes());
        } else if (!m.Skip()) {
          break;
        }
      }
      if (!m.ok()) return Bad("proto: cannot parse MetricMetadata");
      if (!md.family.empty()) {
        app->AddMetadata(std::move(md));
        ++result->metadata;
      }
    } else if (!req.Skip()) {
      break;
    }
  }
  if (!req.ok()) return Bad("proto: cannot parse WriteRequest");
  return Status::OK();
}

namespace {

// Reads a repeated uint32 field occurrence, packed (LEN) or not (VARINT).
bool AppendRefs(const ProtoReader& r, std::vector<uint32_t>* out) {
  if (r.wire_type() == WireType::kVarint) {
    if (r.varint() > UINT32_MAX) return false;
    out->push_back(static_cast<uint32_t>(r.varint()));
    return true;
  }
  if (r.wire_type() != WireType::kLen) return false;
  std::string_view in = r.bytes();
  while (!in.empty()) {
    uint32_t v;
    if (!GetVarint32(&in, &v)) return false;
    out->push_back(v);
  }
  return true;
}

}  // namespace

Status DecodeWriteRequestV2(std::string_view proto, const RemoteWriteLimits& limits,
                            storage::tsdb::MetricStore::Appender* app, RemoteWriteResult* result) {
  // Symbols first (field 4 may follow the series in the byte stream, so collect both).
  std::vector<std::string_view> symbols;
  std::vector<std::string_view> series_msgs;
  ProtoReader req(proto);
  while (req.Next()) {
    if (req.field() == 4 && req.wire_type() == WireType::kLen) symbols.push_back(req.bytes());
    else if (req.field() == 5 && req.wire_type() == WireType::kLen) series_msgs.push_back(req.bytes());
    else if (!req.Skip()) break;
  }
  if (!req.ok()) return Bad("proto: cannot parse io.prometheus.write.v2.Request");
  if (!symbols.empty() && !symbols[0].empty()) return Bad("symbols table must start with an empty string");
  auto sym = [&symbols](uint32_t ref, std::string_view* out) {
    if (ref >= symbols.size()) return false;
    *out = symbols[ref];
    return true;
  };
  std::vector<uint32_t> refs;
  std::vector<LabelRef> labels;
  for (auto msg : series_msgs) {
    refs.clear();
    labels.clear();
    std::vector<std::string_view> samples, exemplars;
    std::string_view metadata;
    ProtoReader ts(msg);
    while (ts.Next()) {
      switch (ts.field()) {
        case 1:
          if (!AppendRefs(ts, &refs)) return Bad("proto: bad TimeSeries.labels_refs");
          break;
        case 2:
          if (ts.wire_type() != WireType::kLen) return Bad("proto: bad TimeSeries.samples");
          samples.push_back(ts.bytes());
          break;
        case 3:
          ++result->histograms_dropped;
          break;
        case 4:
          if (ts.wire_type() != WireType::kLen) return Bad("proto: bad TimeSeries.exemplars");
          exemplars.push_back(ts.bytes());
          break;
        case 5:
          if (ts.wire_type() != WireType::kLen) return Bad("proto: bad TimeSeries.metadata");
          metadata = ts.bytes();
          break;
        default:
          if (!ts.Skip()) return Bad("proto: cannot parse TimeSeries");
      }
    }
    if (!ts.ok()) return Bad("proto: cannot parse TimeSeries");
    if (refs.size() % 2 != 0) return Bad("labels_refs must hold name/value pairs (odd length " + std::to_string(refs.size()) + ")");
    for (size_t i = 0; i < refs.size(); i += 2) {
      LabelRef l;
      if (!sym(refs[i], &l.name) || !sym(refs[i + 1], &l.value)) {
        return Bad("labels_refs: symbol reference out of range (" + std::to_string(std::max(refs[i], refs[i + 1])) +
                   " >= " + std::to_string(symbols.size()) + ")");
      }
      labels.push_back(l);
    }
    LOUPE_RETURN_IF_ERROR(ValidateLabels(&labels, limits));
    ++result->series;
    app->AddSeries(labels.data(), labels.size());
    for (auto sm : samples) {
      double v = 0;
      int64_t t = 0;
      ProtoReader s(sm);
      while (s.Next()) {
        if (s.field() == 1 && s.wire_type() == WireType::kFixed64) v = std::bit_cast<double>(s.fixed64());
        else if (s.field() == 2 && s.wire_type() == WireType::kVarint) t = static_cast<int64_t>(s.varint());
        else if (!s.Skip()) break;
      }
      if (!s.ok()) return Bad("proto: cannot parse Sample");
      app->AddSample(t, v);
      ++result->samples;
    }
    for (auto em : exemplars) {
      storage::model::Exemplar e;
      std::vector<uint32_t> erefs;
      ProtoReader x(em);
      while (x.Next()) {
        if (x.field() == 1) {
          if (!AppendRefs(x, &erefs)) return Bad("proto: bad Exemplar.labels_refs");
        } else if (x.field() == 2 && x.wire_type() == WireType::kFixed64) {
          e.value = std::bit_cast<double>(x.fixed64());
        } else if (x.field() == 3 && x.wire_type() == WireType::kVarint) {
          e.t = static_cast<int64_t>(x.varint());
          e.has_timestamp = e.t != 0;
        } else if (!x.Skip()) {
          break;
        }
      }
      if (!x.ok() || erefs.size() % 2 != 0) return Bad("proto: cannot parse Exemplar");
      std::vector<storage::model::Label> el;
      for (size_t i = 0; i < erefs.size(); i += 2) {
        std::string_view n, v;
        if (!sym(erefs[i], &n) || !sym(erefs[i + 1], &v)) return Bad("exemplar labels_refs: symbol reference out of range");
        el.push_back({std::string(n), std::string(v)});
      }
      e.labels = storage::model::Labels::FromUnsorted(std::move(el));
      app->AddExemplar(e);
      ++result->exemplars;
    }
    if (!metadata.empty()) {
      storage::model::MetricMetadata md;
      ProtoReader m(metadata);
      uint32_t help_ref = 0, unit_ref = 0;
      while (m.Next()) {
        if (m.field() == 1 && m.wire_type() == WireType::kVarint) {
          const uint64_t t = m.varint();
          md.type = t <= 7 ? static_cast<storage::model::MetricType>(t) : storage::model::MetricType::kUnknown;
        } else if (m.field() == 3 && m.wire_type() == WireType::kVarint) {
          help_ref = static_cast<uint32_t>(m.varint());
        } else if (m.field() == 4 && m.wire_type() == WireType::kVarint) {
          unit_ref = static_cast<uint32_t>(m.varint());
        } else if (!m.Skip()) {
          break;
        }
      }
      std::string_view help, unit;
      if (!m.ok() || !sym(help_ref, &help) || !sym(unit_ref, &unit)) return Bad("proto: bad Metadata");
      for (const auto& l : labels) {
        if (l.name == storage::model::kMetricNameLabel) md.family = std::string(l.value);
      }
      md.help = std::string(help);
      md.unit = std::string(unit);
      if (md.type != storage::model::MetricType::kUnknown || !md.help.empty() || !md.unit.empty()) {
        app->AddMetadata(std::move(md));
        ++result->metadata;
      }
    }
  }
  return Status::OK();
}

}  // namespace loupe::ingest::prom
