// Element-wise kernels that Swift cannot vectorise: its square root keeps C's errno
// semantics (a scalar libm call per element), which blocks vectorisation of Adam, the
// largest element-wise cost of a training step. Built with -fno-math-errno and without
// FP contraction, so every variant gives the same bits.
#ifndef SEEDFARM_KERNELS_H
#define SEEDFARM_KERNELS_H

#include <stddef.h>

/// One Adam step over n parameters, PyTorch's formulation:
///   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
///   p -= step_size * m / (sqrt(v) * inverse_root_c2 + eps)
/// where step_size = lr / (1 - b1^t) and inverse_root_c2 = 1 / sqrt(1 - b2^t).
void seedfarm_adam_update(float *restrict p, const float *restrict g, float *restrict m,
                          float *restrict v, size_t n, float b1, float b2, float step_size,
                          float inverse_root_c2, float eps);

#endif
