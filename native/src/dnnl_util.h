// What both halves of the addon (the tfjs kernels and the compiled training step) share: the
// oneDNN engine, the memory every oneDNN primitive writes into, and the primitive descriptors
// that steer around oneDNN 2.6.3 implementations known to be broken.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace cs {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

inline dnnl::engine& cpuEngine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

inline dnnl::stream& cpuStream() {
  static dnnl::stream s(cpuEngine());
  return s;
}

// Heap checking of JIT-compiled code. valgrind cannot see AVX-512 (oneDNN then runs its AVX2
// kernels) and ASan cannot see writes from JIT code at all, so CONVSTUDIO_NATIVE_GUARD puts every
// buffer a oneDNN primitive touches against an inaccessible page: "1"/"after" makes its last
// byte the page's last byte (an overrun faults at once), "before" makes its first byte follow a
// guard page (an underrun faults). Copies in and out cost time; only the heap check sets it.
enum class Guard { off, after, before };

inline Guard guardMode() {
  static Guard mode = [] {
    const char* v = std::getenv("CONVSTUDIO_NATIVE_GUARD");
    if (!v || !*v || std::string(v) == "0") return Guard::off;
    return std::string(v) == "before" ? Guard::before : Guard::after;
  }();
  return mode;
}

// An owned, uninitialised block of floats: 64-byte aligned, or page-guarded in guard mode.
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t bytes) { allocate(bytes); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept { swap(o); }
  Buffer& operator=(Buffer&& o) noexcept {
    release();
    swap(o);
    return *this;
  }
  ~Buffer() { release(); }

  float* data() const { return data_; }
  size_t bytes() const { return bytes_; }

  void allocate(size_t bytes) {
    release();
    bytes_ = bytes;
    if (bytes == 0) return;
    if (guardMode() == Guard::off) {
      void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
      if (!p) throw std::bad_alloc();
      data_ = static_cast<float*>(p);
      return;
    }
    const size_t page = size_t(sysconf(_SC_PAGESIZE));
    const size_t span = (bytes + page - 1) / page * page;
    void* p = mmap(nullptr, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    char* base = static_cast<char*>(p);
    map_ = base;
    mapBytes_ = span + page;
    if (guardMode() == Guard::before) {
      mprotect(base, page, PROT_NONE);
      data_ = reinterpret_cast<float*>(base + page);
    } else {
      mprotect(base + span, page, PROT_NONE);
      data_ = reinterpret_cast<float*>(base + span - (bytes + 3) / 4 * 4);
    }
  }

 private:
  void release() {
    if (map_) munmap(map_, mapBytes_);
    else std::free(data_);
    data_ = nullptr;
    map_ = nullptr;
    bytes_ = mapBytes_ = 0;
  }
  void swap(Buffer& o) {
    std::swap(data_, o.data_);
    std::swap(bytes_, o.bytes_);
    std::swap(map_, o.map_);
    std::swap(mapBytes_, o.mapBytes_);
  }
  float* data_ = nullptr;
  size_t bytes_ = 0;
  char* map_ = nullptr;
  size_t mapBytes_ = 0;
};

// Every primitive is created with a user-managed scratchpad, so oneDNN never allocates behind
// our back: the scratch memory is one shared buffer grown to the largest request (callers
// serialise execution), and in guard mode a fresh guarded block per call.
inline dnnl::primitive_attr withUserScratchpad(dnnl::primitive_attr attr = {}) {
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

class Scratchpad {
 public:
  memory get(const memory::desc& md) {
    size_t need = md.get_size();
    if (guardMode() != Guard::off) {
      guarded_ = Buffer(need);
      return memory(md, cpuEngine(), guarded_.data());
    }
    if (need > shared_.bytes()) shared_.allocate(need);
    return memory(md, cpuEngine(), shared_.data());
  }
  size_t bytes() const { return shared_.bytes(); }

 private:
  Buffer shared_;
  Buffer guarded_;
};

inline bool startsWith(const char* s, const char* prefix) { return std::strncmp(s, prefix, std::strlen(prefix)) == 0; }

// oneDNN's reference kernels ("ref:any") are its correctness fallback: plain loops, orders of
// magnitude slower than the jit ones.
template <typename PD>
bool isReference(const PD& pd) {
  return startsWith(pd.impl_info_str(), "ref");
}

// oneDNN 2.6.3's jit_1x1 backward-weights kernel writes past the end of its scratchpad when the
// convolution leaves input rows or columns unread (negative right padding: a 1x1 stride-2
// convolution of an even-sized input) and the input has few channels (seen with 1-7, AVX2
// kernel; measured with guard pages in native/heap-check.mjs). The next implementation in
// oneDNN's list (the direct jit kernel) has none of that. Skipped for all small channel counts
// and every ISA, not just where it was seen, because the price is small and a corrupted heap is not.
template <typename PD>
void avoidBrokenBackwardWeights(PD& pd, int64_t inChannels, int64_t padRightH, int64_t padRightW) {
  if (inChannels >= 16 || (padRightH >= 0 && padRightW >= 0)) return;
  while (startsWith(pd.impl_info_str(), "jit_1x1")) {
    if (!pd.next_impl()) throw std::runtime_error("oneDNN offers no backward-weights implementation other than jit_1x1 for this convolution");
  }
}

}  // namespace cs
