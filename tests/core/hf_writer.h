// Hugging Face model folders written from GGUF files, for tests: llama.cpp's convert_hf_to_gguf.py undone (tensor
// names, Llama's q/k row permutation, Gemma's stored 1 + w norms, GPT-NeoX's per-head fused qkv), config.json in
// transformers' names, the tokenizer files (tokenizer.model or tokenizer.json), and a small safetensors writer (one
// file, or shards with model.safetensors.index.json) in F32, F16 or BF16.
#pragma once

#include <attnscope/gguf.h>
#include <attnscope/result.h>

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hfwriter {

enum class Dtype { F32, F16, BF16 };
const char *dtypeName(Dtype dtype); // "F32", "F16", "BF16", as safetensors spells them

// One tensor as Hugging Face stores it.
struct Tensor {
    std::vector<std::int64_t> shape; // outermost first: (out, in) for a matrix, GGUF's dims reversed
    std::vector<float> values;       // row-major; exactly representable in dtype
    Dtype dtype = Dtype::F32;        // how safetensors stores it
};
using Tensors = std::map<std::string, Tensor>; // Hugging Face name -> tensor

struct Folder {
    QJsonObject config;                  // config.json
    Tensors tensors;                     // the weights, in Hugging Face's names and layouts
    std::map<QString, QByteArray> files; // tokenizer.model or tokenizer.json, tokenizer_config.json
};

enum class Variant {
    CausalLM,              // <Family>ForCausalLM
    ConditionalGeneration, // Gemma 3 only: Gemma3ForConditionalGeneration, text_config + language_model.* names
};

// The Hugging Face folder of a GGUF model (architectures llama, gemma, gemma2, gemma3, qwen3, phi3, gptneox).
attnscope::Result<Folder> fromGguf(const attnscope::gguf::File &file, Variant variant = Variant::CausalLM);

// The bytes of a .safetensors file holding `names` of `tensors` in that order, each in its own dtype.
QByteArray safetensors(const Tensors &tensors, const std::vector<std::string> &names);

struct WriteOptions {
    std::optional<Dtype> dtype; // store every tensor in this dtype (values rounded to nearest even) instead of its own
    int shards = 1;             // > 1: model-0000k-of-0000n.safetensors + model.safetensors.index.json
};
// Writes config.json, the weights and the tokenizer files into `dir`; an error message, or empty.
QString write(const Folder &folder, const QString &dir, const WriteOptions &options = {});

// Round to nearest even, as torch's .to(bfloat16) / .to(float16) do; the result as a float.
float roundToBf16(float value);
float roundToF16(float value);
// Every tensor's values rounded to BF16 and stored as `dtype` (the same values in each dtype that holds them).
Tensors roundedToBf16(const Tensors &tensors, Dtype dtype = Dtype::F32);

} // namespace hfwriter
