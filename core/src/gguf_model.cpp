// Transformers from GGUF: hyperparameters from the metadata (never assumed), tensors by llama.cpp's names, every
// shape checked. Llama (and Mistral, TinyLlama, SmolLM, which GGUF calls "llama"), Qwen2, GPT-2 and BERT. Weights
// stay in the mapped file in their stored type.
#include "attnscope/gguf.h"
#include "attnscope/model.h"

#include <set>

namespace attnscope {

namespace {

std::string shape(const gguf::TensorInfo &t) {
    std::string s = "[";
    for (std::size_t i = 0; i < t.dims.size(); ++i)
        s += (i ? ", " : "") + std::to_string(t.dims[i]);
    return s + "]";
}

// Reads tensors by name and remembers the first problem, so one message names what is wrong.
class TensorReader {
public:
    explicit TensorReader(const gguf::File &f) : m_f(f) {}

    Tensor matrix(const std::string &name, std::int64_t rows, std::int64_t cols) {
        const gguf::TensorInfo *t = m_f.tensor(name);
        if (!t) {
            fail(m_f.name() + ": tensor " + name + " is missing");
            return {};
        }
        if (t->dims.size() != 2 || t->dims[0] != cols || t->dims[1] != rows) {
            fail(m_f.name() + ": tensor " + name + " is " + shape(*t) + ", expected [" + std::to_string(cols) + ", " +
                 std::to_string(rows) + "]");
            return {};
        }
        m_types.insert(ggmlTypeName(t->type));
        return Tensor{static_cast<GgmlType>(t->type), t->data, rows, cols};
    }
    Tensor optionalMatrix(const std::string &name, std::int64_t rows, std::int64_t cols) {
        return m_f.tensor(name) ? matrix(name, rows, cols) : Tensor{};
    }
    // A vector as float32 (F16/BF16 converted once and owned by the model).
    const float *vector(const std::string &name, std::int64_t n) {
        const gguf::TensorInfo *t = m_f.tensor(name);
        if (!t || t->elements() != n) {
            fail(m_f.name() + ": tensor " + name + " is missing or not " + std::to_string(n) + " values");
            return nullptr;
        }
        if (t->type == static_cast<std::uint32_t>(GgmlType::F32))
            return reinterpret_cast<const float *>(t->data);
        if (t->type != static_cast<std::uint32_t>(GgmlType::F16) && t->type != static_cast<std::uint32_t>(GgmlType::BF16)) {
            fail(m_f.name() + ": tensor " + name + " is " + ggmlTypeName(t->type) + "; norms and biases must be F32 or F16");
            return nullptr;
        }
        owned.emplace_back(static_cast<std::size_t>(n));
        dequantizeRow(static_cast<GgmlType>(t->type), t->data, owned.back().data(), n);
        return owned.back().data();
    }
    const float *optionalVector(const std::string &name, std::int64_t n) {
        return m_f.tensor(name) ? vector(name, n) : nullptr;
    }
    void fail(const std::string &problem) {
        if (m_problem.empty())
            m_problem = problem;
    }
    const std::string &problem() const { return m_problem; }
    std::string types() const {
        std::string s;
        for (const std::string &t : m_types)
            s += (s.empty() ? "" : ", ") + t;
        return s;
    }

    std::vector<std::vector<float>> owned;

private:
    const gguf::File &m_f;
    std::set<std::string> m_types;
    std::string m_problem;
};

// Rows [first, first + count) of a matrix: the q, k or v part of a fused projection.
Tensor rowSlice(const Tensor &t, std::int64_t first, std::int64_t count) {
    if (!t.data)
        return {};
    return Tensor{t.type, static_cast<const unsigned char *>(t.data) + static_cast<std::size_t>(first) * t.rowBytes(),
                  count, t.cols};
}

void llamaLayers(TensorReader &r, const ModelConfig &c, ModelWeights &w, bool qkvBias) {
    const std::int64_t dim = c.dim, hidden = c.hiddenDim, kvDim = c.kvDim();
    for (int l = 0; l < c.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.rmsAtt = r.vector(p + "attn_norm.weight", dim);
        lw.wq = r.matrix(p + "attn_q.weight", dim, dim);
        lw.wk = r.matrix(p + "attn_k.weight", kvDim, dim);
        lw.wv = r.matrix(p + "attn_v.weight", kvDim, dim);
        if (qkvBias) {
            lw.bq = r.vector(p + "attn_q.bias", dim);
            lw.bk = r.vector(p + "attn_k.bias", kvDim);
            lw.bv = r.vector(p + "attn_v.bias", kvDim);
        }
        lw.wo = r.matrix(p + "attn_output.weight", dim, dim);
        lw.rmsFfn = r.vector(p + "ffn_norm.weight", dim);
        lw.w1 = r.matrix(p + "ffn_gate.weight", hidden, dim);
        lw.w3 = r.matrix(p + "ffn_up.weight", hidden, dim);
        lw.w2 = r.matrix(p + "ffn_down.weight", dim, hidden);
    }
    w.rmsFinal = r.vector("output_norm.weight", dim);
}

void gpt2Layers(TensorReader &r, const ModelConfig &c, ModelWeights &w) {
    const std::int64_t dim = c.dim, hidden = c.hiddenDim;
    w.positionEmbedding = r.matrix("position_embd.weight", c.contextLength, dim);
    for (int l = 0; l < c.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.rmsAtt = r.vector(p + "attn_norm.weight", dim);
        lw.attNormBias = r.vector(p + "attn_norm.bias", dim);
        const Tensor qkv = r.matrix(p + "attn_qkv.weight", 3 * dim, dim); // q, k, v stacked by rows
        lw.wq = rowSlice(qkv, 0, dim);
        lw.wk = rowSlice(qkv, dim, dim);
        lw.wv = rowSlice(qkv, 2 * dim, dim);
        if (const float *b = r.vector(p + "attn_qkv.bias", 3 * dim)) {
            lw.bq = b;
            lw.bk = b + dim;
            lw.bv = b + 2 * dim;
        }
        lw.wo = r.matrix(p + "attn_output.weight", dim, dim);
        lw.bo = r.vector(p + "attn_output.bias", dim);
        lw.rmsFfn = r.vector(p + "ffn_norm.weight", dim);
        lw.ffnNormBias = r.vector(p + "ffn_norm.bias", dim);
        lw.w3 = r.matrix(p + "ffn_up.weight", hidden, dim);
        lw.b3 = r.vector(p + "ffn_up.bias", hidden);
        lw.w2 = r.matrix(p + "ffn_down.weight", dim, hidden);
        lw.b2 = r.vector(p + "ffn_down.bias", dim);
    }
    w.rmsFinal = r.vector("output_norm.weight", dim);
    w.finalNormBias = r.vector("output_norm.bias", dim);
}

void bertLayers(TensorReader &r, ModelConfig &c, ModelWeights &w, const gguf::File &f) {
    const std::int64_t dim = c.dim, hidden = c.hiddenDim;
    w.positionEmbedding = r.matrix("position_embd.weight", c.contextLength, dim);
    if (const gguf::TensorInfo *types = f.tensor("token_types.weight"); types && types->dims.size() == 2) {
        c.tokenTypes = static_cast<int>(types->dims[1]);
        w.tokenTypeEmbedding = r.matrix("token_types.weight", c.tokenTypes, dim);
    }
    w.embNorm = r.vector("token_embd_norm.weight", dim);
    w.embNormBias = r.vector("token_embd_norm.bias", dim);
    for (int l = 0; l < c.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.wq = r.matrix(p + "attn_q.weight", dim, dim);
        lw.bq = r.vector(p + "attn_q.bias", dim);
        lw.wk = r.matrix(p + "attn_k.weight", dim, dim);
        lw.bk = r.vector(p + "attn_k.bias", dim);
        lw.wv = r.matrix(p + "attn_v.weight", dim, dim);
        lw.bv = r.vector(p + "attn_v.bias", dim);
        lw.wo = r.matrix(p + "attn_output.weight", dim, dim);
        lw.bo = r.vector(p + "attn_output.bias", dim);
        lw.rmsAtt = r.vector(p + "attn_output_norm.weight", dim); // after the attention residual
        lw.attNormBias = r.vector(p + "attn_output_norm.bias", dim);
        lw.w3 = r.matrix(p + "ffn_up.weight", hidden, dim);
        lw.b3 = r.vector(p + "ffn_up.bias", hidden);
        lw.w2 = r.matrix(p + "ffn_down.weight", dim, hidden);
        lw.b2 = r.vector(p + "ffn_down.bias", dim);
        lw.rmsFfn = r.vector(p + "layer_output_norm.weight", dim); // after the feed-forward residual
        lw.ffnNormBias = r.vector(p + "layer_output_norm.bias", dim);
    }
}

} // namespace

Result<std::shared_ptr<const Model>> loadGgufModel(const std::shared_ptr<const gguf::File> &file,
                                                   const std::string &path) {
    const gguf::File &f = *file;
    const std::string name = f.name();
    const std::string arch = f.getString("general.architecture").value_or("");
    if (arch.empty())
        return makeError(name + ": general.architecture is missing; not a model AttnScope can read");
    if (arch != "llama" && arch != "qwen2" && arch != "gpt2" && arch != "bert")
        return makeError(name + ": architecture \"" + arch + "\" is not supported (AttnScope runs llama — Llama 1/2/3, "
                                "TinyLlama, Mistral, SmolLM — qwen2, gpt2 and bert)");
    if (f.tensors().empty())
        return makeError(name + ": has no tensors (a vocabulary-only file); open a model with weights");

    auto key = [&](const char *suffix) { return arch + "." + suffix; };
    auto required = [&](const char *suffix, std::int64_t lo, std::int64_t hi) -> Result<int> {
        const auto v = f.getInt(key(suffix));
        if (!v)
            return makeError(name + ": metadata " + key(suffix) + " is missing or not an integer");
        if (*v < lo || *v > hi)
            return makeError(name + ": metadata " + key(suffix) + " = " + std::to_string(*v) + " is implausible");
        return static_cast<int>(*v);
    };
    ModelConfig c;
    c.architecture = arch;
    for (auto [field, suffix, hi] : {std::tuple{&c.dim, "embedding_length", std::int64_t(1) << 16},
                                     std::tuple{&c.hiddenDim, "feed_forward_length", std::int64_t(1) << 19},
                                     std::tuple{&c.layers, "block_count", std::int64_t(1024)},
                                     std::tuple{&c.heads, "attention.head_count", std::int64_t(4096)},
                                     std::tuple{&c.contextLength, "context_length", std::int64_t(1) << 24}}) {
        auto v = required(suffix, 1, hi);
        if (!v)
            return v.error();
        *field = v.value();
    }
    c.kvHeads = static_cast<int>(f.getInt(key("attention.head_count_kv")).value_or(c.heads));
    if (c.kvHeads <= 0 || c.kvHeads > c.heads || c.heads % c.kvHeads != 0 || c.dim % c.heads != 0)
        return makeError(name + ": head counts do not fit (" + std::to_string(c.heads) + " heads, " +
                         std::to_string(c.kvHeads) + " key/value heads, width " + std::to_string(c.dim) + ")");
    const bool llamaLike = arch == "llama" || arch == "qwen2";
    if (llamaLike) {
        c.rmsEps = static_cast<float>(f.getFloat(key("attention.layer_norm_rms_epsilon")).value_or(1e-5));
        c.ropeTheta = static_cast<float>(f.getFloat(key("rope.freq_base")).value_or(10000.0));
        c.ropeDim = static_cast<int>(f.getInt(key("rope.dimension_count")).value_or(c.headSize()));
        if (c.ropeDim <= 0 || c.ropeDim > c.headSize() || c.ropeDim % 2 != 0)
            return makeError(name + ": " + key("rope.dimension_count") + " = " + std::to_string(c.ropeDim) +
                             " does not fit a head of " + std::to_string(c.headSize()));
        // llama.cpp rotates interleaved pairs for llama and halves (GPT-NeoX style) for qwen2.
        c.positions = arch == "qwen2" ? Positions::RopeHalf : Positions::RopeInterleaved;
    } else {
        c.norm = NormKind::Layer;
        c.positions = Positions::Learned;
        c.rmsEps = static_cast<float>(f.getFloat(key("attention.layer_norm_epsilon")).value_or(1e-5));
        c.feedForward = arch == "gpt2" ? FeedForward::GeluTanh : FeedForward::GeluErf;
        c.causal = arch == "gpt2" ? true : f.getBool(key("attention.causal")).value_or(false);
        c.postNorm = arch == "bert";
    }
    if (!(c.rmsEps > 0 && c.rmsEps < 1) || !(c.ropeTheta > 1))
        return makeError(name + ": implausible norm epsilon or rope base in the metadata");

    const gguf::TensorInfo *embedding = f.tensor("token_embd.weight");
    if (!embedding || embedding->dims.size() != 2 || embedding->dims[0] != c.dim)
        return makeError(name + ": token_embd.weight is missing or not [" + std::to_string(c.dim) + ", vocab]");
    c.vocabSize = static_cast<int>(embedding->dims[1]);

    TensorReader r(f);
    ModelWeights w;
    w.layers.resize(static_cast<std::size_t>(c.layers));
    w.tokenEmbedding = r.matrix("token_embd.weight", c.vocabSize, c.dim);
    if (llamaLike)
        llamaLayers(r, c, w, arch == "qwen2");
    else if (arch == "gpt2")
        gpt2Layers(r, c, w);
    else
        bertLayers(r, c, w, f);
    if (arch != "bert") { // decoders predict the next token; a BERT encoder file has no language-model head
        c.sharedClassifier = f.tensor("output.weight") == nullptr;
        w.classifier = c.sharedClassifier ? w.tokenEmbedding : r.matrix("output.weight", c.vocabSize, c.dim);
    } else {
        c.sharedClassifier = false;
    }
    if (!r.problem().empty())
        return makeError(r.problem());
    c.weightTypes = r.types();
    return std::shared_ptr<const Model>(std::make_shared<Model>(c, std::move(w), file, path,
                                                                "GGUF v" + std::to_string(f.version()),
                                                                std::move(r.owned)));
}

} // namespace attnscope
