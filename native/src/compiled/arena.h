// Memory planning for one compiled step: every temporary buffer (activations, gradients,
// workspaces) lives from the first action that touches it to the last, and buffers whose lives
// do not overlap share bytes of one arena. Greedy by size, the largest first, each at the lowest
// offset free for its whole life: what PyTorch's caching allocator achieves over a step, planned
// once instead of found at run time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

namespace cs::compiled {

class Arena {
 public:
  static constexpr size_t kAlign = 64;

  int add(size_t bytes) {
    bufs_.push_back({(bytes + kAlign - 1) / kAlign * kAlign, -1, -1, 0});
    return int(bufs_.size()) - 1;
  }

  void use(int id, int time) {
    auto& b = bufs_[size_t(id)];
    if (b.first < 0 || time < b.first) b.first = time;
    if (time > b.last) b.last = time;
  }

  // Assigns offsets; share=false gives every buffer its own bytes (for debugging and for reading
  // intermediate tensors after a step). Returns the arena's size.
  size_t plan(bool share) {
    std::vector<size_t> order(bufs_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return bufs_[a].bytes > bufs_[b].bytes; });
    size_t total = 0;
    std::vector<size_t> placed;
    for (size_t id : order) {
      auto& b = bufs_[id];
      if (b.first < 0 || b.bytes == 0) continue;
      size_t off = 0;
      if (share) {
        std::vector<std::pair<size_t, size_t>> busy;  // [begin, end) of buffers alive at the same time
        for (size_t o : placed) {
          const auto& c = bufs_[o];
          if (c.first <= b.last && b.first <= c.last) busy.push_back({c.offset, c.offset + c.bytes});
        }
        std::sort(busy.begin(), busy.end());
        for (const auto& [lo, hi] : busy) {
          if (off + b.bytes <= lo) break;
          off = std::max(off, hi);
        }
      } else {
        off = total;
      }
      b.offset = off;
      total = std::max(total, off + b.bytes);
      placed.push_back(id);
    }
    return total;
  }

  size_t offset(int id) const { return bufs_[size_t(id)].offset; }
  size_t bytes(int id) const { return bufs_[size_t(id)].bytes; }
  bool used(int id) const { return bufs_[size_t(id)].first >= 0; }
  size_t count() const { return bufs_.size(); }

 private:
  struct Buf {
    size_t bytes;
    int first, last;
    size_t offset;
  };
  std::vector<Buf> bufs_;
};

}  // namespace cs::compiled
