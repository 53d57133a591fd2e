#include "storage/logstore/entry_iterator.h"

#include <algorithm>

namespace loupe::storage::logstore {

EntryIterator::EntryIterator(const kv::RocksStore* kv, kv::ColumnFamilyId chunks_cf,
                             std::vector<BlockSource> sources, int64_t mint, int64_t maxt,
                             Direction direction, std::shared_ptr<const LineFilter> filter,
                             std::atomic<uint64_t>* corrupt)
    : kv_(kv),
      chunks_cf_(chunks_cf),
      sources_(std::move(sources)),
      mint_(mint),
      maxt_(maxt),
      forward_(direction == Direction::kForward),
      filter_(std::move(filter)),
      corrupt_(corrupt) {
  if (filter_ && filter_->empty()) filter_.reset();
  if (forward_) {
    std::stable_sort(sources_.begin(), sources_.end(),
                     [](const BlockSource& a, const BlockSource& b) { return a.mint < b.mint; });
  } else {
    std::stable_sort(sources_.begin(), sources_.end(),
                     [](const BlockSource& a, const BlockSource& b) { return a.maxt > b.maxt; });
  }
}

EntryIterator::~EntryIterator() = default;

bool EntryIterator::SourceReaches(size_t i, int64_t t) const {
  return forward_ ? sources_[i].mint <= t : sources_[i].maxt >= t;
}

int64_t EntryIterator::CursorTs(const Cursor& c) const {
  const uint32_t idx = forward_ ? c.sel[c.pos] : c.sel[c.sel.size() - 1 - c.pos];
  return c.block.ts(idx);
}

void EntryIterator::Emit(Cursor& c) {
  const uint32_t idx = forward_ ? c.sel[c.pos] : c.sel[c.sel.size() - 1 - c.pos];
  ts_ = c.block.ts(idx);
  line_ = c.block.line(idx);
  md_ = c.block.metadata(idx);
}

void EntryIterator::PushHeap(std::unique_ptr<Cursor> c) {
  heap_.push_back(std::move(c));
  std::push_heap(heap_.begin(), heap_.end(), [this](const auto& a, const auto& b) {
    return Before(CursorTs(*b), CursorTs(*a));
  });
}

std::unique_ptr<EntryIterator::Cursor> EntryIterator::PopHeap() {
  std::pop_heap(heap_.begin(), heap_.end(), [this](const auto& a, const auto& b) {
    return Before(CursorTs(*b), CursorTs(*a));
  });
  auto c = std::move(heap_.back());
  heap_.pop_back();
  return c;
}

std::unique_ptr<EntryIterator::Cursor> EntryIterator::Open(size_t i) {
  const BlockSource& s = sources_[i];
  auto c = std::make_unique<Cursor>();
  Status st;
  if (s.chunk) {
    ChunkHandle& h = *s.chunk;
    if (!h.fetched) {
      h.fetched = true;
      const Status g = kv_->Get(chunks_cf_, h.key, &h.bytes);
      if (g.code() == StatusCode::kNotFound) {
        h.bad = true;  // deleted by retention after the index was read
      } else if (!g.ok()) {
        status_ = g;
        return nullptr;
      } else {
        auto r = ChunkReader::Open(h.bytes);
        if (!r.ok() || r->num_blocks() != h.num_blocks) {
          h.bad = true;
          corrupt_blocks_ += h.num_blocks;
          if (corrupt_) *corrupt_ += h.num_blocks;
        } else {
          h.reader = std::make_unique<ChunkReader>(std::move(*r));
        }
      }
    }
    if (!h.bad) st = h.reader->ReadBlock(s.block_index, &c->block);
    if (h.pending_sources > 0 && --h.pending_sources == 0) {
      // Every block we need from this chunk is decompressed (blocks copy what they keep).
      h.reader.reset();
      std::string().swap(h.bytes);
    }
    if (h.bad) return nullptr;
  } else if (s.mem) {
    st = DecompressBlock(s.mem_codec, s.mem->meta, s.mem->data, &c->block);
  } else if (s.raw) {
    st = c->block.Parse(std::string(*s.raw), /*require_sorted=*/true);
  } else {
    return nullptr;
  }
  if (!st.ok()) {
    ++corrupt_blocks_;
    if (corrupt_) ++*corrupt_;
    return nullptr;
  }
  ++blocks_read_;
  const size_t lo = c->block.LowerBound(mint_);
  const size_t hi = c->block.UpperBound(maxt_);
  if (filter_) {
    filter_->Select(c->block, lo, hi, &c->sel);
  } else if (lo < hi) {
    c->sel.resize(hi - lo);
    for (size_t k = 0; k < c->sel.size(); ++k) c->sel[k] = static_cast<uint32_t>(lo + k);
  }
  if (c->sel.empty()) return nullptr;
  return c;
}

bool EntryIterator::Next() {
  if (!status_.ok()) return false;
  if (current_ && ++current_->pos >= current_->sel.size()) current_.reset();
  while (true) {
    const bool have = current_ || !heap_.empty();
    int64_t frontier = 0;
    if (current_) frontier = CursorTs(*current_);
    if (!heap_.empty()) {
      const int64_t t = CursorTs(*heap_.front());
      if (!current_ || Before(t, frontier)) frontier = t;
    }
    if (next_source_ < sources_.size() && (!have || SourceReaches(next_source_, frontier))) {
      auto c = Open(next_source_++);
      if (!status_.ok()) return false;
      if (c) {
        if (!current_ && heap_.empty()) {
          current_ = std::move(c);  // the common case: disjoint blocks, no heap
        } else {
          PushHeap(std::move(c));
        }
      }
      continue;
    }
    if (!have) return false;
    if (current_ && (heap_.empty() || !Before(CursorTs(*heap_.front()), CursorTs(*current_)))) {
      Emit(*current_);
      return true;
    }
    if (current_) PushHeap(std::move(current_));
    current_ = PopHeap();
    Emit(*current_);
    return true;
  }
}

}  // namespace loupe::storage::logstore
