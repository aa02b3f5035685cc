#include "kernels.h"

// An AVX2 clone where the CPU has it, plain SSE2 otherwise; no FMA, so both round alike.
#if defined(__x86_64__) && defined(__clang__)
#define SEEDFARM_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SEEDFARM_CLONES
#endif

SEEDFARM_CLONES
void seedfarm_adam_update(float *restrict p, const float *restrict g, float *restrict m,
                          float *restrict v, size_t n, float b1, float b2, float step_size,
                          float inverse_root_c2, float eps) {
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        float mi = b1 * m[i] + (1.0f - b1) * gi;
        float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step_size * mi / (__builtin_sqrtf(vi) * inverse_root_c2 + eps);
    }
}
