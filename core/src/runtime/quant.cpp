// Dequantization per ggml's block layouts (ggml-common.h / ggml-quants.c), written from the layouts, scalar.
#include "attnscope/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace attnscope {

namespace {

constexpr TypeInfo kTypes[] = {
    {GgmlType::F32, "F32", 1, 4},     {GgmlType::F16, "F16", 1, 2},     {GgmlType::BF16, "BF16", 1, 2},
    {GgmlType::Q4_0, "Q4_0", 32, 18}, {GgmlType::Q4_1, "Q4_1", 32, 20}, {GgmlType::Q5_0, "Q5_0", 32, 22},
    {GgmlType::Q5_1, "Q5_1", 32, 24}, {GgmlType::Q8_0, "Q8_0", 32, 34}, {GgmlType::Q4_K, "Q4_K", 256, 144},
    {GgmlType::Q5_K, "Q5_K", 256, 176}, {GgmlType::Q6_K, "Q6_K", 256, 210},
};

std::uint16_t load16(const unsigned char *p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

float loadHalf(const unsigned char *p) {
    return halfToFloat(load16(p));
}

void storeHalf(unsigned char *p, float f) {
    const std::uint16_t h = floatToHalf(f);
    p[0] = static_cast<unsigned char>(h & 0xff);
    p[1] = static_cast<unsigned char>(h >> 8);
}

// The 6-bit scale and min of sub-block j of a Q4_K / Q5_K super-block.
void scaleMinK4(int j, const unsigned char *q, int &scale, int &min) {
    if (j < 4) {
        scale = q[j] & 63;
        min = q[j + 4] & 63;
    } else {
        scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

} // namespace

std::optional<TypeInfo> typeInfo(std::uint32_t id) {
    for (const TypeInfo &t : kTypes)
        if (static_cast<std::uint32_t>(t.type) == id)
            return t;
    return std::nullopt;
}

std::string ggmlTypeName(std::uint32_t id) {
    if (const auto t = typeInfo(id))
        return t->name;
    static const char *known[] = {nullptr, nullptr, nullptr, nullptr, "Q4_2", "Q4_3", nullptr, nullptr, nullptr,
                                  "Q8_1", "Q2_K", "Q3_K", nullptr, nullptr, nullptr, "Q8_K", "IQ2_XXS", "IQ2_XS",
                                  "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32",
                                  "I64", "F64", "IQ1_M"};
    if (id < sizeof known / sizeof known[0] && known[id])
        return std::string(known[id]) + " (not supported)";
    return "type " + std::to_string(id) + " (unknown)";
}

std::optional<std::uint64_t> rowBytes(const TypeInfo &type, std::int64_t elements) {
    if (elements < 0 || elements % type.blockSize != 0)
        return std::nullopt;
    const std::uint64_t blocks = static_cast<std::uint64_t>(elements / type.blockSize);
    if (blocks > (std::uint64_t(1) << 56) / static_cast<std::uint64_t>(type.blockBytes))
        return std::nullopt;
    return blocks * static_cast<std::uint64_t>(type.blockBytes);
}

float halfToFloat(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1f;
    std::uint32_t mantissa = h & 0x3ff;
    std::uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13); // inf / nan
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else { // subnormal: normalise
        int e = -1;
        do {
            ++e;
            mantissa <<= 1;
        } while ((mantissa & 0x400) == 0);
        bits = sign | (static_cast<std::uint32_t>(112 - e) << 23) | ((mantissa & 0x3ff) << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

std::uint16_t floatToHalf(float f) {
    std::uint32_t x;
    std::memcpy(&x, &f, sizeof x);
    const std::uint32_t sign = (x >> 16) & 0x8000;
    const std::uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) // inf or nan
        return static_cast<std::uint16_t>(sign | 0x7c00 | (absx > 0x7f800000u ? 0x200 : 0));
    if (absx >= 0x477ff000u) // rounds to >= 65520: overflow to inf
        return static_cast<std::uint16_t>(sign | 0x7c00);
    if (absx < 0x38800000u) { // below the smallest normal half: subnormal or zero
        if (absx < 0x33000000u)
            return static_cast<std::uint16_t>(sign);
        const std::uint32_t mantissa = (absx & 0x7fffff) | 0x800000;
        const int shift = 126 - static_cast<int>(absx >> 23); // 14..24
        std::uint32_t half = mantissa >> shift;
        const std::uint32_t rest = mantissa & ((1u << shift) - 1), halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1)))
            ++half;
        return static_cast<std::uint16_t>(sign | half);
    }
    std::uint32_t half = ((absx >> 23) - 112) << 10 | ((absx >> 13) & 0x3ff);
    const std::uint32_t rest = absx & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
        ++half; // may carry into the exponent, which is the correct rounding
    return static_cast<std::uint16_t>(sign | half);
}

float bf16ToFloat(std::uint16_t h) {
    const std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

void dequantizeRow(GgmlType type, const void *source, float *y, std::int64_t n) {
    const auto *src = static_cast<const unsigned char *>(source);
    switch (type) {
    case GgmlType::F32:
        std::memcpy(y, src, static_cast<std::size_t>(n) * 4);
        return;
    case GgmlType::F16:
        for (std::int64_t i = 0; i < n; ++i)
            y[i] = loadHalf(src + 2 * i);
        return;
    case GgmlType::BF16:
        for (std::int64_t i = 0; i < n; ++i)
            y[i] = bf16ToFloat(load16(src + 2 * i));
        return;
    case GgmlType::Q8_0: // d (f16), qs[32] (int8): x = d * q
        for (std::int64_t b = 0; b < n / 32; ++b, src += 34, y += 32) {
            const float d = loadHalf(src);
            for (int j = 0; j < 32; ++j)
                y[j] = d * static_cast<float>(static_cast<std::int8_t>(src[2 + j]));
        }
        return;
    case GgmlType::Q4_0: // d, qs[16]: low nibbles are elements 0..15, high nibbles 16..31; x = d * (q - 8)
        for (std::int64_t b = 0; b < n / 32; ++b, src += 18, y += 32) {
            const float d = loadHalf(src);
            for (int j = 0; j < 16; ++j) {
                y[j] = d * static_cast<float>((src[2 + j] & 0xF) - 8);
                y[j + 16] = d * static_cast<float>((src[2 + j] >> 4) - 8);
            }
        }
        return;
    case GgmlType::Q4_1: // d, m, qs[16]: x = d * q + m
        for (std::int64_t b = 0; b < n / 32; ++b, src += 20, y += 32) {
            const float d = loadHalf(src), m = loadHalf(src + 2);
            for (int j = 0; j < 16; ++j) {
                y[j] = d * static_cast<float>(src[4 + j] & 0xF) + m;
                y[j + 16] = d * static_cast<float>(src[4 + j] >> 4) + m;
            }
        }
        return;
    case GgmlType::Q5_0: // d, qh (32 fifth bits), qs[16]: x = d * (q - 16)
    case GgmlType::Q5_1: { // d, m, qh, qs[16]: x = d * q + m
        const bool withMin = type == GgmlType::Q5_1;
        const int stride = withMin ? 24 : 22, header = withMin ? 4 : 2;
        for (std::int64_t b = 0; b < n / 32; ++b, src += stride, y += 32) {
            const float d = loadHalf(src), m = withMin ? loadHalf(src + 2) : 0.0f;
            std::uint32_t qh;
            std::memcpy(&qh, src + header, 4); // little-endian bit j = fifth bit of element j
            const unsigned char *qs = src + header + 4;
            for (int j = 0; j < 16; ++j) {
                const int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
                const int q0 = (qs[j] & 0xF) | h0, q1 = (qs[j] >> 4) | h1;
                y[j] = withMin ? d * static_cast<float>(q0) + m : d * static_cast<float>(q0 - 16);
                y[j + 16] = withMin ? d * static_cast<float>(q1) + m : d * static_cast<float>(q1 - 16);
            }
        }
        return;
    }
    case GgmlType::Q4_K: // d, dmin, scales[12] (6-bit scale and min of 8 sub-blocks), qs[128]
    case GgmlType::Q5_K: { // the same plus qh[32] (fifth bits) before qs
        const bool five = type == GgmlType::Q5_K;
        for (std::int64_t b = 0; b < n / 256; ++b, src += five ? 176 : 144) {
            const float d = loadHalf(src), dmin = loadHalf(src + 2);
            const unsigned char *scales = src + 4;
            const unsigned char *qh = src + 16;
            const unsigned char *q = src + (five ? 48 : 16);
            int is = 0;
            unsigned u1 = 1, u2 = 2;
            for (int j = 0; j < 256; j += 64, q += 32, is += 2, u1 <<= 2, u2 <<= 2) {
                int sc, m;
                scaleMinK4(is, scales, sc, m);
                const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(m);
                scaleMinK4(is + 1, scales, sc, m);
                const float d2 = d * static_cast<float>(sc), m2 = dmin * static_cast<float>(m);
                for (int l = 0; l < 32; ++l) {
                    const int lo = (q[l] & 0xF) + (five && (qh[l] & u1) ? 16 : 0);
                    const int hi = (q[l] >> 4) + (five && (qh[l] & u2) ? 16 : 0);
                    y[l] = d1 * static_cast<float>(lo) - m1;
                    y[l + 32] = d2 * static_cast<float>(hi) - m2;
                }
                y += 64;
            }
        }
        return;
    }
    case GgmlType::Q6_K: // ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] (int8), d
        for (std::int64_t b = 0; b < n / 256; ++b, src += 210) {
            const unsigned char *ql = src, *qh = src + 128;
            const auto *sc = reinterpret_cast<const std::int8_t *>(src + 192);
            const float d = loadHalf(src + 208);
            for (int half = 0; half < 2; ++half, ql += 64, qh += 32, sc += 8, y += 128) {
                for (int l = 0; l < 32; ++l) {
                    const int is = l / 16;
                    const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                    const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
                    y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
                    y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
                    y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
                }
            }
        }
        return;
    }
}

void quantizeRowQ8_0(const float *x, void *dst, std::int64_t n) {
    auto *out = static_cast<unsigned char *>(dst);
    for (std::int64_t b = 0; b < n / 32; ++b, x += 32, out += 34) {
        float amax = 0;
        for (int j = 0; j < 32; ++j)
            amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        storeHalf(out, d);
        for (int j = 0; j < 32; ++j)
            out[2 + j] = static_cast<unsigned char>(static_cast<std::int8_t>(std::lround(x[j] * id)));
    }
}

void quantizeRowQ4_0(const float *x, void *dst, std::int64_t n) {
    auto *out = static_cast<unsigned char *>(dst);
    for (std::int64_t b = 0; b < n / 32; ++b, x += 32, out += 18) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; ++j)
            if (std::fabs(x[j]) > amax) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        const float d = max / -8.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        storeHalf(out, d);
        for (int j = 0; j < 16; ++j) {
            const int q0 = std::min(15, static_cast<int>(static_cast<std::int8_t>(x[j] * id + 8.5f)));
            const int q1 = std::min(15, static_cast<int>(static_cast<std::int8_t>(x[j + 16] * id + 8.5f)));
            out[2 + j] = static_cast<unsigned char>(q0 | (q1 << 4));
        }
    }
}

} // namespace attnscope
