#include "storage/spanstore/block_source.h"

namespace loupe::storage::spanstore {

PersistedBlock::PersistedBlock(std::shared_ptr<const BlockMeta> meta, Loader load)
    : meta_(std::move(meta)), load_(std::move(load)) {
  PrepareDecodedBlock(*meta_, &c_);
  const size_t n = kNumFixedUnitsPlusOne + meta_->attrs.size();
  loaded_ = std::make_unique<std::atomic<bool>[]>(n);
  for (size_t i = 0; i < n; ++i) loaded_[i].store(false, std::memory_order_relaxed);
  memory_ = meta_->MemoryBytes();
}

std::atomic<bool>* PersistedBlock::Flag(uint32_t unit) {
  if (unit > 0 && unit < kNumFixedUnitsPlusOne) return &loaded_[unit];
  if (unit >= kAttrUnitBase && unit - kAttrUnitBase < meta_->attrs.size()) {
    return &loaded_[kNumFixedUnitsPlusOne + (unit - kAttrUnitBase)];
  }
  return nullptr;
}

Status PersistedBlock::Ensure(uint32_t unit) {
  std::atomic<bool>* flag = Flag(unit);
  if (!flag) return Status::InvalidArgument("span block: no unit " + std::to_string(unit));
  if (flag->load(std::memory_order_acquire)) return Status::OK();
  std::lock_guard lock(mu_);
  return LoadLocked(unit);
}

Status PersistedBlock::LoadLocked(uint32_t unit) {
  std::atomic<bool>* flag = Flag(unit);
  if (flag->load(std::memory_order_acquire)) return Status::OK();
  if (unit == kUnitParents) {
    LOUPE_RETURN_IF_ERROR(LoadLocked(kUnitTraces));
    LOUPE_RETURN_IF_ERROR(LoadLocked(kUnitSpanIds));
  }
  const std::string where = "block " + std::to_string(meta_->id) + " unit " + std::to_string(unit);
  auto raw = std::make_unique<std::string>();
  LOUPE_RETURN_IF_ERROR(load_(unit, [&](std::string_view stored) -> Status {
    bytes_read_ += stored.size();
    if (auto s = UnpackValue(stored, raw.get()); !s.ok()) return s.WithContext(where);
    return Status::OK();
  }));
  const std::string_view view = *raw;
  // Dictionary views point into the buffer: it lives as long as the block.
  c_.buffers.push_back(std::move(raw));
  const size_t before = c_.MemoryBytes();
  if (auto s = DecodeUnit(unit, view, *meta_, &c_); !s.ok()) return s.WithContext(where);
  memory_ += c_.MemoryBytes() > before ? c_.MemoryBytes() - before : 0;
  flag->store(true, std::memory_order_release);
  return Status::OK();
}

Result<const RecordDict*> PersistedBlock::RecordDictionary() {
  if (!meta_->has_record_dict) return static_cast<const RecordDict*>(nullptr);
  LOUPE_RETURN_IF_ERROR(Ensure(kUnitRecordDict));
  std::call_once(dict_once_, [&] { dict_ = std::make_unique<RecordDict>(std::string(c_.record_dict), 3); });
  return static_cast<const RecordDict*>(dict_.get());
}

}  // namespace loupe::storage::spanstore
