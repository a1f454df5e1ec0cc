#include "kernels.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace cs::compiled {

namespace {
constexpr int64_t kParallel = 1 << 15;  // below this many elements a parallel region costs more than it saves

inline uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
}  // namespace

double softmaxCrossEntropy(const float* logits, const int32_t* labels, int64_t n, int64_t k, float* dlogits) {
  double total = 0;
#pragma omp parallel for reduction(+ : total) if (n * k > kParallel)
  for (int64_t i = 0; i < n; ++i) {
    const float* z = logits + i * k;
    float m = z[0];
    for (int64_t j = 1; j < k; ++j) m = std::max(m, z[j]);
    double s = 0;
    for (int64_t j = 0; j < k; ++j) s += std::exp(double(z[j]) - m);
    double logZ = std::log(s) + m;
    total += logZ - z[labels[i]];
    if (dlogits) {
      float* d = dlogits + i * k;
      for (int64_t j = 0; j < k; ++j) d[j] = float((std::exp(double(z[j]) - logZ) - (j == labels[i] ? 1.0 : 0.0)) / double(n));
    }
  }
  return total / double(n);
}

float dropoutUniform(uint64_t seed, uint64_t stream, uint64_t i) {
  uint64_t key = seed ^ (stream * 0xD1B54A32D192ED03ULL);
  return float(splitmix64(key + i) >> 40) * (1.0f / 16777216.0f);
}

void dropoutMask(float* mask, int64_t count, uint64_t seed, uint64_t stream, float p) {
  const float keep = p >= 1.f ? 0.f : 1.f / (1.f - p);
#pragma omp parallel for if (count > kParallel)
  for (int64_t i = 0; i < count; ++i) mask[i] = dropoutUniform(seed, stream, uint64_t(i)) >= p ? keep : 0.f;
}

void multiply(const float* a, const float* b, float* y, int64_t n) {
#pragma omp parallel for simd if (n > kParallel)
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}

void accumulate(float* dst, const float* src, int64_t n) {
#pragma omp parallel for simd if (n > kParallel)
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

void copy(float* dst, const float* src, int64_t n) {
  if (dst != src) std::memcpy(dst, src, size_t(n) * sizeof(float));
}

void zero(float* dst, int64_t n) { std::memset(dst, 0, size_t(n) * sizeof(float)); }

namespace {
inline int64_t winLo(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
inline int64_t winHi(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }
}  // namespace

void adaptiveAvgPool(const float* x, float* y, int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow) {
#pragma omp parallel for if (nc * h * w > kParallel)
  for (int64_t p = 0; p < nc; ++p) {
    const float* xp = x + p * h * w;
    float* yp = y + p * oh * ow;
    for (int64_t i = 0; i < oh; ++i) {
      int64_t r0 = winLo(i, h, oh), r1 = winHi(i, h, oh);
      for (int64_t j = 0; j < ow; ++j) {
        int64_t c0 = winLo(j, w, ow), c1 = winHi(j, w, ow);
        float s = 0.f;
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t c = c0; c < c1; ++c) s += xp[r * w + c];
        yp[i * ow + j] = s / float((r1 - r0) * (c1 - c0));
      }
    }
  }
}

void adaptiveAvgPoolGrad(const float* dy, float* dx, int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow) {
#pragma omp parallel for if (nc * h * w > kParallel)
  for (int64_t p = 0; p < nc; ++p) {
    float* dxp = dx + p * h * w;
    const float* dyp = dy + p * oh * ow;
    std::memset(dxp, 0, sizeof(float) * size_t(h * w));
    for (int64_t i = 0; i < oh; ++i) {
      int64_t r0 = winLo(i, h, oh), r1 = winHi(i, h, oh);
      for (int64_t j = 0; j < ow; ++j) {
        int64_t c0 = winLo(j, w, ow), c1 = winHi(j, w, ow);
        float g = dyp[i * ow + j] / float((r1 - r0) * (c1 - c0));
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t c = c0; c < c1; ++c) dxp[r * w + c] += g;
      }
    }
  }
}

void batchStats(const float* x, float* mean, float* var, int64_t n, int64_t c, int64_t spatial, int64_t block) {
  const int64_t blocks = (c + block - 1) / block;
  const double count = double(n) * double(spatial);
  // One block of channels at a time, all its lanes together, so every cache line is read once per pass.
#pragma omp parallel for if (n * c * spatial > kParallel)
  for (int64_t b = 0; b < blocks; ++b) {
    double sum[16] = {0}, sq[16] = {0}, m[16];
    for (int64_t i = 0; i < n; ++i) {
      const float* p = x + (i * blocks + b) * spatial * block;
      for (int64_t s = 0; s < spatial * block; s += block)
        for (int64_t l = 0; l < block; ++l) sum[l] += double(p[s + l]);
    }
    for (int64_t l = 0; l < block; ++l) m[l] = sum[l] / count;
    for (int64_t i = 0; i < n; ++i) {
      const float* p = x + (i * blocks + b) * spatial * block;
      for (int64_t s = 0; s < spatial * block; s += block)
        for (int64_t l = 0; l < block; ++l) {
          const double d = double(p[s + l]) - m[l];
          sq[l] += d * d;
        }
    }
    for (int64_t l = 0; l < block && b * block + l < c; ++l) {
      mean[b * block + l] = float(m[l]);
      var[b * block + l] = float(sq[l] / count);
    }
  }
}

void updateRunningStats(float* runMean, float* runVar, const float* mean, const float* var, int64_t c, float momentum, int64_t count) {
  const float unbias = count > 1 ? float(double(count) / double(count - 1)) : 1.f;
  for (int64_t j = 0; j < c; ++j) {
    runMean[j] = runMean[j] * (1.f - momentum) + mean[j] * momentum;
    runVar[j] = runVar[j] * (1.f - momentum) + (var[j] * unbias) * momentum;
  }
}

void sgdUpdate(float* param, const float* grad, float* buf, int64_t n, float lr, float momentum, float dampening, bool nesterov,
               float weightDecay, bool firstStep) {
  if (momentum == 0.f) {
#pragma omp parallel for simd if (n > kParallel)
    for (int64_t i = 0; i < n; ++i) {
      float d = weightDecay != 0.f ? grad[i] + weightDecay * param[i] : grad[i];
      param[i] -= lr * d;
    }
    return;
  }
#pragma omp parallel for simd if (n > kParallel)
  for (int64_t i = 0; i < n; ++i) {
    float d = weightDecay != 0.f ? grad[i] + weightDecay * param[i] : grad[i];
    float b = firstStep ? d : buf[i] * momentum + d * (1.f - dampening);
    buf[i] = b;
    d = nesterov ? d + momentum * b : b;
    param[i] -= lr * d;
  }
}

void adamUpdate(float* param, const float* grad, float* m, float* v, int64_t n, float lr, float beta1, float beta2, float eps,
                float weightDecay, bool decoupled, int64_t step) {
  // Bias corrections in double, as PyTorch computes them in Python.
  const double bc1 = 1.0 - std::pow(double(beta1), double(step));
  const double bc2 = 1.0 - std::pow(double(beta2), double(step));
  const float stepSize = float(double(lr) / bc1);
  const float bc2Sqrt = float(std::sqrt(bc2));
  const float shrink = decoupled ? 1.f - lr * weightDecay : 1.f;
  const float coupled = decoupled ? 0.f : weightDecay;
#pragma omp parallel for simd if (n > kParallel)
  for (int64_t i = 0; i < n; ++i) {
    float p = param[i] * shrink;
    float g = grad[i] + coupled * p;
    float mi = m[i] * beta1 + g * (1.f - beta1);
    float vi = v[i] * beta2 + g * g * (1.f - beta2);
    m[i] = mi;
    v[i] = vi;
    param[i] = p - stepSize * (mi / (std::sqrt(vi) / bc2Sqrt + eps));
  }
}

}  // namespace cs::compiled
