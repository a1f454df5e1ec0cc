// The compiled step as a JavaScript class (CompiledNet): built from a plan object, then one call
// per training step or evaluation batch. Every failure is a thrown Error naming what is wrong.
#include "binding.h"

#include <memory>
#include <stdexcept>
#include <string>

#include "kernels.h"
#include "net.h"

namespace cs::compiled {

namespace {

int64_t num(const Napi::Object& o, const char* key, int64_t fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int64Value() : fallback;
}
double real(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}
bool flag(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() && v.As<Napi::Boolean>().Value();
}
std::string str(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}
std::vector<int64_t> ints(const Napi::Value& v, const char* what) {
  if (!v.IsArray()) throw std::runtime_error(std::string(what) + " must be an array of numbers");
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw std::runtime_error(std::string(what) + " must be an array of numbers");
    out.push_back(e.As<Napi::Number>().Int64Value());
  }
  return out;
}

Act actOf(const std::string& s) {
  if (s.empty() || s == "none") return Act::None;
  if (s == "relu") return Act::Relu;
  if (s == "sigmoid") return Act::Sigmoid;
  if (s == "tanh") return Act::Tanh;
  if (s == "leaky_relu") return Act::LeakyRelu;
  throw std::runtime_error("unknown activation " + s);
}

Plan parsePlan(const Napi::Object& o) {
  Plan p;
  Napi::Value tv = o.Get("tensors");
  if (!tv.IsArray()) throw std::runtime_error("plan.tensors must be an array of shapes");
  auto ta = tv.As<Napi::Array>();
  for (uint32_t i = 0; i < ta.Length(); ++i) {
    auto s = ints(ta.Get(i), "a tensor shape");
    for (int64_t d : s)
      if (d < 1) throw std::runtime_error("tensor " + std::to_string(i) + " has a dimension below 1");
    p.tensors.push_back(s);
  }
  Napi::Value ov = o.Get("ops");
  if (!ov.IsArray()) throw std::runtime_error("plan.ops must be an array");
  auto oa = ov.As<Napi::Array>();
  int64_t nt = int64_t(p.tensors.size());
  for (uint32_t i = 0; i < oa.Length(); ++i) {
    auto e = oa.Get(i).As<Napi::Object>();
    OpSpec op;
    std::string kind = str(e, "kind");
    if (kind == "input") op.kind = OpKind::Input;
    else if (kind == "conv") op.kind = OpKind::Conv;
    else if (kind == "linear") op.kind = OpKind::Linear;
    else if (kind == "batchnorm") op.kind = OpKind::BatchNorm;
    else if (kind == "pool") op.kind = OpKind::Pool;
    else if (kind == "adaptive") op.kind = OpKind::AdaptivePool;
    else if (kind == "act") op.kind = OpKind::Act;
    else if (kind == "dropout") op.kind = OpKind::Dropout;
    else if (kind == "flatten") op.kind = OpKind::Flatten;
    else if (kind == "add") op.kind = OpKind::Add;
    else if (kind == "concat") op.kind = OpKind::Concat;
    else throw std::runtime_error("unknown op kind \"" + kind + "\"");
    if (op.kind != OpKind::Input) {
      for (int64_t t : ints(e.Get("in"), "op.in")) {
        // Inputs must come earlier in the list, which also rules out cycles.
        if (t < 0 || t >= nt) throw std::runtime_error("op " + std::to_string(i) + " reads a tensor that does not exist");
        op.in.push_back(int(t));
      }
      if (op.in.empty()) throw std::runtime_error("op " + std::to_string(i) + " has no input");
    }
    op.out = int(num(e, "out", -1));
    if (op.out < 0 || op.out >= nt) throw std::runtime_error("op " + std::to_string(i) + " writes a tensor that does not exist");
    op.outChannels = num(e, "outChannels", 0);
    op.kh = num(e, "kh", 1); op.kw = num(e, "kw", 1);
    op.sh = num(e, "sh", 1); op.sw = num(e, "sw", 1);
    op.dh = num(e, "dh", 1); op.dw = num(e, "dw", 1);
    op.pt = num(e, "pt", 0); op.pb = num(e, "pb", 0); op.pl = num(e, "pl", 0); op.pr = num(e, "pr", 0);
    op.groups = num(e, "groups", 1);
    op.bias = flag(e, "bias");
    op.act = actOf(str(e, "act"));
    op.alpha = float(real(e, "alpha", 0.0));
    op.eps = float(real(e, "eps", 1e-5));
    op.momentum = float(real(e, "momentum", 0.1));
    op.max = flag(e, "max");
    op.oh = num(e, "oh", 1); op.ow = num(e, "ow", 1);
    op.p = float(real(e, "p", 0.0));
    op.weight = str(e, "weight"); op.biasName = str(e, "biasName");
    op.gamma = str(e, "gamma"); op.beta = str(e, "beta");
    op.runningMean = str(e, "runningMean"); op.runningVar = str(e, "runningVar");
    p.ops.push_back(op);
  }
  p.input = int(num(o, "input", -1));
  p.output = int(num(o, "output", -1));
  if (p.input < 0 || p.input >= nt || p.output < 0 || p.output >= nt) throw std::runtime_error("plan.input / plan.output name no tensor");
  return p;
}

// Runs f, turning C++ failures into JavaScript errors (a oneDNN status, a bad argument, no memory).
template <typename F>
auto guard(const Napi::Env& env, F f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(env, std::string("oneDNN: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, "out of memory in the compiled step (lower the batch size)");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

class CompiledNet : public Napi::ObjectWrap<CompiledNet> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CompiledNet",
                       {InstanceMethod("step", &CompiledNet::Step), InstanceMethod("evaluate", &CompiledNet::Evaluate),
                        InstanceMethod("setOptimizer", &CompiledNet::SetOptimizer), InstanceMethod("params", &CompiledNet::Params),
                        InstanceMethod("getParam", &CompiledNet::GetParam), InstanceMethod("setParam", &CompiledNet::SetParam),
                        InstanceMethod("getSteps", &CompiledNet::GetSteps), InstanceMethod("setSteps", &CompiledNet::SetSteps),
                        InstanceMethod("setThreads", &CompiledNet::SetThreads), InstanceMethod("info", &CompiledNet::Info),
                        InstanceMethod("profile", &CompiledNet::Profile), InstanceMethod("dispose", &CompiledNet::Dispose)});
  }

  explicit CompiledNet(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CompiledNet>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "CompiledNet(plan, options): plan must be an object");
    Napi::Object opts = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
    guard(env, [&] {
      net_ = std::make_unique<Net>(parsePlan(info[0].As<Napi::Object>()), int(num(opts, "threads", 0)), uint64_t(num(opts, "seed", 0)));
      return 0;
    });
  }

 private:
  Net& net(const Napi::Env& env) {
    if (!net_) throw Napi::Error::New(env, "this compiled step was disposed");
    return *net_;
  }

  static float* floats(const Napi::Value& v, const char* what, size_t& n) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a Float32Array");
    auto a = v.As<Napi::Float32Array>();
    n = a.ElementLength();
    return a.Data();
  }

  // step(x: Float32Array (N·C·H·W), labels: Int32Array (N), lr, logits?: Float32Array (N·K)) → loss;
  // the logits of the training forward pass are copied out when given (train accuracy).
  Napi::Value Step(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Net& n = net(env);
    size_t xn = 0;
    float* x = floats(info[0], "x", xn);
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      throw Napi::TypeError::New(env, "labels must be an Int32Array");
    auto labels = info[1].As<Napi::Int32Array>();
    int64_t batch = int64_t(labels.ElementLength());
    if (batch < 1 || int64_t(xn) != batch * n.sampleSize())
      throw Napi::RangeError::New(env, "x holds " + std::to_string(xn) + " values; " + std::to_string(batch) + " labels need " +
                                           std::to_string(batch * n.sampleSize()));
    if (!info[2].IsNumber()) throw Napi::TypeError::New(env, "lr must be a number");
    float lr = info[2].As<Napi::Number>().FloatValue();
    float* out = nullptr;
    if (info.Length() > 3 && !info[3].IsUndefined()) {
      size_t ln = 0;
      out = floats(info[3], "logits", ln);
      if (int64_t(ln) != batch * n.classes()) throw Napi::RangeError::New(env, "logits must hold " + std::to_string(batch * n.classes()) + " values");
    }
    double loss = guard(env, [&] { return n.step(x, labels.Data(), batch, lr, out); });
    return Napi::Number::New(env, loss);
  }

  // evaluate(x: Float32Array (N·C·H·W), logits: Float32Array (N·K))
  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Net& n = net(env);
    size_t xn = 0, ln = 0;
    float* x = floats(info[0], "x", xn);
    float* out = floats(info[1], "logits", ln);
    int64_t batch = int64_t(xn) / n.sampleSize();
    if (batch < 1 || int64_t(xn) != batch * n.sampleSize() || int64_t(ln) != batch * n.classes())
      throw Napi::RangeError::New(env, "x and logits do not hold the same number of samples");
    guard(env, [&] {
      n.evaluate(x, batch, out);
      return 0;
    });
    return env.Undefined();
  }

  Napi::Value SetOptimizer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "setOptimizer(config): config must be an object");
    auto o = info[0].As<Napi::Object>();
    OptimizerConfig c;
    std::string kind = str(o, "kind");
    if (kind == "sgd" || kind.empty()) c.kind = OptimizerConfig::Kind::Sgd;
    else if (kind == "adam") c.kind = OptimizerConfig::Kind::Adam;
    else if (kind == "adamw") c.kind = OptimizerConfig::Kind::AdamW;
    else throw Napi::RangeError::New(env, "unknown optimizer \"" + kind + "\" (sgd, adam, adamw)");
    c.momentum = float(real(o, "momentum", 0));
    c.dampening = float(real(o, "dampening", 0));
    c.nesterov = flag(o, "nesterov");
    c.weightDecay = float(real(o, "weightDecay", 0));
    c.beta1 = float(real(o, "beta1", 0.9));
    c.beta2 = float(real(o, "beta2", 0.999));
    c.eps = float(real(o, "eps", 1e-8));
    if (c.nesterov && (c.momentum <= 0.f || c.dampening != 0.f))
      throw Napi::RangeError::New(env, "Nesterov momentum requires a momentum above 0 and zero dampening");
    net(env).setOptimizer(c);
    return env.Undefined();
  }

  Napi::Value Params(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Net& n = net(env);
    auto names = n.paramNames();
    auto out = Napi::Array::New(env, names.size());
    for (size_t i = 0; i < names.size(); ++i) {
      auto o = Napi::Object::New(env);
      o.Set("name", names[i]);
      auto shape = n.paramShape(names[i]);
      auto s = Napi::Array::New(env, shape.size());
      for (size_t j = 0; j < shape.size(); ++j) s.Set(uint32_t(j), Napi::Number::New(env, double(shape[j])));
      o.Set("shape", s);
      o.Set("trainable", n.paramTrainable(names[i]));
      o.Set("slotsLive", n.slotsLive(names[i]));
      out.Set(uint32_t(i), o);
    }
    return out;
  }

  static size_t elems(const std::vector<int64_t>& s) {
    size_t e = 1;
    for (int64_t d : s) e *= size_t(d);
    return e;
  }

  static int slotOf(const Napi::CallbackInfo& info, size_t at) {
    if (info.Length() <= at || info[at].IsUndefined() || info[at].IsNull()) return -1;
    int s = info[at].As<Napi::Number>().Int32Value();
    if (s < 0 || s > 1) throw Napi::RangeError::New(info.Env(), "slot must be 0 or 1");
    return s;
  }

  // getParam(name, slot?) → Float32Array in the checkpoint's layout (slot: optimizer state).
  Napi::Value GetParam(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Net& n = net(env);
    std::string name = info[0].As<Napi::String>().Utf8Value();
    int slot = slotOf(info, 1);
    return guard(env, [&] {
      auto out = Napi::Float32Array::New(env, elems(n.paramShape(name)));
      n.getParam(name, out.Data(), slot);
      return out;
    });
  }

  Napi::Value SetParam(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Net& n = net(env);
    std::string name = info[0].As<Napi::String>().Utf8Value();
    size_t len = 0;
    float* v = floats(info[1], "values", len);
    int slot = slotOf(info, 2);
    guard(env, [&] {
      auto shape = n.paramShape(name);
      if (len != elems(shape)) throw std::runtime_error(name + " holds " + std::to_string(elems(shape)) + " values, not " + std::to_string(len));
      n.setParam(name, v, slot);
      return 0;
    });
    return env.Undefined();
  }

  Napi::Value GetSteps(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guard(env, [&] { return Napi::Number::New(env, double(net(env).paramSteps(info[0].As<Napi::String>().Utf8Value()))); });
  }

  Napi::Value SetSteps(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    guard(env, [&] {
      net(env).setParamSteps(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Number>().Int64Value());
      return 0;
    });
    return env.Undefined();
  }

  Napi::Value SetThreads(const Napi::CallbackInfo& info) {
    net(info.Env()).setThreads(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Net& n = net(env);
    auto o = Napi::Object::New(env);
    o.Set("threads", n.threads());
    o.Set("arenaBytes", double(n.arenaBytes()));
    o.Set("paramBytes", double(n.paramBytes()));
    auto lines = n.describe();
    auto a = Napi::Array::New(env, lines.size());
    for (size_t i = 0; i < lines.size(); ++i) a.Set(uint32_t(i), lines[i]);
    o.Set("actions", a);
    return o;
  }

  Napi::Value Profile(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto p = net(env).lastProfile();
    auto a = Napi::Array::New(env, p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      auto o = Napi::Object::New(env);
      o.Set("what", p[i].first);
      o.Set("ms", p[i].second);
      a.Set(uint32_t(i), o);
    }
    return a;
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    net_.reset();
    return info.Env().Undefined();
  }

  std::unique_ptr<Net> net_;
};

// dropoutUniform(seed, stream, index): the uniform number behind one element of a dropout mask.
Napi::Value DropoutUniform(const Napi::CallbackInfo& info) {
  uint64_t seed = uint64_t(info[0].As<Napi::Number>().Int64Value());
  uint64_t stream = uint64_t(info[1].As<Napi::Number>().Int64Value());
  uint64_t i = uint64_t(info[2].As<Napi::Number>().Int64Value());
  return Napi::Number::New(info.Env(), dropoutUniform(seed, stream, i));
}

}  // namespace

void registerCompiled(Napi::Env env, Napi::Object exports) {
  exports.Set("CompiledNet", CompiledNet::Define(env));
  exports.Set("dropoutUniform", Napi::Function::New(env, DropoutUniform));
}

}  // namespace cs::compiled
