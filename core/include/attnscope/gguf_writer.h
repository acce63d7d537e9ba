// Writing GGUF v3 files: a loaded Llama-family model and its sentencepiece vocabulary, with the weight matrices
// stored as F32, F16, Q8_0 or Q4_0 (ggml's reference rounding). Matrices whose rows are not a whole number of
// blocks stay F32, as llama.cpp does. Used by `attnscope-cli convert` and to make quantized test models.
#pragma once

#include "attnscope/model.h"
#include "attnscope/quant.h"
#include "attnscope/result.h"
#include "attnscope/tokenizer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attnscope {

// A GGUF v3 file assembled in memory: metadata in insertion order, tensors (any supported type, bytes already
// encoded) aligned to 32 bytes. write() goes through `path`.part renamed into place.
namespace gguf {
struct Value;
}

class GgufBuilder {
public:
    GgufBuilder();
    ~GgufBuilder();
    void setString(const std::string &key, const std::string &value);
    void setU32(const std::string &key, std::uint32_t value);
    void setF32(const std::string &key, float value);
    void setBool(const std::string &key, bool value);
    void setStringArray(const std::string &key, const std::vector<std::string> &values);
    // Any value as read from a GGUF file (a copy of another file's metadata).
    void setValue(const std::string &key, const gguf::Value &value);
    void setF32Array(const std::string &key, const std::vector<float> &values);
    void setI32Array(const std::string &key, const std::vector<std::int32_t> &values);
    // dims in ggml order: the row length first.
    void addTensor(const std::string &name, const std::vector<std::int64_t> &dims, GgmlType type, std::string bytes);
    void addF32(const std::string &name, const std::vector<std::int64_t> &dims, const float *data);
    Status write(const std::string &path) const;

private:
    struct Data;
    std::unique_ptr<Data> m_data;
};

struct GgufWriteParams {
    GgmlType matrixType = GgmlType::F32; // F32, F16, Q8_0 or Q4_0
    std::string name;                    // general.name
};

// Writes `model` + `tokenizer` to `path` (through `path`.part renamed into place, so a failure leaves no file).
Status writeGguf(const Model &model, const Tokenizer &tokenizer, const std::string &path, const GgufWriteParams &params);

} // namespace attnscope
