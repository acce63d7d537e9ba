// A random Llama written as GGUF with the vocabulary of another GGUF file or of a Hugging Face tokenizer.json (byte-
// level BPE: written as llama.cpp's "gpt2" model with the pre-tokenizer named, so llama.cpp loads the same file), its
// matrices quantized (Q8_0 or Q4_0) so a large model stays a small file: for tests of what the window does while a
// computation runs (progress, Cancel), for the memory benchmark (bench_load) and for the real-size benchmarks
// (bench_scale: Llama 3.2 1B's and Qwen 2.5 0.5B's shapes). Weights are uniform in [-0.05, 0.05) from a cheap
// generator, tens of millions of them (over a billion for the 1B shape), also under ASan.
#pragma once

#include <attnscope/gguf.h>
#include <attnscope/gguf_writer.h>
#include <attnscope/quant.h>

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <vector>

namespace testsupport {

// The cheap generator every random model and text of the tests uses (a 32-bit LCG), and a weight from it: uniform in
// [-0.05, 0.05).
inline std::uint32_t nextRandom(std::uint32_t &state) {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
}
inline float randomWeight(std::uint32_t &state) {
    return (static_cast<float>(nextRandom(state)) / 16777216.0f - 0.5f) * 0.1f;
}

struct RandomLlama {
    int layers = 8;
    int dim = 512;
    int heads = 8;
    int kvHeads = 0;   // 0: as many as heads
    int hidden = 1024; // feed-forward width
    int context = 2048;
    float ropeTheta = 10000.0f;
    bool tied = false;   // no output.weight: the embedding is the language-model head
    bool biases = false; // q/k/v biases (Qwen 2)
    std::string architecture = "llama"; // llama or qwen2
    attnscope::GgmlType type = attnscope::GgmlType::Q8_0; // Q8_0 or Q4_0
};

// The vocabulary written into the model.
struct RandomVocabulary {
    std::string model;            // tokenizer.ggml.model: "llama" (sentencepiece) or "gpt2" (byte-level BPE)
    std::string pre;              // tokenizer.ggml.pre for gpt2 ("llama-bpe", "qwen2"); empty for none
    std::vector<std::string> tokens;
    std::vector<float> scores;    // sentencepiece only
    std::vector<std::int32_t> types;
    std::vector<std::string> merges; // gpt2 only, "a b"
    int bos = -1, eos = -1, unk = -1;
    bool addBos = true;
};

// The vocabulary of a GGUF file (the sentencepiece vocab files of ../shared/gguf).
inline bool vocabularyFromGguf(const std::string &vocabGguf, RandomVocabulary &out) {
    const auto vocab = attnscope::gguf::File::open(vocabGguf);
    if (!vocab)
        return false;
    const attnscope::gguf::File &v = *vocab.value();
    const attnscope::gguf::Array *tokens = v.getArray("tokenizer.ggml.tokens");
    const attnscope::gguf::Array *scores = v.getArray("tokenizer.ggml.scores");
    const attnscope::gguf::Array *types = v.getArray("tokenizer.ggml.token_type");
    if (!tokens || !scores || !types)
        return false;
    out.model = "llama";
    out.tokens.assign(tokens->strings.begin(), tokens->strings.end());
    for (std::uint64_t i = 0; i < tokens->count; ++i) {
        out.scores.push_back(static_cast<float>(scores->number(i)));
        out.types.push_back(static_cast<std::int32_t>(types->integer(i)));
    }
    out.bos = 1;
    out.eos = 2;
    out.unk = 0;
    return true;
}

// A byte-level BPE tokenizer.json (Llama 3, Qwen) as llama.cpp's converter writes it: the vocabulary by id, the added
// tokens as control tokens after it, padded to `rows` with unused pieces, the merges as "a b".
inline bool vocabularyFromTokenizerJson(const std::string &path, const std::string &pre, int rows, int bos, int eos,
                                        bool addBos, RandomVocabulary &out) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.load(path).get(doc))
        return false;
    simdjson::dom::object vocab;
    simdjson::dom::array merges, added;
    if (doc["model"]["vocab"].get(vocab) || doc["model"]["merges"].get(merges) || doc["added_tokens"].get(added))
        return false;
    out = RandomVocabulary{};
    out.model = "gpt2";
    out.pre = pre;
    out.tokens.assign(static_cast<std::size_t>(rows), std::string());
    out.types.assign(static_cast<std::size_t>(rows), 5); // unused
    auto put = [&](std::int64_t id, std::string_view piece, int type) {
        if (id >= 0 && id < rows) {
            out.tokens[static_cast<std::size_t>(id)] = std::string(piece);
            out.types[static_cast<std::size_t>(id)] = type;
        }
    };
    for (auto field : vocab) {
        std::int64_t id = -1;
        if (!field.value.get(id))
            put(id, field.key, 1);
    }
    for (simdjson::dom::element t : added) {
        std::int64_t id = -1;
        std::string_view content;
        if (!t["id"].get(id) && !t["content"].get(content))
            put(id, content, 3);
    }
    for (std::size_t i = 0; i < out.tokens.size(); ++i)
        if (out.tokens[i].empty())
            out.tokens[i] = "[PAD" + std::to_string(i) + "]";
    for (simdjson::dom::element m : merges) {
        std::string_view line;
        simdjson::dom::array pair;
        if (!m.get(line))
            out.merges.emplace_back(line);
        else if (!m.get(pair) && pair.size() == 2) {
            std::string_view a, b;
            if (!pair.at(0).get(a) && !pair.at(1).get(b))
                out.merges.push_back(std::string(a) + " " + std::string(b));
        }
    }
    out.bos = bos;
    out.eos = eos;
    out.addBos = addBos;
    return true;
}

inline bool writeRandomLlama(const RandomVocabulary &vocab, const std::string &path, const RandomLlama &spec) {
    const auto info = attnscope::typeInfo(std::uint32_t(spec.type));
    if (vocab.tokens.empty() || !info ||
        (spec.type != attnscope::GgmlType::Q8_0 && spec.type != attnscope::GgmlType::Q4_0))
        return false;
    const std::string a = spec.architecture + ".";
    const int kvHeads = spec.kvHeads > 0 ? spec.kvHeads : spec.heads, headSize = spec.dim / spec.heads;
    attnscope::GgufBuilder b;
    b.setString("general.architecture", spec.architecture);
    b.setString("general.name", "random-" + spec.architecture);
    b.setU32(a + "embedding_length", std::uint32_t(spec.dim));
    b.setU32(a + "block_count", std::uint32_t(spec.layers));
    b.setU32(a + "attention.head_count", std::uint32_t(spec.heads));
    b.setU32(a + "attention.head_count_kv", std::uint32_t(kvHeads));
    b.setU32(a + "feed_forward_length", std::uint32_t(spec.hidden));
    b.setU32(a + "context_length", std::uint32_t(spec.context));
    b.setU32(a + "rope.dimension_count", std::uint32_t(headSize));
    b.setF32(a + "rope.freq_base", spec.ropeTheta);
    b.setF32(a + "attention.layer_norm_rms_epsilon", 1e-5f);
    b.setString("tokenizer.ggml.model", vocab.model);
    if (!vocab.pre.empty())
        b.setString("tokenizer.ggml.pre", vocab.pre);
    b.setStringArray("tokenizer.ggml.tokens", vocab.tokens);
    if (!vocab.scores.empty())
        b.setF32Array("tokenizer.ggml.scores", vocab.scores);
    b.setI32Array("tokenizer.ggml.token_type", vocab.types);
    if (!vocab.merges.empty())
        b.setStringArray("tokenizer.ggml.merges", vocab.merges);
    if (vocab.bos >= 0)
        b.setU32("tokenizer.ggml.bos_token_id", std::uint32_t(vocab.bos));
    if (vocab.eos >= 0)
        b.setU32("tokenizer.ggml.eos_token_id", std::uint32_t(vocab.eos));
    if (vocab.unk >= 0)
        b.setU32("tokenizer.ggml.unknown_token_id", std::uint32_t(vocab.unk));
    if (vocab.model == "gpt2")
        b.setBool("tokenizer.ggml.add_bos_token", vocab.addBos);
    std::uint32_t state = 7;
    auto matrix = [&](const std::string &name, std::int64_t rows, std::int64_t cols) {
        const std::size_t rowSize = static_cast<std::size_t>(*attnscope::rowBytes(*info, cols));
        std::vector<float> row(static_cast<std::size_t>(cols));
        std::string bytes(static_cast<std::size_t>(rows) * rowSize, '\0');
        for (std::int64_t r = 0; r < rows; ++r) {
            for (float &x : row)
                x = randomWeight(state);
            char *dst = bytes.data() + static_cast<std::size_t>(r) * rowSize;
            if (spec.type == attnscope::GgmlType::Q8_0)
                attnscope::quantizeRowQ8_0(row.data(), dst, cols);
            else
                attnscope::quantizeRowQ4_0(row.data(), dst, cols);
        }
        b.addTensor(name, {cols, rows}, spec.type, std::move(bytes));
    };
    const std::vector<float> ones(static_cast<std::size_t>(spec.dim), 1.0f);
    const std::int64_t vocabSize = static_cast<std::int64_t>(vocab.tokens.size());
    const std::int64_t kvDim = std::int64_t(kvHeads) * headSize;
    std::vector<float> bias(static_cast<std::size_t>(spec.dim));
    for (float &x : bias)
        x = randomWeight(state);
    matrix("token_embd.weight", vocabSize, spec.dim);
    b.addF32("output_norm.weight", {spec.dim}, ones.data());
    if (!spec.tied)
        matrix("output.weight", vocabSize, spec.dim);
    for (int l = 0; l < spec.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        b.addF32(p + "attn_norm.weight", {spec.dim}, ones.data());
        b.addF32(p + "ffn_norm.weight", {spec.dim}, ones.data());
        matrix(p + "attn_q.weight", spec.dim, spec.dim);
        matrix(p + "attn_k.weight", kvDim, spec.dim);
        matrix(p + "attn_v.weight", kvDim, spec.dim);
        matrix(p + "attn_output.weight", spec.dim, spec.dim);
        if (spec.biases) {
            b.addF32(p + "attn_q.bias", {spec.dim}, bias.data());
            b.addF32(p + "attn_k.bias", {kvDim}, bias.data());
            b.addF32(p + "attn_v.bias", {kvDim}, bias.data());
        }
        matrix(p + "ffn_gate.weight", spec.hidden, spec.dim);
        matrix(p + "ffn_up.weight", spec.hidden, spec.dim);
        matrix(p + "ffn_down.weight", spec.dim, spec.hidden);
    }
    return b.write(path).ok();
}

inline bool writeRandomLlama(const std::string &vocabGguf, const std::string &path, const RandomLlama &spec) {
    RandomVocabulary vocab;
    return vocabularyFromGguf(vocabGguf, vocab) && writeRandomLlama(vocab, path, spec);
}

// Llama 3.2 1B's shape: 16 layers, d 2048, 32 heads / 8 KV heads of 64, FFN 8192, tied embeddings, RoPE 500,000.
inline RandomLlama llama32_1B() {
    RandomLlama s;
    s.layers = 16;
    s.dim = 2048;
    s.heads = 32;
    s.kvHeads = 8;
    s.hidden = 8192;
    s.context = 131072;
    s.ropeTheta = 500000.0f;
    s.tied = true;
    return s;
}

// Qwen 2.5 0.5B's shape: 24 layers, d 896, 14 heads / 2 KV heads of 64, FFN 4864, q/k/v biases, tied embeddings.
inline RandomLlama qwen25_05B() {
    RandomLlama s;
    s.architecture = "qwen2";
    s.layers = 24;
    s.dim = 896;
    s.heads = 14;
    s.kvHeads = 2;
    s.hidden = 4864;
    s.context = 32768;
    s.ropeTheta = 1000000.0f;
    s.tied = true;
    s.biases = true;
    return s;
}

} // namespace testsupport
