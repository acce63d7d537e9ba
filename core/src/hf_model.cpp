// Hugging Face model folders: config.json + model.safetensors (or shards listed in model.safetensors.index.json).
// Llama, Mistral and Qwen2 (Hugging Face keeps q/k in the rotate-half RoPE layout, so these run with
// Positions::RopeHalf and no permutation), GPT-2 (Conv1D weights transposed once) and BERT. Pickles are refused.
#include "attnscope/model.h"
#include "attnscope/safetensors.h"
#include "io/json.h"
#include "mapped_file.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace attnscope {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxJsonFile = 16u << 20;

Result<std::shared_ptr<const json::Document>> readJsonFile(const fs::path &path) {
    return json::Document::readFile(path.string(), kMaxJsonFile);
}

struct Shards {
    std::vector<std::shared_ptr<const SafetensorsFile>> files;
    std::map<std::string, const SafeTensor *> byName;
};

} // namespace

std::string pickleRefusal(const std::string &name) {
    return name + ": a PyTorch pickle checkpoint. Loading pickles can run arbitrary code, so AttnScope never opens "
                  "them. Convert the model to safetensors (in Python: model.save_pretrained(dir, "
                  "safe_serialization=True)) or to GGUF (llama.cpp's convert_hf_to_gguf.py) and open that.";
}

Result<std::shared_ptr<const Model>> loadHfFolder(const std::string &dirPath) {
    const fs::path dir(dirPath);
    const std::string name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
    std::error_code ec;
    if (!fs::is_regular_file(dir / "config.json", ec))
        return makeError(name + ": a folder without config.json; open a model file (GGUF or llama2.c .bin) or a "
                                "Hugging Face model folder");

    // Weights: one safetensors file or shards; pickles are refused with the reason.
    auto shards = std::make_shared<Shards>();
    std::vector<fs::path> files;
    if (fs::is_regular_file(dir / "model.safetensors", ec)) {
        files.push_back(dir / "model.safetensors");
    } else if (fs::is_regular_file(dir / "model.safetensors.index.json", ec)) {
        auto index = readJsonFile(dir / "model.safetensors.index.json");
        if (!index)
            return index.error();
        const auto map = json::member(index.value()->root(), "weight_map");
        if (!map || !json::isObject(*map))
            return makeError(name + ": model.safetensors.index.json has no weight_map");
        std::set<std::string> unique;
        for (const json::Field &field : json::fields(*map)) {
            const auto f = json::string(field.value);
            if (!f || f->find('/') != std::string_view::npos || f->find("..") != std::string_view::npos)
                return makeError(name + ": model.safetensors.index.json names an invalid shard for " + std::string(field.key));
            if (unique.insert(std::string(*f)).second)
                files.push_back(dir / *f);
        }
    } else {
        for (const char *pickle : {"pytorch_model.bin", "model.pt", "model.pth", "pytorch_model.bin.index.json"})
            if (fs::exists(dir / pickle, ec))
                return makeError(pickleRefusal(name + "/" + pickle));
        return makeError(name + ": no model.safetensors or model.safetensors.index.json in the folder");
    }
    for (const fs::path &f : files) {
        auto st = SafetensorsFile::open(f.string());
        if (!st)
            return st.error();
        shards->files.push_back(st.value());
        for (const auto &[tname, t] : st.value()->tensors())
            shards->byName.emplace(tname, &t);
    }

    auto config = readJsonFile(dir / "config.json");
    if (!config)
        return config.error();
    const json::Element cfg = config.value()->root();
    std::string arch;
    if (const auto a = json::member(cfg, "architectures"))
        if (const std::vector<json::Element> list = json::items(*a); !list.empty())
            arch = std::string(json::string(list.front()).value_or(""));
    const bool llamaLike = arch == "LlamaForCausalLM" || arch == "MistralForCausalLM" || arch == "Qwen2ForCausalLM";
    const bool gpt2 = arch == "GPT2LMHeadModel" || arch == "GPT2Model";
    const bool bert = arch == "BertModel" || arch == "BertForMaskedLM";
    if (!llamaLike && !gpt2 && !bert)
        return makeError(name + ": Hugging Face architecture \"" + arch + "\" is not supported (LlamaForCausalLM, "
                         "MistralForCausalLM, Qwen2ForCausalLM, GPT2LMHeadModel, BertModel and BertForMaskedLM are)");
    auto integer = [&](const char *key, std::int64_t fallback) { return json::integerMember(cfg, key).value_or(fallback); };
    auto number = [&](const char *key, double fallback) { return json::numberMember(cfg, key).value_or(fallback); };
    ModelConfig c;
    c.architecture = gpt2 ? "gpt2" : bert ? "bert" : arch == "Qwen2ForCausalLM" ? "qwen2" : "llama";
    c.positions = llamaLike ? Positions::RopeHalf : Positions::Learned;
    c.dim = static_cast<int>(integer(gpt2 ? "n_embd" : "hidden_size", 0));
    c.layers = static_cast<int>(integer(gpt2 ? "n_layer" : "num_hidden_layers", 0));
    c.heads = static_cast<int>(integer(gpt2 ? "n_head" : "num_attention_heads", 0));
    c.hiddenDim = static_cast<int>(gpt2 ? integer("n_inner", 4 * std::int64_t(c.dim)) : integer("intermediate_size", 0));
    c.kvHeads = static_cast<int>(integer("num_key_value_heads", c.heads));
    c.vocabSize = static_cast<int>(integer("vocab_size", 0));
    c.contextLength = static_cast<int>(gpt2 ? integer("n_positions", integer("n_ctx", 1024)) : integer("max_position_embeddings", 2048));
    c.rmsEps = static_cast<float>(number("rms_norm_eps", 1e-6));
    if (!llamaLike) {
        c.norm = NormKind::Layer;
        c.rmsEps = static_cast<float>(gpt2 ? number("layer_norm_epsilon", 1e-5) : number("layer_norm_eps", 1e-12));
        c.feedForward = gpt2 ? FeedForward::GeluTanh : FeedForward::GeluErf;
        c.causal = gpt2;
        c.postNorm = bert;
    }
    c.ropeTheta = static_cast<float>(number("rope_theta", 10000.0));
    const bool tied = json::boolMember(cfg, "tie_word_embeddings").value_or(false);
    if (c.dim <= 0 || c.dim > (1 << 16) || c.hiddenDim <= 0 || c.layers <= 0 || c.layers > 1024 || c.heads <= 0 ||
        c.kvHeads <= 0 || c.heads % c.kvHeads != 0 || c.dim % c.heads != 0 || c.vocabSize <= 0 || c.contextLength <= 0 ||
        c.headSize() % 2 != 0)
        return makeError(name + ": config.json has missing or inconsistent sizes (hidden_size, intermediate_size, "
                                "num_hidden_layers, num_attention_heads, num_key_value_heads, vocab_size)");

    std::vector<std::vector<float>> owned;
    std::set<std::string> types;
    std::string problem;
    auto find = [&](const std::string &tname) -> const SafeTensor * {
        const auto it = shards->byName.find(tname);
        if (it == shards->byName.end()) {
            problem = problem.empty() ? name + ": tensor " + tname + " is missing" : problem;
            return nullptr;
        }
        if (!it->second->type) {
            problem = problem.empty() ? name + ": tensor " + tname + " is " + it->second->dtype +
                                            "; weights must be F32, F16 or BF16" : problem;
            return nullptr;
        }
        return it->second;
    };
    auto matrix = [&](const std::string &tname, std::int64_t rows, std::int64_t cols) -> Tensor {
        const SafeTensor *t = find(tname);
        if (!t)
            return {};
        if (t->shape.size() != 2 || t->shape[0] != rows || t->shape[1] != cols) {
            problem = problem.empty() ? name + ": tensor " + tname + " does not have the shape [" + std::to_string(rows) +
                                            ", " + std::to_string(cols) + "] config.json implies" : problem;
            return {};
        }
        types.insert(t->dtype);
        if (*t->type == GgmlType::F32 && reinterpret_cast<std::uintptr_t>(t->data) % alignof(float) != 0) {
            // safetensors does not align tensors: an F32 one after an odd number of F16 values is copied once, so the
            // matrix code reads floats at float addresses.
            owned.emplace_back(static_cast<std::size_t>(rows * cols));
            std::memcpy(owned.back().data(), t->data, owned.back().size() * sizeof(float));
            return Tensor{GgmlType::F32, owned.back().data(), rows, cols};
        }
        return Tensor{*t->type, t->data, rows, cols};
    };
    auto vector = [&](const std::string &tname, std::int64_t n) -> const float * {
        const SafeTensor *t = find(tname);
        if (!t)
            return nullptr;
        if (t->elements() != n) {
            problem = problem.empty() ? name + ": tensor " + tname + " is not " + std::to_string(n) + " values" : problem;
            return nullptr;
        }
        owned.emplace_back(static_cast<std::size_t>(n));
        dequantizeRow(*t->type, t->data, owned.back().data(), n); // F16/BF16 norms converted once (F32 copied)
        return owned.back().data();
    };

    // Names with or without the wrapper's prefix ("model.", "transformer.", "bert."), as checkpoints differ.
    auto named = [&](const std::string &prefix, const std::string &rest) {
        return shards->byName.count(prefix + rest) ? prefix + rest : rest;
    };
    // GPT-2's Conv1D stores (in, out): transposed once into float32 (out, in).
    auto transposed = [&](const std::string &tname, std::int64_t in, std::int64_t out) -> Tensor {
        const SafeTensor *t = find(tname);
        if (!t)
            return {};
        if (t->shape.size() != 2 || t->shape[0] != in || t->shape[1] != out) {
            problem = problem.empty() ? name + ": tensor " + tname + " is not [" + std::to_string(in) + ", " +
                                            std::to_string(out) + "]" : problem;
            return {};
        }
        types.insert(t->dtype);
        std::vector<float> stored(static_cast<std::size_t>(in * out));
        dequantizeRow(*t->type, t->data, stored.data(), in * out);
        owned.emplace_back(stored.size());
        for (std::int64_t i = 0; i < in; ++i)
            for (std::int64_t o = 0; o < out; ++o)
                owned.back()[static_cast<std::size_t>(o * in + i)] = stored[static_cast<std::size_t>(i * out + o)];
        return Tensor{GgmlType::F32, owned.back().data(), out, in};
    };
    const std::int64_t dim = c.dim, hidden = c.hiddenDim, kvDim = c.kvDim();
    ModelWeights w;
    w.layers.resize(static_cast<std::size_t>(c.layers));
    if (gpt2) {
        const std::string t = "transformer.";
        w.tokenEmbedding = matrix(named(t, "wte.weight"), c.vocabSize, dim);
        w.positionEmbedding = matrix(named(t, "wpe.weight"), c.contextLength, dim);
        for (int l = 0; l < c.layers; ++l) {
            const std::string p = "h." + std::to_string(l) + ".";
            LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
            lw.rmsAtt = vector(named(t, p + "ln_1.weight"), dim);
            lw.attNormBias = vector(named(t, p + "ln_1.bias"), dim);
            const Tensor qkv = transposed(named(t, p + "attn.c_attn.weight"), dim, 3 * dim); // rows: q, k, v
            for (int part = 0; part < 3 && qkv.data; ++part)
                (part == 0 ? lw.wq : part == 1 ? lw.wk : lw.wv) =
                    Tensor{GgmlType::F32, qkv.f32() + part * dim * dim, dim, dim};
            if (const float *b = vector(named(t, p + "attn.c_attn.bias"), 3 * dim)) {
                lw.bq = b;
                lw.bk = b + dim;
                lw.bv = b + 2 * dim;
            }
            lw.wo = transposed(named(t, p + "attn.c_proj.weight"), dim, dim);
            lw.bo = vector(named(t, p + "attn.c_proj.bias"), dim);
            lw.rmsFfn = vector(named(t, p + "ln_2.weight"), dim);
            lw.ffnNormBias = vector(named(t, p + "ln_2.bias"), dim);
            lw.w3 = transposed(named(t, p + "mlp.c_fc.weight"), dim, hidden);
            lw.b3 = vector(named(t, p + "mlp.c_fc.bias"), hidden);
            lw.w2 = transposed(named(t, p + "mlp.c_proj.weight"), hidden, dim);
            lw.b2 = vector(named(t, p + "mlp.c_proj.bias"), dim);
        }
        w.rmsFinal = vector(named(t, "ln_f.weight"), dim);
        w.finalNormBias = vector(named(t, "ln_f.bias"), dim);
        c.sharedClassifier = shards->byName.count("lm_head.weight") == 0;
        w.classifier = c.sharedClassifier ? w.tokenEmbedding : matrix("lm_head.weight", c.vocabSize, dim);
    } else if (bert) {
        const std::string b = "bert.";
        // Older checkpoints call LayerNorm's parameters gamma and beta.
        auto normWeight = [&](const std::string &base) {
            return shards->byName.count(named(b, base + ".weight")) ? named(b, base + ".weight") : named(b, base + ".gamma");
        };
        auto normBias = [&](const std::string &base) {
            return shards->byName.count(named(b, base + ".bias")) ? named(b, base + ".bias") : named(b, base + ".beta");
        };
        c.tokenTypes = static_cast<int>(integer("type_vocab_size", 2));
        w.tokenEmbedding = matrix(named(b, "embeddings.word_embeddings.weight"), c.vocabSize, dim);
        w.positionEmbedding = matrix(named(b, "embeddings.position_embeddings.weight"), c.contextLength, dim);
        w.tokenTypeEmbedding = matrix(named(b, "embeddings.token_type_embeddings.weight"), c.tokenTypes, dim);
        w.embNorm = vector(normWeight("embeddings.LayerNorm"), dim);
        w.embNormBias = vector(normBias("embeddings.LayerNorm"), dim);
        for (int l = 0; l < c.layers; ++l) {
            const std::string p = "encoder.layer." + std::to_string(l) + ".";
            LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
            lw.wq = matrix(named(b, p + "attention.self.query.weight"), dim, dim);
            lw.bq = vector(named(b, p + "attention.self.query.bias"), dim);
            lw.wk = matrix(named(b, p + "attention.self.key.weight"), dim, dim);
            lw.bk = vector(named(b, p + "attention.self.key.bias"), dim);
            lw.wv = matrix(named(b, p + "attention.self.value.weight"), dim, dim);
            lw.bv = vector(named(b, p + "attention.self.value.bias"), dim);
            lw.wo = matrix(named(b, p + "attention.output.dense.weight"), dim, dim);
            lw.bo = vector(named(b, p + "attention.output.dense.bias"), dim);
            lw.rmsAtt = vector(normWeight(p + "attention.output.LayerNorm"), dim);
            lw.attNormBias = vector(normBias(p + "attention.output.LayerNorm"), dim);
            lw.w3 = matrix(named(b, p + "intermediate.dense.weight"), hidden, dim);
            lw.b3 = vector(named(b, p + "intermediate.dense.bias"), hidden);
            lw.w2 = matrix(named(b, p + "output.dense.weight"), dim, hidden);
            lw.b2 = vector(named(b, p + "output.dense.bias"), dim);
            lw.rmsFfn = vector(normWeight(p + "output.LayerNorm"), dim);
            lw.ffnNormBias = vector(normBias(p + "output.LayerNorm"), dim);
        }
        c.sharedClassifier = false; // the masked-LM head, if present, is not used: attention only
    } else {
    w.tokenEmbedding = matrix("model.embed_tokens.weight", c.vocabSize, dim);
    w.rmsFinal = vector("model.norm.weight", dim);
    c.sharedClassifier = tied || shards->byName.count("lm_head.weight") == 0;
    w.classifier = c.sharedClassifier ? w.tokenEmbedding : matrix("lm_head.weight", c.vocabSize, dim);
    for (int l = 0; l < c.layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.rmsAtt = vector(p + "input_layernorm.weight", dim);
        lw.wq = matrix(p + "self_attn.q_proj.weight", dim, dim);
        lw.wk = matrix(p + "self_attn.k_proj.weight", kvDim, dim);
        lw.wv = matrix(p + "self_attn.v_proj.weight", kvDim, dim);
        if (c.architecture == "qwen2") {
            lw.bq = vector(p + "self_attn.q_proj.bias", dim);
            lw.bk = vector(p + "self_attn.k_proj.bias", kvDim);
            lw.bv = vector(p + "self_attn.v_proj.bias", kvDim);
        }
        lw.wo = matrix(p + "self_attn.o_proj.weight", dim, dim);
        lw.rmsFfn = vector(p + "post_attention_layernorm.weight", dim);
        lw.w1 = matrix(p + "mlp.gate_proj.weight", hidden, dim);
        lw.w3 = matrix(p + "mlp.up_proj.weight", hidden, dim);
        lw.w2 = matrix(p + "mlp.down_proj.weight", dim, hidden);
    }
    }
    if (!problem.empty())
        return makeError(problem);
    for (const std::string &t : types)
        c.weightTypes = c.weightTypes.empty() || c.weightTypes == "F32" ? t : c.weightTypes + ", " + t;
    return std::shared_ptr<const Model>(std::make_shared<Model>(c, std::move(w), shards, dirPath,
                                                                "Hugging Face safetensors (" + arch + ")", std::move(owned)));
}

} // namespace attnscope
