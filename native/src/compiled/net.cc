#include "net.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "kernels.h"

namespace cs::compiled {

using dnnl::algorithm;
using dnnl::prop_kind;
namespace nf = dnnl;

namespace {

memory::desc plainDesc(const memory::dims& d) {
  return memory::desc(d, dt::f32, d.size() == 4 ? tag::nchw : d.size() == 2 ? tag::nc : tag::x);
}
memory::desc anyDesc(const memory::dims& d) { return memory::desc(d, dt::f32, tag::any); }
int64_t elemsOf(const memory::desc& md) { return int64_t(md.get_size() / sizeof(float)); }
// Whether a layout stores more elements than the tensor has (channel blocks not filled).
bool isPadded(const memory::desc& md) {
  for (int i = 0; i < md.data.ndims; i++)
    if (md.data.padded_dims[i] != md.data.dims[i]) return true;
  return false;
}

algorithm forwardAlg(Act a) {
  switch (a) {
    case Act::Relu: case Act::LeakyRelu: return algorithm::eltwise_relu;
    case Act::Sigmoid: return algorithm::eltwise_logistic;
    case Act::Tanh: return algorithm::eltwise_tanh;
    default: throw std::runtime_error("no activation");
  }
}
// Backward from the output (y), so the pre-activation need not be kept: relu/leaky (y > 0),
// sigmoid y(1-y), tanh 1-y^2 are all functions of y.
algorithm backwardAlg(Act a) {
  switch (a) {
    case Act::Relu: case Act::LeakyRelu: return algorithm::eltwise_relu_use_dst_for_bwd;
    case Act::Sigmoid: return algorithm::eltwise_logistic_use_dst_for_bwd;
    case Act::Tanh: return algorithm::eltwise_tanh_use_dst_for_bwd;
    default: throw std::runtime_error("no activation");
  }
}

// Sets the OpenMP thread count for one call and puts the previous one back: the tfjs kernels of
// the same addon run with their own count, and oneDNN sizes its work split when a primitive is
// created, so creation and execution must see the same number.
class ThreadScope {
 public:
  explicit ThreadScope(int n) : prev_(omp_get_max_threads()) {
    if (n > 0) omp_set_num_threads(n);
  }
  ~ThreadScope() { omp_set_num_threads(prev_); }

 private:
  int prev_;
};

}  // namespace

struct Net::Instance {
  int64_t n = 0;
  bool training = false;

  struct Tensor {
    memory::desc md;
    int buf = -1;
    int diff = -1;
    bool needsDiff = false;
    std::vector<std::pair<memory::desc, int>> views;  // the value in other layouts (reorders made once)
  };
  std::vector<Tensor> t;

  struct BufInfo {
    size_t bytes = 0;
    float* ext = nullptr;  // a parameter's storage, not in the arena
    cs::Buffer own;        // guard mode: every buffer by itself against a guard page
    float* ptr = nullptr;
  };
  std::vector<BufInfo> bufs;
  Arena arena;

  struct Arg {
    int id;
    memory::desc md;
    int buf;
  };
  struct Action {
    std::string what;
    bool isPrim = false;
    dnnl::primitive prim;
    std::vector<Arg> args;
    std::unordered_map<int, memory> bound;
    std::function<void(Instance&)> fn;
    std::vector<int> uses;
  };
  std::vector<Action> actions;
  size_t arenaNeed = 0;
  uint64_t boundVersion = 0;

  // Per call.
  const float* x = nullptr;
  const int32_t* labels = nullptr;
  float* logits = nullptr;
  float lr = 0.f;
  double loss = 0.0;
  uint64_t step = 0;

  float* ptr(int b) const { return bufs[size_t(b)].ptr; }
};

// Builds one instance: walks the plan forward emitting primitives (and the loss), then
// backward in reverse order, each op adding its gradient contributions to its inputs.
struct Builder {
  Net& net;
  Net::Instance& I;
  const Plan& plan;
  std::vector<int> aliasCount;  // per buffer: how many tensors hold it as their gradient
  int dropoutIndex = 0;
  // Per op, what backward needs of the forward.
  struct Fwd {
    nf::convolution_forward::primitive_desc conv;
    nf::inner_product_forward::primitive_desc linear;
    nf::batch_normalization_forward::primitive_desc bn;
    nf::pooling_forward::primitive_desc pool;
    int src = -1, mean = -1, var = -1, ws = -1, mask = -1;
    memory::desc srcMd, extraMd;
  };
  std::vector<Fwd> fwd;

  Builder(Net& n, Net::Instance& inst) : net(n), I(inst), plan(n.plan_) {}

  memory::dims dims(int tensor) const {
    memory::dims d{I.n};
    for (int64_t v : plan.tensors[size_t(tensor)]) d.push_back(v);
    return d;
  }

  int newBuf(size_t bytes) {
    I.bufs.push_back({});
    I.bufs.back().bytes = bytes;
    aliasCount.push_back(0);
    return I.arena.add(bytes);
  }
  int newBuf(const memory::desc& md) { return newBuf(md.get_size()); }
  int extBuf(float* p, size_t bytes) {
    int id = newBuf(0);
    I.bufs[size_t(id)].ext = p;
    I.bufs[size_t(id)].bytes = bytes;
    return id;
  }
  int paramBuf(Param& p) { return extBuf(p.value.data(), p.md.get_size()); }

  void prim(const std::string& what, const dnnl::primitive_desc_base& pd, dnnl::primitive p, std::vector<Net::Instance::Arg> args) {
    memory::desc sp = pd.scratchpad_desc();
    if (sp.get_size() > 0) args.push_back({DNNL_ARG_SCRATCHPAD, sp, newBuf(sp)});
    Net::Instance::Action a;
    a.what = what + " [" + pd.impl_info_str() + "]";
    a.isPrim = true;
    a.prim = std::move(p);
    for (auto& arg : args) a.uses.push_back(arg.buf);
    a.args = std::move(args);
    I.actions.push_back(std::move(a));
  }
  void fn(const std::string& what, std::vector<int> uses, std::function<void(Net::Instance&)> f) {
    Net::Instance::Action a;
    a.what = what;
    a.fn = std::move(f);
    a.uses = std::move(uses);
    I.actions.push_back(std::move(a));
  }

  void reorder(const std::string& what, int from, const memory::desc& fromMd, int to, const memory::desc& toMd, bool accumulate = false) {
    dnnl::primitive_attr attr = cs::withUserScratchpad();
    if (accumulate) {
      dnnl::post_ops po;
      po.append_sum(1.f);
      attr.set_post_ops(po);
    }
    dnnl::reorder::primitive_desc pd(cpuEngine(), fromMd, cpuEngine(), toMd, attr);
    prim(what, pd, dnnl::reorder(pd), {{DNNL_ARG_FROM, fromMd, from}, {DNNL_ARG_TO, toMd, to}});
  }

  // The tensor's value in layout md: its own buffer, or a reorder into another (made once).
  int valueIn(int tensor, const memory::desc& md) {
    auto& T = I.t[size_t(tensor)];
    if (md == T.md) return T.buf;
    for (auto& [vmd, b] : T.views)
      if (vmd == md) return b;
    int b = newBuf(md);
    reorder("reorder t" + std::to_string(tensor), T.buf, T.md, b, md);
    T.views.push_back({md, b});
    return b;
  }

  // A parameter in the layout a primitive wants.
  std::unordered_map<std::string, std::vector<std::pair<memory::desc, int>>> weightViews;
  int weightIn(Param& p, const memory::desc& md) {
    if (!p.layoutFixed && I.training) net.fixLayout(p, md);
    if (md == p.md) return paramBuf(p);
    for (auto& [vmd, b] : weightViews[p.name])
      if (vmd == md) return b;
    int b = newBuf(md);
    reorder("reorder " + p.name, paramBuf(p), p.md, b, md);
    weightViews[p.name].push_back({md, b});
    return b;
  }

  // Where an op writes its gradient for input `tensor` in layout md. direct: straight into the
  // tensor's gradient (the first contribution, same layout); otherwise a temporary that the
  // caller hands to contribute().
  int diffTarget(int tensor, const memory::desc& md, bool& direct) {
    auto& T = I.t[size_t(tensor)];
    if (T.diff < 0 && md == T.md) {
      T.diff = newBuf(T.md);
      aliasCount[size_t(T.diff)] = 1;
      direct = true;
      return T.diff;
    }
    direct = false;
    return newBuf(md);
  }

  // Adds a gradient contribution (buffer b in layout md) to a tensor's gradient. The first one
  // becomes the gradient itself where layouts agree (no copy); buffers held by several tensors
  // (an Add passes one gradient to every input) are copied before anything accumulates into them.
  void contribute(int tensor, const memory::desc& md, int b) {
    auto& T = I.t[size_t(tensor)];
    if (!T.needsDiff) return;
    if (T.diff < 0) {
      if (md == T.md) {
        T.diff = b;
        aliasCount[size_t(b)]++;
        return;
      }
      T.diff = newBuf(T.md);
      aliasCount[size_t(T.diff)] = 1;
      reorder("gradient t" + std::to_string(tensor), b, md, T.diff, T.md);
      return;
    }
    if (aliasCount[size_t(T.diff)] > 1) {
      int fresh = newBuf(T.md);
      int old = T.diff;
      int64_t count = elemsOf(T.md);
      fn("copy gradient t" + std::to_string(tensor), {old, fresh}, [old, fresh, count](Net::Instance& in) { copy(in.ptr(fresh), in.ptr(old), count); });
      aliasCount[size_t(old)]--;
      T.diff = fresh;
      aliasCount[size_t(fresh)] = 1;
    }
    int d = T.diff;
    if (md == T.md) {
      int64_t count = elemsOf(T.md);
      fn("accumulate gradient t" + std::to_string(tensor), {d, b}, [d, b, count](Net::Instance& in) { accumulate(in.ptr(d), in.ptr(b), count); });
    } else {
      reorder("accumulate gradient t" + std::to_string(tensor), b, md, d, T.md, true);
    }
  }

  void finish(int tensor, int target, const memory::desc& md, bool direct) {
    if (!direct) contribute(tensor, md, target);
  }

  // The optimizer step of one parameter, placed right after its gradient is complete.
  void update(Param& p, int grad) {
    if (!p.trainable) return;
    Param* pp = &p;
    Net* n = &net;
    int64_t count = p.elems();
    int value = paramBuf(p);
    fn("update " + p.name, {grad, value}, [pp, n, grad, count](Net::Instance& in) {
      const auto& o = n->optimizer();
      float* w = pp->value.data();
      const float* g = in.ptr(grad);
      bool first = !pp->slotsLive;
      auto slots = [&](int k) {
        if (pp->slot[0].bytes() != pp->md.get_size()) {
          for (int s = 0; s < k; ++s) {
            pp->slot[s].allocate(pp->md.get_size());
            zero(pp->slot[s].data(), count);
          }
          first = true;
        }
      };
      pp->steps++;
      if (o.kind == OptimizerConfig::Kind::Sgd) {
        if (o.momentum != 0.f) slots(1);
        sgdUpdate(w, g, pp->slot[0].data(), count, in.lr, o.momentum, o.dampening, o.nesterov, o.weightDecay, first);
        pp->slotsLive = o.momentum != 0.f;
      } else {
        slots(2);
        adamUpdate(w, g, pp->slot[0].data(), pp->slot[1].data(), count, in.lr, o.beta1, o.beta2, o.eps, o.weightDecay,
                   o.kind == OptimizerConfig::Kind::AdamW, pp->steps);
        pp->slotsLive = true;
      }
    });
  }

  // ---- forward ------------------------------------------------------------------------------

  void input(const OpSpec& op) {
    auto& T = I.t[size_t(op.out)];
    T.md = plainDesc(dims(op.out));
    T.buf = newBuf(T.md);
    int b = T.buf;
    int64_t count = elemsOf(T.md);
    fn("input", {b}, [b, count](Net::Instance& in) { std::memcpy(in.ptr(b), in.x, size_t(count) * sizeof(float)); });
  }

  dnnl::post_ops actPostOps(const OpSpec& op) {
    dnnl::post_ops po;
    if (op.act != Act::None) po.append_eltwise(1.f, forwardAlg(op.act), op.act == Act::LeakyRelu ? op.alpha : 0.f, 0.f);
    return po;
  }

  memory::dims convWeightDims(const OpSpec& op, int64_t ic) const {
    if (op.groups > 1) return {op.groups, op.outChannels / op.groups, ic / op.groups, op.kh, op.kw};
    return {op.outChannels, ic, op.kh, op.kw};
  }

  struct ConvShape {
    memory::dims src, dst, wei, bias, strides, dil, padL, padR;
  };
  ConvShape convShape(const OpSpec& op) {
    auto s = dims(op.in[0]), d = dims(op.out);
    ConvShape c;
    c.src = s;
    c.dst = d;
    c.wei = convWeightDims(op, s[1]);
    c.bias = {op.outChannels};
    c.strides = {op.sh, op.sw};
    c.dil = {op.dh - 1, op.dw - 1};
    c.padL = {op.pt, op.pl};
    // oneDNN wants the right padding that reproduces the output size exactly; PyTorch's may be
    // larger (a stride remainder) or the input may have rows no window reaches (then negative).
    c.padR = {(d[2] - 1) * op.sh + (op.kh - 1) * op.dh + 1 - s[2] - op.pt, (d[3] - 1) * op.sw + (op.kw - 1) * op.dw + 1 - s[3] - op.pl};
    return c;
  }

  void conv(size_t k, const OpSpec& op) {
    auto c = convShape(op);
    auto& W = net.param(op.weight);
    auto kind = I.training ? prop_kind::forward_training : prop_kind::forward_inference;
    auto d = op.bias ? nf::convolution_forward::desc(kind, algorithm::convolution_direct, anyDesc(c.src), anyDesc(c.wei), plainDesc(c.bias),
                                                     anyDesc(c.dst), c.strides, c.dil, c.padL, c.padR)
                     : nf::convolution_forward::desc(kind, algorithm::convolution_direct, anyDesc(c.src), anyDesc(c.wei), anyDesc(c.dst),
                                                     c.strides, c.dil, c.padL, c.padR);
    dnnl::primitive_attr attr = cs::withUserScratchpad();
    attr.set_post_ops(actPostOps(op));
    nf::convolution_forward::primitive_desc pd(d, attr, cpuEngine());
    int src = valueIn(op.in[0], pd.src_desc());
    int wei = weightIn(W, pd.weights_desc());
    auto& T = I.t[size_t(op.out)];
    T.md = pd.dst_desc();
    T.buf = newBuf(T.md);
    std::vector<Net::Instance::Arg> args{{DNNL_ARG_SRC, pd.src_desc(), src}, {DNNL_ARG_WEIGHTS, pd.weights_desc(), wei}, {DNNL_ARG_DST, T.md, T.buf}};
    if (op.bias) args.push_back({DNNL_ARG_BIAS, plainDesc(c.bias), paramBuf(net.param(op.biasName))});
    prim("conv " + op.weight, pd, nf::convolution_forward(pd), args);
    fwd[k].conv = pd;
    fwd[k].src = src;
    fwd[k].srcMd = pd.src_desc();
  }

  void linear(size_t k, const OpSpec& op) {
    auto s = dims(op.in[0]), dd = dims(op.out);
    auto& W = net.param(op.weight);
    memory::dims wei{op.outChannels, s[1]}, bias{op.outChannels};
    auto kind = I.training ? prop_kind::forward_training : prop_kind::forward_inference;
    auto srcMd = I.t[size_t(op.in[0])].md;
    auto d = op.bias ? nf::inner_product_forward::desc(kind, srcMd, anyDesc(wei), plainDesc(bias), plainDesc(dd))
                     : nf::inner_product_forward::desc(kind, srcMd, anyDesc(wei), plainDesc(dd));
    dnnl::primitive_attr attr = cs::withUserScratchpad();
    attr.set_post_ops(actPostOps(op));
    nf::inner_product_forward::primitive_desc pd(d, attr, cpuEngine());
    int src = valueIn(op.in[0], pd.src_desc());
    int w = weightIn(W, pd.weights_desc());
    auto& T = I.t[size_t(op.out)];
    T.md = pd.dst_desc();
    T.buf = newBuf(T.md);
    std::vector<Net::Instance::Arg> args{{DNNL_ARG_SRC, pd.src_desc(), src}, {DNNL_ARG_WEIGHTS, pd.weights_desc(), w}, {DNNL_ARG_DST, T.md, T.buf}};
    if (op.bias) args.push_back({DNNL_ARG_BIAS, plainDesc(bias), paramBuf(net.param(op.biasName))});
    prim("linear " + op.weight, pd, nf::inner_product_forward(pd), args);
    fwd[k].linear = pd;
    fwd[k].src = src;
    fwd[k].srcMd = pd.src_desc();
  }

  // The channel blocking of a layout batchStats reads (1 plain, 8 or 16 blocked), or 0.
  int64_t statsBlock(const memory::desc& md, const memory::dims& d) {
    if (d.size() == 2) return md == memory::desc(d, dt::f32, tag::nc) ? 1 : 0;
    if (d.size() != 4) return 0;
    if (md == memory::desc(d, dt::f32, tag::nchw)) return 1;
    if (md == memory::desc(d, dt::f32, tag::nChw8c)) return 8;
    if (md == memory::desc(d, dt::f32, tag::nChw16c)) return 16;
    return 0;
  }

  nf::normalization_flags bnFlags(const OpSpec& op, bool global) {
    auto f = nf::normalization_flags::use_scale | nf::normalization_flags::use_shift;
    if (op.act == Act::Relu) f = f | nf::normalization_flags::fuse_norm_relu;
    if (global) f = f | nf::normalization_flags::use_global_stats;
    return f;
  }

  void batchNorm(size_t k, const OpSpec& op) {
    const auto& X = I.t[size_t(op.in[0])];
    auto& T = I.t[size_t(op.out)];
    int64_t ch = dims(op.in[0])[1];
    memory::desc vec = plainDesc({ch});
    auto& gamma = net.param(op.gamma);
    auto& beta = net.param(op.beta);
    auto& rm = net.param(op.runningMean);
    auto& rv = net.param(op.runningVar);
    if (I.training) {
      // oneDNN's own batch statistics are float32 sums over N·H·W values, off by up to ~1e-6
      // relative at 28 px: enough to flip a following ReLU wherever its input is that close to 0
      // (measured: one output channel's gradient then differs from PyTorch by 1e-2). The
      // statistics are taken here in double instead and given to the primitive.
      int64_t block = statsBlock(X.md, dims(op.in[0]));
      nf::batch_normalization_forward::desc d(prop_kind::forward_training, X.md, op.eps, bnFlags(op, block > 0));
      nf::batch_normalization_forward::primitive_desc pd(d, cs::withUserScratchpad(), cpuEngine());
      T.md = pd.dst_desc();
      T.buf = newBuf(T.md);
      int mean = newBuf(vec), var = newBuf(vec);
      if (block > 0) {
        auto sd = dims(op.in[0]);
        int64_t spatial = 1;
        for (size_t i = 2; i < sd.size(); ++i) spatial *= sd[i];
        int x = X.buf;
        int64_t nn = sd[0];
        fn("batch statistics " + op.gamma, {x, mean, var}, [x, mean, var, nn, ch, spatial, block](Net::Instance& in) {
          batchStats(in.ptr(x), in.ptr(mean), in.ptr(var), nn, ch, spatial, block);
        });
      }
      std::vector<Net::Instance::Arg> args{{DNNL_ARG_SRC, X.md, X.buf}, {DNNL_ARG_DST, T.md, T.buf}, {DNNL_ARG_MEAN, vec, mean},
                                           {DNNL_ARG_VARIANCE, vec, var}, {DNNL_ARG_SCALE, vec, paramBuf(gamma)},
                                           {DNNL_ARG_SHIFT, vec, paramBuf(beta)}};
      int ws = -1;
      if (op.act == Act::Relu) {
        ws = newBuf(pd.workspace_desc());
        args.push_back({DNNL_ARG_WORKSPACE, pd.workspace_desc(), ws});
        fwd[k].extraMd = pd.workspace_desc();
      }
      prim("batchnorm " + op.gamma, pd, nf::batch_normalization_forward(pd), args);
      // The values per channel in the batch, for the unbiased running variance.
      int64_t count = elemsOf(plainDesc(dims(op.in[0]))) / ch;
      Param* m = &rm;
      Param* v = &rv;
      float momentum = op.momentum;
      int rmb = paramBuf(rm), rvb = paramBuf(rv);
      fn("running stats " + op.gamma, {mean, var, rmb, rvb}, [m, v, mean, var, ch, momentum, count](Net::Instance& in) {
        updateRunningStats(m->value.data(), v->value.data(), in.ptr(mean), in.ptr(var), ch, momentum, count);
      });
      fwd[k].bn = pd;
      fwd[k].mean = mean;
      fwd[k].var = var;
      fwd[k].ws = ws;
    } else {
      nf::batch_normalization_forward::desc d(prop_kind::forward_inference, X.md, op.eps, bnFlags(op, true));
      nf::batch_normalization_forward::primitive_desc pd(d, cs::withUserScratchpad(), cpuEngine());
      T.md = pd.dst_desc();
      T.buf = newBuf(T.md);
      prim("batchnorm " + op.gamma, pd, nf::batch_normalization_forward(pd),
           {{DNNL_ARG_SRC, X.md, X.buf}, {DNNL_ARG_DST, T.md, T.buf}, {DNNL_ARG_MEAN, vec, paramBuf(rm)}, {DNNL_ARG_VARIANCE, vec, paramBuf(rv)},
            {DNNL_ARG_SCALE, vec, paramBuf(gamma)}, {DNNL_ARG_SHIFT, vec, paramBuf(beta)}});
    }
  }

  struct PoolShape {
    memory::dims src, dst, kernel, strides, padL, padR;
    algorithm alg;
  };
  PoolShape poolShape(const OpSpec& op) {
    auto s = dims(op.in[0]), d = dims(op.out);
    PoolShape p{s, d, {op.kh, op.kw}, {op.sh, op.sw}, {op.pt, op.pl},
                {(d[2] - 1) * op.sh + op.kh - s[2] - op.pt, (d[3] - 1) * op.sw + op.kw - s[3] - op.pl},
                op.max ? algorithm::pooling_max : algorithm::pooling_avg_include_padding};
    return p;
  }

  void pool(size_t k, const OpSpec& op) {
    auto p = poolShape(op);
    const auto& X = I.t[size_t(op.in[0])];
    auto& T = I.t[size_t(op.out)];
    auto kind = I.training ? prop_kind::forward_training : prop_kind::forward_inference;
    nf::pooling_forward::desc d(kind, p.alg, X.md, anyDesc(p.dst), p.strides, p.kernel, p.padL, p.padR);
    nf::pooling_forward::primitive_desc pd(d, cs::withUserScratchpad(), cpuEngine());
    T.md = pd.dst_desc();
    T.buf = newBuf(T.md);
    std::vector<Net::Instance::Arg> args{{DNNL_ARG_SRC, X.md, X.buf}, {DNNL_ARG_DST, T.md, T.buf}};
    if (I.training && op.max) {
      int ws = newBuf(pd.workspace_desc());
      args.push_back({DNNL_ARG_WORKSPACE, pd.workspace_desc(), ws});
      fwd[k].ws = ws;
      fwd[k].extraMd = pd.workspace_desc();
    }
    prim(std::string(op.max ? "maxpool" : "avgpool") + " t" + std::to_string(op.out), pd, nf::pooling_forward(pd), args);
    fwd[k].pool = pd;
  }

  bool adaptiveIsPool(const OpSpec& op) {
    auto s = dims(op.in[0]);
    return s[2] % op.oh == 0 && s[3] % op.ow == 0;
  }
  OpSpec adaptiveAsPool(const OpSpec& op) {
    auto s = dims(op.in[0]);
    OpSpec q = op;
    q.kind = OpKind::Pool;
    q.max = false;
    q.kh = q.sh = s[2] / op.oh;
    q.kw = q.sw = s[3] / op.ow;
    q.pt = q.pb = q.pl = q.pr = 0;
    return q;
  }

  void adaptivePool(size_t k, const OpSpec& op) {
    if (adaptiveIsPool(op)) return pool(k, adaptiveAsPool(op));
    auto s = dims(op.in[0]);
    memory::desc inMd = plainDesc(s);
    int src = valueIn(op.in[0], inMd);
    auto& T = I.t[size_t(op.out)];
    T.md = plainDesc(dims(op.out));
    T.buf = newBuf(T.md);
    int y = T.buf;
    int64_t nc = s[0] * s[1], h = s[2], w = s[3], oh = op.oh, ow = op.ow;
    fn("adaptive avgpool t" + std::to_string(op.out), {src, y}, [src, y, nc, h, w, oh, ow](Net::Instance& in) {
      adaptiveAvgPool(in.ptr(src), in.ptr(y), nc, h, w, oh, ow);
    });
    fwd[k].src = src;
    fwd[k].srcMd = inMd;
  }

  void activation(size_t, const OpSpec& op) {
    const auto& X = I.t[size_t(op.in[0])];
    auto& T = I.t[size_t(op.out)];
    auto kind = I.training ? prop_kind::forward_training : prop_kind::forward_inference;
    // A blocked layout whose channels do not fill their blocks (6 channels in blocks of 8 or 16)
    // keeps its padding at zero, so oneDNN's JIT kernels take only activations with f(0) = 0
    // there; a sigmoid (σ(0) = ½) fell back to the reference kernel, 28 % of BN-LeNet's step.
    // Such an input is read in the plain layout instead (one JIT reorder).
    memory::desc inMd = X.md;
    int src = X.buf;
    if (op.act == Act::Sigmoid && isPadded(X.md)) {
      inMd = plainDesc(X.md.dims());
      src = valueIn(op.in[0], inMd);
    }
    nf::eltwise_forward::desc d(kind, forwardAlg(op.act), inMd, op.act == Act::LeakyRelu ? op.alpha : 0.f);
    nf::eltwise_forward::primitive_desc pd(d, cs::withUserScratchpad(), cpuEngine());
    T.md = pd.dst_desc();
    T.buf = newBuf(T.md);
    prim("activation t" + std::to_string(op.out), pd, nf::eltwise_forward(pd), {{DNNL_ARG_SRC, inMd, src}, {DNNL_ARG_DST, T.md, T.buf}});
  }

  void dropout(size_t k, const OpSpec& op) {
    const auto& X = I.t[size_t(op.in[0])];
    auto& T = I.t[size_t(op.out)];
    int index = dropoutIndex++;
    if (!I.training || op.p == 0.f) {
      T.md = X.md;
      T.buf = X.buf;
      return;
    }
    T.md = X.md;
    T.buf = newBuf(T.md);
    memory::desc plain = plainDesc(dims(op.in[0]));
    int mask = newBuf(X.md);
    int64_t logical = elemsOf(plain);
    float p = op.p;
    uint64_t seed = net.seed_;
    // The mask is drawn in logical order (so a test can recompute it), then put into the layout.
    int plainMask = plain == X.md ? mask : newBuf(plain);
    fn("dropout mask t" + std::to_string(op.out), {plainMask}, [plainMask, logical, p, seed, index](Net::Instance& in) {
      dropoutMask(in.ptr(plainMask), logical, seed, in.step * 4096 + uint64_t(index), p);
    });
    if (plainMask != mask) reorder("dropout mask layout", plainMask, plain, mask, X.md);
    int x = X.buf, y = T.buf;
    int64_t count = elemsOf(X.md);
    fn("dropout t" + std::to_string(op.out), {x, mask, y}, [x, mask, y, count](Net::Instance& in) { multiply(in.ptr(x), in.ptr(mask), in.ptr(y), count); });
    fwd[k].mask = mask;
  }

  void flatten(const OpSpec& op) {
    auto& T = I.t[size_t(op.out)];
    auto s = dims(op.in[0]);
    if (s.size() == 2) {
      T.md = I.t[size_t(op.in[0])].md;
      T.buf = I.t[size_t(op.in[0])].buf;
      return;
    }
    // PyTorch's channel-major order is plain NCHW read row by row: a view, after at most a reorder.
    T.buf = valueIn(op.in[0], plainDesc(s));
    T.md = plainDesc(dims(op.out));
  }

  void add(const OpSpec& op) {
    const auto& first = I.t[size_t(op.in[0])];
    memory::desc md = first.md;
    std::vector<memory::desc> srcs;
    std::vector<float> scales;
    std::vector<Net::Instance::Arg> args;
    for (size_t i = 0; i < op.in.size(); ++i) {
      srcs.push_back(md);
      scales.push_back(1.f);
      args.push_back({DNNL_ARG_MULTIPLE_SRC + int(i), md, valueIn(op.in[i], md)});
    }
    nf::sum::primitive_desc pd(md, scales, srcs, cpuEngine(), cs::withUserScratchpad());
    auto& T = I.t[size_t(op.out)];
    T.md = md;
    T.buf = newBuf(md);
    args.push_back({DNNL_ARG_DST, md, T.buf});
    prim("add t" + std::to_string(op.out), pd, nf::sum(pd), args);
  }

  memory::desc concatMd(int tensor) {
    auto d = dims(tensor);
    return memory::desc(d, dt::f32, d.size() == 4 ? tag::nhwc : tag::nc);
  }

  void concat(const OpSpec& op) {
    // In channels-last (or plain [N, F]) layouts every input is a contiguous run of each row, so
    // the concatenation is a copy, and any input's slice of the gradient is addressable.
    std::vector<memory::desc> srcs;
    std::vector<Net::Instance::Arg> args;
    for (size_t i = 0; i < op.in.size(); ++i) {
      memory::desc md = concatMd(op.in[i]);
      srcs.push_back(md);
      args.push_back({DNNL_ARG_MULTIPLE_SRC + int(i), md, valueIn(op.in[i], md)});
    }
    auto& T = I.t[size_t(op.out)];
    T.md = concatMd(op.out);
    T.buf = newBuf(T.md);
    nf::concat::primitive_desc pd(T.md, 1, srcs, cpuEngine(), cs::withUserScratchpad());
    args.push_back({DNNL_ARG_DST, T.md, T.buf});
    prim("concat t" + std::to_string(op.out), pd, nf::concat(pd), args);
  }

  void loss() {
    auto& T = I.t[size_t(plan.output)];
    auto d = dims(plan.output);
    memory::desc plain = plainDesc(d);
    int logits = valueIn(plan.output, plain);
    int64_t n = d[0], k = d[1];
    if (I.training) {
      bool direct = false;
      int dl = diffTarget(plan.output, plain, direct);
      fn("softmax cross-entropy", {logits, dl}, [logits, dl, n, k](Net::Instance& in) {
        // Copied before the loss: its gradient may be written over the logits in place.
        if (in.logits) std::memcpy(in.logits, in.ptr(logits), size_t(n * k) * sizeof(float));
        in.loss = softmaxCrossEntropy(in.ptr(logits), in.labels, n, k, in.ptr(dl));
      });
      finish(plan.output, dl, plain, direct);
    } else {
      int64_t count = n * k;
      fn("logits", {logits}, [logits, count](Net::Instance& in) { std::memcpy(in.logits, in.ptr(logits), size_t(count) * sizeof(float)); });
    }
    (void)T;
  }

  // ---- backward -----------------------------------------------------------------------------

  // The gradient arriving at an op's output, or -1 when no path from it reaches the loss.
  int outDiff(const OpSpec& op) { return I.t[size_t(op.out)].diff; }
  bool wantsDiff(int tensor) { return I.t[size_t(tensor)].needsDiff; }

  // d(pre-activation) for a layer with a fused activation: the activation's backward from y.
  int throughAct(const OpSpec& op, int dOut) {
    if (op.act == Act::None) return dOut;
    const auto& T = I.t[size_t(op.out)];
    float alpha = op.act == Act::LeakyRelu ? op.alpha : 0.f;
    nf::eltwise_forward::desc fd(prop_kind::forward_training, backwardAlg(op.act), T.md, alpha);
    nf::eltwise_forward::primitive_desc hint(fd, cpuEngine());
    nf::eltwise_backward::desc bd(backwardAlg(op.act), T.md, T.md, alpha);
    nf::eltwise_backward::primitive_desc pd(bd, cs::withUserScratchpad(), cpuEngine(), hint);
    int d = newBuf(T.md);
    prim("activation backward t" + std::to_string(op.out), pd, nf::eltwise_backward(pd),
         {{DNNL_ARG_DST, T.md, T.buf}, {DNNL_ARG_DIFF_DST, T.md, dOut}, {DNNL_ARG_DIFF_SRC, T.md, d}});
    return d;
  }

  // The parameter's gradient buffer for this step, written from a primitive's output layout.
  int gradInto(Param& p, const memory::desc& producedMd, int& produced) {
    int g = newBuf(p.md);
    produced = producedMd == p.md ? g : newBuf(producedMd);
    return g;
  }

  void convBackward(size_t k, const OpSpec& op) {
    int dOut = outDiff(op);
    if (dOut < 0) return;
    auto c = convShape(op);
    auto& W = net.param(op.weight);
    const auto& fpd = fwd[k].conv;
    int dPre = throughAct(op, dOut);
    const memory::desc dstMd = I.t[size_t(op.out)].md;
    // Weights' (and bias') gradient.
    {
      auto make = [&](const memory::desc& srcMd, const memory::desc& diffDstMd) {
        auto d = op.bias ? nf::convolution_backward_weights::desc(algorithm::convolution_direct, srcMd, anyDesc(c.wei), plainDesc(c.bias),
                                                                  diffDstMd, c.strides, c.dil, c.padL, c.padR)
                         : nf::convolution_backward_weights::desc(algorithm::convolution_direct, srcMd, anyDesc(c.wei), diffDstMd,
                                                                  c.strides, c.dil, c.padL, c.padR);
        nf::convolution_backward_weights::primitive_desc pd(d, cs::withUserScratchpad(), cpuEngine(), fpd);
        cs::avoidBrokenBackwardWeights(pd, c.src[1] / op.groups, c.padR[0], c.padR[1]);
        return pd;
      };
      // The forward's layouts spare two reorders, but for few channels the forward keeps a plain
      // layout no optimised backward kernel takes; oneDNN's reference kernel is then ~1000x slower
      // than a reorder (LeNet's conv2: 4 s a step), so a reference pick gets layouts of its own.
      auto pd = make(fpd.src_desc(), dstMd);
      if (cs::isReference(pd)) pd = make(anyDesc(c.src), anyDesc(c.dst));
      int dd = pd.diff_dst_desc() == dstMd ? dPre : newBuf(pd.diff_dst_desc());
      if (dd != dPre) reorder("conv diff_dst layout", dPre, dstMd, dd, pd.diff_dst_desc());
      int src = fwd[k].src;
      if (pd.src_desc() != fwd[k].srcMd) src = valueIn(op.in[0], pd.src_desc());
      int produced = -1;
      int g = gradInto(W, pd.diff_weights_desc(), produced);
      std::vector<Net::Instance::Arg> args{{DNNL_ARG_SRC, pd.src_desc(), src}, {DNNL_ARG_DIFF_DST, pd.diff_dst_desc(), dd},
                                           {DNNL_ARG_DIFF_WEIGHTS, pd.diff_weights_desc(), produced}};
      int gb = -1;
      if (op.bias) {
        gb = newBuf(plainDesc(c.bias));
        args.push_back({DNNL_ARG_DIFF_BIAS, plainDesc(c.bias), gb});
      }
      prim("conv backward weights " + op.weight, pd, nf::convolution_backward_weights(pd), args);
      if (produced != g) reorder("conv weight gradient layout", produced, pd.diff_weights_desc(), g, W.md);
      // The input gradient must use the weights before this step's update.
      if (wantsDiff(op.in[0])) convBackwardData(k, op, c, fpd, dPre, dstMd, W);
      update(W, g);
      if (op.bias) update(net.param(op.biasName), gb);
    }
  }

  void convBackwardData(size_t, const OpSpec& op, const ConvShape& c, const nf::convolution_forward::primitive_desc& fpd, int dPre,
                        const memory::desc& dstMd, Param& W) {
    auto make = [&](const memory::desc& diffSrcMd, const memory::desc& diffDstMd) {
      nf::convolution_backward_data::desc d(algorithm::convolution_direct, diffSrcMd, anyDesc(c.wei), diffDstMd, c.strides, c.dil, c.padL, c.padR);
      return nf::convolution_backward_data::primitive_desc(d, cs::withUserScratchpad(), cpuEngine(), fpd);
    };
    // As for the weights' gradient: the forward's layouts unless they leave only the reference kernel.
    auto pd = make(fpd.src_desc(), dstMd);
    if (cs::isReference(pd)) pd = make(anyDesc(c.src), anyDesc(c.dst));
    int dd = pd.diff_dst_desc() == dstMd ? dPre : newBuf(pd.diff_dst_desc());
    if (dd != dPre) reorder("conv diff_dst layout", dPre, dstMd, dd, pd.diff_dst_desc());
    int w = weightIn(W, pd.weights_desc());
    bool direct = false;
    int target = diffTarget(op.in[0], pd.diff_src_desc(), direct);
    prim("conv backward data " + op.weight, pd, nf::convolution_backward_data(pd),
         {{DNNL_ARG_DIFF_DST, pd.diff_dst_desc(), dd}, {DNNL_ARG_WEIGHTS, pd.weights_desc(), w}, {DNNL_ARG_DIFF_SRC, pd.diff_src_desc(), target}});
    finish(op.in[0], target, pd.diff_src_desc(), direct);
  }

  void linearBackward(size_t k, const OpSpec& op) {
    int dOut = outDiff(op);
    if (dOut < 0) return;
    auto s = dims(op.in[0]);
    memory::dims wei{op.outChannels, s[1]}, bias{op.outChannels};
    auto& W = net.param(op.weight);
    const auto& fpd = fwd[k].linear;
    int dPre = throughAct(op, dOut);
    const memory::desc dstMd = I.t[size_t(op.out)].md;
    auto d = op.bias ? nf::inner_product_backward_weights::desc(fpd.src_desc(), anyDesc(wei), plainDesc(bias), dstMd)
                     : nf::inner_product_backward_weights::desc(fpd.src_desc(), anyDesc(wei), dstMd);
    nf::inner_product_backward_weights::primitive_desc pd(d, cs::withUserScratchpad(), cpuEngine(), fpd);
    int dd = pd.diff_dst_desc() == dstMd ? dPre : newBuf(pd.diff_dst_desc());
    if (dd != dPre) reorder("linear diff_dst layout", dPre, dstMd, dd, pd.diff_dst_desc());
    int src = fwd[k].src;
    if (pd.src_desc() != fwd[k].srcMd) src = valueIn(op.in[0], pd.src_desc());
    int produced = -1;
    int g = gradInto(W, pd.diff_weights_desc(), produced);
    std::vector<Net::Instance::Arg> args{{DNNL_ARG_SRC, pd.src_desc(), src}, {DNNL_ARG_DIFF_DST, pd.diff_dst_desc(), dd},
                                         {DNNL_ARG_DIFF_WEIGHTS, pd.diff_weights_desc(), produced}};
    int gb = -1;
    if (op.bias) {
      gb = newBuf(plainDesc(bias));
      args.push_back({DNNL_ARG_DIFF_BIAS, plainDesc(bias), gb});
    }
    prim("linear backward weights " + op.weight, pd, nf::inner_product_backward_weights(pd), args);
    if (produced != g) reorder("linear weight gradient layout", produced, pd.diff_weights_desc(), g, W.md);
    if (wantsDiff(op.in[0])) {
      nf::inner_product_backward_data::desc bd(fpd.src_desc(), anyDesc(wei), dstMd);
      nf::inner_product_backward_data::primitive_desc bpd(bd, cs::withUserScratchpad(), cpuEngine(), fpd);
      int bdd = bpd.diff_dst_desc() == dstMd ? dPre : newBuf(bpd.diff_dst_desc());
      if (bdd != dPre) reorder("linear diff_dst layout", dPre, dstMd, bdd, bpd.diff_dst_desc());
      int w = weightIn(W, bpd.weights_desc());
      bool direct = false;
      int target = diffTarget(op.in[0], bpd.diff_src_desc(), direct);
      prim("linear backward data " + op.weight, bpd, nf::inner_product_backward_data(bpd),
           {{DNNL_ARG_DIFF_DST, bpd.diff_dst_desc(), bdd}, {DNNL_ARG_WEIGHTS, bpd.weights_desc(), w}, {DNNL_ARG_DIFF_SRC, bpd.diff_src_desc(), target}});
      finish(op.in[0], target, bpd.diff_src_desc(), direct);
    }
    update(W, g);
    if (op.bias) update(net.param(op.biasName), gb);
  }

  void batchNormBackward(size_t k, const OpSpec& op) {
    int dOut = outDiff(op);
    if (dOut < 0) return;
    const auto& X = I.t[size_t(op.in[0])];
    int64_t ch = dims(op.in[0])[1];
    memory::desc vec = plainDesc({ch});
    const auto& fpd = fwd[k].bn;
    nf::batch_normalization_backward::desc d(prop_kind::backward, X.md, X.md, op.eps, bnFlags(op, false));
    nf::batch_normalization_backward::primitive_desc pd(d, cs::withUserScratchpad(), cpuEngine(), fpd);
    auto& gamma = net.param(op.gamma);
    auto& beta = net.param(op.beta);
    int dd = pd.diff_dst_desc() == I.t[size_t(op.out)].md ? dOut : newBuf(pd.diff_dst_desc());
    if (dd != dOut) reorder("batchnorm diff_dst layout", dOut, I.t[size_t(op.out)].md, dd, pd.diff_dst_desc());
    bool direct = false;
    int target = wantsDiff(op.in[0]) ? diffTarget(op.in[0], pd.diff_src_desc(), direct) : newBuf(pd.diff_src_desc());
    int gg = newBuf(vec), gbeta = newBuf(vec);
    std::vector<Net::Instance::Arg> args{{DNNL_ARG_SRC, X.md, X.buf},          {DNNL_ARG_MEAN, vec, fwd[k].mean},
                                         {DNNL_ARG_VARIANCE, vec, fwd[k].var}, {DNNL_ARG_DIFF_DST, pd.diff_dst_desc(), dd},
                                         {DNNL_ARG_SCALE, vec, paramBuf(gamma)}, {DNNL_ARG_DIFF_SRC, pd.diff_src_desc(), target},
                                         // oneDNN 2.6 refuses to run without the shift, although nothing reads it.
                                         {DNNL_ARG_SHIFT, vec, paramBuf(beta)},
                                         {DNNL_ARG_DIFF_SCALE, vec, gg},       {DNNL_ARG_DIFF_SHIFT, vec, gbeta}};
    if (fwd[k].ws >= 0) args.push_back({DNNL_ARG_WORKSPACE, fwd[k].extraMd, fwd[k].ws});
    prim("batchnorm backward " + op.gamma, pd, nf::batch_normalization_backward(pd), args);
    if (wantsDiff(op.in[0])) finish(op.in[0], target, pd.diff_src_desc(), direct);
    update(gamma, gg);
    update(beta, gbeta);
  }

  void poolBackward(size_t k, const OpSpec& op) {
    int dOut = outDiff(op);
    if (dOut < 0 || !wantsDiff(op.in[0])) return;
    auto p = poolShape(op);
    const auto& X = I.t[size_t(op.in[0])];
    const auto& T = I.t[size_t(op.out)];
    const auto& fpd = fwd[k].pool;
    nf::pooling_backward::desc d(p.alg, X.md, T.md, p.strides, p.kernel, p.padL, p.padR);
    nf::pooling_backward::primitive_desc pd(d, cs::withUserScratchpad(), cpuEngine(), fpd);
    int dd = pd.diff_dst_desc() == T.md ? dOut : newBuf(pd.diff_dst_desc());
    if (dd != dOut) reorder("pool diff_dst layout", dOut, T.md, dd, pd.diff_dst_desc());
    bool direct = false;
    int target = diffTarget(op.in[0], pd.diff_src_desc(), direct);
    std::vector<Net::Instance::Arg> args{{DNNL_ARG_DIFF_DST, pd.diff_dst_desc(), dd}, {DNNL_ARG_DIFF_SRC, pd.diff_src_desc(), target}};
    if (fwd[k].ws >= 0) args.push_back({DNNL_ARG_WORKSPACE, fwd[k].extraMd, fwd[k].ws});
    prim(std::string(op.max ? "maxpool" : "avgpool") + " backward t" + std::to_string(op.out), pd, nf::pooling_backward(pd), args);
    finish(op.in[0], target, pd.diff_src_desc(), direct);
  }

  void adaptivePoolBackward(size_t k, const OpSpec& op) {
    if (adaptiveIsPool(op)) return poolBackward(k, adaptiveAsPool(op));
    int dOut = outDiff(op);
    if (dOut < 0 || !wantsDiff(op.in[0])) return;
    auto s = dims(op.in[0]);
    memory::desc inMd = plainDesc(s);
    bool direct = false;
    int target = diffTarget(op.in[0], inMd, direct);
    int64_t nc = s[0] * s[1], h = s[2], w = s[3], oh = op.oh, ow = op.ow;
    fn("adaptive avgpool backward t" + std::to_string(op.out), {dOut, target}, [dOut, target, nc, h, w, oh, ow](Net::Instance& in) {
      adaptiveAvgPoolGrad(in.ptr(dOut), in.ptr(target), nc, h, w, oh, ow);
    });
    finish(op.in[0], target, inMd, direct);
  }

  void activationBackward(const OpSpec& op) {
    int dOut = outDiff(op);
    if (dOut < 0 || !wantsDiff(op.in[0])) return;
    const auto& T = I.t[size_t(op.out)];
    float alpha = op.act == Act::LeakyRelu ? op.alpha : 0.f;
    nf::eltwise_forward::desc fd(prop_kind::forward_training, backwardAlg(op.act), T.md, alpha);
    nf::eltwise_forward::primitive_desc hint(fd, cpuEngine());
    nf::eltwise_backward::desc bd(backwardAlg(op.act), T.md, T.md, alpha);
    nf::eltwise_backward::primitive_desc pd(bd, cs::withUserScratchpad(), cpuEngine(), hint);
    bool direct = false;
    int target = diffTarget(op.in[0], T.md, direct);
    prim("activation backward t" + std::to_string(op.out), pd, nf::eltwise_backward(pd),
         {{DNNL_ARG_DST, T.md, T.buf}, {DNNL_ARG_DIFF_DST, T.md, dOut}, {DNNL_ARG_DIFF_SRC, T.md, target}});
    finish(op.in[0], target, T.md, direct);
  }

  void dropoutBackward(size_t k, const OpSpec& op) {
    int dOut = outDiff(op);
    if (dOut < 0 || !wantsDiff(op.in[0])) return;
    const auto& T = I.t[size_t(op.out)];
    if (fwd[k].mask < 0) return contribute(op.in[0], T.md, dOut);
    bool direct = false;
    int target = diffTarget(op.in[0], T.md, direct);
    int mask = fwd[k].mask;
    int64_t count = elemsOf(T.md);
    fn("dropout backward t" + std::to_string(op.out), {dOut, mask, target}, [dOut, mask, target, count](Net::Instance& in) {
      multiply(in.ptr(dOut), in.ptr(mask), in.ptr(target), count);
    });
    finish(op.in[0], target, T.md, direct);
  }

  void flattenBackward(const OpSpec& op) {
    int dOut = outDiff(op);
    if (dOut < 0 || !wantsDiff(op.in[0])) return;
    auto s = dims(op.in[0]);
    contribute(op.in[0], s.size() == 2 ? I.t[size_t(op.out)].md : plainDesc(s), dOut);
  }

  void addBackward(const OpSpec& op) {
    int dOut = outDiff(op);
    if (dOut < 0) return;
    const auto& T = I.t[size_t(op.out)];
    for (int in : op.in) contribute(in, T.md, dOut);
  }

  void concatBackward(const OpSpec& op) {
    int dOut = outDiff(op);
    if (dOut < 0) return;
    const auto& T = I.t[size_t(op.out)];
    int64_t offset = 0;
    for (int in : op.in) {
      auto d = dims(in);
      memory::dims offs(d.size(), 0);
      offs[1] = offset;
      offset += d[1];
      if (!wantsDiff(in)) continue;
      memory::desc sub = T.md.submemory_desc(d, offs);
      const auto& X = I.t[size_t(in)];
      bool direct = false;
      int target = diffTarget(in, X.md, direct);
      reorder("concat backward t" + std::to_string(in), dOut, sub, target, X.md);
      finish(in, target, X.md, direct);
    }
  }

  void build() {
    size_t nt = plan.tensors.size();
    I.t.assign(nt, {});
    fwd.assign(plan.ops.size(), {});
    for (const auto& op : plan.ops) {
      bool params = op.kind == OpKind::Conv || op.kind == OpKind::Linear || op.kind == OpKind::BatchNorm;
      bool anyIn = false;
      for (int in : op.in) anyIn = anyIn || I.t[size_t(in)].needsDiff;
      I.t[size_t(op.out)].needsDiff = I.training && (params || anyIn);
    }
    for (size_t k = 0; k < plan.ops.size(); ++k) {
      const auto& op = plan.ops[k];
      switch (op.kind) {
        case OpKind::Input: input(op); break;
        case OpKind::Conv: conv(k, op); break;
        case OpKind::Linear: linear(k, op); break;
        case OpKind::BatchNorm: batchNorm(k, op); break;
        case OpKind::Pool: pool(k, op); break;
        case OpKind::AdaptivePool: adaptivePool(k, op); break;
        case OpKind::Act: activation(k, op); break;
        case OpKind::Dropout: dropout(k, op); break;
        case OpKind::Flatten: flatten(op); break;
        case OpKind::Add: add(op); break;
        case OpKind::Concat: concat(op); break;
      }
    }
    loss();
    if (!I.training) return;
    for (size_t k = plan.ops.size(); k-- > 0;) {
      const auto& op = plan.ops[k];
      switch (op.kind) {
        case OpKind::Input: break;
        case OpKind::Conv: convBackward(k, op); break;
        case OpKind::Linear: linearBackward(k, op); break;
        case OpKind::BatchNorm: batchNormBackward(k, op); break;
        case OpKind::Pool: poolBackward(k, op); break;
        case OpKind::AdaptivePool: adaptivePoolBackward(k, op); break;
        case OpKind::Act: activationBackward(op); break;
        case OpKind::Dropout: dropoutBackward(k, op); break;
        case OpKind::Flatten: flattenBackward(op); break;
        case OpKind::Add: addBackward(op); break;
        case OpKind::Concat: concatBackward(op); break;
      }
      // The op's output gradient has been read for the last time.
      int d = I.t[size_t(op.out)].diff;
      if (d >= 0) aliasCount[size_t(d)]--;
    }
  }
};

// ---- Net ----------------------------------------------------------------------------------------

Net::Net(Plan plan, int threads, uint64_t seed) : plan_(std::move(plan)), threads_(threads), seed_(seed) {
  const char* prof = std::getenv("CONVSTUDIO_COMPILED_PROFILE");
  profile_ = prof && *prof && std::string(prof) != "0";
  auto addParam = [&](const std::string& name, memory::desc userMd, memory::desc md, bool trainable, float init) {
    if (name.empty()) throw std::runtime_error("a layer's parameter has no name");
    if (paramIndex_.count(name)) throw std::runtime_error("two parameters are both named " + name);
    auto p = std::make_unique<Param>();
    p->name = name;
    p->userMd = userMd;
    p->md = md;
    p->trainable = trainable;
    p->value.allocate(md.get_size());
    int64_t n = p->elems();
    for (int64_t i = 0; i < n; ++i) p->value.data()[i] = init;
    paramIndex_[name] = params_.size();
    params_.push_back(std::move(p));
  };
  auto perSample = [&](int t) { return plan_.tensors.at(size_t(t)); };
  for (const auto& op : plan_.ops) {
    if (op.kind == OpKind::Conv) {
      int64_t ic = perSample(op.in.at(0)).at(0), oc = op.outChannels, g = op.groups;
      if (g < 1 || ic % g || oc % g) throw std::runtime_error("conv " + op.weight + ": groups must divide both channel counts");
      memory::dims d = g > 1 ? memory::dims{g, oc / g, ic / g, op.kh, op.kw} : memory::dims{oc, ic, op.kh, op.kw};
      // The checkpoint's HWIO filter, [kh, kw, ic/groups, oc] (Keras' grouped layout), as strides.
      memory::desc user = g > 1 ? memory::desc(d, dt::f32, memory::dims{oc / g, 1, oc, op.kw * (ic / g) * oc, (ic / g) * oc})
                                : memory::desc(d, dt::f32, tag::hwio);
      addParam(op.weight, user, memory::desc(d, dt::f32, g > 1 ? tag::goihw : tag::oihw), true, 0.f);
      if (op.bias) addParam(op.biasName, plainDesc({oc}), plainDesc({oc}), true, 0.f);
    } else if (op.kind == OpKind::Linear) {
      int64_t in = perSample(op.in.at(0)).at(0), out = op.outChannels;
      // The checkpoint's dense kernel is [in, out]: PyTorch's [out, in] transposed.
      addParam(op.weight, memory::desc({out, in}, dt::f32, tag::io), memory::desc({out, in}, dt::f32, tag::oi), true, 0.f);
      if (op.bias) addParam(op.biasName, plainDesc({out}), plainDesc({out}), true, 0.f);
    } else if (op.kind == OpKind::BatchNorm) {
      int64_t c = perSample(op.in.at(0)).at(0);
      addParam(op.gamma, plainDesc({c}), plainDesc({c}), true, 1.f);
      addParam(op.beta, plainDesc({c}), plainDesc({c}), true, 0.f);
      addParam(op.runningMean, plainDesc({c}), plainDesc({c}), false, 0.f);
      addParam(op.runningVar, plainDesc({c}), plainDesc({c}), false, 1.f);
    }
  }
  if (plan_.input < 0 || plan_.output < 0) throw std::runtime_error("the plan has no input or output tensor");
  if (plan_.tensors.at(size_t(plan_.output)).size() != 1) throw std::runtime_error("the output must be flat class scores [N, K]");
}

Net::~Net() = default;

Param& Net::param(const std::string& name) {
  auto it = paramIndex_.find(name);
  if (it == paramIndex_.end()) throw std::runtime_error("no parameter named " + name);
  return *params_[it->second];
}
const Param& Net::param(const std::string& name) const {
  auto it = paramIndex_.find(name);
  if (it == paramIndex_.end()) throw std::runtime_error("no parameter named " + name);
  return *params_[it->second];
}

// Moves a parameter (and its optimizer state) into the layout the training primitives prefer,
// once: from then on it stays there, and only other instances reorder.
void Net::fixLayout(Param& p, const memory::desc& md) {
  p.layoutFixed = true;
  if (md == p.md) return;
  auto move = [&](cs::Buffer& b) {
    if (b.bytes() == 0) return;
    cs::Buffer nb(md.get_size());
    std::memset(nb.data(), 0, md.get_size());
    memory from(p.md, cpuEngine(), b.data()), to(md, cpuEngine(), nb.data());
    dnnl::reorder(from, to).execute(cpuStream(), from, to);
    cpuStream().wait();
    b = std::move(nb);
  };
  move(p.value);
  move(p.slot[0]);
  move(p.slot[1]);
  p.md = md;
  // Instances built before hold the old layout's buffers.
  for (auto it = instances_.begin(); it != instances_.end();) {
    if (it->first.second) ++it;
    else it = instances_.erase(it);
  }
  lru_.erase(std::remove_if(lru_.begin(), lru_.end(), [&](auto& k) { return !instances_.count(k); }), lru_.end());
}

Net::Instance& Net::instance(int64_t n, bool training) {
  auto key = std::make_pair(n, training);
  auto it = instances_.find(key);
  if (it != instances_.end()) {
    lru_.erase(std::remove(lru_.begin(), lru_.end(), key), lru_.end());
    lru_.push_back(key);
    return *it->second;
  }
  // A handful of batch sizes at most in practice (the batch, the last partial one, evaluation).
  while (lru_.size() >= 4) {
    instances_.erase(lru_.front());
    lru_.erase(lru_.begin());
  }
  auto inst = std::make_unique<Instance>();
  inst->n = n;
  inst->training = training;
  Builder b(*this, *inst);
  b.build();
  for (size_t a = 0; a < inst->actions.size(); ++a)
    for (int u : inst->actions[a].uses) inst->arena.use(u, int(a));
  static const bool noReuse = [] {
    const char* v = std::getenv("CONVSTUDIO_COMPILED_NO_REUSE");
    return v && *v && std::string(v) != "0";
  }();
  inst->arenaNeed = inst->arena.plan(!noReuse && cs::guardMode() == cs::Guard::off);
  Instance& ref = *inst;
  instances_[key] = std::move(inst);
  lru_.push_back(key);
  return ref;
}

// Points every buffer at its bytes: the shared arena (grown to the largest instance; instances
// never run at the same time), or in guard mode a guarded block each.
void Net::bind(Instance& inst) {
  if (cs::guardMode() == cs::Guard::off && arena_.bytes() < inst.arenaNeed) {
    arena_ = cs::Buffer();
    arena_.allocate(inst.arenaNeed);
    arenaVersion_++;
  }
  if (inst.boundVersion == arenaVersion_ + 1) return;
  for (size_t b = 0; b < inst.bufs.size(); ++b) {
    auto& info = inst.bufs[b];
    if (info.ext) info.ptr = info.ext;
    else if (!inst.arena.used(int(b)) || info.bytes == 0) info.ptr = nullptr;
    else if (cs::guardMode() != cs::Guard::off) {
      if (!info.own.data()) info.own.allocate(info.bytes);
      info.ptr = info.own.data();
    } else {
      info.ptr = reinterpret_cast<float*>(reinterpret_cast<char*>(arena_.data()) + inst.arena.offset(int(b)));
    }
  }
  for (auto& a : inst.actions) {
    if (!a.isPrim) continue;
    a.bound.clear();
    for (auto& arg : a.args) a.bound.insert({arg.id, memory(arg.md, cpuEngine(), inst.ptr(arg.buf))});
  }
  inst.boundVersion = arenaVersion_ + 1;
}

namespace {
void execute(Net::Instance& inst, Net::Instance::Action& a, dnnl::stream& s) {
  if (!a.isPrim) return a.fn(inst);
  try {
    a.prim.execute(s, a.bound);
  } catch (const dnnl::error& e) {
    throw std::runtime_error(std::string("oneDNN could not run ") + a.what + ": " + e.what());
  }
}
}  // namespace

void Net::run(Instance& inst) {
  auto& s = cpuStream();
  if (!profile_) {
    for (auto& a : inst.actions) execute(inst, a, s);
    s.wait();
    return;
  }
  lastProfile_.clear();
  for (auto& a : inst.actions) {
    auto t0 = std::chrono::steady_clock::now();
    execute(inst, a, s);
    s.wait();
    lastProfile_.push_back({a.what, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count()});
  }
}

double Net::step(const float* x, const int32_t* labels, int64_t n, float lr, float* logits) {
  ThreadScope scope(threads_);
  int64_t k = classes();
  for (int64_t i = 0; i < n; ++i)
    if (labels[i] < 0 || labels[i] >= k) throw std::range_error("label " + std::to_string(labels[i]) + " is outside 0.." + std::to_string(k - 1));
  auto& inst = instance(n, true);
  bind(inst);
  inst.x = x;
  inst.labels = labels;
  inst.logits = logits;
  inst.lr = lr;
  inst.step = trainSteps_++;
  run(inst);
  return inst.loss;
}

void Net::evaluate(const float* x, int64_t n, float* logits) {
  ThreadScope scope(threads_);
  auto& inst = instance(n, false);
  bind(inst);
  inst.x = x;
  inst.logits = logits;
  run(inst);
}

std::vector<std::string> Net::paramNames() const {
  std::vector<std::string> out;
  for (const auto& p : params_) out.push_back(p->name);
  return out;
}

std::vector<int64_t> Net::paramShape(const std::string& name) const {
  const auto& p = param(name);
  auto d = p.userMd.dims();
  if (d.size() == 4) return {d[2], d[3], d[1], d[0]};                  // HWIO
  if (d.size() == 5) return {d[3], d[4], d[2], d[0] * d[1]};            // [kh, kw, ic/g, oc]
  if (d.size() == 2) return {d[1], d[0]};                               // [in, out]
  return {d[0]};
}

bool Net::paramTrainable(const std::string& name) const { return param(name).trainable; }

void Net::getParam(const std::string& name, float* out, int slot) {
  auto& p = param(name);
  cs::Buffer& src = slot < 0 ? p.value : p.slot[slot];
  size_t bytes = p.userMd.get_size();
  if (src.bytes() == 0) {
    std::memset(out, 0, bytes);
    return;
  }
  cs::Buffer tmp(bytes);
  memory from(p.md, cpuEngine(), src.data()), to(p.userMd, cpuEngine(), tmp.data());
  dnnl::reorder(from, to).execute(cpuStream(), from, to);
  cpuStream().wait();
  std::memcpy(out, tmp.data(), bytes);
}

void Net::setParam(const std::string& name, const float* in, int slot) {
  auto& p = param(name);
  cs::Buffer& dst = slot < 0 ? p.value : p.slot[slot];
  if (dst.bytes() != p.md.get_size()) {
    dst.allocate(p.md.get_size());
    std::memset(dst.data(), 0, p.md.get_size());
  }
  cs::Buffer tmp(p.userMd.get_size());
  std::memcpy(tmp.data(), in, p.userMd.get_size());
  memory from(p.userMd, cpuEngine(), tmp.data()), to(p.md, cpuEngine(), dst.data());
  dnnl::reorder(from, to).execute(cpuStream(), from, to);
  cpuStream().wait();
  if (slot >= 0) p.slotsLive = true;
}

int64_t Net::paramSteps(const std::string& name) const { return param(name).steps; }
void Net::setParamSteps(const std::string& name, int64_t steps) { param(name).steps = steps; }
bool Net::slotsLive(const std::string& name) const { return param(name).slotsLive; }

int64_t Net::sampleSize() const {
  int64_t s = 1;
  for (int64_t d : plan_.tensors.at(size_t(plan_.input))) s *= d;
  return s;
}

int64_t Net::classes() const { return plan_.tensors.at(size_t(plan_.output)).at(0); }

size_t Net::paramBytes() const {
  size_t b = 0;
  for (const auto& p : params_) b += p->value.bytes() + p->slot[0].bytes() + p->slot[1].bytes();
  return b;
}

std::vector<std::string> Net::describe() const {
  std::vector<std::string> out;
  for (const auto& k : lru_) {
    if (!k.second) continue;
    for (const auto& a : instances_.at(k)->actions) out.push_back(a.what);
  }
  return out;
}

std::vector<std::pair<std::string, double>> Net::lastProfile() const { return lastProfile_; }

}  // namespace cs::compiled
