// Llama-family models from GGUF: hyperparameters from the metadata (never assumed), tensors by llama.cpp's names,
// every shape checked. Weights stay in the mapped file in their stored type.
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

} // namespace

Result<std::shared_ptr<const Model>> loadGgufModel(const std::shared_ptr<const gguf::File> &file,
                                                   const std::string &path) {
    const gguf::File &f = *file;
    const std::string name = f.name();
    const std::string arch = f.getString("general.architecture").value_or("");
    if (arch.empty())
        return makeError(name + ": general.architecture is missing; not a model AttnScope can read");
    if (arch != "llama")
        return makeError(name + ": architecture \"" + arch + "\" is not supported yet (AttnScope runs \"llama\": Llama 1/2/3, "
                                "TinyLlama, Mistral, SmolLM)");
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
    c.rmsEps = static_cast<float>(f.getFloat(key("attention.layer_norm_rms_epsilon")).value_or(1e-5));
    c.ropeTheta = static_cast<float>(f.getFloat(key("rope.freq_base")).value_or(10000.0));
    c.ropeDim = static_cast<int>(f.getInt(key("rope.dimension_count")).value_or(c.headSize()));
    if (c.ropeDim <= 0 || c.ropeDim > c.headSize() || c.ropeDim % 2 != 0)
        return makeError(name + ": " + key("rope.dimension_count") + " = " + std::to_string(c.ropeDim) +
                         " does not fit a head of " + std::to_string(c.headSize()));
    if (!(c.rmsEps > 0 && c.rmsEps < 1) || !(c.ropeTheta > 1))
        return makeError(name + ": implausible rms epsilon or rope base in the metadata");

    const gguf::TensorInfo *embedding = f.tensor("token_embd.weight");
    if (!embedding || embedding->dims.size() != 2 || embedding->dims[0] != c.dim)
        return makeError(name + ": token_embd.weight is missing or not [" + std::to_string(c.dim) + ", vocab]");
    c.vocabSize = static_cast<int>(embedding->dims[1]);

    std::vector<std::vector<float>> owned;
    std::set<std::string> matrixTypes;
    std::string problem;
    auto matrix = [&](const std::string &tname, std::int64_t rows, std::int64_t cols) {
        Tensor out;
        const gguf::TensorInfo *t = f.tensor(tname);
        if (!t) {
            problem = problem.empty() ? name + ": tensor " + tname + " is missing" : problem;
            return out;
        }
        if (t->dims.size() != 2 || t->dims[0] != cols || t->dims[1] != rows) {
            problem = problem.empty() ? name + ": tensor " + tname + " is " + shape(*t) + ", expected [" +
                                            std::to_string(cols) + ", " + std::to_string(rows) + "]"
                                      : problem;
            return out;
        }
        matrixTypes.insert(ggmlTypeName(t->type));
        return Tensor{static_cast<GgmlType>(t->type), t->data, rows, cols};
    };
    auto vector = [&](const std::string &tname, std::int64_t n) -> const float * {
        const gguf::TensorInfo *t = f.tensor(tname);
        if (!t || t->elements() != n) {
            problem = problem.empty() ? name + ": tensor " + tname + " is missing or not " + std::to_string(n) + " values"
                                      : problem;
            return nullptr;
        }
        if (t->type == static_cast<std::uint32_t>(GgmlType::F32))
            return reinterpret_cast<const float *>(t->data);
        owned.emplace_back(static_cast<std::size_t>(n)); // F16/BF16 norms: converted once
        dequantizeRow(static_cast<GgmlType>(t->type), t->data, owned.back().data(), n);
        return owned.back().data();
    };

    const std::int64_t dim = c.dim, hidden = c.hiddenDim, kvDim = c.kvDim();
    ModelWeights w;
    w.tokenEmbedding = matrix("token_embd.weight", c.vocabSize, dim);
    w.rmsFinal = vector("output_norm.weight", dim);
    c.sharedClassifier = f.tensor("output.weight") == nullptr;
    w.classifier = c.sharedClassifier ? w.tokenEmbedding : matrix("output.weight", c.vocabSize, dim);
    w.layers.resize(static_cast<std::size_t>(c.layers));
    for (int l = 0; l < c.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.rmsAtt = vector(p + "attn_norm.weight", dim);
        lw.wq = matrix(p + "attn_q.weight", dim, dim);
        lw.wk = matrix(p + "attn_k.weight", kvDim, dim);
        lw.wv = matrix(p + "attn_v.weight", kvDim, dim);
        lw.wo = matrix(p + "attn_output.weight", dim, dim);
        lw.rmsFfn = vector(p + "ffn_norm.weight", dim);
        lw.w1 = matrix(p + "ffn_gate.weight", hidden, dim);
        lw.w3 = matrix(p + "ffn_up.weight", hidden, dim);
        lw.w2 = matrix(p + "ffn_down.weight", dim, hidden);
    }
    if (!problem.empty())
        return makeError(problem);
    c.weightTypes.clear();
    for (const std::string &t : matrixTypes)
        c.weightTypes += (c.weightTypes.empty() ? "" : ", ") + t;
    return std::shared_ptr<const Model>(std::make_shared<Model>(c, std::move(w), file, path,
                                                                "GGUF v" + std::to_string(f.version()),
                                                                std::move(owned)));
}

} // namespace attnscope
