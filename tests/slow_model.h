// A random Llama written as GGUF with stories260K's vocabulary, sized so that analysing about a thousand tokens
// takes seconds while the attention it keeps stays under 100 MB (few heads): for tests of what the window does
// while a computation runs (progress, Cancel).
#pragma once

#include <attnscope/gguf.h>
#include <attnscope/gguf_writer.h>
#include <attnscope/quant.h>

#include <cstdint>
#include <string>
#include <vector>

namespace testsupport {

inline bool writeSlowModel(const std::string &vocabGguf, const std::string &path, int layers = 16, int dim = 768,
                           int heads = 2, int context = 2048) {
    const auto vocab = attnscope::gguf::File::open(vocabGguf);
    if (!vocab)
        return false;
    const attnscope::gguf::File &v = *vocab.value();
    const attnscope::gguf::Array *tokens = v.getArray("tokenizer.ggml.tokens");
    const attnscope::gguf::Array *scores = v.getArray("tokenizer.ggml.scores");
    const attnscope::gguf::Array *types = v.getArray("tokenizer.ggml.token_type");
    if (!tokens || !scores || !types)
        return false;
    const int hidden = dim * 2;
    attnscope::GgufBuilder b;
    b.setString("general.architecture", "llama");
    b.setString("general.name", "slow-random");
    b.setU32("llama.embedding_length", std::uint32_t(dim));
    b.setU32("llama.block_count", std::uint32_t(layers));
    b.setU32("llama.attention.head_count", heads);
    b.setU32("llama.feed_forward_length", std::uint32_t(hidden));
    b.setU32("llama.context_length", std::uint32_t(context));
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
    std::uint32_t state = 7; // a cheap generator: tens of millions of weights, also under ASan
    auto matrix = [&](const std::string &name, std::int64_t rows, std::int64_t cols) {
        // Q4_0 (18 bytes per 32 weights) keeps the file small; the forward pass costs the same as in float32.
        std::vector<float> row(static_cast<std::size_t>(cols));
        std::string bytes(static_cast<std::size_t>(rows * cols / 32 * 18), '\0');
        for (std::int64_t r = 0; r < rows; ++r) {
            for (float &x : row) {
                state = state * 1664525u + 1013904223u;
                x = (static_cast<float>(state >> 8) / 16777216.0f - 0.5f) * 0.1f;
            }
            attnscope::quantizeRowQ4_0(row.data(), bytes.data() + r * cols / 32 * 18, cols);
        }
        b.addTensor(name, {cols, rows}, attnscope::GgmlType::Q4_0, std::move(bytes));
    };
    const std::vector<float> ones(static_cast<std::size_t>(dim), 1.0f);
    const std::int64_t vocabSize = static_cast<std::int64_t>(tokens->count);
    matrix("token_embd.weight", vocabSize, dim);
    b.addF32("output_norm.weight", {dim}, ones.data());
    matrix("output.weight", vocabSize, dim);
    for (int l = 0; l < layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        b.addF32(p + "attn_norm.weight", {dim}, ones.data());
        b.addF32(p + "ffn_norm.weight", {dim}, ones.data());
        for (const char *m : {"attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight"})
            matrix(p + m, dim, dim);
        matrix(p + "ffn_gate.weight", hidden, dim);
        matrix(p + "ffn_up.weight", hidden, dim);
        matrix(p + "ffn_down.weight", dim, hidden);
    }
    return b.write(path).ok();
}

} // namespace testsupport
