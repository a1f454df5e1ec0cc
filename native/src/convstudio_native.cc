// N-API addon behind the 'native' tfjs backend: oneDNN convolutions and sgemm, plus the
// memory-bound kernels (pooling, element-wise, reductions) as OpenMP loops. Every function works
// in place on Float32Arrays owned by the JS backend, so no tensor data is copied across the
// boundary. Layout is tfjs's: activations NHWC, filters HWIO.
#include <napi.h>

#include "compiled/binding.h"
#include "dnnl_util.h"
#include <omp.h>
#include <malloc.h>

#include <cstdlib>

#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
using cs::cpuEngine;
using cs::cpuStream;

namespace {

// The scratch memory of every primitive below; execution is serialised by cacheMutex.
cs::Scratchpad scratch;

// In guard mode (CONVSTUDIO_NATIVE_GUARD, the heap check) every JS-owned array a oneDNN primitive
// touches is copied into a page-guarded block for the call and the outputs copied back, so an
// out-of-bounds access by JIT code faults at once instead of corrupting V8's heap.
class GuardedArgs {
 public:
  float* in(float* p, size_t n) { return add(p, n, false); }
  float* out(float* p, size_t n) { return add(p, n, true); }
  ~GuardedArgs() {
    for (auto& e : entries_)
      if (e.out) std::memcpy(e.user, e.buf.data(), e.n * sizeof(float));
  }

 private:
  struct Entry {
    float* user;
    size_t n;
    cs::Buffer buf;
    bool out;
  };
  float* add(float* p, size_t n, bool out) {
    if (!p || cs::guardMode() == cs::Guard::off) return p;
    entries_.push_back({p, n, cs::Buffer(n * sizeof(float)), out});
    std::memcpy(entries_.back().buf.data(), p, n * sizeof(float));
    return entries_.back().buf.data();
  }
  std::vector<Entry> entries_;
};

float* f32(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a Float32Array");
  }
  return v.As<Napi::Float32Array>().Data();
}

size_t f32len(const Napi::Value& v) { return v.As<Napi::Float32Array>().ElementLength(); }

std::vector<int64_t> ints(const Napi::Value& v, size_t n, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      v.As<Napi::Int32Array>().ElementLength() != n) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an Int32Array of length " +
                                            std::to_string(n));
  }
  auto a = v.As<Napi::Int32Array>();
  return std::vector<int64_t>(a.Data(), a.Data() + n);
}

void need(const Napi::Env& env, bool ok, const std::string& msg) {
  if (!ok) throw Napi::RangeError::New(env, msg);
}

// Conv geometry as tfjs's computeConv2DInfo reports it:
// [N, IH, IW, IC, OH, OW, OC, KH, KW, SH, SW, DH, DW, padTop, padLeft, padBottom, padRight]
struct ConvGeom {
  int64_t n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  explicit ConvGeom(const std::vector<int64_t>& p)
      : n(p[0]), ih(p[1]), iw(p[2]), ic(p[3]), oh(p[4]), ow(p[5]), oc(p[6]), kh(p[7]), kw(p[8]),
        sh(p[9]), sw(p[10]), dh(p[11]), dw(p[12]), pt(p[13]), pl(p[14]), pb(p[15]), pr(p[16]) {}
  std::string key() const {
    std::string k;
    for (int64_t v : {n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr}) {
      k += std::to_string(v);
      k += ',';
    }
    return k;
  }
  memory::desc src(tag t = tag::nhwc) const { return {{n, ic, ih, iw}, dt::f32, t}; }
  memory::desc dst(tag t = tag::nhwc) const { return {{n, oc, oh, ow}, dt::f32, t}; }
  memory::desc wei(tag t = tag::hwio) const { return {{oc, ic, kh, kw}, dt::f32, t}; }
  memory::desc bias() const { return {{oc}, dt::f32, tag::x}; }
  memory::dims strides() const { return {sh, sw}; }
  memory::dims dil() const { return {dh - 1, dw - 1}; }
  memory::dims padL() const { return {pt, pl}; }
  // oneDNN insists that right padding reproduce the output size exactly; tfjs may carry
  // right padding that no window reaches (stride remainders), which changes nothing.
  memory::dims padR() const {
    int64_t ekh = (kh - 1) * dh + 1, ekw = (kw - 1) * dw + 1;
    return {(oh - 1) * sh + ekh - ih - pt, (ow - 1) * sw + ekw - iw - pl};
  }
};

// The forward primitive descriptor every conv primitive is built from; activation/src/dst in
// NHWC so the backend's buffers are used as they are, weights in whatever blocked layout
// oneDNN prefers (a reorder of the small filter per call is cheap).
dnnl::convolution_forward::primitive_desc fwdPd(const ConvGeom& g, bool withBias, int act) {
  auto d = withBias ? dnnl::convolution_forward::desc(
                          dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                          g.src(), g.wei(tag::any), g.bias(), g.dst(), g.strides(), g.dil(),
                          g.padL(), g.padR())
                    : dnnl::convolution_forward::desc(
                          dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                          g.src(), g.wei(tag::any), g.dst(), g.strides(), g.dil(), g.padL(),
                          g.padR());
  dnnl::primitive_attr attr = cs::withUserScratchpad();
  if (act != 0) {
    dnnl::post_ops po;
    po.append_eltwise(1.f, act == 1 ? dnnl::algorithm::eltwise_relu : dnnl::algorithm::eltwise_logistic,
                      0.f, 0.f);
    attr.set_post_ops(po);
  }
  return dnnl::convolution_forward::primitive_desc(d, attr, cpuEngine());
}

// A cached primitive with its scratchpad layout and, where oneDNN wants the filter (or its
// gradient) in another layout than tfjs's HWIO, the buffer and reorder between the two.
template <typename P>
struct ConvPrim {
  P prim;
  memory::desc scratchMd;
  bool reorderWei = false;
  memory::desc weiMd;
  cs::Buffer weiBuf;
  dnnl::reorder weiReorder;

  template <typename PD>
  void init(const PD& pd, const memory::desc& blockedWei, const memory::desc& userWei, bool toUser) {
    prim = P(pd);
    scratchMd = pd.scratchpad_desc();
    weiMd = blockedWei;
    reorderWei = blockedWei != userWei;
    if (reorderWei) {
      weiBuf = cs::Buffer(blockedWei.get_size());
      weiReorder = toUser ? dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), blockedWei, cpuEngine(), userWei))
                          : dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), userWei, cpuEngine(), blockedWei));
    }
  }
};
using ConvFwd = ConvPrim<dnnl::convolution_forward>;
using ConvBwdData = ConvPrim<dnnl::convolution_backward_data>;
using ConvBwdWeights = ConvPrim<dnnl::convolution_backward_weights>;

std::mutex cacheMutex;
std::unordered_map<std::string, std::unique_ptr<ConvFwd>> fwdCache;
std::unordered_map<std::string, std::unique_ptr<ConvBwdData>> bwdDataCache;
std::unordered_map<std::string, std::unique_ptr<ConvBwdWeights>> bwdWeightsCache;

void convForwardRaw(const ConvGeom& g, float* x, float* w, float* b, float* y, int act) {
  std::string key = g.key() + (b ? "b" : "-") + std::to_string(act);
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto& slot = fwdCache[key];
  if (!slot) {
    auto pd = fwdPd(g, b != nullptr, act);
    slot = std::make_unique<ConvFwd>();
    slot->init(pd, pd.weights_desc(), g.wei(), false);
  }
  GuardedArgs guard;
  x = guard.in(x, size_t(g.n * g.ih * g.iw * g.ic));
  w = guard.in(w, size_t(g.kh * g.kw * g.ic * g.oc));
  if (b) b = guard.in(b, size_t(g.oc));
  y = guard.out(y, size_t(g.n * g.oh * g.ow * g.oc));
  auto& s = cpuStream();
  memory wMem(g.wei(), cpuEngine(), w);
  if (slot->reorderWei) {
    memory blocked(slot->weiMd, cpuEngine(), slot->weiBuf.data());
    slot->weiReorder.execute(s, wMem, blocked);
    wMem = blocked;
  }
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(g.src(), cpuEngine(), x)},
                                       {DNNL_ARG_WEIGHTS, wMem},
                                       {DNNL_ARG_DST, memory(g.dst(), cpuEngine(), y)},
                                       {DNNL_ARG_SCRATCHPAD, scratch.get(slot->scratchMd)}};
  if (b) args.insert({DNNL_ARG_BIAS, memory(g.bias(), cpuEngine(), b)});
  slot->prim.execute(s, args);
  s.wait();
}

// conv2dForward(x, w, bias|null, y, geom, act) — act: 0 linear, 1 relu, 2 sigmoid.
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  float* x = f32(info[0], "x");
  float* w = f32(info[1], "filter");
  bool withBias = !info[2].IsNull() && !info[2].IsUndefined();
  float* b = withBias ? f32(info[2], "bias") : nullptr;
  float* y = f32(info[3], "y");
  ConvGeom g(ints(info[4], 17, "geom"));
  int act = info[5].As<Napi::Number>().Int32Value();
  need(env, f32len(info[0]) == size_t(g.n * g.ih * g.iw * g.ic), "x size does not match geom");
  need(env, f32len(info[1]) == size_t(g.kh * g.kw * g.ic * g.oc), "filter size does not match geom");
  need(env, f32len(info[3]) == size_t(g.n * g.oh * g.ow * g.oc), "y size does not match geom");
  if (withBias) need(env, f32len(info[2]) == size_t(g.oc), "bias size does not match geom");
  convForwardRaw(g, x, w, b, y, act);
  return env.Undefined();
}

// For stride 1 the input gradient is itself a forward convolution: of dy, padded by k-1-pad,
// with the filter flipped in space and its in/out channels swapped. oneDNN's forward kernels
// are far better tuned for small channel counts than its backward-data ones (LeNet's second
// conv: 0.5 ms forward vs 5 ms backward-data here).
bool backpropInputAsForward(const ConvGeom& g, float* dy, float* w, float* dx) {
  if (g.sh != 1 || g.sw != 1 || g.dh != 1 || g.dw != 1) return false;
  int64_t pt = g.kh - 1 - g.pt, pl = g.kw - 1 - g.pl;
  if (pt < 0 || pl < 0) return false;
  std::vector<int64_t> p{g.n, g.oh, g.ow, g.oc, g.ih, g.iw, g.ic, g.kh, g.kw, 1, 1, 1, 1, pt, pl, 0, 0};
  ConvGeom t(p);
  auto pr = t.padR();
  if (pr[0] < 0 || pr[1] < 0) return false;
  t.pb = pr[0];
  t.pr = pr[1];
  thread_local std::vector<float> flipped;
  flipped.resize(size_t(g.kh * g.kw * g.ic * g.oc));
  for (int64_t i = 0; i < g.kh; ++i)
    for (int64_t j = 0; j < g.kw; ++j) {
      const float* src = w + ((g.kh - 1 - i) * g.kw + (g.kw - 1 - j)) * g.ic * g.oc;  // [ic][oc]
      float* dst = flipped.data() + (i * g.kw + j) * g.oc * g.ic;                        // [oc][ic]
      for (int64_t c = 0; c < g.ic; ++c)
        for (int64_t o = 0; o < g.oc; ++o) dst[o * g.ic + c] = src[c * g.oc + o];
    }
  convForwardRaw(t, dy, flipped.data(), nullptr, dx, 0);
  return true;
}

// conv2dBackpropInput(dy, w, dx, geom)
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  float* dy = f32(info[0], "dy");
  float* w = f32(info[1], "filter");
  float* dx = f32(info[2], "dx");
  ConvGeom g(ints(info[3], 17, "geom"));
  need(env, f32len(info[0]) == size_t(g.n * g.oh * g.ow * g.oc), "dy size does not match geom");
  need(env, f32len(info[1]) == size_t(g.kh * g.kw * g.ic * g.oc), "filter size does not match geom");
  need(env, f32len(info[2]) == size_t(g.n * g.ih * g.iw * g.ic), "dx size does not match geom");
  if (backpropInputAsForward(g, dy, w, dx)) return env.Undefined();
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto& slot = bwdDataCache[g.key()];
  if (!slot) {
    auto hint = fwdPd(g, false, 0);
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, g.src(),
                                            g.wei(tag::any), g.dst(), g.strides(), g.dil(),
                                            g.padL(), g.padR());
    dnnl::convolution_backward_data::primitive_desc pd(d, cs::withUserScratchpad(), cpuEngine(), hint);
    slot = std::make_unique<ConvBwdData>();
    slot->init(pd, pd.weights_desc(), g.wei(), false);
  }
  GuardedArgs guard;
  dy = guard.in(dy, size_t(g.n * g.oh * g.ow * g.oc));
  w = guard.in(w, size_t(g.kh * g.kw * g.ic * g.oc));
  dx = guard.out(dx, size_t(g.n * g.ih * g.iw * g.ic));
  auto& s = cpuStream();
  memory wMem(g.wei(), cpuEngine(), w);
  if (slot->reorderWei) {
    memory blocked(slot->weiMd, cpuEngine(), slot->weiBuf.data());
    slot->weiReorder.execute(s, wMem, blocked);
    wMem = blocked;
  }
  slot->prim.execute(s, {{DNNL_ARG_DIFF_DST, memory(g.dst(), cpuEngine(), dy)},
                         {DNNL_ARG_WEIGHTS, wMem},
                         {DNNL_ARG_DIFF_SRC, memory(g.src(), cpuEngine(), dx)},
                         {DNNL_ARG_SCRATCHPAD, scratch.get(slot->scratchMd)}});
  s.wait();
  return env.Undefined();
}

// conv2dBackpropFilter(x, dy, dw, geom)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  float* x = f32(info[0], "x");
  float* dy = f32(info[1], "dy");
  float* dw = f32(info[2], "dw");
  ConvGeom g(ints(info[3], 17, "geom"));
  need(env, f32len(info[0]) == size_t(g.n * g.ih * g.iw * g.ic), "x size does not match geom");
  need(env, f32len(info[1]) == size_t(g.n * g.oh * g.ow * g.oc), "dy size does not match geom");
  need(env, f32len(info[2]) == size_t(g.kh * g.kw * g.ic * g.oc), "dw size does not match geom");
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto& slot = bwdWeightsCache[g.key()];
  if (!slot) {
    auto hint = fwdPd(g, false, 0);
    dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, g.src(),
                                               g.wei(tag::any), g.dst(), g.strides(), g.dil(),
                                               g.padL(), g.padR());
    dnnl::convolution_backward_weights::primitive_desc pd(d, cs::withUserScratchpad(), cpuEngine(), hint);
    auto padR = g.padR();
    cs::avoidBrokenBackwardWeights(pd, g.ic, padR[0], padR[1]);
    slot = std::make_unique<ConvBwdWeights>();
    slot->init(pd, pd.diff_weights_desc(), g.wei(), true);
  }
  GuardedArgs guard;
  x = guard.in(x, size_t(g.n * g.ih * g.iw * g.ic));
  dy = guard.in(dy, size_t(g.n * g.oh * g.ow * g.oc));
  dw = guard.out(dw, size_t(g.kh * g.kw * g.ic * g.oc));
  auto& s = cpuStream();
  memory dwUser(g.wei(), cpuEngine(), dw);
  memory dwMem = slot->reorderWei ? memory(slot->weiMd, cpuEngine(), slot->weiBuf.data()) : dwUser;
  slot->prim.execute(s, {{DNNL_ARG_SRC, memory(g.src(), cpuEngine(), x)},
                         {DNNL_ARG_DIFF_DST, memory(g.dst(), cpuEngine(), dy)},
                         {DNNL_ARG_DIFF_WEIGHTS, dwMem},
                         {DNNL_ARG_SCRATCHPAD, scratch.get(slot->scratchMd)}});
  if (slot->reorderWei) slot->weiReorder.execute(s, dwMem, dwUser);
  s.wait();
  return env.Undefined();
}

// Which oneDNN implementation runs each direction of a convolution with this geometry (the
// heap check and its regression test assert that a broken one is never chosen).
Napi::Value ConvImplementations(const Napi::CallbackInfo& info) {
  ConvGeom g(ints(info[0], 17, "geom"));
  auto fwd = fwdPd(g, false, 0);
  dnnl::convolution_backward_data::desc dd(dnnl::algorithm::convolution_direct, g.src(), g.wei(tag::any), g.dst(),
                                           g.strides(), g.dil(), g.padL(), g.padR());
  dnnl::convolution_backward_data::primitive_desc bd(dd, cs::withUserScratchpad(), cpuEngine(), fwd);
  dnnl::convolution_backward_weights::desc wd(dnnl::algorithm::convolution_direct, g.src(), g.wei(tag::any), g.dst(),
                                              g.strides(), g.dil(), g.padL(), g.padR());
  dnnl::convolution_backward_weights::primitive_desc bw(wd, cs::withUserScratchpad(), cpuEngine(), fwd);
  auto padR = g.padR();
  cs::avoidBrokenBackwardWeights(bw, g.ic, padR[0], padR[1]);
  auto out = Napi::Object::New(info.Env());
  out.Set("forward", fwd.impl_info_str());
  out.Set("backwardData", bd.impl_info_str());
  out.Set("backwardWeights", bw.impl_info_str());
  return out;
}


// expf, vectorisable: Cody-Waite range reduction and a degree-6 polynomial (max error ~2 ulp on
// the clamped range, which is all float32 can represent anyway). glibc's expf does not
// vectorise, and sigmoid over every activation of a conv net is a measurable share of a step.
inline float expApprox(float x) {
  // Written as max/min selects and bit casts so the loop below vectorises.
  x = x > -87.3f ? x : -87.3f;
  x = x < 88.7f ? x : 88.7f;
  float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  int32_t bits = (int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

#define MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))

MULTIVERSION void sigmoidRange(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i];
    float s = 1.f / (1.f + expApprox(-v));
    y[i] = v == v ? s : v;  // NaN stays NaN
  }
}

// Splits an element-wise loop over the OpenMP threads in contiguous chunks, each handed to a
// (multiversioned) serial kernel.
template <typename F>
void chunked(int64_t n, int64_t minParallel, F f) {
  if (n < minParallel) {
    f(0, n);
    return;
  }
#pragma omp parallel
  {
    int nt = omp_get_num_threads(), t = omp_get_thread_num();
    int64_t lo = n * t / nt, hi = n * (t + 1) / nt;
    f(lo, hi);
  }
}

void applyAct(float* y, int64_t n, int act) {
  if (act == 1) {
#pragma omp parallel for simd if (n > 32768)
    for (int64_t i = 0; i < n; ++i) y[i] = y[i] > 0.f ? y[i] : 0.f;
  } else if (act == 2) {
    chunked(n, 16384, [&](int64_t lo, int64_t hi) { sigmoidRange(y + lo, y + lo, hi - lo); });
  }
}

struct MatMulPrim {
  dnnl::matmul prim;
  memory::desc a, b, c, bias, scratchMd;
};
std::unordered_map<std::string, std::unique_ptr<MatMulPrim>> matmulCache;

// matmul(a, b, c, bias|null, dims, act); dims = [batchA, batchB, M, N, K, transA, transB].
// Row-major like tfjs; a batch of 1 broadcasts against the other operand's batch. Transposes
// are expressed as strides, so nothing is copied. (oneDNN's matmul primitive rather than
// dnnl_sgemm: the latter corrupted the heap when a profiler's signal interrupted it.)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  float* a = f32(info[0], "a");
  float* b = f32(info[1], "b");
  float* c = f32(info[2], "c");
  bool withBias = !info[3].IsNull() && !info[3].IsUndefined();
  float* bias = withBias ? f32(info[3], "bias") : nullptr;
  auto d = ints(info[4], 7, "dims");
  int act = info[5].As<Napi::Number>().Int32Value();
  int64_t ba = d[0], bb = d[1], M = d[2], N = d[3], K = d[4];
  bool ta = d[5] != 0, tb = d[6] != 0;
  int64_t batch = ba > bb ? ba : bb;
  need(env, (ba == batch || ba == 1) && (bb == batch || bb == 1), "batch dims do not broadcast");
  need(env, f32len(info[0]) == size_t(ba * M * K), "a size does not match dims");
  need(env, f32len(info[1]) == size_t(bb * K * N), "b size does not match dims");
  need(env, f32len(info[2]) == size_t(batch * M * N), "c size does not match dims");
  if (withBias) need(env, f32len(info[3]) == size_t(N), "bias must have N elements");
  std::string key;
  for (int64_t v : d) key += std::to_string(v) + ",";
  key += (withBias ? "b" : "-") + std::to_string(act);
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto& slot = matmulCache[key];
  if (!slot) {
    auto c0 = std::make_unique<MatMulPrim>();
    c0->a = memory::desc({ba, M, K}, dt::f32, ta ? memory::dims{M * K, 1, M} : memory::dims{M * K, K, 1});
    c0->b = memory::desc({bb, K, N}, dt::f32, tb ? memory::dims{K * N, 1, K} : memory::dims{K * N, N, 1});
    c0->c = memory::desc({batch, M, N}, dt::f32, memory::dims{M * N, N, 1});
    c0->bias = memory::desc({1, 1, N}, dt::f32, memory::dims{N, N, 1});
    dnnl::primitive_attr attr = cs::withUserScratchpad();
    if (act != 0) {
      dnnl::post_ops po;
      po.append_eltwise(1.f, act == 1 ? dnnl::algorithm::eltwise_relu : dnnl::algorithm::eltwise_logistic, 0.f, 0.f);
      attr.set_post_ops(po);
    }
    auto desc = withBias ? dnnl::matmul::desc(c0->a, c0->b, c0->bias, c0->c) : dnnl::matmul::desc(c0->a, c0->b, c0->c);
    dnnl::matmul::primitive_desc pd(desc, attr, cpuEngine());
    c0->prim = dnnl::matmul(pd);
    c0->scratchMd = pd.scratchpad_desc();
    slot = std::move(c0);
  }
  GuardedArgs guard;
  a = guard.in(a, size_t(ba * M * K));
  b = guard.in(b, size_t(bb * K * N));
  c = guard.out(c, size_t(batch * M * N));
  if (withBias) bias = guard.in(bias, size_t(N));
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(slot->a, cpuEngine(), a)},
                                       {DNNL_ARG_WEIGHTS, memory(slot->b, cpuEngine(), b)},
                                       {DNNL_ARG_DST, memory(slot->c, cpuEngine(), c)},
                                       {DNNL_ARG_SCRATCHPAD, scratch.get(slot->scratchMd)}};
  if (withBias) args.insert({DNNL_ARG_BIAS, memory(slot->bias, cpuEngine(), bias)});
  auto& s = cpuStream();
  slot->prim.execute(s, args);
  s.wait();
  return env.Undefined();
}

// Pool geometry from tfjs's computePool2DInfo:
// [N, IH, IW, C, OH, OW, KH, KW, SH, SW, padTop, padLeft]
struct PoolGeom {
  int64_t n, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl;
  explicit PoolGeom(const std::vector<int64_t>& p)
      : n(p[0]), ih(p[1]), iw(p[2]), c(p[3]), oh(p[4]), ow(p[5]), kh(p[6]), kw(p[7]), sh(p[8]),
        sw(p[9]), pt(p[10]), pl(p[11]) {}
  // The in-bounds rows [row0, row1) and columns [col0, col1) of output cell (r, q)'s window.
  int64_t row0(int64_t r) const { return std::max<int64_t>(0, r * sh - pt); }
  int64_t row1(int64_t r) const { return std::min(ih, r * sh - pt + kh); }
  int64_t col0(int64_t q) const { return std::max<int64_t>(0, q * sw - pl); }
  int64_t col1(int64_t q) const { return std::min(iw, q * sw - pl + kw); }
};

// Average over the in-bounds part of each window (tfjs cpu semantics).
Napi::Value AvgPool(const Napi::CallbackInfo& info) {
  float* x = f32(info[0], "x");
  float* y = f32(info[1], "y");
  PoolGeom g(ints(info[2], 12, "geom"));
  need(info.Env(), f32len(info[0]) == size_t(g.n * g.ih * g.iw * g.c) &&
                       f32len(info[1]) == size_t(g.n * g.oh * g.ow * g.c),
       "avgPool sizes do not match geom");
#pragma omp parallel for collapse(2)
  for (int64_t b = 0; b < g.n; ++b) {
    for (int64_t r = 0; r < g.oh; ++r) {
      const int64_t r0 = g.row0(r), r1 = g.row1(r);
      for (int64_t q = 0; q < g.ow; ++q) {
        const int64_t q0 = g.col0(q), q1 = g.col1(q);
        float* out = y + ((b * g.oh + r) * g.ow + q) * g.c;
        for (int64_t d = 0; d < g.c; ++d) out[d] = 0.f;
        for (int64_t i = r0; i < r1; ++i)
          for (int64_t j = q0; j < q1; ++j) {
            const float* in = x + ((b * g.ih + i) * g.iw + j) * g.c;
#pragma omp simd
            for (int64_t d = 0; d < g.c; ++d) out[d] += in[d];
          }
        float inv = 1.f / float((r1 - r0) * (q1 - q0));
        for (int64_t d = 0; d < g.c; ++d) out[d] = out[d] * inv;
      }
    }
  }
  return info.Env().Undefined();
}

// tfjs cpu's AvgPoolGrad spreads dy / (kh*kw) over the in-bounds part of each window.
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info) {
  float* dy = f32(info[0], "dy");
  float* dx = f32(info[1], "dx");
  PoolGeom g(ints(info[2], 12, "geom"));
  need(info.Env(), f32len(info[1]) == size_t(g.n * g.ih * g.iw * g.c) &&
                       f32len(info[0]) == size_t(g.n * g.oh * g.ow * g.c),
       "avgPoolGrad sizes do not match geom");
  float mult = 1.f / float(g.kh * g.kw);
#pragma omp parallel for
  for (int64_t b = 0; b < g.n; ++b) {
    float* dxb = dx + b * g.ih * g.iw * g.c;
    std::memset(dxb, 0, sizeof(float) * g.ih * g.iw * g.c);
    for (int64_t r = 0; r < g.oh; ++r) {
      const int64_t r0 = g.row0(r), r1 = g.row1(r);
      for (int64_t q = 0; q < g.ow; ++q) {
        const int64_t q0 = g.col0(q), q1 = g.col1(q);
        const float* src = dy + ((b * g.oh + r) * g.ow + q) * g.c;
        for (int64_t i = r0; i < r1; ++i)
          for (int64_t j = q0; j < q1; ++j) {
            float* out = dxb + (i * g.iw + j) * g.c;
#pragma omp simd
            for (int64_t d = 0; d < g.c; ++d) out[d] += src[d] * mult;
          }
      }
    }
  }
  return info.Env().Undefined();
}

// Max over the in-bounds part of each window; the first strict maximum wins, as in tfjs cpu.
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  float* x = f32(info[0], "x");
  float* y = f32(info[1], "y");
  PoolGeom g(ints(info[2], 12, "geom"));
  need(info.Env(), f32len(info[0]) == size_t(g.n * g.ih * g.iw * g.c) &&
                       f32len(info[1]) == size_t(g.n * g.oh * g.ow * g.c),
       "maxPool sizes do not match geom");
#pragma omp parallel for collapse(2)
  for (int64_t b = 0; b < g.n; ++b) {
    for (int64_t r = 0; r < g.oh; ++r) {
      const int64_t r0 = g.row0(r), r1 = g.row1(r);
      for (int64_t q = 0; q < g.ow; ++q) {
        const int64_t q0 = g.col0(q), q1 = g.col1(q);
        float* out = y + ((b * g.oh + r) * g.ow + q) * g.c;
        for (int64_t d = 0; d < g.c; ++d) out[d] = -INFINITY;
        for (int64_t i = r0; i < r1; ++i)
          for (int64_t j = q0; j < q1; ++j) {
            const float* in = x + ((b * g.ih + i) * g.iw + j) * g.c;
            for (int64_t d = 0; d < g.c; ++d) out[d] = in[d] > out[d] ? in[d] : out[d];
          }
      }
    }
  }
  return info.Env().Undefined();
}

// Routes each dy to the first strict maximum of its window (recomputed from x, like tfjs cpu).
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  float* dy = f32(info[0], "dy");
  float* x = f32(info[1], "x");
  float* dx = f32(info[2], "dx");
  PoolGeom g(ints(info[3], 12, "geom"));
  need(info.Env(), f32len(info[1]) == size_t(g.n * g.ih * g.iw * g.c) &&
                       f32len(info[2]) == size_t(g.n * g.ih * g.iw * g.c) &&
                       f32len(info[0]) == size_t(g.n * g.oh * g.ow * g.c),
       "maxPoolGrad sizes do not match geom");
#pragma omp parallel
  {
    std::vector<float> best(g.c);
    std::vector<int64_t> where(g.c);
#pragma omp for
    for (int64_t b = 0; b < g.n; ++b) {
      float* dxb = dx + b * g.ih * g.iw * g.c;
      std::memset(dxb, 0, sizeof(float) * g.ih * g.iw * g.c);
      for (int64_t r = 0; r < g.oh; ++r) {
        const int64_t r0 = g.row0(r), r1 = g.row1(r);
        for (int64_t q = 0; q < g.ow; ++q) {
          const int64_t q0 = g.col0(q), q1 = g.col1(q);
          for (int64_t d = 0; d < g.c; ++d) {
            best[d] = -INFINITY;
            where[d] = -1;
          }
          for (int64_t i = r0; i < r1; ++i)
            for (int64_t j = q0; j < q1; ++j) {
              int64_t off = (i * g.iw + j) * g.c;
              const float* in = x + b * g.ih * g.iw * g.c + off;
              for (int64_t d = 0; d < g.c; ++d)
                if (in[d] > best[d]) {
                  best[d] = in[d];
                  where[d] = off + d;
                }
            }
          const float* src = dy + ((b * g.oh + r) * g.ow + q) * g.c;
          for (int64_t d = 0; d < g.c; ++d)
            if (where[d] >= 0) dxb[where[d]] += src[d];
        }
      }
    }
  }
  return info.Env().Undefined();
}

// Element-wise kernels. op codes: unary 0 sigmoid, 1 relu, 2 step (x > 0 ? 1 : 0);
// binary 0 add, 1 sub, 2 mul, 3 reversed sub (b - a, for scalar - tensor), 4 div, 5 reversed
// div, 6 squared difference; unary 3 square.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  float* x = f32(info[0], "x");
  float* y = f32(info[1], "y");
  int op = info[2].As<Napi::Number>().Int32Value();
  int64_t n = f32len(info[0]);
  need(info.Env(), f32len(info[1]) == size_t(n), "unary sizes differ");
  if (op == 0) {
    chunked(n, 16384, [&](int64_t lo, int64_t hi) { sigmoidRange(x + lo, y + lo, hi - lo); });
  } else if (op == 1) {
#pragma omp parallel for simd if (n > 32768)
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.f ? x[i] : (std::isnan(x[i]) ? x[i] : 0.f);
  } else if (op == 2) {
#pragma omp parallel for simd if (n > 32768)
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.f ? 1.f : (std::isnan(x[i]) ? x[i] : 0.f);
  } else if (op == 3) {
#pragma omp parallel for simd if (n > 32768)
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * x[i];
  } else {
    throw Napi::RangeError::New(info.Env(), "unknown unary op");
  }
  return info.Env().Undefined();
}

template <int OP>
inline void binaryRow(const float* a, const float* b, float* y, int64_t m) {
#pragma omp simd
  for (int64_t i = 0; i < m; ++i) {
    float u = a[i], v = b[i];
    y[i] = OP == 0 ? u + v : OP == 1 ? u - v : OP == 2 ? u * v : OP == 3 ? v - u : OP == 4 ? u / v : OP == 5 ? v / u
         : OP == 6 ? (u - v) * (u - v)
         // 7: sigmoid's gradient from dy (u) and the output y (v), as tfjs: dy * (y * (1 - y))
         : OP == 7 ? u * (v * (1.f - v))
         // 8: relu's gradient from dy (u) and the input x (v): dy * step(x), NaN x gives NaN
         : (v > 0.f ? u : (v == v ? u * 0.f : v));
  }
}

template <int OP>
void binaryAll(const float* a, const float* b, float* y, int64_t n, int64_t m) {
  // A short b (a bias of 6 or 16 channels, a scalar) is repeated into a block of ~1024 so the
  // inner loop is long enough to vectorise; blocks start at multiples of m, so the pattern lines up.
  std::vector<float> pattern;
  if (m < 1024) {
    int64_t reps = 1024 / m;
    pattern.resize(size_t(m * reps));
    for (int64_t r = 0; r < reps; ++r) std::memcpy(pattern.data() + r * m, b, sizeof(float) * m);
    b = pattern.data();
    m *= reps;
  }
  int64_t blocks = (n + m - 1) / m;
#pragma omp parallel for if (n > 32768)
  for (int64_t k = 0; k < blocks; ++k) {
    int64_t len = std::min(m, n - k * m);
    binaryRow<OP>(a + k * m, b, y + k * m, len);
  }
}

// binary(a, b, y, op): b either has a's size or repeats along a (a bias, a scalar).
Napi::Value Binary(const Napi::CallbackInfo& info) {
  float* a = f32(info[0], "a");
  float* b = f32(info[1], "b");
  float* y = f32(info[2], "y");
  int op = info[3].As<Napi::Number>().Int32Value();
  int64_t n = f32len(info[0]), m = f32len(info[1]);
  need(info.Env(), f32len(info[2]) == size_t(n) && m > 0 && n % m == 0, "binary sizes do not broadcast");
  switch (op) {
    case 0: binaryAll<0>(a, b, y, n, m); break;
    case 1: binaryAll<1>(a, b, y, n, m); break;
    case 2: binaryAll<2>(a, b, y, n, m); break;
    case 3: binaryAll<3>(a, b, y, n, m); break;
    case 4: binaryAll<4>(a, b, y, n, m); break;
    case 5: binaryAll<5>(a, b, y, n, m); break;
    case 6: binaryAll<6>(a, b, y, n, m); break;
    case 7: binaryAll<7>(a, b, y, n, m); break;
    case 8: binaryAll<8>(a, b, y, n, m); break;
    default: throw Napi::RangeError::New(info.Env(), "unknown binary op");
  }
  return info.Env().Undefined();
}

// sqDiffGrad(dy, a, b, y): y = dy * (2 * (a - b)), tfjs's gradient of squaredDifference for a,
// in one pass; b has a's size or repeats along a (the batch mean in tfjs's moments).
Napi::Value SqDiffGrad(const Napi::CallbackInfo& info) {
  float* dy = f32(info[0], "dy");
  float* a = f32(info[1], "a");
  float* b = f32(info[2], "b");
  float* y = f32(info[3], "y");
  int64_t n = f32len(info[1]), m = f32len(info[2]);
  need(info.Env(), f32len(info[0]) == size_t(n) && f32len(info[3]) == size_t(n) && m > 0 && n % m == 0, "sqDiffGrad sizes do not broadcast");
  std::vector<float> pattern;
  if (m < 1024) {
    int64_t reps = 1024 / m;
    pattern.resize(size_t(m * reps));
    for (int64_t r = 0; r < reps; ++r) std::memcpy(pattern.data() + r * m, b, sizeof(float) * m);
    b = pattern.data();
    m *= reps;
  }
  int64_t blocks = (n + m - 1) / m;
#pragma omp parallel for if (n > 32768)
  for (int64_t k = 0; k < blocks; ++k) {
    int64_t off = k * m, len = std::min(m, n - off);
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) y[off + i] = dy[off + i] * (2.f * (a[off + i] - b[i]));
  }
  return info.Env().Undefined();
}

// sumRows(x, y): x viewed as [rows, cols] with cols = y.length; y[c] = sum over rows.
// The bias gradient of every conv and dense layer is this reduction. Narrow rows (6 channels)
// are summed as blocks of ~1024 so the loop vectorises, then folded.
Napi::Value SumRows(const Napi::CallbackInfo& info) {
  float* x = f32(info[0], "x");
  float* y = f32(info[1], "y");
  int64_t n = f32len(info[0]), cols = f32len(info[1]);
  need(info.Env(), cols > 0 && n % cols == 0, "sumRows sizes do not divide");
  int64_t width = cols < 1024 ? cols * (1024 / cols) : cols;
  int64_t blocks = (n + width - 1) / width;
  int nt = omp_get_max_threads();
  std::vector<double> part(size_t(nt) * width, 0.0);
#pragma omp parallel if (n > 32768)
  {
    double* acc = part.data() + size_t(omp_get_thread_num()) * width;
    std::vector<float> fa(width, 0.f);
    int64_t since = 0;
#pragma omp for
    for (int64_t k = 0; k < blocks; ++k) {
      const float* xr = x + k * width;
      int64_t len = std::min(width, n - k * width);
#pragma omp simd
      for (int64_t j = 0; j < len; ++j) fa[j] += xr[j];
      // Float partials over at most 64 blocks, then into doubles: fast and still accurate.
      if (++since == 64) {
        for (int64_t j = 0; j < width; ++j) acc[j] += fa[j], fa[j] = 0.f;
        since = 0;
      }
    }
    for (int64_t j = 0; j < width; ++j) acc[j] += fa[j];
  }
  for (int64_t c = 0; c < cols; ++c) {
    double s = 0;
    for (int t = 0; t < nt; ++t)
      for (int64_t j = c; j < width; j += cols) s += part[size_t(t) * width + j];
    y[c] = float(s);
  }
  return info.Env().Undefined();
}

// pad(x, xShape, before, y, yShape, value): constant padding of any rank (up to 8): fill, then
// copy each innermost row of x to its place in y.
Napi::Value Pad(const Napi::CallbackInfo& info) {
  float* x = f32(info[0], "x");
  auto xs = info[1].As<Napi::Int32Array>();
  auto before = info[2].As<Napi::Int32Array>();
  float* y = f32(info[3], "y");
  auto ys = info[4].As<Napi::Int32Array>();
  float value = info[5].As<Napi::Number>().FloatValue();
  size_t rank = xs.ElementLength();
  need(info.Env(), rank >= 1 && rank <= 8 && ys.ElementLength() == rank && before.ElementLength() == rank,
       "pad: shapes must have the same rank (1..8)");
  int64_t xsz = 1, ysz = 1;
  for (size_t i = 0; i < rank; ++i) {
    need(info.Env(), ys[i] >= xs[i] + before[i] && before[i] >= 0, "pad: output shape too small");
    xsz *= xs[i];
    ysz *= ys[i];
  }
  need(info.Env(), f32len(info[0]) == size_t(xsz) && f32len(info[3]) == size_t(ysz), "pad: sizes do not match shapes");
  std::vector<int64_t> ystr(rank, 1);
  for (size_t i = rank - 1; i > 0; --i) ystr[i - 1] = ystr[i] * ys[i];
  int64_t inner = xs[rank - 1];
  int64_t rows = inner == 0 ? 0 : xsz / inner;
  chunked(ysz, 65536, [&](int64_t lo, int64_t hi) { std::fill(y + lo, y + hi, value); });
  std::vector<int32_t> xsv(xs.Data(), xs.Data() + rank), bv(before.Data(), before.Data() + rank);
#pragma omp parallel for if (xsz > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t rem = r, off = bv[rank - 1];
    for (size_t d = rank - 1; d > 0; --d) {
      int64_t idx = rem % xsv[d - 1];
      rem /= xsv[d - 1];
      off += (idx + bv[d - 1]) * ystr[d - 1];
    }
    std::memcpy(y + off, x + r * inner, sizeof(float) * inner);
  }
  return info.Env().Undefined();
}

// transpose(x, xShape, perm, y): y's axis i is x's axis perm[i]. Walks y in order with an odometer
// over x's strides; the innermost loop is a strided gather.
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  float* x = f32(info[0], "x");
  auto xs = info[1].As<Napi::Int32Array>();
  auto perm = info[2].As<Napi::Int32Array>();
  float* y = f32(info[3], "y");
  size_t rank = xs.ElementLength();
  need(info.Env(), rank >= 1 && rank <= 8 && perm.ElementLength() == rank, "transpose: rank must be 1..8 with a full permutation");
  std::vector<int64_t> xstr(rank, 1), ys(rank), st(rank);
  for (size_t i = rank - 1; i > 0; --i) xstr[i - 1] = xstr[i] * xs[i];
  int64_t n = 1;
  for (size_t i = 0; i < rank; ++i) {
    need(info.Env(), perm[i] >= 0 && size_t(perm[i]) < rank, "transpose: bad permutation");
    ys[i] = xs[perm[i]];
    st[i] = xstr[perm[i]];
    n *= ys[i];
  }
  need(info.Env(), f32len(info[0]) == size_t(n) && f32len(info[3]) == size_t(n), "transpose: sizes do not match the shape");
  if (n == 0) return info.Env().Undefined();
  int64_t inner = ys[rank - 1], innerStride = st[rank - 1];
  int64_t rows = n / inner;
#pragma omp parallel for if (n > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t rem = r, off = 0;
    for (size_t d = rank - 1; d > 0; --d) {
      off += (rem % ys[d - 1]) * st[d - 1];
      rem /= ys[d - 1];
    }
    float* out = y + r * inner;
    const float* in = x + off;
    for (int64_t i = 0; i < inner; ++i) out[i] = in[i * innerStride];
  }
  return info.Env().Undefined();
}

std::vector<int64_t> shapeOf(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an Int32Array");
  }
  auto a = v.As<Napi::Int32Array>();
  return std::vector<int64_t>(a.Data(), a.Data() + a.ElementLength());
}

int64_t sizeOf(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// slice(x, xShape, begin, y, yShape): copies the box [begin, begin + yShape) of x, a row of the
// innermost axis at a time. (PadV2's gradient; tfjs's generic JS slice took seconds per
// ResNet step.)
Napi::Value Slice(const Napi::CallbackInfo& info) {
  float* x = f32(info[0], "x");
  auto xs = shapeOf(info[1], "xShape");
  auto begin = shapeOf(info[2], "begin");
  float* y = f32(info[3], "y");
  auto ys = shapeOf(info[4], "yShape");
  size_t rank = xs.size();
  need(info.Env(), rank >= 1 && rank <= 8 && begin.size() == rank && ys.size() == rank, "slice: shapes must have the same rank (1..8)");
  for (size_t i = 0; i < rank; ++i) need(info.Env(), begin[i] >= 0 && begin[i] + ys[i] <= xs[i], "slice: box outside the input");
  need(info.Env(), f32len(info[0]) == size_t(sizeOf(xs)) && f32len(info[3]) == size_t(sizeOf(ys)), "slice: sizes do not match shapes");
  int64_t n = sizeOf(ys);
  if (n == 0) return info.Env().Undefined();
  std::vector<int64_t> xstr(rank, 1);
  for (size_t i = rank - 1; i > 0; --i) xstr[i - 1] = xstr[i] * xs[i];
  int64_t inner = ys[rank - 1], rows = n / inner;
#pragma omp parallel for if (n > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t rem = r, off = begin[rank - 1];
    for (size_t d = rank - 1; d > 0; --d) {
      off += (rem % ys[d - 1] + begin[d - 1]) * xstr[d - 1];
      rem /= ys[d - 1];
    }
    std::memcpy(y + r * inner, x + off, sizeof(float) * inner);
  }
  return info.Env().Undefined();
}

// tile(x, xShape, y, yShape): y[i] = x[i mod xShape] on every axis.
Napi::Value Tile(const Napi::CallbackInfo& info) {
  float* x = f32(info[0], "x");
  auto xs = shapeOf(info[1], "xShape");
  float* y = f32(info[2], "y");
  auto ys = shapeOf(info[3], "yShape");
  size_t rank = xs.size();
  need(info.Env(), rank >= 1 && rank <= 8 && ys.size() == rank, "tile: shapes must have the same rank (1..8)");
  for (size_t i = 0; i < rank; ++i) need(info.Env(), xs[i] > 0 && ys[i] % xs[i] == 0, "tile: output is not a whole multiple");
  need(info.Env(), f32len(info[0]) == size_t(sizeOf(xs)) && f32len(info[2]) == size_t(sizeOf(ys)), "tile: sizes do not match shapes");
  int64_t n = sizeOf(ys);
  if (n == 0) return info.Env().Undefined();
  std::vector<int64_t> xstr(rank, 1);
  for (size_t i = rank - 1; i > 0; --i) xstr[i - 1] = xstr[i] * xs[i];
  int64_t inner = ys[rank - 1], xin = xs[rank - 1], rows = n / inner;
#pragma omp parallel for if (n > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t rem = r, off = 0;
    for (size_t d = rank - 1; d > 0; --d) {
      off += ((rem % ys[d - 1]) % xs[d - 1]) * xstr[d - 1];
      rem /= ys[d - 1];
    }
    float* out = y + r * inner;
    for (int64_t k = 0; k < inner; k += xin) std::memcpy(out + k, x + off, sizeof(float) * xin);
  }
  return info.Env().Undefined();
}

// batchNorm(x, mean, variance, offset|null, scale|null, eps, y): tfjs cpu's formula,
// y = offset + (x - mean) * scale / sqrt(variance + eps), each parameter of length 1 or C
// (the last axis).
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  float* x = f32(info[0], "x");
  float* mean = f32(info[1], "mean");
  float* var = f32(info[2], "variance");
  bool hasOff = !info[3].IsNull() && !info[3].IsUndefined();
  bool hasScale = !info[4].IsNull() && !info[4].IsUndefined();
  float* off = hasOff ? f32(info[3], "offset") : nullptr;
  float* scale = hasScale ? f32(info[4], "scale") : nullptr;
  float eps = info[5].As<Napi::Number>().FloatValue();
  float* y = f32(info[6], "y");
  int64_t n = f32len(info[0]);
  int64_t c = std::max<int64_t>({int64_t(f32len(info[1])), int64_t(f32len(info[2])), hasOff ? int64_t(f32len(info[3])) : 1, hasScale ? int64_t(f32len(info[4])) : 1});
  auto ok = [&](int64_t len) { return len == 1 || len == c; };
  need(info.Env(), f32len(info[6]) == size_t(n) && c > 0 && n % c == 0 && ok(f32len(info[1])) && ok(f32len(info[2])) &&
                       (!hasOff || ok(f32len(info[3]))) && (!hasScale || ok(f32len(info[4]))),
       "batchNorm: parameters must have length 1 or the channel count");
  std::vector<float> m(c), k(c), o(c);
  size_t lm = f32len(info[1]), lv = f32len(info[2]), lo = hasOff ? f32len(info[3]) : 1, ls = hasScale ? f32len(info[4]) : 1;
  for (int64_t j = 0; j < c; ++j) {
    m[j] = mean[j % lm];
    k[j] = float((hasScale ? scale[j % ls] : 1.f) / std::sqrt(double(var[j % lv]) + double(eps)));
    o[j] = hasOff ? off[j % lo] : 0.f;
  }
  int64_t rows = n / c;
#pragma omp parallel for if (n > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
#pragma omp simd
    for (int64_t j = 0; j < c; ++j) yr[j] = o[j] + (xr[j] - m[j]) * k[j];
  }
  return info.Env().Undefined();
}

// batchNormGrad(dy, x, mean, variance, scale|null, eps, dx, dmean, dvariance, dscale, doffset):
// the five gradients of tfjs's FusedBatchNorm in one reduction pass and one dx pass, instead of
// tfjs's fourteen full-size element-wise ops. Per-channel parameters (length C, the last axis).
Napi::Value BatchNormGrad(const Napi::CallbackInfo& info) {
  float* dy = f32(info[0], "dy");
  float* x = f32(info[1], "x");
  float* mean = f32(info[2], "mean");
  float* var = f32(info[3], "variance");
  bool hasScale = !info[4].IsNull() && !info[4].IsUndefined();
  float* scale = hasScale ? f32(info[4], "scale") : nullptr;
  float eps = info[5].As<Napi::Number>().FloatValue();
  float* dx = f32(info[6], "dx");
  float* dmean = f32(info[7], "dmean");
  float* dvar = f32(info[8], "dvariance");
  float* dscale = f32(info[9], "dscale");
  float* doff = f32(info[10], "doffset");
  int64_t n = f32len(info[1]), c = f32len(info[2]);
  need(info.Env(), c > 0 && n % c == 0 && f32len(info[0]) == size_t(n) && f32len(info[6]) == size_t(n) &&
                       f32len(info[3]) == size_t(c) && (!hasScale || f32len(info[4]) == size_t(c)) &&
                       f32len(info[7]) == size_t(c) && f32len(info[8]) == size_t(c) && f32len(info[9]) == size_t(c) &&
                       f32len(info[10]) == size_t(c),
       "batchNormGrad: sizes do not match");
  int64_t rows = n / c;
  std::vector<float> r(c), k(c);
  for (int64_t j = 0; j < c; ++j) {
    r[j] = float(1.0 / std::sqrt(double(var[j]) + double(eps)));
    k[j] = r[j] * (hasScale ? scale[j] : 1.f);
  }
  int nt = omp_get_max_threads();
  std::vector<double> sdy(size_t(nt) * c, 0.0), sdyx(size_t(nt) * c, 0.0);
#pragma omp parallel
  {
    int t = omp_get_thread_num();
    std::vector<float> a(c, 0.f), b(c, 0.f);  // float partials per block of rows, then double
#pragma omp for
    for (int64_t row = 0; row < rows; ++row) {
      const float* dyr = dy + row * c;
      const float* xr = x + row * c;
      float* dxr = dx + row * c;
#pragma omp simd
      for (int64_t j = 0; j < c; ++j) {
        a[j] += dyr[j];
        b[j] += dyr[j] * (xr[j] - mean[j]);
        dxr[j] = dyr[j] * k[j];
      }
      if ((row & 63) == 63) {
        for (int64_t j = 0; j < c; ++j) {
          sdy[size_t(t) * c + j] += a[j];
          sdyx[size_t(t) * c + j] += b[j];
          a[j] = b[j] = 0.f;
        }
      }
    }
    for (int64_t j = 0; j < c; ++j) {
      sdy[size_t(t) * c + j] += a[j];
      sdyx[size_t(t) * c + j] += b[j];
    }
  }
  for (int64_t j = 0; j < c; ++j) {
    double s1 = 0, s2 = 0;
    for (int t = 0; t < nt; ++t) {
      s1 += sdy[size_t(t) * c + j];
      s2 += sdyx[size_t(t) * c + j];
    }
    float sc = hasScale ? scale[j] : 1.f;
    doff[j] = float(s1);
    dscale[j] = float(s2 * r[j]);
    dmean[j] = float(-double(r[j]) * sc * s1);
    dvar[j] = float(-0.5 * double(r[j]) * r[j] * r[j] * sc * s2);
  }
  return info.Env().Undefined();
}

Napi::Value Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  const dnnl_version_t* v = dnnl_version();
  return Napi::String::New(info.Env(), "oneDNN " + std::to_string(v->major) + "." +
                                           std::to_string(v->minor) + "." +
                                           std::to_string(v->patch) +
                                           (v->cpu_runtime == DNNL_RUNTIME_OMP ? " (OpenMP)" : ""));
}

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), "out of memory in the native addon");
  } catch (const std::runtime_error& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

// Every tensor the backend creates is a fresh multi-megabyte allocation. glibc serves those with
// mmap and returns them to the OS on free, so each one costs a page fault per 4 kB on first
// write — on this VM that was 5 ms for one 4.7 MB activation, ten times the kernel itself.
// Keeping big blocks in the heap (no mmap, a high trim threshold) lets the next step reuse them.
// CONVSTUDIO_NATIVE_MALLOC=default leaves glibc's policy alone.
void tuneMalloc() {
  const char* mode = std::getenv("CONVSTUDIO_NATIVE_MALLOC");
  if (mode && std::string(mode) == "default") return;
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tuneMalloc();
  exports.Set("conv2dForward", Napi::Function::New(env, guarded<Conv2dForward>));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, guarded<Conv2dBackpropInput>));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, guarded<Conv2dBackpropFilter>));
  exports.Set("matMul", Napi::Function::New(env, guarded<MatMul>));
  exports.Set("avgPool", Napi::Function::New(env, guarded<AvgPool>));
  exports.Set("avgPoolGrad", Napi::Function::New(env, guarded<AvgPoolGrad>));
  exports.Set("maxPool", Napi::Function::New(env, guarded<MaxPool>));
  exports.Set("maxPoolGrad", Napi::Function::New(env, guarded<MaxPoolGrad>));
  exports.Set("unary", Napi::Function::New(env, guarded<Unary>));
  exports.Set("binary", Napi::Function::New(env, guarded<Binary>));
  exports.Set("transpose", Napi::Function::New(env, guarded<Transpose>));
  exports.Set("slice", Napi::Function::New(env, guarded<Slice>));
  exports.Set("tile", Napi::Function::New(env, guarded<Tile>));
  exports.Set("batchNorm", Napi::Function::New(env, guarded<BatchNorm>));
  exports.Set("batchNormGrad", Napi::Function::New(env, guarded<BatchNormGrad>));
  exports.Set("sqDiffGrad", Napi::Function::New(env, guarded<SqDiffGrad>));
  exports.Set("pad", Napi::Function::New(env, guarded<Pad>));
  exports.Set("sumRows", Napi::Function::New(env, guarded<SumRows>));
  exports.Set("convImplementations", Napi::Function::New(env, guarded<ConvImplementations>));
  exports.Set("threads", Napi::Function::New(env, Threads));
  exports.Set("version", Napi::Function::New(env, Version));
  cs::compiled::registerCompiled(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(convstudio_native, Init)
