// The inner loops of the forward pass, chosen once per process by what the CPU has (runtime dispatch: the binary is
// built for baseline x86-64 and uses AVX2 + FMA where they exist, and AVX-512 VNNI's int8 dot products where that
// exists too, as llama.cpp's CPU backend does). ATTNSCOPE_KERNELS=scalar or =avx2 caps the choice (tests, benchmarks).
//  - dots: C[i][j] = sum_t A[i][t] * B[j][t] in float32, every entry summed in the same order whatever the blocking,
//    so a row of attention recomputed on demand equals the one the forward pass used.
//  - Q8_0 x Q8_0: activations quantized per block of 32 (ggml's quantize_row_q8_0), products in int8 with int32
//    sums, one float scale per block: the arithmetic of llama.cpp's ggml_vec_dot_q8_0_q8_0.
#pragma once

#include <cstdint>
#include <string>

namespace attnscope::kernels {

// C (na, nb) with row stride ldc; A (na, k) with stride lda; B (nb, k) with stride ldb.
void dots(const float *a, std::int64_t lda, int na, const float *b, std::int64_t ldb, int nb, int k, float *c,
          std::int64_t ldc);

// C[i][j] += sum_t P[i][t] * V[t][j]: P (np, nk) stride ldp, V (nk, width) stride ldv, C (np, width) stride ldc.
void accumulateRows(const float *p, std::int64_t ldp, int np, const float *v, std::int64_t ldv, int nk, int width,
                    float *c, std::int64_t ldc);

// One Q8_0 block: a half-precision scale and 32 signed bytes (34 bytes, ggml's block_q8_0).
constexpr int kQ8Block = 32;
constexpr int kQ8Bytes = 34;
// Quantizes n floats (a multiple of 32) to Q8_0 blocks, as ggml does for activations multiplied by Q8_0 weights. The
// output is for dotsQ8's A only: a kernel set may store the bytes its own way (VNNI: biased by 128).
void quantizeQ8(const float *x, void *out, std::int64_t n);
// C (na, nb) stride ldc = A (na rows of Q8_0, row bytes rowA) . B (nb rows of Q8_0, row bytes rowB), k values a row.
void dotsQ8(const void *a, std::int64_t rowA, int na, const void *b, std::int64_t rowB, int nb, int k, float *c,
            std::int64_t ldc);

// "AVX2 + FMA + F16C, AVX-512 VNNI for int8", "AVX2 + FMA + F16C" or "baseline (scalar)": what the dispatcher chose,
// for `info` and the benchmarks.
std::string cpuFeatures();

} // namespace attnscope::kernels
