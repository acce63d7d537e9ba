// A random Llama written as GGUF with the vocabulary of another GGUF file, its matrices quantized (Q8_0 or Q4_0)
// so a large model stays a small file: for tests of what the window does while a computation runs (progress,
// Cancel) and for the memory benchmark (bench_load). Weights are uniform in [-0.05, 0.05) from a cheap generator,
// tens of millions of them, also under ASan.
#pragma once

#include <attnscope/gguf.h>
#include <attnscope/gguf_writer.h>
#include <attnscope/quant.h>

#include <cstdint>
#include <string>
#include <vector>

namespace testsupport {

struct RandomLlama {
    int layers = 8;
    int dim = 512;
    int heads = 8;
    int hidden = 1024; // feed-forward width
    int context = 2048;
    attnscope::GgmlType type = attnscope::GgmlType::Q8_0; // Q8_0 or Q4_0
};

inline bool writeRandomLlama(const std::string &vocabGguf, const std::string &path, const RandomLlama &spec) {
    const auto vocab = attnscope::gguf::File::open(vocabGguf);
    if (!vocab)
        return false;
    const attnscope::gguf::File &v = *vocab.value();
    const attnscope::gguf::Array *tokens = v.getArray("tokenizer.ggml.tokens");
    const attnscope::gguf::Array *scores = v.getArray("tokenizer.ggml.scores");
    const attnscope::gguf::Array *types = v.getArray("tokenizer.ggml.token_type");
    const auto info = attnscope::typeInfo(std::uint32_t(spec.type));
    if (!tokens || !scores || !types || !info ||
        (spec.type != attnscope::GgmlType::Q8_0 && spec.type != attnscope::GgmlType::Q4_0))
        return false;
    attnscope::GgufBuilder b;
    b.setString("general.architecture", "llama");
    b.setString("general.name", "random-llama");
    b.setU32("llama.embedding_length", std::uint32_t(spec.dim));
    b.setU32("llama.block_count", std::uint32_t(spec.layers));
    b.setU32("llama.attention.head_count", std::uint32_t(spec.heads));
    b.setU32("llama.feed_forward_length", std::uint32_t(spec.hidden));
    b.setU32("llama.context_length", std::uint32_t(spec.context));
    b.setString("tokenizer.ggml.model", "llama");
    std::vector<std::string> pieces(tokens->strings.begin(), tokens->strings.end());
    std::vector<float> s;
    std::vector<std::int32_t> ty;
    for (std::uint64_t i = 0; i < tokens->count; ++i) {
        s.push_back(static_cast<float>(scores->number(i)));
        ty.push_back(static_cast<std::int32_t>(types->integer(i)));
    }
    b.setStringArray("tokenizer.ggml.tokens", pieces);
    b.setF32Array("tokenizer.ggml.scores", s);
    b.setI32Array("tokenizer.ggml.token_type", ty);
    b.setU32("tokenizer.ggml.bos_token_id", 1);
    b.setU32("tokenizer.ggml.eos_token_id", 2);
    b.setU32("tokenizer.ggml.unknown_token_id", 0);
    std::uint32_t state = 7;
    auto matrix = [&](const std::string &name, std::int64_t rows, std::int64_t cols) {
        const std::size_t rowSize = static_cast<std::size_t>(*attnscope::rowBytes(*info, cols));
        std::vector<float> row(static_cast<std::size_t>(cols));
        std::string bytes(static_cast<std::size_t>(rows) * rowSize, '\0');
        for (std::int64_t r = 0; r < rows; ++r) {
            for (float &x : row) {
                state = state * 1664525u + 1013904223u;
                x = (static_cast<float>(state >> 8) / 16777216.0f - 0.5f) * 0.1f;
            }
            char *dst = bytes.data() + static_cast<std::size_t>(r) * rowSize;
            if (spec.type == attnscope::GgmlType::Q8_0)
                attnscope::quantizeRowQ8_0(row.data(), dst, cols);
            else
                attnscope::quantizeRowQ4_0(row.data(), dst, cols);
        }
        b.addTensor(name, {cols, rows}, spec.type, std::move(bytes));
    };
    const std::vector<float> ones(static_cast<std::size_t>(spec.dim), 1.0f);
    const std::int64_t vocabSize = static_cast<std::int64_t>(tokens->count);
    matrix("token_embd.weight", vocabSize, spec.dim);
    b.addF32("output_norm.weight", {spec.dim}, ones.data());
    matrix("output.weight", vocabSize, spec.dim);
    for (int l = 0; l < spec.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        b.addF32(p + "attn_norm.weight", {spec.dim}, ones.data());
        b.addF32(p + "ffn_norm.weight", {spec.dim}, ones.data());
        for (const char *m : {"attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight"})
            matrix(p + m, spec.dim, spec.dim);
        matrix(p + "ffn_gate.weight", spec.hidden, spec.dim);
        matrix(p + "ffn_up.weight", spec.hidden, spec.dim);
        matrix(p + "ffn_down.weight", spec.dim, spec.hidden);
    }
    return b.write(path).ok();
}

} // namespace testsupport
