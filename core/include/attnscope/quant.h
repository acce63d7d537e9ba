// ggml tensor types: block sizes and byte sizes, and dequantization of one row to float32, per the ggml block
// layouts (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K). Quantization to Q8_0 and Q4_0 (the
// reference rounding of ggml) for writing test models.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace attnscope {

enum class GgmlType : std::uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q4_K = 12, Q5_K = 13, Q6_K = 14, BF16 = 30,
};

struct TypeInfo {
    GgmlType type;
    const char *name;      // "Q8_0"
    int blockSize;         // elements per block
    int blockBytes;        // bytes per block
};

// The supported type with this ggml id, or nullopt (with the name when known, for messages).
std::optional<TypeInfo> typeInfo(std::uint32_t id);
std::string ggmlTypeName(std::uint32_t id); // "Q8_0", "Q2_K (unsupported)", "type 99"
// Bytes of `elements` values (a multiple of the block size), or nullopt on overflow / a partial block.
std::optional<std::uint64_t> rowBytes(const TypeInfo &type, std::int64_t elements);

float halfToFloat(std::uint16_t h);
std::uint16_t floatToHalf(float f); // round to nearest even, as ggml's GGML_FP32_TO_FP16
float bf16ToFloat(std::uint16_t h);

// Dequantizes `n` values (a multiple of the block size) starting at `src`.
void dequantizeRow(GgmlType type, const void *src, float *dst, std::int64_t n);

// ggml's reference quantizers (quantize_row_q8_0_ref / quantize_row_q4_0_ref); n a multiple of 32.
void quantizeRowQ8_0(const float *src, void *dst, std::int64_t n);
void quantizeRowQ4_0(const float *src, void *dst, std::int64_t n);

} // namespace attnscope
