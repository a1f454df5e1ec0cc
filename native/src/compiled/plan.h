// The compiled training step's input: a network as a list of operations on numbered tensors,
// lowered from the checked graph on the JavaScript side
// (main/engine/backends/native/compiled/lower.ts). Shapes are per sample, PyTorch's order
// ([C, H, W] or [F]); the batch size is the caller's at each step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cs::compiled {

enum class OpKind { Input, Conv, Linear, BatchNorm, Pool, AdaptivePool, Act, Dropout, Flatten, Add, Concat };
enum class Act { None, Relu, Sigmoid, Tanh, LeakyRelu };

struct OpSpec {
  OpKind kind = OpKind::Input;
  std::vector<int> in;
  int out = -1;
  // Conv: out channels, kernel, stride, dilation (PyTorch's: 1 = dense), padding top/bottom/left/right, groups.
  int64_t outChannels = 0, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pb = 0, pl = 0, pr = 0, groups = 1;
  bool bias = false;
  // Conv and Linear: an activation fused into the layer's output; Act: the activation itself.
  Act act = Act::None;
  float alpha = 0.f;  // LeakyReLU's negative slope
  // BatchNorm (ReLU fused when `act` is Relu)
  float eps = 1e-5f, momentum = 0.1f;
  // Pool: max (true) or average counting the padding (PyTorch's count_include_pad=True)
  bool max = true;
  // AdaptivePool output size
  int64_t oh = 1, ow = 1;
  // Dropout probability
  float p = 0.f;
  // Parameter names, as the tfjs checkpoint names them (layer/kernel, layer/bias, layer/gamma, ...)
  std::string weight, biasName, gamma, beta, runningMean, runningVar;
};

struct Plan {
  std::vector<std::vector<int64_t>> tensors;  // per-sample shape of each tensor
  std::vector<OpSpec> ops;                    // topological order; ops[i] writes tensor ops[i].out
  int input = -1, output = -1;
};

}  // namespace cs::compiled
