// Scalar kernels for any x86-64 (and other) CPU, AVX2 + FMA ones where __builtin_cpu_supports says so. The AVX2
// functions carry target attributes instead of a file-wide -mavx2, so nothing else in the binary (Eigen, the
// standard library) is compiled for a CPU it may not run on.
#include "runtime/kernels.h"

#include "attnscope/quant.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define ATTNSCOPE_X86 1
#endif

namespace attnscope::kernels {

namespace {

float halfAt(const unsigned char *p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return halfToFloat(h);
}

// ---- scalar ----------------------------------------------------------------------------------------------------

void dotsScalar(const float *a, std::int64_t lda, int na, const float *b, std::int64_t ldb, int nb, int k, float *c,
                std::int64_t ldc) {
    for (int i = 0; i < na; ++i)
        for (int j = 0; j < nb; ++j) {
            const float *x = a + i * lda, *y = b + j * ldb;
            float s = 0;
            for (int t = 0; t < k; ++t)
                s += x[t] * y[t];
            c[i * ldc + j] = s;
        }
}

void accumulateScalar(const float *p, std::int64_t ldp, int np, const float *v, std::int64_t ldv, int nk, int width,
                      float *c, std::int64_t ldc) {
    for (int i = 0; i < np; ++i) {
        float *out = c + i * ldc;
        for (int t = 0; t < nk; ++t) {
            const float w = p[i * ldp + t];
            if (w == 0.0f)
                continue;
            const float *row = v + t * ldv;
            for (int j = 0; j < width; ++j)
                out[j] += w * row[j];
        }
    }
}

void dotsQ8Scalar(const void *a, std::int64_t rowA, int na, const void *b, std::int64_t rowB, int nb, int k, float *c,
                  std::int64_t ldc) {
    const int blocks = k / kQ8Block;
    for (int i = 0; i < na; ++i)
        for (int j = 0; j < nb; ++j) {
            const unsigned char *x = static_cast<const unsigned char *>(a) + i * rowA;
            const unsigned char *y = static_cast<const unsigned char *>(b) + j * rowB;
            float s = 0;
            for (int q = 0; q < blocks; ++q, x += kQ8Bytes, y += kQ8Bytes) {
                int sum = 0;
                for (int t = 0; t < kQ8Block; ++t)
                    sum += int(static_cast<signed char>(x[2 + t])) * int(static_cast<signed char>(y[2 + t]));
                s += halfAt(x) * halfAt(y) * static_cast<float>(sum);
            }
            c[i * ldc + j] = s;
        }
}

// ---- AVX2 + FMA ------------------------------------------------------------------------------------------------
#if ATTNSCOPE_X86
#define AVX2 __attribute__((target("avx2,fma,f16c")))

// The sums of four 8-lane vectors at once: lane k of the result is the sum of v[k]'s lanes. Each output lane's
// additions use only its own vector, so a sum is the same whichever vectors share the call (missing ones are zero).
AVX2 inline __m128 hsum4(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    const __m256 a = _mm256_hadd_ps(v0, v1), b = _mm256_hadd_ps(v2, v3);
    const __m256 c = _mm256_hadd_ps(a, b); // (v0, v1, v2, v3) partial sums of the low and high halves
    return _mm_add_ps(_mm256_castps256_ps128(c), _mm256_extractf128_ps(c, 1));
}

// One MA x MB tile of dot products. Every entry: an 8-lane FMA chain over t, hsum4, then the scalar tail: the same
// order in every tile shape, so an entry does not depend on which tile computed it.
template <int MA, int MB>
AVX2 void dotTile(const float *a, std::int64_t lda, const float *b, std::int64_t ldb, int k, float *c, std::int64_t ldc) {
    __m256 acc[MA][MB];
    for (int i = 0; i < MA; ++i)
        for (int j = 0; j < MB; ++j)
            acc[i][j] = _mm256_setzero_ps();
    const int k8 = k & ~7;
    for (int t = 0; t < k8; t += 8) {
        __m256 bv[MB];
        for (int j = 0; j < MB; ++j)
            bv[j] = _mm256_loadu_ps(b + j * ldb + t);
        for (int i = 0; i < MA; ++i) {
            const __m256 av = _mm256_loadu_ps(a + i * lda + t);
            for (int j = 0; j < MB; ++j)
                acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    for (int i = 0; i < MA; ++i) {
        const __m256 zero = _mm256_setzero_ps();
        alignas(16) float sums[4];
        _mm_store_ps(sums, hsum4(acc[i][0], MB > 1 ? acc[i][MB > 1 ? 1 : 0] : zero, MB > 2 ? acc[i][MB > 2 ? 2 : 0] : zero,
                                 MB > 3 ? acc[i][MB > 3 ? 3 : 0] : zero));
        for (int j = 0; j < MB; ++j) {
            float s = sums[j];
            for (int t = k8; t < k; ++t)
                s += a[i * lda + t] * b[j * ldb + t];
            c[i * ldc + j] = s;
        }
    }
}

// C (na, nb) in tiles of up to 3 x 4 entries, B's rows `tileB` at a time kept hot while A's rows pass: `tile` is
// called as tile.template run<MA, MB>(i, j) for the entries [i, i + MA) x [j, j + MB).
template <int MA, class Tile> AVX2 void tileRow(const Tile &tile, int i, int j0, int nb) {
    int j = j0;
    for (; j + 4 <= j0 + nb; j += 4)
        tile.template run<MA, 4>(i, j);
    switch (j0 + nb - j) {
    case 3: tile.template run<MA, 3>(i, j); break;
    case 2: tile.template run<MA, 2>(i, j); break;
    case 1: tile.template run<MA, 1>(i, j); break;
    default: break;
    }
}

// Strips of MaxA rows of A (3, or 4 where the kernel has 32 vector registers).
template <class Tile, int MaxA = 3> AVX2 void tiled(const Tile &tile, int na, int nb, int tileB) {
    for (int j0 = 0; j0 < nb; j0 += tileB) {
        const int mb = std::min(tileB, nb - j0);
        int i = 0;
        for (; i + MaxA <= na; i += MaxA)
            tileRow<MaxA>(tile, i, j0, mb);
        switch (na - i) {
        case 3: tileRow<3>(tile, i, j0, mb); break;
        case 2: tileRow<2>(tile, i, j0, mb); break;
        case 1: tileRow<1>(tile, i, j0, mb); break;
        default: break;
        }
    }
}

struct FloatTiles {
    const float *a, *b;
    std::int64_t lda, ldb;
    int k;
    float *c;
    std::int64_t ldc;
    template <int MA, int MB> AVX2 void run(int i, int j) const {
        dotTile<MA, MB>(a + i * lda, lda, b + j * ldb, ldb, k, c + i * ldc + j, ldc);
    }
};

AVX2 void dotsAvx2(const float *a, std::int64_t lda, int na, const float *b, std::int64_t ldb, int nb, int k, float *c,
                   std::int64_t ldc) {
    tiled(FloatTiles{a, b, lda, ldb, k, c, ldc}, na, nb, 64);
}

template <int MP>
AVX2 void accumulateTile(const float *p, std::int64_t ldp, const float *v, std::int64_t ldv, int nk, int width, float *c,
                         std::int64_t ldc) {
    int j = 0;
    for (; j + 32 <= width; j += 32) {
        __m256 acc[MP][4];
        for (int i = 0; i < MP; ++i)
            for (int q = 0; q < 4; ++q)
                acc[i][q] = _mm256_loadu_ps(c + i * ldc + j + 8 * q);
        for (int t = 0; t < nk; ++t) {
            const float *row = v + t * ldv + j;
            const __m256 v0 = _mm256_loadu_ps(row), v1 = _mm256_loadu_ps(row + 8), v2 = _mm256_loadu_ps(row + 16),
                         v3 = _mm256_loadu_ps(row + 24);
            for (int i = 0; i < MP; ++i) {
                const __m256 w = _mm256_broadcast_ss(p + i * ldp + t);
                acc[i][0] = _mm256_fmadd_ps(w, v0, acc[i][0]);
                acc[i][1] = _mm256_fmadd_ps(w, v1, acc[i][1]);
                acc[i][2] = _mm256_fmadd_ps(w, v2, acc[i][2]);
                acc[i][3] = _mm256_fmadd_ps(w, v3, acc[i][3]);
            }
        }
        for (int i = 0; i < MP; ++i)
            for (int q = 0; q < 4; ++q)
                _mm256_storeu_ps(c + i * ldc + j + 8 * q, acc[i][q]);
    }
    for (; j + 8 <= width; j += 8) {
        __m256 acc[MP];
        for (int i = 0; i < MP; ++i)
            acc[i] = _mm256_loadu_ps(c + i * ldc + j);
        for (int t = 0; t < nk; ++t) {
            const __m256 row = _mm256_loadu_ps(v + t * ldv + j);
            for (int i = 0; i < MP; ++i)
                acc[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(p + i * ldp + t), row, acc[i]);
        }
        for (int i = 0; i < MP; ++i)
            _mm256_storeu_ps(c + i * ldc + j, acc[i]);
    }
    for (; j < width; ++j)
        for (int i = 0; i < MP; ++i) {
            float s = c[i * ldc + j];
            for (int t = 0; t < nk; ++t)
                s += p[i * ldp + t] * v[t * ldv + j];
            c[i * ldc + j] = s;
        }
}

AVX2 void accumulateAvx2(const float *p, std::int64_t ldp, int np, const float *v, std::int64_t ldv, int nk, int width,
                         float *c, std::int64_t ldc) {
    int i = 0;
    for (; i + 3 <= np; i += 3)
        accumulateTile<3>(p + i * ldp, ldp, v, ldv, nk, width, c + i * ldc, ldc);
    for (; i < np; ++i)
        accumulateTile<1>(p + i * ldp, ldp, v, ldv, nk, width, c + i * ldc, ldc);
}

// Q8_0 . Q8_0 for AVX2 and for AVX-512 VNNI on 256-bit vectors (vpdpbusd, EVEX-encoded: AVX512VL), as ggml does.
// Weight rows a strip of activation rows meets at a time: 8 rows of a 2,048-wide matrix (17 KB) stay in L1 while
// the strip passes (BM_MatmulQ8_0: 25-40% faster than 32).
constexpr int kQ8TileB = 8;
#define Q8_NS q8avx2
#define Q8_TARGET AVX2
#define Q8_VNNI 0
#include "runtime/kernels_q8.inc"
#undef Q8_NS
#undef Q8_TARGET
#undef Q8_VNNI
#define VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni")))
#define Q8_NS q8vnni
#define Q8_TARGET VNNI
#define Q8_VNNI 1
#include "runtime/kernels_q8.inc"
#undef Q8_NS
#undef Q8_TARGET
#undef Q8_VNNI

// ggml's AVX2 quantize_row_q8_0: the block's largest magnitude over 127 as the scale, values rounded to nearest.
AVX2 void quantizeQ8Avx2(const float *x, void *out, std::int64_t n) {
    auto *dst = static_cast<unsigned char *>(out);
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    for (std::int64_t b = 0; b < n / kQ8Block; ++b, x += kQ8Block, dst += kQ8Bytes) {
        __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8), v2 = _mm256_loadu_ps(x + 16),
               v3 = _mm256_loadu_ps(x + 24);
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(signBit, v0), _mm256_andnot_ps(signBit, v1)),
                                 _mm256_max_ps(_mm256_andnot_ps(signBit, v2), _mm256_andnot_ps(signBit, v3)));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        const float amax = _mm_cvtss_f32(h);
        const float d = amax / 127.0f;
        const std::uint16_t half = floatToHalf(d);
        std::memcpy(dst, &half, 2);
        const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
        const __m256i i0 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v0, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        const __m256i i1 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v1, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        const __m256i i2 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v2, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        const __m256i i3 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v3, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        // Pack to bytes: the packs interleave 128-bit lanes, the permute puts them back in order.
        const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        const __m256i ordered = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst + 2), ordered);
    }
}
// The VNNI kernel's activations: Q8_0 with every byte biased by 128 (unsigned), what vpdpbusd multiplies.
VNNI void quantizeQ8Vnni(const float *x, void *out, std::int64_t n) {
    quantizeQ8Avx2(x, out, n);
    auto *dst = static_cast<unsigned char *>(out);
    const __m256i bias = _mm256_set1_epi8(char(0x80));
    for (std::int64_t b = 0; b < n / kQ8Block; ++b) {
        unsigned char *q = dst + b * kQ8Bytes + 2;
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(q),
                            _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(q)), bias));
    }
}
#endif

void quantizeQ8Scalar(const float *x, void *out, std::int64_t n) {
    quantizeRowQ8_0(x, out, n); // ggml's reference rounding, the same as for weights
}

#if ATTNSCOPE_X86
// AVX-512 VNNI on 256-bit vectors: CPUID leaf 7 (EBX bit 31 AVX512VL, bit 16 AVX512F, bit 30 AVX512BW; ECX bit 11
// AVX512_VNNI) and the operating system saving the AVX-512 state (XCR0 bits 5-7 with 1-2), which EVEX encoding needs.
bool avx512Vnni() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) // OSXSAVE
        return false;
    unsigned xcr0lo = 0, xcr0hi = 0;
    __asm__("xgetbv" : "=a"(xcr0lo), "=d"(xcr0hi) : "c"(0));
    if ((xcr0lo & 0xE6u) != 0xE6u)
        return false;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
        return false;
    return (ebx & (1u << 16)) && (ebx & (1u << 30)) && (ebx & (1u << 31)) && (ecx & (1u << 11));
}
#endif

struct Dispatch {
    decltype(&dotsScalar) dots = dotsScalar;
    decltype(&accumulateScalar) accumulate = accumulateScalar;
    decltype(&dotsQ8Scalar) dotsQ8 = dotsQ8Scalar;
    decltype(&quantizeQ8Scalar) quantize = quantizeQ8Scalar;
    const char *name = "baseline (scalar)";
    Dispatch() {
#if ATTNSCOPE_X86
        __builtin_cpu_init();
        if (std::getenv("ATTNSCOPE_KERNELS") && std::strcmp(std::getenv("ATTNSCOPE_KERNELS"), "scalar") == 0)
            return;
        unsigned eax = 0, ebx = 0, ecx = 0, edx = 0; // F16C: CPUID leaf 1, ECX bit 29 (Clang's builtin lacks the name)
        const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0;
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c) {
            dots = dotsAvx2;
            accumulate = accumulateAvx2;
            dotsQ8 = q8avx2::dotsQ8;
            quantize = quantizeQ8Avx2;
            name = "AVX2 + FMA + F16C";
            if (avx512Vnni() && !(std::getenv("ATTNSCOPE_KERNELS") && std::strcmp(std::getenv("ATTNSCOPE_KERNELS"), "avx2") == 0)) {
                dotsQ8 = q8vnni::dotsQ8;
                quantize = quantizeQ8Vnni;
                name = "AVX2 + FMA + F16C, AVX-512 VNNI for int8";
            }
        }
#endif
    }
};

const Dispatch &dispatch() {
    static const Dispatch d;
    return d;
}

} // namespace

void dots(const float *a, std::int64_t lda, int na, const float *b, std::int64_t ldb, int nb, int k, float *c,
          std::int64_t ldc) {
    dispatch().dots(a, lda, na, b, ldb, nb, k, c, ldc);
}

void accumulateRows(const float *p, std::int64_t ldp, int np, const float *v, std::int64_t ldv, int nk, int width,
                    float *c, std::int64_t ldc) {
    dispatch().accumulate(p, ldp, np, v, ldv, nk, width, c, ldc);
}

void dotsQ8(const void *a, std::int64_t rowA, int na, const void *b, std::int64_t rowB, int nb, int k, float *c,
            std::int64_t ldc) {
    dispatch().dotsQ8(a, rowA, na, b, rowB, nb, k, c, ldc);
}

void quantizeQ8(const float *x, void *out, std::int64_t n) {
    dispatch().quantize(x, out, n);
}

std::string cpuFeatures() {
    return dispatch().name;
}

} // namespace attnscope::kernels
