// The few pieces of a training step oneDNN has no primitive for, as OpenMP loops: the loss,
// dropout masks, PyTorch's uneven adaptive pooling, running statistics and the optimizers.
#pragma once

#include <cstdint>

namespace cs::compiled {

// Mean softmax cross-entropy of logits [n, k] against integer labels; writes its gradient
// (softmax - onehot) / n into dlogits (may be null). Returns the loss (accumulated in double).
double softmaxCrossEntropy(const float* logits, const int32_t* labels, int64_t n, int64_t k, float* dlogits);

// Dropout's scaled keep-mask over `count` elements in logical (row-major NCHW / NC) order:
// 1/(1-p) where kept, 0 where dropped. Element i keeps when u(i) >= p, u from a counter-based
// hash of (seed, stream, i), so a test can recompute the very mask (dropoutUniform).
void dropoutMask(float* mask, int64_t count, uint64_t seed, uint64_t stream, float p);
float dropoutUniform(uint64_t seed, uint64_t stream, uint64_t i);

void multiply(const float* a, const float* b, float* y, int64_t n);
void accumulate(float* dst, const float* src, int64_t n);
void copy(float* dst, const float* src, int64_t n);
void zero(float* dst, int64_t n);

// AdaptiveAvgPool2d on plain NCHW: output row i averages input rows
// [floor(i*H/oh), ceil((i+1)*H/oh)), likewise columns.
void adaptiveAvgPool(const float* x, float* y, int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow);
void adaptiveAvgPoolGrad(const float* dy, float* dx, int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow);

// Per-channel batch mean and biased variance, accumulated in double over two passes. x is
// [n, c, spatial] with channels in blocks of `block` (1: plain NCHW; 8 or 16: oneDNN's nChw8c /
// nChw16c, channels padded up to a whole block).
void batchStats(const float* x, float* mean, float* var, int64_t n, int64_t c, int64_t spatial, int64_t block);

// PyTorch's running statistics: running = (1 - m) * running + m * batch, with the batch variance
// made unbiased by count / (count - 1) (count = values per channel).
void updateRunningStats(float* runMean, float* runVar, const float* mean, const float* var, int64_t c, float momentum, int64_t count);

// torch.optim.SGD: weight decay added to the gradient; momentum buffer (the gradient itself on
// the first step), dampening, Nesterov.
void sgdUpdate(float* param, const float* grad, float* momentumBuf, int64_t n, float lr, float momentum, float dampening,
               bool nesterov, float weightDecay, bool firstStep);
// torch.optim.Adam / AdamW (decoupled: the weights shrink by lr * weight_decay before the step),
// bias-corrected, `step` counting from 1.
void adamUpdate(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t n, float lr, float beta1, float beta2,
                float eps, float weightDecay, bool decoupled, int64_t step);

}  // namespace cs::compiled
