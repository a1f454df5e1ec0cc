// A network compiled into oneDNN primitives: the whole training step (forward, loss, backward,
// optimizer update) and evaluation each run as one call, with weights, activations and
// gradients in the layouts oneDNN prefers. Layouts change only at the boundary: the batch comes
// in as NCHW, logits go out as [N, K], weights are imported and exported in the tfjs checkpoint
// layout (HWIO filters, [in, out] dense kernels).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "../dnnl_util.h"
#include "arena.h"
#include "plan.h"

namespace cs::compiled {

struct OptimizerConfig {
  enum class Kind { Sgd, Adam, AdamW } kind = Kind::Sgd;
  float momentum = 0.f, dampening = 0.f, weightDecay = 0.f;
  bool nesterov = false;
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
};

struct Param {
  std::string name;
  memory::desc userMd;  // the checkpoint's layout
  memory::desc md;      // the layout kept across steps
  cs::Buffer value;
  cs::Buffer slot[2];   // momentum buffer, or Adam's exp_avg and exp_avg_sq
  bool slotsLive = false;
  int64_t steps = 0;    // optimizer steps this parameter has taken (PyTorch counts per parameter)
  bool trainable = true;
  bool layoutFixed = false;
  int64_t elems() const { return int64_t(md.get_size() / sizeof(float)); }
};

class Net {
 public:
  Net(Plan plan, int threads, uint64_t seed);
  ~Net();

  // One training step on a batch of n samples (x: NCHW floats, labels in [0, K)); returns the
  // mean loss before the update.
  double step(const float* x, const int32_t* labels, int64_t n, float lr, float* logits = nullptr);
  // Logits [n, K] in evaluation mode (running statistics, no dropout).
  void evaluate(const float* x, int64_t n, float* logits);

  void setOptimizer(const OptimizerConfig& c) { opt_ = c; }
  const OptimizerConfig& optimizer() const { return opt_; }
  void setThreads(int t) { threads_ = t; }
  int threads() const { return threads_; }

  std::vector<std::string> paramNames() const;
  // Shape in the checkpoint's layout ([] when unknown).
  std::vector<int64_t> paramShape(const std::string& name) const;
  bool paramTrainable(const std::string& name) const;
  void getParam(const std::string& name, float* out, int slot = -1);
  void setParam(const std::string& name, const float* in, int slot = -1);
  int64_t paramSteps(const std::string& name) const;
  void setParamSteps(const std::string& name, int64_t steps);
  bool slotsLive(const std::string& name) const;

  int64_t sampleSize() const;
  int64_t classes() const;
  size_t arenaBytes() const { return arena_.bytes(); }
  size_t paramBytes() const;
  // One line per primitive of the most recent training instance: what runs where (for profiles).
  std::vector<std::string> describe() const;
  // Per-action times of the last step (CONVSTUDIO_COMPILED_PROFILE=1), in milliseconds.
  std::vector<std::pair<std::string, double>> lastProfile() const;

  struct Instance;

 private:
  Instance& instance(int64_t n, bool training);
  void bind(Instance& inst);
  void run(Instance& inst);
  Param& param(const std::string& name);
  const Param& param(const std::string& name) const;
  void fixLayout(Param& p, const memory::desc& md);
  friend struct Builder;

  Plan plan_;
  int threads_;
  uint64_t seed_;
  uint64_t trainSteps_ = 0;
  OptimizerConfig opt_;
  std::vector<std::unique_ptr<Param>> params_;
  std::unordered_map<std::string, size_t> paramIndex_;
  std::map<std::pair<int64_t, bool>, std::unique_ptr<Instance>> instances_;
  std::vector<std::pair<int64_t, bool>> lru_;
  cs::Buffer arena_;
  uint64_t arenaVersion_ = 0;
  bool profile_ = false;
  std::vector<std::pair<std::string, double>> lastProfile_;
};

}  // namespace cs::compiled
