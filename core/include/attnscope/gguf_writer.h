// Writing GGUF v3 files: a loaded Llama-family model and its sentencepiece vocabulary, with the weight matrices
// stored as F32, F16, Q8_0 or Q4_0 (ggml's reference rounding). Matrices whose rows are not a whole number of
// blocks stay F32, as llama.cpp does. Used by `attnscope-cli convert` and to make quantized test models.
#pragma once

#include "attnscope/model.h"
#include "attnscope/quant.h"
#include "attnscope/result.h"
#include "attnscope/tokenizer.h"

#include <string>

namespace attnscope {

struct GgufWriteParams {
    GgmlType matrixType = GgmlType::F32; // F32, F16, Q8_0 or Q4_0
    std::string name;                    // general.name
};

// Writes `model` + `tokenizer` to `path` (through `path`.part renamed into place, so a failure leaves no file).
Status writeGguf(const Model &model, const Tokenizer &tokenizer, const std::string &path, const GgufWriteParams &params);

} // namespace attnscope
