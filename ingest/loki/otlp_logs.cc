#include "ingest/loki/otlp_logs.h"

#include <algorithm>
#include <map>
#include <set>

#include "ingest/otlp/any_value_string.h"
#include "ingest/otlp/prom_naming.h"

namespace loupe::ingest::loki {

using storage::model::LabelRef;
namespace common = ::opentelemetry::proto::common::v1;

namespace {

const std::set<std::string, std::less<>>& PromotedResourceAttributes() {
  static const std::set<std::string, std::less<>> kAttrs = {
      "cloud.availability_zone", "cloud.region",        "container.name",       "deployment.environment",
      "k8s.cluster.name",        "k8s.container.name",  "k8s.cronjob.name",     "k8s.daemonset.name",
      "k8s.deployment.name",     "k8s.job.name",        "k8s.namespace.name",   "k8s.pod.name",
      "k8s.replicaset.name",     "k8s.statefulset.name", "service.instance.id", "service.name",
      "service.namespace"};
  return kAttrs;
}

// Loki's default discover_service_name label list.
constexpr const char* kDiscoverServiceName[] = {"service", "app", "application", "app_name", "name",
                                                "app_kubernetes_io_name", "container", "container_name",
                                                "k8s_container_name", "component", "workload", "job",
                                                "k8s_job_name"};

std::string LabelName(std::string_view key) {
  return otlp::BuildLabelName(key, otlp::TranslationStrategy::kUnderscoreEscapingWithSuffixes);
}

// Flattens one attribute into (name, value) pairs stored in the arena.
void Flatten(std::string_view key, const common::AnyValue& v, const std::string& prefix,
             std::deque<std::string>* arena, std::vector<LabelRef>* out) {
  std::string name = LabelName(prefix.empty() ? std::string(key) : prefix + "_" + std::string(key));
  if (v.value_case() == common::AnyValue::kKvlistValue) {
    for (const auto& kv : v.kvlist_value().values()) Flatten(kv.key(), kv.value(), name, arena, out);
    return;
  }
  if (name.empty()) return;
  arena->push_back(std::move(name));
  const std::string_view n = arena->back();
  arena->push_back(otlp::AnyValueAsString(v));
  out->push_back({n, arena->back()});
}

void Add(std::string_view name, std::string value, std::deque<std::string>* arena, std::vector<LabelRef>* out) {
  arena->push_back(std::move(value));
  out->push_back({name, arena->back()});
}

std::string Hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

bool AllZero(const std::string& b) {
  return std::all_of(b.begin(), b.end(), [](char c) { return c == 0; });
}

}  // namespace

void OtlpLogsToStore(const ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest& request,
                     storage::logstore::LogStore::Appender* app, std::deque<std::string>* arena,
                     OtlpLogsStats* stats, Clock& clock) {
  for (const auto& rl : request.resource_logs()) {
    std::map<std::string, std::string> stream;  // sorted, last wins
    std::vector<LabelRef> resource_md;
    bool has_service_name = false;
    for (const auto& kv : rl.resource().attributes()) {
      if (PromotedResourceAttributes().count(kv.key())) {
        std::vector<LabelRef> flat;
        Flatten(kv.key(), kv.value(), "", arena, &flat);
        for (const auto& l : flat) stream[std::string(l.name)] = std::string(l.value);
        if (kv.key() == "service.name" && !otlp::AnyValueAsString(kv.value()).empty()) has_service_name = true;
      } else {
        Flatten(kv.key(), kv.value(), "", arena, &resource_md);
      }
    }
    if (!has_service_name) {
      std::string discovered = "unknown_service";
      for (const char* candidate : kDiscoverServiceName) {
        auto it = stream.find(candidate);
        if (it != stream.end() && !it->second.empty()) {
          discovered = it->second;
          break;
        }
      }
      stream["service_name"] = discovered;
    }
    std::vector<LabelRef> stream_labels;
    for (const auto& [k, v] : stream) {
      arena->push_back(k);
      const std::string_view kn = arena->back();
      arena->push_back(v);
      stream_labels.push_back({kn, arena->back()});
    }
    app->AddStream(stream_labels.data(), stream_labels.size());
    ++stats->streams;

    for (const auto& sl : rl.scope_logs()) {
      std::vector<LabelRef> scope_md;
      for (const auto& kv : sl.scope().attributes()) Flatten(kv.key(), kv.value(), "", arena, &scope_md);
      if (!sl.scope().name().empty()) Add("scope_name", sl.scope().name(), arena, &scope_md);
      if (!sl.scope().version().empty()) Add("scope_version", sl.scope().version(), arena, &scope_md);
      if (sl.scope().dropped_attributes_count() != 0) {
        Add("scope_dropped_attributes_count", std::to_string(sl.scope().dropped_attributes_count()), arena, &scope_md);
      }
      for (const auto& lr : sl.log_records()) {
        std::vector<LabelRef> md;
        for (const auto& kv : lr.attributes()) Flatten(kv.key(), kv.value(), "", arena, &md);
        if (lr.time_unix_nano() != 0 && lr.observed_time_unix_nano() != 0) {
          Add("observed_timestamp", std::to_string(lr.observed_time_unix_nano()), arena, &md);
        }
        if (lr.severity_number() != 0) Add("severity_number", std::to_string(lr.severity_number()), arena, &md);
        if (!lr.severity_text().empty()) Add("severity_text", lr.severity_text(), arena, &md);
        if (lr.dropped_attributes_count() != 0) {
          Add("dropped_attributes_count", std::to_string(lr.dropped_attributes_count()), arena, &md);
        }
        if (lr.flags() != 0) Add("flags", std::to_string(lr.flags()), arena, &md);
        if (!lr.trace_id().empty() && !AllZero(lr.trace_id())) Add("trace_id", Hex(lr.trace_id()), arena, &md);
        if (!lr.span_id().empty() && !AllZero(lr.span_id())) Add("span_id", Hex(lr.span_id()), arena, &md);
        md.insert(md.end(), resource_md.begin(), resource_md.end());
        md.insert(md.end(), scope_md.begin(), scope_md.end());
        const int64_t ts = lr.time_unix_nano() != 0            ? static_cast<int64_t>(lr.time_unix_nano())
                           : lr.observed_time_unix_nano() != 0 ? static_cast<int64_t>(lr.observed_time_unix_nano())
                                                               : clock.NowNanos();
        arena->push_back(lr.has_body() ? otlp::AnyValueAsString(lr.body()) : std::string());
        app->AddEntry(ts, arena->back(), md.data(), md.size());
        ++stats->records;
      }
    }
  }
}

}  // namespace loupe::ingest::loki
