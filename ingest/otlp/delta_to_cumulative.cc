#include "ingest/otlp/delta_to_cumulative.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace loupe::ingest::otlp {
namespace {

namespace metrics = ::opentelemetry::proto::metrics::v1;
using ::opentelemetry::proto::common::v1::KeyValue;

constexpr uint32_t kNoRecordedValue = 1;
// The deltatocumulative processor's bucket limit for merged exponential histograms.
constexpr int64_t kMaxExpBuckets = 160;

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

uint64_t Fmix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// MurmurHash3 x64 128 (Austin Appleby, public domain), little-endian reads.
StreamKey Murmur3(std::string_view data, uint64_t seed) {
  const uint64_t c1 = 0x87c37b91114253d5ULL;
  const uint64_t c2 = 0x4cf5ad432745937fULL;
  uint64_t h1 = seed, h2 = seed;
  const size_t nblocks = data.size() / 16;
  const char* p = data.data();
  for (size_t i = 0; i < nblocks; ++i) {
    uint64_t k1, k2;
    std::memcpy(&k1, p + 16 * i, 8);
    std::memcpy(&k2, p + 16 * i + 8, 8);
    k1 *= c1;
    k1 = Rotl(k1, 31);
    k1 *= c2;
    h1 ^= k1;
    h1 = Rotl(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52dce729;
    k2 *= c2;
    k2 = Rotl(k2, 33);
    k2 *= c1;
    h2 ^= k2;
    h2 = Rotl(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495ab5;
  }
  const auto* tail = reinterpret_cast<const unsigned char*>(p + 16 * nblocks);
  uint64_t k1 = 0, k2 = 0;
  const size_t rest = data.size() & 15;
  for (size_t i = rest; i > 8; --i) k2 ^= static_cast<uint64_t>(tail[i - 1]) << (8 * (i - 9));
  if (rest > 8) {
    k2 *= c2;
    k2 = Rotl(k2, 33);
    k2 *= c1;
    h2 ^= k2;
  }
  for (size_t i = std::min<size_t>(rest, 8); i > 0; --i) {
    k1 ^= static_cast<uint64_t>(tail[i - 1]) << (8 * (i - 1));
  }
  if (rest > 0) {
    k1 *= c1;
    k1 = Rotl(k1, 31);
    k1 *= c2;
    h1 ^= k1;
  }
  h1 ^= data.size();
  h2 ^= data.size();
  h1 += h2;
  h2 += h1;
  h1 = Fmix(h1);
  h2 = Fmix(h2);
  h1 += h2;
  h2 += h1;
  return StreamKey{h1, h2};
}

void AppendU64(std::string* out, uint64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  out->append(buf, 8);
}

// Upper bound of exponential bucket `index` at `scale`: base^(index+1), base = 2^(2^-scale).
double ExpUpperBound(int64_t index, int32_t scale) {
  const double exponent = static_cast<double>(index + 1);
  if (scale <= 0)
    return std::ldexp(
        1.0, static_cast<int>(std::clamp<double>(std::ldexp(exponent, -scale), -2000, 2000)));
  return std::exp2(std::ldexp(exponent, -scale));
}

}  // namespace

StreamKey HashStreamBytes(std::string_view bytes) { return Murmur3(bytes, 0x6c6f757065ULL); }

StreamKey HashAttributes(const google::protobuf::RepeatedPtrField<KeyValue>& attrs) {
  std::vector<const KeyValue*> sorted;
  sorted.reserve(attrs.size());
  for (const KeyValue& kv : attrs) sorted.push_back(&kv);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const KeyValue* a, const KeyValue* b) { return a->key() < b->key(); });
  std::string buf;
  for (const KeyValue* kv : sorted) {
    const std::string bytes = kv->SerializeAsString();
    AppendU64(&buf, bytes.size());
    buf += bytes;
  }
  return HashStreamBytes(buf);
}

StreamKey CombineStreamKeys(std::initializer_list<StreamKey> parts) {
  std::string buf;
  for (const StreamKey& k : parts) {
    AppendU64(&buf, k.hi);
    AppendU64(&buf, k.lo);
  }
  return HashStreamBytes(buf);
}

DeltaToCumulative::DeltaToCumulative(Options options, Clock& clock)
    : options_(options), clock_(clock), last_sweep_(clock.MonotonicNanos()) {}

size_t DeltaToCumulative::stream_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return streams_.size();
}

void DeltaToCumulative::ExpireStale() {
  std::lock_guard<std::mutex> lock(mu_);
  SweepLocked(clock_.MonotonicNanos());
}

void DeltaToCumulative::SweepLocked(int64_t now) {
  last_sweep_ = now;
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (now - it->second.last_seen > options_.max_stale_nanos) {
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
}

void DeltaToCumulative::MaybeSweepLocked(int64_t now) {
  if (now - last_sweep_ > options_.max_stale_nanos / 2) SweepLocked(now);
}

template <typename Point>
Status DeltaToCumulative::Admit(const StreamKey& key, std::string_view metric_name, const Point& in,
                                Stream** existing, bool* ends_stream) {
  *existing = nullptr;
  *ends_stream = false;
  const int64_t now = clock_.MonotonicNanos();
  MaybeSweepLocked(now);
  auto it = streams_.find(key);
  if ((in.flags() & kNoRecordedValue) != 0) {
    if (it != streams_.end()) streams_.erase(it);
    *ends_stream = true;
    return Status::OK();
  }
  if (it == streams_.end()) {
    if (streams_.size() >= options_.max_streams) SweepLocked(now);
    if (streams_.size() >= options_.max_streams) {
      return Status::ResourceExhausted(
          "delta-to-cumulative: tracking limit of " + std::to_string(options_.max_streams) +
          " streams reached; dropped a point of metric \"" + std::string(metric_name) + "\"");
    }
    return Status::OK();
  }
  Stream& s = it->second;
  if (in.start_time_unix_nano() < s.start) {
    return Status::InvalidArgument(
        "delta-to-cumulative: dropped a point of metric \"" + std::string(metric_name) +
        "\" with start_time=" + std::to_string(in.start_time_unix_nano()) +
        " because its series starts at start_time=" + std::to_string(s.start) +
        " (is more than one process sending the same series?)");
  }
  if (in.time_unix_nano() <= s.time) {
    return Status::InvalidArgument(
        "delta-to-cumulative: out of order: dropped a point of metric \"" +
        std::string(metric_name) + "\" at time=" + std::to_string(in.time_unix_nano()) +
        " because its series is already at time=" + std::to_string(s.time));
  }
  s.time = in.time_unix_nano();
  s.last_seen = now;
  *existing = &s;
  return Status::OK();
}

Status DeltaToCumulative::Accumulate(const StreamKey& key, std::string_view metric_name,
                                     const NumberPoint& in, NumberPoint* out) {
  std::lock_guard<std::mutex> lock(mu_);
  Stream* s = nullptr;
  bool ends = false;
  LOUPE_RETURN_IF_ERROR(Admit(key, metric_name, in, &s, &ends));
  *out = in;
  if (ends) return Status::OK();
  const bool in_is_int = in.value_case() == NumberPoint::kAsInt;
  const double in_double = in_is_int ? static_cast<double>(in.as_int()) : in.as_double();
  if (s == nullptr) {
    NumberState st;
    st.is_int = in_is_int;
    st.int_value = in.as_int();
    st.double_value = in_double;
    streams_.insert_or_assign(
        key, Stream{in.start_time_unix_nano(), in.time_unix_nano(), clock_.MonotonicNanos(), st});
    return Status::OK();
  }
  auto& st = std::get<NumberState>(s->state);
  if (st.is_int && in_is_int) {
    st.int_value = static_cast<int64_t>(static_cast<uint64_t>(st.int_value) +
                                        static_cast<uint64_t>(in.as_int()));
    st.double_value = static_cast<double>(st.int_value);
    out->set_as_int(st.int_value);
  } else {
    st.double_value = (st.is_int ? static_cast<double>(st.int_value) : st.double_value) + in_double;
    st.is_int = false;
    out->set_as_double(st.double_value);
  }
  out->set_start_time_unix_nano(s->start);
  return Status::OK();
}

Status DeltaToCumulative::Accumulate(const StreamKey& key, std::string_view metric_name,
                                     const HistogramPoint& in, HistogramPoint* out) {
  std::lock_guard<std::mutex> lock(mu_);
  Stream* s = nullptr;
  bool ends = false;
  LOUPE_RETURN_IF_ERROR(Admit(key, metric_name, in, &s, &ends));
  *out = in;
  if (ends) return Status::OK();
  auto from_point = [&] {
    HistogramState st;
    st.count = in.count();
    st.has_sum = in.has_sum();
    st.sum = in.sum();
    st.has_min = in.has_min();
    st.min = in.min();
    st.has_max = in.has_max();
    st.max = in.max();
    st.bounds.assign(in.explicit_bounds().begin(), in.explicit_bounds().end());
    st.counts.assign(in.bucket_counts().begin(), in.bucket_counts().end());
    return st;
  };
  if (s == nullptr) {
    streams_.insert_or_assign(key, Stream{in.start_time_unix_nano(), in.time_unix_nano(),
                                          clock_.MonotonicNanos(), from_point()});
    return Status::OK();
  }
  auto& st = std::get<HistogramState>(s->state);
  const bool same_bounds =
      st.bounds.size() == static_cast<size_t>(in.explicit_bounds_size()) &&
      std::equal(st.bounds.begin(), st.bounds.end(), in.explicit_bounds().begin(),
                 [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); });
  if (!same_bounds) {
    // No way to merge different layouts: the new point becomes the running total.
    st = from_point();
    s->start = in.start_time_unix_nano();
    return Status::OK();
  }
  const size_t n = std::min(st.counts.size(), static_cast<size_t>(in.bucket_counts_size()));
  for (size_t i = 0; i < n; ++i) st.counts[i] += in.bucket_counts(static_cast<int>(i));
  st.count += in.count();
  st.has_sum = st.has_sum && in.has_sum();
  st.sum = st.has_sum ? st.sum + in.sum() : 0;
  st.has_min = st.has_min && in.has_min();
  st.min = st.has_min ? std::min(st.min, in.min()) : 0;
  st.has_max = st.has_max && in.has_max();
  st.max = st.has_max ? std::max(st.max, in.max()) : 0;

  out->set_start_time_unix_nano(s->start);
  out->set_count(st.count);
  if (st.has_sum)
    out->set_sum(st.sum);
  else
    out->clear_sum();
  if (st.has_min)
    out->set_min(st.min);
  else
    out->clear_min();
  if (st.has_max)
    out->set_max(st.max);
  else
    out->clear_max();
  out->mutable_bucket_counts()->Assign(st.counts.begin(), st.counts.end());
  return Status::OK();
}

DeltaToCumulative::ExpHistogramState DeltaToCumulative::FromPoint(const ExpHistogramPoint& p) {
  ExpHistogramState st;
  st.count = p.count();
  st.zero_count = p.zero_count();
  st.has_sum = p.has_sum();
  st.sum = p.sum();
  st.has_min = p.has_min();
  st.min = p.min();
  st.has_max = p.has_max();
  st.max = p.max();
  st.zero_threshold = p.zero_threshold();
  st.scale = p.scale();
  st.positive.offset = p.positive().offset();
  st.positive.counts.assign(p.positive().bucket_counts().begin(),
                            p.positive().bucket_counts().end());
  st.negative.offset = p.negative().offset();
  st.negative.counts.assign(p.negative().bucket_counts().begin(),
                            p.negative().bucket_counts().end());
  return st;
}

namespace {

// Merges adjacent buckets 2^by at a time (index i → floor(i / 2^by)).
template <typename B>
void Downscale(B* b, int by) {
  if (by <= 0) return;
  by = std::min(by, 62);
  if (b->counts.empty()) {
    b->offset >>= by;
    return;
  }
  const int64_t first = b->offset >> by;
  const int64_t last = (b->offset + static_cast<int64_t>(b->counts.size()) - 1) >> by;
  std::vector<uint64_t> merged(static_cast<size_t>(last - first + 1), 0);
  for (size_t i = 0; i < b->counts.size(); ++i) {
    merged[static_cast<size_t>(((b->offset + static_cast<int64_t>(i)) >> by) - first)] +=
        b->counts[i];
  }
  b->offset = first;
  b->counts = std::move(merged);
}

// How many halvings make the union of a's and b's index ranges fit kMaxExpBuckets.
template <typename B>
int DownscaleNeeded(const B& a, const B& b) {
  if (a.counts.empty() && b.counts.empty()) return 0;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const B* x : {&a, &b}) {
    if (x->counts.empty()) continue;
    lo = std::min(lo, x->offset);
    hi = std::max(hi, x->offset + static_cast<int64_t>(x->counts.size()));
  }
  int by = 0;
  while (hi - lo > kMaxExpBuckets && by < 62) {
    lo >>= 1;
    hi >>= 1;
    ++by;
  }
  return by;
}

// Moves buckets whose upper bound is <= threshold into the zero bucket.
template <typename B>
uint64_t TakeBelow(B* b, int32_t scale, double threshold) {
  uint64_t moved = 0;
  size_t drop = 0;
  while (drop < b->counts.size() &&
         ExpUpperBound(b->offset + static_cast<int64_t>(drop), scale) <= threshold) {
    moved += b->counts[drop];
    ++drop;
  }
  b->counts.erase(b->counts.begin(), b->counts.begin() + static_cast<ptrdiff_t>(drop));
  b->offset += static_cast<int64_t>(drop);
  return moved;
}

template <typename B>
void AddBuckets(B* into, const B& in) {
  if (in.counts.empty()) return;
  if (into->counts.empty()) {
    *into = in;
    return;
  }
  const int64_t lo = std::min(into->offset, in.offset);
  const int64_t hi = std::max(into->offset + static_cast<int64_t>(into->counts.size()),
                              in.offset + static_cast<int64_t>(in.counts.size()));
  std::vector<uint64_t> merged(static_cast<size_t>(hi - lo), 0);
  for (size_t i = 0; i < into->counts.size(); ++i) {
    merged[static_cast<size_t>(into->offset - lo) + i] += into->counts[i];
  }
  for (size_t i = 0; i < in.counts.size(); ++i) {
    merged[static_cast<size_t>(in.offset - lo) + i] += in.counts[i];
  }
  into->offset = lo;
  into->counts = std::move(merged);
}

}  // namespace

void DeltaToCumulative::MergeExp(ExpHistogramState* into, ExpHistogramState in) {
  // Common scale: the smaller one.
  if (into->scale > in.scale) {
    Downscale(&into->positive, into->scale - in.scale);
    Downscale(&into->negative, into->scale - in.scale);
    into->scale = in.scale;
  } else if (in.scale > into->scale) {
    Downscale(&in.positive, in.scale - into->scale);
    Downscale(&in.negative, in.scale - into->scale);
    in.scale = into->scale;
  }
  const int by = std::max(DownscaleNeeded(into->positive, in.positive),
                          DownscaleNeeded(into->negative, in.negative));
  if (by > 0) {
    for (ExpHistogramState* h : {into, &in}) {
      Downscale(&h->positive, by);
      Downscale(&h->negative, by);
      h->scale -= by;
    }
  }
  if (into->zero_threshold != in.zero_threshold) {
    const double zt = std::max(into->zero_threshold, in.zero_threshold);
    for (ExpHistogramState* h : {into, &in}) {
      if (h->zero_threshold == zt) continue;
      h->zero_count += TakeBelow(&h->positive, h->scale, zt);
      h->zero_count += TakeBelow(&h->negative, h->scale, zt);
      h->zero_threshold = zt;
    }
  }
  AddBuckets(&into->positive, in.positive);
  AddBuckets(&into->negative, in.negative);
  into->count += in.count;
  into->zero_count += in.zero_count;
  into->has_sum = into->has_sum && in.has_sum;
  into->sum = into->has_sum ? into->sum + in.sum : 0;
  into->has_min = into->has_min && in.has_min;
  into->min = into->has_min ? std::min(into->min, in.min) : 0;
  into->has_max = into->has_max && in.has_max;
  into->max = into->has_max ? std::max(into->max, in.max) : 0;
}

Status DeltaToCumulative::Accumulate(const StreamKey& key, std::string_view metric_name,
                                     const ExpHistogramPoint& in, ExpHistogramPoint* out) {
  std::lock_guard<std::mutex> lock(mu_);
  Stream* s = nullptr;
  bool ends = false;
  LOUPE_RETURN_IF_ERROR(Admit(key, metric_name, in, &s, &ends));
  *out = in;
  if (ends) return Status::OK();
  if (s == nullptr) {
    streams_.insert_or_assign(key, Stream{in.start_time_unix_nano(), in.time_unix_nano(),
                                          clock_.MonotonicNanos(), FromPoint(in)});
    return Status::OK();
  }
  auto& st = std::get<ExpHistogramState>(s->state);
  MergeExp(&st, FromPoint(in));

  out->set_start_time_unix_nano(s->start);
  out->set_count(st.count);
  out->set_zero_count(st.zero_count);
  out->set_zero_threshold(st.zero_threshold);
  out->set_scale(st.scale);
  if (st.has_sum)
    out->set_sum(st.sum);
  else
    out->clear_sum();
  if (st.has_min)
    out->set_min(st.min);
  else
    out->clear_min();
  if (st.has_max)
    out->set_max(st.max);
  else
    out->clear_max();
  auto write = [](const ExpBuckets& b, ExpHistogramPoint::Buckets* dst) {
    dst->set_offset(static_cast<int32_t>(std::clamp<int64_t>(b.offset, INT32_MIN, INT32_MAX)));
    dst->mutable_bucket_counts()->Assign(b.counts.begin(), b.counts.end());
  };
  write(st.positive, out->mutable_positive());
  write(st.negative, out->mutable_negative());
  return Status::OK();
}

}  // namespace loupe::ingest::otlp
