// GGUF v3 writer: header, metadata (llama.cpp's llama keys), tensor directory, 32-byte aligned data.
#include "attnscope/gguf_writer.h"
#include "mapped_file.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

namespace attnscope {

namespace {

constexpr std::uint64_t kAlignment = 32;

class Bytes {
public:
    template <typename T> void put(T v) { m_out.append(reinterpret_cast<const char *>(&v), sizeof v); }
    void str(const std::string &s) {
        put<std::uint64_t>(s.size());
        m_out += s;
    }
    void key(const std::string &k, std::uint32_t type) {
        str(k);
        put<std::uint32_t>(type);
    }
    void pad() { m_out.append((kAlignment - m_out.size() % kAlignment) % kAlignment, '\0'); }
    std::string &data() { return m_out; }

private:
    std::string m_out;
};

struct PendingTensor {
    std::string name;
    std::vector<std::int64_t> dims; // ggml order: row length first
    GgmlType type;
    std::string bytes;
};

std::string encodeMatrix(const Tensor &t, GgmlType type) {
    std::vector<float> row(static_cast<std::size_t>(t.cols));
    const auto info = typeInfo(static_cast<std::uint32_t>(type));
    const std::size_t rowSize = static_cast<std::size_t>(*rowBytes(*info, t.cols));
    std::string out(rowSize * static_cast<std::size_t>(t.rows), '\0');
    for (std::int64_t r = 0; r < t.rows; ++r) {
        t.dequantizeRow(r, row.data());
        char *dst = out.data() + static_cast<std::size_t>(r) * rowSize;
        switch (type) {
        case GgmlType::F32: std::memcpy(dst, row.data(), rowSize); break;
        case GgmlType::F16:
            for (std::int64_t i = 0; i < t.cols; ++i) {
                const std::uint16_t h = floatToHalf(row[static_cast<std::size_t>(i)]);
                std::memcpy(dst + 2 * i, &h, 2);
            }
            break;
        case GgmlType::Q8_0: quantizeRowQ8_0(row.data(), dst, t.cols); break;
        case GgmlType::Q4_0: quantizeRowQ4_0(row.data(), dst, t.cols); break;
        default: break;
        }
    }
    return out;
}

std::string encodeVector(const float *v, std::int64_t n) {
    return std::string(reinterpret_cast<const char *>(v), static_cast<std::size_t>(n) * 4);
}

} // namespace

Status writeGguf(const Model &model, const Tokenizer &tokenizer, const std::string &path, const GgufWriteParams &params) {
    const GgmlType type = params.matrixType;
    if (type != GgmlType::F32 && type != GgmlType::F16 && type != GgmlType::Q8_0 && type != GgmlType::Q4_0)
        return makeError("GGUF writer: choose f32, f16, q8_0 or q4_0");
    const ModelConfig &c = model.config();
    const ModelWeights &w = model.weights();
    if (tokenizer.vocabSize() != c.vocabSize)
        return makeError("GGUF writer: the tokenizer has " + std::to_string(tokenizer.vocabSize()) +
                         " pieces, the model " + std::to_string(c.vocabSize));

    std::vector<PendingTensor> tensors;
    const int blockSize = typeInfo(static_cast<std::uint32_t>(type))->blockSize;
    auto matrix = [&](const std::string &name, const Tensor &t) {
        // Rows that are not whole blocks (stories260K's ffn_down has 172 columns) stay F32, as llama.cpp keeps them.
        const GgmlType stored = t.cols % blockSize == 0 ? type : GgmlType::F32;
        tensors.push_back({name, {t.cols, t.rows}, stored, encodeMatrix(t, stored)});
    };
    auto vector = [&](const std::string &name, const float *v, std::int64_t n) {
        tensors.push_back({name, {n}, GgmlType::F32, encodeVector(v, n)});
    };
    matrix("token_embd.weight", w.tokenEmbedding);
    vector("output_norm.weight", w.rmsFinal, c.dim);
    if (!c.sharedClassifier)
        matrix("output.weight", w.classifier);
    for (int l = 0; l < c.layers; ++l) {
        const LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        const std::string p = "blk." + std::to_string(l) + ".";
        vector(p + "attn_norm.weight", lw.rmsAtt, c.dim);
        matrix(p + "attn_q.weight", lw.wq);
        matrix(p + "attn_k.weight", lw.wk);
        matrix(p + "attn_v.weight", lw.wv);
        matrix(p + "attn_output.weight", lw.wo);
        vector(p + "ffn_norm.weight", lw.rmsFfn, c.dim);
        matrix(p + "ffn_gate.weight", lw.w1);
        matrix(p + "ffn_up.weight", lw.w3);
        matrix(p + "ffn_down.weight", lw.w2);
    }

    // GGUF value types: 4 u32, 5 i32, 6 f32, 7 bool, 8 string, 9 array.
    Bytes meta;
    std::uint64_t kvCount = 0;
    auto u32 = [&](const std::string &k, std::uint32_t v) { meta.key(k, 4); meta.put(v); ++kvCount; };
    auto f32 = [&](const std::string &k, float v) { meta.key(k, 6); meta.put(v); ++kvCount; };
    auto str = [&](const std::string &k, const std::string &v) { meta.key(k, 8); meta.str(v); ++kvCount; };
    auto boolean = [&](const std::string &k, bool v) { meta.key(k, 7); meta.put<std::uint8_t>(v); ++kvCount; };
    str("general.architecture", "llama");
    str("general.name", params.name);
    u32("general.alignment", static_cast<std::uint32_t>(kAlignment));
    // llama_ftype: 0 all F32, 1 mostly F16, 2 mostly Q4_0, 7 mostly Q8_0
    u32("general.file_type", type == GgmlType::F32 ? 0 : type == GgmlType::F16 ? 1 : type == GgmlType::Q4_0 ? 2 : 7);
    u32("llama.context_length", static_cast<std::uint32_t>(c.contextLength));
    u32("llama.embedding_length", static_cast<std::uint32_t>(c.dim));
    u32("llama.block_count", static_cast<std::uint32_t>(c.layers));
    u32("llama.feed_forward_length", static_cast<std::uint32_t>(c.hiddenDim));
    u32("llama.rope.dimension_count", static_cast<std::uint32_t>(c.rotaryDim()));
    u32("llama.attention.head_count", static_cast<std::uint32_t>(c.heads));
    u32("llama.attention.head_count_kv", static_cast<std::uint32_t>(c.kvHeads));
    f32("llama.attention.layer_norm_rms_epsilon", c.rmsEps);
    f32("llama.rope.freq_base", c.ropeTheta);
    str("tokenizer.ggml.model", "llama");
    const auto n = static_cast<std::uint64_t>(tokenizer.vocabSize());
    meta.key("tokenizer.ggml.tokens", 9);
    meta.put<std::uint32_t>(8);
    meta.put(n);
    for (int i = 0; i < tokenizer.vocabSize(); ++i)
        meta.str(tokenizer.piece(i));
    ++kvCount;
    meta.key("tokenizer.ggml.scores", 9);
    meta.put<std::uint32_t>(6);
    meta.put(n);
    for (int i = 0; i < tokenizer.vocabSize(); ++i)
        meta.put(tokenizer.score(i));
    ++kvCount;
    meta.key("tokenizer.ggml.token_type", 9);
    meta.put<std::uint32_t>(5);
    meta.put(n);
    int unknown = 0;
    for (int i = 0; i < tokenizer.vocabSize(); ++i) {
        const int t = tokenizer.pieceType(i);
        if (t == 2)
            unknown = i;
        meta.put<std::int32_t>(t);
    }
    ++kvCount;
    u32("tokenizer.ggml.unknown_token_id", static_cast<std::uint32_t>(unknown));
    if (tokenizer.bosId() >= 0)
        u32("tokenizer.ggml.bos_token_id", static_cast<std::uint32_t>(tokenizer.bosId()));
    boolean("tokenizer.ggml.add_space_prefix", tokenizer.addsSpacePrefix());

    Bytes head;
    head.put<std::uint32_t>(0x46554747);
    head.put<std::uint32_t>(3);
    head.put<std::uint64_t>(tensors.size());
    head.put<std::uint64_t>(kvCount);
    head.data() += meta.data();
    std::uint64_t offset = 0;
    for (const PendingTensor &t : tensors) {
        head.str(t.name);
        head.put<std::uint32_t>(static_cast<std::uint32_t>(t.dims.size()));
        for (const std::int64_t d : t.dims)
            head.put<std::uint64_t>(static_cast<std::uint64_t>(d));
        head.put<std::uint32_t>(static_cast<std::uint32_t>(t.type));
        head.put<std::uint64_t>(offset);
        offset += (t.bytes.size() + kAlignment - 1) / kAlignment * kAlignment;
    }
    head.pad();

    const std::string part = path + ".part";
    {
        std::ofstream out(part, std::ios::binary | std::ios::trunc);
        if (!out)
            return makeError(fileName(path) + ": cannot write (" + std::strerror(errno) + ")");
        out.write(head.data().data(), static_cast<std::streamsize>(head.data().size()));
        static const char zeros[kAlignment] = {};
        for (const PendingTensor &t : tensors) {
            out.write(t.bytes.data(), static_cast<std::streamsize>(t.bytes.size()));
            out.write(zeros, static_cast<std::streamsize>((kAlignment - t.bytes.size() % kAlignment) % kAlignment));
        }
        out.flush();
        if (!out) {
            out.close();
            std::remove(part.c_str());
            return makeError(fileName(path) + ": write failed (disk full?); nothing was written");
        }
    }
    std::error_code ec;
    std::filesystem::rename(part, path, ec);
    if (ec) {
        std::remove(part.c_str());
        return makeError(fileName(path) + ": could not be put in place (" + ec.message() + ")");
    }
    return Ok{};
}

} // namespace attnscope
