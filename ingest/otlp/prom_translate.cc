#include "ingest/otlp/prom_translate.h"

#include <algorithm>
#include <limits>

#include "ingest/otlp/any_value_string.h"
#include "ingest/otlp/codec_util.h"
#include "ingest/otlp/prom_translate_internal.h"

namespace loupe::ingest::otlp {

std::string PromTranslation::ErrorMessage() const {
  std::string out;
  for (const std::string& e : errors) {
    if (!out.empty()) out += "; ";
    out += e;
  }
  if (errors_dropped > 0) out += "; (and " + std::to_string(errors_dropped) + " more errors)";
  return out;
}

PromTranslation TranslateMetrics(
    const ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request,
    const PromTranslationOptions& options, DeltaToCumulative* delta) {
  PromTranslation out;
  prom_internal::Translator(options, delta, &out).Run(request);
  return out;
}

namespace prom_internal {
namespace {

using storage::model::MetricType;

constexpr std::string_view kServiceName = "service.name";
constexpr std::string_view kServiceNamespace = "service.namespace";
constexpr std::string_view kServiceInstanceId = "service.instance.id";
constexpr size_t kMaxExemplarRunes = 128;  // OpenMetrics' exemplar label limit

// pcommon.Map.Get: the first attribute with the key.
const common::AnyValue* FindAttr(const KeyValues& attrs, std::string_view key) {
  for (const auto& kv : attrs) {
    if (kv.key() == key) return &kv.value();
  }
  return nullptr;
}

// Sets name=value in a sorted unique label vector; with !overwrite only when absent.
void SetLabel(std::vector<Label>* labels, std::string_view name, std::string_view value,
              bool overwrite = true) {
  auto it = std::lower_bound(labels->begin(), labels->end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels->end() && it->name == name) {
    if (overwrite) it->value.assign(value.data(), value.size());
    return;
  }
  labels->insert(it, Label{std::string(name), std::string(value)});
}

template <typename Points>
void MinMaxTime(const Points& points, uint64_t* earliest, uint64_t* latest) {
  for (const auto& p : points) {
    *earliest = std::min(*earliest, p.time_unix_nano());
    *latest = std::max(*latest, p.time_unix_nano());
  }
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool AllZero(const std::string& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

}  // namespace

size_t SeriesSink::Get(Labels labels) {
  const uint64_t h = labels.Hash();
  auto& bucket = by_hash_[h];
  for (size_t idx : bucket) {
    if (series_[idx].labels == labels) return idx;
  }
  series_.push_back(storage::model::SeriesSamples{std::move(labels), {}, {}});
  bucket.push_back(series_.size() - 1);
  return series_.size() - 1;
}

void Translator::AddError(std::string message) {
  if (error_set_.count(message) > 0) return;
  if (out_->errors.size() >= PromTranslation::kMaxErrors) {
    ++out_->errors_dropped;
    error_set_.insert(std::move(message));
    return;
  }
  error_set_.insert(message);
  out_->errors.push_back(std::move(message));
}

void Translator::Reject(int64_t points, std::string message) {
  out_->rejected_data_points += points;
  AddError(std::move(message));
}

void Translator::AddMetadata(std::string family, MetricType type, std::string help,
                             std::string unit) {
  if (!families_.insert(family).second) return;
  out_->metadata.push_back(
      storage::model::MetricMetadata{std::move(family), type, std::move(help), std::move(unit)});
}

ResourceContext Translator::MakeResourceContext(
    const ::opentelemetry::proto::resource::v1::Resource& r) {
  ResourceContext rc;
  rc.resource = &r;
  const KeyValues& attrs = r.attributes();
  if (const auto* name = FindAttr(attrs, kServiceName)) {
    std::string job = AnyValueAsString(*name);
    if (const auto* ns = FindAttr(attrs, kServiceNamespace)) {
      job = AnyValueAsString(*ns) + "/" + job;
    }
    rc.job = std::move(job);
  }
  if (const auto* inst = FindAttr(attrs, kServiceInstanceId)) {
    rc.instance = AnyValueAsString(*inst);
  }
  // Promoted attributes, in the order of their original names (stable), first wins on collision.
  std::vector<std::pair<std::string_view, const common::AnyValue*>> promoted;
  for (const auto& kv : attrs) {
    const auto& list = options_.promote_all_resource_attributes
                           ? options_.ignore_resource_attributes
                           : options_.promote_resource_attributes;
    const bool listed = std::find(list.begin(), list.end(), kv.key()) != list.end();
    if (listed != options_.promote_all_resource_attributes && !kv.key().empty()) {
      promoted.emplace_back(kv.key(), &kv.value());
    }
  }
  std::stable_sort(promoted.begin(), promoted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, value] : promoted) {
    SetLabel(&rc.promoted, BuildLabelName(key, options_.strategy, options_.label_namer),
             AnyValueAsString(*value),
             /*overwrite=*/false);
  }
  rc.key = HashAttributes(attrs);
  return rc;
}

ScopeContext Translator::MakeScopeContext(const metrics::ScopeMetrics& sm) {
  ScopeContext sc;
  const auto& scope = sm.scope();
  if (options_.promote_scope_metadata && !scope.name().empty()) {
    sc.labels.push_back({"otel_scope_name", scope.name()});
    sc.labels.push_back({"otel_scope_version", scope.version()});
    sc.labels.push_back({"otel_scope_schema_url", sm.schema_url()});
    for (const auto& kv : scope.attributes()) {
      sc.labels.push_back(
          {BuildLabelName("otel_scope_" + kv.key(), options_.strategy, options_.label_namer),
           AnyValueAsString(kv.value())});
    }
  }
  std::string id = scope.name();
  id += '\0';
  id += scope.version();
  sc.key = CombineStreamKeys({HashStreamBytes(id), HashAttributes(scope.attributes())});
  return sc;
}

std::vector<Label> Translator::BaseLabels(const ResourceContext& rc, const ScopeContext* sc,
                                          const KeyValues& attrs,
                                          const std::vector<std::string_view>* ignore) const {
  // Attributes sorted by original key; sanitised names then grouped stably so colliding values
  // join in original-key order.
  std::vector<std::pair<std::string_view, const common::AnyValue*>> raw;
  raw.reserve(attrs.size());
  for (const auto& kv : attrs) {
    if (kv.key().empty()) continue;
    if (ignore != nullptr && std::find(ignore->begin(), ignore->end(), kv.key()) != ignore->end()) {
      continue;
    }
    raw.emplace_back(kv.key(), &kv.value());
  }
  std::stable_sort(raw.begin(), raw.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Label> labels;
  labels.reserve(raw.size() + rc.promoted.size() + 4);
  for (const auto& [key, value] : raw) {
    labels.push_back(Label{BuildLabelName(key, options_.strategy, options_.label_namer),
                           AnyValueAsString(*value)});
  }
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  std::vector<Label> merged;
  merged.reserve(labels.size());
  for (Label& l : labels) {
    if (!merged.empty() && merged.back().name == l.name) {
      merged.back().value += ';';
      merged.back().value += l.value;
    } else {
      merged.push_back(std::move(l));
    }
  }
  for (const Label& p : rc.promoted) SetLabel(&merged, p.name, p.value, /*overwrite=*/false);
  if (sc != nullptr) {
    for (const Label& s : sc->labels) SetLabel(&merged, s.name, s.value);
  }
  if (rc.job) SetLabel(&merged, "job", *rc.job);
  if (rc.instance) SetLabel(&merged, "instance", *rc.instance);
  return merged;
}

Labels Translator::Finish(const std::vector<Label>& base, std::string_view name,
                          std::string_view extra_name, std::string_view extra_value) {
  std::vector<Label> labels = base;
  SetLabel(&labels, storage::model::kMetricNameLabel, name);
  if (!extra_name.empty()) SetLabel(&labels, extra_name, extra_value);
  labels.erase(
      std::remove_if(labels.begin(), labels.end(), [](const Label& l) { return l.value.empty(); }),
      labels.end());
  return Labels::FromSorted(std::move(labels));
}

std::optional<storage::model::Exemplar> Translator::ConvertExemplar(const metrics::Exemplar& e,
                                                                    std::string_view metric_name) {
  storage::model::Exemplar out;
  switch (e.value_case()) {
    case metrics::Exemplar::kAsDouble:
      out.value = e.as_double();
      break;
    case metrics::Exemplar::kAsInt:
      out.value = static_cast<double>(e.as_int());
      break;
    default:
      AddError("unsupported exemplar value type (no value) in metric \"" +
               std::string(metric_name) + "\"; exemplar dropped");
      return std::nullopt;
  }
  out.t = FloorDiv(static_cast<int64_t>(e.time_unix_nano()), 1'000'000);
  out.has_timestamp = true;
  std::vector<Label> labels;
  size_t runes = 0;
  if (!e.trace_id().empty() && !AllZero(e.trace_id())) {
    labels.push_back({"trace_id", EncodeHex(e.trace_id())});
    runes += 8 + labels.back().value.size();
  }
  if (!e.span_id().empty() && !AllZero(e.span_id())) {
    labels.push_back({"span_id", EncodeHex(e.span_id())});
    runes += 7 + labels.back().value.size();
  }
  std::vector<Label> attrs;
  for (const auto& kv : e.filtered_attributes()) {
    attrs.push_back({kv.key(), AnyValueAsString(kv.value())});
    runes += CountRunes(kv.key()) + CountRunes(attrs.back().value);
  }
  // Filtered attributes only when the whole label set stays within the OpenMetrics limit.
  if (runes <= kMaxExemplarRunes) {
    for (Label& l : attrs) labels.push_back(std::move(l));
  }
  out.labels = Labels::FromUnsorted(std::move(labels));
  return out;
}

void Translator::AttachExemplars(
    const google::protobuf::RepeatedPtrField<metrics::Exemplar>& exemplars,
    std::vector<std::pair<double, size_t>> buckets, std::string_view metric_name) {
  if (exemplars.empty() || buckets.empty()) return;
  std::stable_sort(buckets.begin(), buckets.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& e : exemplars) {
    auto ex = ConvertExemplar(e, metric_name);
    if (!ex) continue;
    for (const auto& [bound, series] : buckets) {
      if (ex->value <= bound) {
        sink_.AddExemplar(series, std::move(*ex));
        break;
      }
    }
  }
}

void Translator::Run(
    const ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& r) {
  for (const auto& rm : r.resource_metrics()) {
    const ResourceContext rc = MakeResourceContext(rm.resource());
    uint64_t earliest = std::numeric_limits<uint64_t>::max();
    uint64_t latest = 0;
    for (const auto& sm : rm.scope_metrics()) {
      const ScopeContext sc = MakeScopeContext(sm);
      for (const auto& m : sm.metrics()) {
        switch (m.data_case()) {
          case metrics::Metric::kGauge:
            MinMaxTime(m.gauge().data_points(), &earliest, &latest);
            break;
          case metrics::Metric::kSum:
            MinMaxTime(m.sum().data_points(), &earliest, &latest);
            break;
          case metrics::Metric::kHistogram:
            MinMaxTime(m.histogram().data_points(), &earliest, &latest);
            break;
          case metrics::Metric::kExponentialHistogram:
            MinMaxTime(m.exponential_histogram().data_points(), &earliest, &latest);
            break;
          case metrics::Metric::kSummary:
            MinMaxTime(m.summary().data_points(), &earliest, &latest);
            break;
          case metrics::Metric::DATA_NOT_SET:
            break;
        }
        TranslateMetric(m, rc, sc);
      }
    }
    if (earliest != std::numeric_limits<uint64_t>::max()) TargetInfo(rc, earliest, latest);
  }
  out_->series = sink_.Take();
}

void Translator::TranslateMetric(const metrics::Metric& m, const ResourceContext& rc,
                                 const ScopeContext& sc) {
  OtelMetricKind kind = OtelMetricKind::kUnknown;
  MetricType type = MetricType::kUnknown;
  int points = 0;
  int temporality = metrics::AGGREGATION_TEMPORALITY_CUMULATIVE;
  switch (m.data_case()) {
    case metrics::Metric::kGauge:
      kind = OtelMetricKind::kGauge;
      type = MetricType::kGauge;
      points = m.gauge().data_points_size();
      break;
    case metrics::Metric::kSum:
      kind = m.sum().is_monotonic() ? OtelMetricKind::kMonotonicCounter
                                    : OtelMetricKind::kNonMonotonicCounter;
      type = m.sum().is_monotonic() ? MetricType::kCounter : MetricType::kGauge;
      points = m.sum().data_points_size();
      temporality = m.sum().aggregation_temporality();
      break;
    case metrics::Metric::kHistogram:
      kind = OtelMetricKind::kHistogram;
      type = MetricType::kHistogram;
      points = m.histogram().data_points_size();
      temporality = m.histogram().aggregation_temporality();
      break;
    case metrics::Metric::kExponentialHistogram:
      kind = OtelMetricKind::kExponentialHistogram;
      type = MetricType::kHistogram;
      points = m.exponential_histogram().data_points_size();
      temporality = m.exponential_histogram().aggregation_temporality();
      break;
    case metrics::Metric::kSummary:
      kind = OtelMetricKind::kSummary;
      type = MetricType::kSummary;
      points = m.summary().data_points_size();
      break;
    case metrics::Metric::DATA_NOT_SET:
      AddError("unsupported metric type for metric \"" + m.name() + "\"");
      return;
  }
  const bool delta = temporality == metrics::AGGREGATION_TEMPORALITY_DELTA;
  if (temporality != metrics::AGGREGATION_TEMPORALITY_CUMULATIVE && !(delta && delta_ != nullptr)) {
    Reject(points, "invalid temporality and type combination for metric \"" + m.name() + "\"");
    return;
  }
  const std::string name =
      BuildMetricName(m.name(), m.unit(), kind, options_.metric_namespace, options_.strategy);
  if (name.empty()) {
    Reject(points, "normalization for metric \"" + m.name() + "\" resulted in an invalid name");
    return;
  }
  AddMetadata(name, type, m.description(), BuildUnitName(m.unit(), options_.strategy));
  if (points == 0) {
    AddError("empty data points. " + m.name() + " is dropped");
    return;
  }
  std::string mid = m.name();
  mid += '\0';
  mid += m.unit();
  mid += '\0';
  mid += static_cast<char>(m.data_case());
  mid += static_cast<char>(m.data_case() == metrics::Metric::kSum && m.sum().is_monotonic());
  const StreamKey mkey = HashStreamBytes(mid);
  switch (m.data_case()) {
    case metrics::Metric::kGauge:
      NumberPoints(m, name, /*is_sum=*/false, /*delta=*/false, rc, sc, mkey);
      break;
    case metrics::Metric::kSum:
      NumberPoints(m, name, /*is_sum=*/true, delta, rc, sc, mkey);
      break;
    case metrics::Metric::kHistogram:
      HistogramPoints(m, name, delta, rc, sc, mkey);
      break;
    case metrics::Metric::kExponentialHistogram:
      ExpHistogramPoints(m, name, delta, rc, sc, mkey);
      break;
    case metrics::Metric::kSummary:
      SummaryPoints(m, name, rc, sc);
      break;
    case metrics::Metric::DATA_NOT_SET:
      break;
  }
}

void Translator::NumberPoints(const metrics::Metric& m, const std::string& name, bool is_sum,
                              bool delta, const ResourceContext& rc, const ScopeContext& sc,
                              const StreamKey& mkey) {
  const auto& points = is_sum ? m.sum().data_points() : m.gauge().data_points();
  metrics::NumberDataPoint cumulative;
  for (const auto& in : points) {
    const metrics::NumberDataPoint* pt = &in;
    if (delta) {
      const StreamKey key =
          CombineStreamKeys({rc.key, sc.key, mkey, HashAttributes(in.attributes())});
      Status s = delta_->Accumulate(key, m.name(), in, &cumulative);
      if (!s.ok()) {
        Reject(1, s.message());
        continue;
      }
      pt = &cumulative;
    }
    double v = 0;
    if (pt->value_case() == metrics::NumberDataPoint::kAsDouble) {
      v = pt->as_double();
    } else if (pt->value_case() == metrics::NumberDataPoint::kAsInt) {
      v = static_cast<double>(pt->as_int());
    }
    if ((pt->flags() & kNoRecordedValueFlag) != 0) v = storage::model::StaleNaN();
    const size_t series = sink_.Get(Finish(BaseLabels(rc, &sc, pt->attributes()), name));
    sink_.AddSample(series, PointMillis(pt->time_unix_nano()), v);
    if (!is_sum) continue;
    for (const auto& e : pt->exemplars()) {
      if (auto ex = ConvertExemplar(e, m.name())) sink_.AddExemplar(series, std::move(*ex));
    }
  }
}

void Translator::TargetInfo(const ResourceContext& rc, uint64_t earliest_ns, uint64_t latest_ns) {
  if (options_.disable_target_info) return;
  const KeyValues& attrs = rc.resource->attributes();
  static const std::vector<std::string_view> kIdentifying = {kServiceNamespace, kServiceName,
                                                             kServiceInstanceId};
  int64_t non_identifying = attrs.size();
  for (std::string_view a : kIdentifying) {
    if (FindAttr(attrs, a) != nullptr) --non_identifying;
  }
  if (non_identifying <= 0) return;  // only job/instance material: target_info adds nothing

  const std::vector<std::string_view>* ignore =
      options_.keep_identifying_resource_attributes ? nullptr : &kIdentifying;
  ResourceContext plain;  // target_info gets no promoted attributes
  plain.resource = rc.resource;
  plain.job = rc.job;
  plain.instance = rc.instance;
  const std::vector<Label> base = BaseLabels(plain, nullptr, attrs, ignore);
  const bool has_identifier = std::any_of(base.begin(), base.end(), [](const Label& l) {
    return l.name == "job" || l.name == "instance";
  });
  if (!has_identifier) return;

  const std::string name = options_.metric_namespace.empty()
                               ? std::string("target_info")
                               : options_.metric_namespace + "_target_info";
  AddMetadata(name, MetricType::kGauge, "Target metadata", "");
  const size_t series = sink_.Get(Finish(base, name));
  // Samples from the earliest to the latest point every lookback/2, plus one at the latest.
  const int64_t earliest = static_cast<int64_t>(earliest_ns);
  const int64_t latest = static_cast<int64_t>(latest_ns);
  const int64_t interval = std::max<int64_t>(options_.lookback_delta_ms / 2, 1) * 1'000'000;
  const int64_t max_samples = std::max(options_.max_target_info_samples, 1);
  int64_t start = earliest;
  if (latest > earliest) {
    const uint64_t span = static_cast<uint64_t>(latest) - static_cast<uint64_t>(earliest);
    const uint64_t steps = (span + static_cast<uint64_t>(interval) - 1) / interval;
    if (steps > static_cast<uint64_t>(max_samples - 1)) {
      start = earliest + static_cast<int64_t>(steps - (max_samples - 1)) * interval;
    }
  }
  int64_t last_ms = std::numeric_limits<int64_t>::min();
  bool any = false;
  for (int64_t t = start; t < latest; t += interval) {
    last_ms = FloorDiv(t, 1'000'000);
    sink_.AddSample(series, last_ms, 1);
    any = true;
    if (t > std::numeric_limits<int64_t>::max() - interval) break;
  }
  const int64_t latest_ms = FloorDiv(latest, 1'000'000);
  if (!any || last_ms < latest_ms) sink_.AddSample(series, latest_ms, 1);
}

}  // namespace prom_internal
}  // namespace loupe::ingest::otlp
