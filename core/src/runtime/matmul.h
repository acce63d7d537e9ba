// Matrix products with model weights: out (rows, w.rows) = x (rows, w.cols) . W^T, on the thread pool.
// Q8_0 weights multiply Q8_0-quantized activations in int8 (as llama.cpp does); float32 weights are read where they
// lie; other types are dequantized a tile of rows at a time, so a quantized model never needs a float copy.
#pragma once

#include "attnscope/model.h"

#include <cstdint>

namespace attnscope {

void multiply(const float *x, std::int64_t rows, const Tensor &w, float *out);

} // namespace attnscope
