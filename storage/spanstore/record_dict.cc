#include "storage/spanstore/record_dict.h"

#include <zdict.h>
#include <zstd.h>

#include <mutex>

namespace loupe::storage::spanstore {

struct RecordDict::Rep {
  std::once_flag cdict_once, ddict_once;
  ZSTD_CDict* cdict = nullptr;
  ZSTD_DDict* ddict = nullptr;
  ~Rep() {
    ZSTD_freeCDict(cdict);
    ZSTD_freeDDict(ddict);
  }
};

namespace {
// One compression and one decompression context per thread, reused across calls.
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> ctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  return ctx.get();
}
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  return ctx.get();
}
}  // namespace

std::string RecordDict::Train(const std::vector<std::string_view>& samples, size_t capacity) {
  std::string joined;
  std::vector<size_t> sizes;
  for (auto s : samples) {
    joined.append(s);
    sizes.push_back(s.size());
  }
  if (samples.size() < 8 || joined.size() < 4 * capacity) return "";
  std::string dict(capacity, '\0');
  const size_t n = ZDICT_trainFromBuffer(dict.data(), dict.size(), joined.data(), sizes.data(),
                                         static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) return "";
  dict.resize(n);
  return dict;
}

RecordDict::RecordDict(std::string dict, int level)
    : dict_(std::move(dict)), level_(level <= 0 ? 3 : level), rep_(std::make_unique<Rep>()) {}

RecordDict::~RecordDict() = default;

Status RecordDict::Compress(std::string_view raw, std::string* out) const {
  std::call_once(rep_->cdict_once, [&] { rep_->cdict = ZSTD_createCDict(dict_.data(), dict_.size(), level_); });
  if (!rep_->cdict) return Status::Internal("zstd: cannot build the record dictionary");
  out->resize(ZSTD_compressBound(raw.size()));
  const size_t n = ZSTD_compress_usingCDict(ThreadCCtx(), out->data(), out->size(), raw.data(), raw.size(),
                                            rep_->cdict);
  if (ZSTD_isError(n)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out->resize(n);
  return Status::OK();
}

Status RecordDict::Decompress(std::string_view in, size_t raw_len, std::string* out) const {
  std::call_once(rep_->ddict_once, [&] { rep_->ddict = ZSTD_createDDict(dict_.data(), dict_.size()); });
  if (!rep_->ddict) return Status::Corruption("span record: unusable record dictionary");
  // The frame must say exactly raw_len; never trust it for the allocation beyond that.
  const unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
  if (declared != raw_len) return Status::Corruption("span record: frame size mismatch");
  out->resize(raw_len);
  const size_t n = ZSTD_decompress_usingDDict(ThreadDCtx(), out->data(), out->size(), in.data(), in.size(),
                                              rep_->ddict);
  if (ZSTD_isError(n) || n != raw_len) {
    return Status::Corruption(std::string("span record: ") + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short"));
  }
  return Status::OK();
}

}  // namespace loupe::storage::spanstore
