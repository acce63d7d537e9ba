// GGUF v3 writer: header, metadata (llama.cpp's llama keys), tensor directory, 32-byte aligned data.
#include "attnscope/gguf_writer.h"
#include "attnscope/gguf.h"
#include "io/mapped_file.h"
#include "runtime/memory.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>
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
    const std::string &data() const { return m_out; }

private:
    std::string m_out;
};

struct PendingTensor {
    std::string name;
    std::vector<std::int64_t> dims; // ggml order: row length first
    GgmlType type;
    std::string bytes;
};

} // namespace

struct GgufBuilder::Data {
    Bytes meta;
    std::uint64_t kvCount = 0;
    std::vector<PendingTensor> tensors;
};

GgufBuilder::GgufBuilder() : m_data(std::make_unique<Data>()) {}
GgufBuilder::~GgufBuilder() = default;

// GGUF value types: 4 u32, 5 i32, 6 f32, 7 bool, 8 string, 9 array.
void GgufBuilder::setString(const std::string &key, const std::string &value) {
    m_data->meta.key(key, 8);
    m_data->meta.str(value);
    ++m_data->kvCount;
}
void GgufBuilder::setU32(const std::string &key, std::uint32_t value) {
    m_data->meta.key(key, 4);
    m_data->meta.put(value);
    ++m_data->kvCount;
}
void GgufBuilder::setF32(const std::string &key, float value) {
    m_data->meta.key(key, 6);
    m_data->meta.put(value);
    ++m_data->kvCount;
}
void GgufBuilder::setBool(const std::string &key, bool value) {
    m_data->meta.key(key, 7);
    m_data->meta.put<std::uint8_t>(value ? 1 : 0);
    ++m_data->kvCount;
}
void GgufBuilder::setValue(const std::string &key, const gguf::Value &value) {
    using gguf::ValueType;
    auto size = [](ValueType t) -> std::size_t {
        switch (t) {
        case ValueType::U8: case ValueType::I8: case ValueType::Bool: return 1;
        case ValueType::U16: case ValueType::I16: return 2;
        case ValueType::U32: case ValueType::I32: case ValueType::F32: return 4;
        case ValueType::U64: case ValueType::I64: case ValueType::F64: return 8;
        default: return 0;
        }
    };
    Bytes &m = m_data->meta;
    m.key(key, static_cast<std::uint32_t>(value.type));
    ++m_data->kvCount;
    switch (value.type) {
    case ValueType::String:
        m.str(std::string(value.str));
        return;
    case ValueType::Array: {
        const gguf::Array &a = *value.array;
        m.put<std::uint32_t>(static_cast<std::uint32_t>(a.elementType));
        m.put<std::uint64_t>(a.count);
        if (a.elementType == ValueType::String)
            for (std::string_view s : a.strings)
                m.str(std::string(s));
        else
            m.data().append(reinterpret_cast<const char *>(a.data), a.count * size(a.elementType));
        return;
    }
    case ValueType::F32: m.put(static_cast<float>(value.f)); return;
    case ValueType::F64: m.put(value.f); return;
    case ValueType::I8: case ValueType::I16: case ValueType::I32: case ValueType::I64:
        m.data().append(reinterpret_cast<const char *>(&value.i), size(value.type)); // little-endian low bytes
        return;
    default:
        m.data().append(reinterpret_cast<const char *>(&value.u), size(value.type));
        return;
    }
}

void GgufBuilder::setStringArray(const std::string &key, const std::vector<std::string> &values) {
    m_data->meta.key(key, 9);
    m_data->meta.put<std::uint32_t>(8);
    m_data->meta.put<std::uint64_t>(values.size());
    for (const std::string &v : values)
        m_data->meta.str(v);
    ++m_data->kvCount;
}
void GgufBuilder::setF32Array(const std::string &key, const std::vector<float> &values) {
    m_data->meta.key(key, 9);
    m_data->meta.put<std::uint32_t>(6);
    m_data->meta.put<std::uint64_t>(values.size());
    for (const float v : values)
        m_data->meta.put(v);
    ++m_data->kvCount;
}
void GgufBuilder::setI32Array(const std::string &key, const std::vector<std::int32_t> &values) {
    m_data->meta.key(key, 9);
    m_data->meta.put<std::uint32_t>(5);
    m_data->meta.put<std::uint64_t>(values.size());
    for (const std::int32_t v : values)
        m_data->meta.put(v);
    ++m_data->kvCount;
}
void GgufBuilder::addTensor(const std::string &name, const std::vector<std::int64_t> &dims, GgmlType type,
                            std::string bytes) {
    m_data->tensors.push_back({name, dims, type, std::move(bytes)});
}
void GgufBuilder::addF32(const std::string &name, const std::vector<std::int64_t> &dims, const float *data) {
    std::int64_t n = 1;
    for (const std::int64_t d : dims)
        n *= d;
    addTensor(name, dims, GgmlType::F32, std::string(reinterpret_cast<const char *>(data), static_cast<std::size_t>(n) * 4));
}

Status GgufBuilder::write(const std::string &path) const {
    Bytes head;
    head.put<std::uint32_t>(0x46554747);
    head.put<std::uint32_t>(3);
    head.put<std::uint64_t>(m_data->tensors.size());
    head.put<std::uint64_t>(m_data->kvCount);
    head.data() += m_data->meta.data();
    std::uint64_t offset = 0;
    for (const PendingTensor &t : m_data->tensors) {
        head.str(t.name);
        head.put<std::uint32_t>(static_cast<std::uint32_t>(t.dims.size()));
        for (const std::int64_t d : t.dims)
            head.put<std::uint64_t>(static_cast<std::uint64_t>(d));
        head.put<std::uint32_t>(static_cast<std::uint32_t>(t.type));
        head.put<std::uint64_t>(offset);
        offset += (t.bytes.size() + kAlignment - 1) / kAlignment * kAlignment;
    }
    head.pad();

    // Written beside the target under a name no one else uses, then renamed over it: a failed write leaves the old
    // file (if any) as it was.
    const std::string part = path + ".attnscope-" + std::to_string(::getpid()) + ".part";
    if (std::filesystem::exists(part))
        return makeError(fileName(part) + " exists; remove it and try again");
    {
        std::ofstream out(part, std::ios::binary | std::ios::trunc);
        if (!out)
            return makeError(fileName(path) + ": cannot write (" + std::strerror(errno) + ")");
        out.write(head.data().data(), static_cast<std::streamsize>(head.data().size()));
        static const char zeros[kAlignment] = {};
        for (const PendingTensor &t : m_data->tensors) {
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

namespace {

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


} // namespace

Status writeGguf(const Model &model, const Tokenizer &tokenizer, const std::string &path, const GgufWriteParams &params) {
    const GgmlType type = params.matrixType;
    if (type != GgmlType::F32 && type != GgmlType::F16 && type != GgmlType::Q8_0 && type != GgmlType::Q4_0)
        return makeError("GGUF writer: choose f32, f16, q8_0 or q4_0");
    const ModelConfig &c = model.config();
    const ModelWeights &w = model.weights();
    if (c.architecture != "llama" || c.positions != Positions::RopeInterleaved || !c.ropeFactors.empty())
        return makeError("GGUF writer: only Llama-family models with llama.cpp's RoPE layout can be written");
    if (tokenizer.vocabSize() != c.vocabSize)
        return makeError("GGUF writer: the tokenizer has " + std::to_string(tokenizer.vocabSize()) +
                         " pieces, the model " + std::to_string(c.vocabSize));

    GgufBuilder b;
    b.setString("general.architecture", "llama");
    b.setString("general.name", params.name);
    b.setU32("general.alignment", static_cast<std::uint32_t>(kAlignment));
    // llama_ftype: 0 all F32, 1 mostly F16, 2 mostly Q4_0, 7 mostly Q8_0
    b.setU32("general.file_type", type == GgmlType::F32 ? 0 : type == GgmlType::F16 ? 1 : type == GgmlType::Q4_0 ? 2 : 7);
    b.setU32("llama.context_length", static_cast<std::uint32_t>(c.contextLength));
    b.setU32("llama.embedding_length", static_cast<std::uint32_t>(c.dim));
    b.setU32("llama.block_count", static_cast<std::uint32_t>(c.layers));
    b.setU32("llama.feed_forward_length", static_cast<std::uint32_t>(c.hiddenDim));
    b.setU32("llama.rope.dimension_count", static_cast<std::uint32_t>(c.rotaryDim()));
    b.setU32("llama.attention.head_count", static_cast<std::uint32_t>(c.heads));
    b.setU32("llama.attention.head_count_kv", static_cast<std::uint32_t>(c.kvHeads));
    b.setF32("llama.attention.layer_norm_rms_epsilon", c.rmsEps);
    b.setF32("llama.rope.freq_base", c.ropeTheta);
    b.setString("tokenizer.ggml.model", "llama");
    std::vector<std::string> pieces;
    std::vector<float> scores;
    std::vector<std::int32_t> types;
    std::uint32_t unknown = 0;
    for (int i = 0; i < tokenizer.vocabSize(); ++i) {
        pieces.push_back(tokenizer.piece(i));
        scores.push_back(tokenizer.score(i));
        types.push_back(tokenizer.pieceType(i));
        if (types.back() == 2)
            unknown = static_cast<std::uint32_t>(i);
    }
    b.setStringArray("tokenizer.ggml.tokens", pieces);
    b.setF32Array("tokenizer.ggml.scores", scores);
    b.setI32Array("tokenizer.ggml.token_type", types);
    b.setU32("tokenizer.ggml.unknown_token_id", unknown);
    if (tokenizer.bosId() >= 0)
        b.setU32("tokenizer.ggml.bos_token_id", static_cast<std::uint32_t>(tokenizer.bosId()));
    b.setBool("tokenizer.ggml.add_space_prefix", tokenizer.addsSpacePrefix());

    const int blockSize = typeInfo(static_cast<std::uint32_t>(type))->blockSize;
    // The tensors in file order: matrices, and the norms (dim values each) between them.
    struct Entry {
        std::string name;
        const Tensor *matrix = nullptr;
        const float *norm = nullptr;
    };
    std::vector<Entry> entries{{"token_embd.weight", &w.tokenEmbedding}, {"output_norm.weight", nullptr, w.finalNorm.weight}};
    if (!c.sharedClassifier)
        entries.push_back({"output.weight", &w.classifier});
    for (int l = 0; l < c.layers; ++l) {
        const LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        const std::string p = "blk." + std::to_string(l) + ".";
        entries.push_back({p + "attn_norm.weight", nullptr, lw.attnNorm.weight});
        entries.push_back({p + "attn_q.weight", &lw.wq});
        entries.push_back({p + "attn_k.weight", &lw.wk});
        entries.push_back({p + "attn_v.weight", &lw.wv});
        entries.push_back({p + "attn_output.weight", &lw.wo});
        entries.push_back({p + "ffn_norm.weight", nullptr, lw.ffnNorm.weight});
        entries.push_back({p + "ffn_gate.weight", &lw.gate});
        entries.push_back({p + "ffn_up.weight", &lw.up});
        entries.push_back({p + "ffn_down.weight", &lw.down});
    }
    // Rows that are not whole blocks (stories260K's ffn_down has 172 columns) stay F32, as llama.cpp keeps them.
    auto storedType = [&](const Tensor &t) { return t.cols % blockSize == 0 ? type : GgmlType::F32; };
    // The file is assembled in memory before it is written: check that it fits first.
    double fileBytes = 0;
    for (const Entry &e : entries) {
        if (!e.matrix) {
            fileBytes += double(c.dim) * sizeof(float);
            continue;
        }
        const auto info = typeInfo(static_cast<std::uint32_t>(storedType(*e.matrix)));
        fileBytes += double(e.matrix->rows) * double(e.matrix->cols) / info->blockSize * info->blockBytes;
    }
    if (auto room = checkMemory(fileBytes * 1.05, "writing " + fileName(path)); !room)
        return room;
    for (const Entry &e : entries) {
        if (e.matrix)
            b.addTensor(e.name, {e.matrix->cols, e.matrix->rows}, storedType(*e.matrix),
                        encodeMatrix(*e.matrix, storedType(*e.matrix)));
        else
            b.addF32(e.name, {c.dim}, e.norm);
    }
    return b.write(path);
}

} // namespace attnscope
