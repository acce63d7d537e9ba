// Hugging Face model folders: config.json + model.safetensors (or shards listed in model.safetensors.index.json).
// Llama, Mistral and Qwen2 (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM): Hugging Face keeps q/k in the
// rotate-half RoPE layout, so these run with Positions::RopeHalf and no permutation. Pickles are refused.
#include "attnscope/model.h"
#include "attnscope/safetensors.h"
#include "json.h"
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

Result<JsonValue> readJsonFile(const fs::path &path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec)
        return makeError(path.filename().string() + ": cannot read (" + ec.message() + ")");
    if (size > kMaxJsonFile)
        return makeError(path.filename().string() + ": too large for a configuration file");
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto json = parseJson(buffer.str());
    if (!json)
        return makeError(path.filename().string() + ": not valid JSON (" + json.error().message + ")");
    return json;
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
        const JsonValue *map = index->get("weight_map");
        if (!map || map->type != JsonValue::Type::Object)
            return makeError(name + ": model.safetensors.index.json has no weight_map");
        std::set<std::string> unique;
        for (const auto &[tensor, file] : map->object) {
            const auto f = file.asString();
            if (!f || f->find('/') != std::string::npos || f->find("..") != std::string::npos)
                return makeError(name + ": model.safetensors.index.json names an invalid shard for " + tensor);
            if (unique.insert(*f).second)
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
    const JsonValue &cfg = config.value();
    std::string arch;
    if (const JsonValue *a = cfg.get("architectures"); a && a->type == JsonValue::Type::Array && !a->array.empty())
        arch = a->array.front().asString().value_or("");
    if (arch != "LlamaForCausalLM" && arch != "MistralForCausalLM" && arch != "Qwen2ForCausalLM")
        return makeError(name + ": Hugging Face architecture \"" + arch + "\" is not supported in folders yet " +
                         "(LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM are); a GGUF of the model opens");
    auto integer = [&](const char *key, std::int64_t fallback) {
        const JsonValue *v = cfg.get(key);
        return v && v->integer() ? *v->integer() : fallback;
    };
    ModelConfig c;
    c.architecture = arch == "Qwen2ForCausalLM" ? "qwen2" : "llama";
    c.positions = Positions::RopeHalf;
    c.dim = static_cast<int>(integer("hidden_size", 0));
    c.hiddenDim = static_cast<int>(integer("intermediate_size", 0));
    c.layers = static_cast<int>(integer("num_hidden_layers", 0));
    c.heads = static_cast<int>(integer("num_attention_heads", 0));
    c.kvHeads = static_cast<int>(integer("num_key_value_heads", c.heads));
    c.vocabSize = static_cast<int>(integer("vocab_size", 0));
    c.contextLength = static_cast<int>(integer("max_position_embeddings", 2048));
    c.rmsEps = static_cast<float>(cfg.get("rms_norm_eps") && cfg.get("rms_norm_eps")->asNumber()
                                      ? *cfg.get("rms_norm_eps")->asNumber() : 1e-6);
    c.ropeTheta = static_cast<float>(cfg.get("rope_theta") && cfg.get("rope_theta")->asNumber()
                                         ? *cfg.get("rope_theta")->asNumber() : 10000.0);
    const bool tied = cfg.get("tie_word_embeddings") && cfg.get("tie_word_embeddings")->type == JsonValue::Type::Bool &&
                      cfg.get("tie_word_embeddings")->boolean;
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

    const std::int64_t dim = c.dim, hidden = c.hiddenDim, kvDim = c.kvDim();
    ModelWeights w;
    w.tokenEmbedding = matrix("model.embed_tokens.weight", c.vocabSize, dim);
    w.rmsFinal = vector("model.norm.weight", dim);
    c.sharedClassifier = tied || shards->byName.count("lm_head.weight") == 0;
    w.classifier = c.sharedClassifier ? w.tokenEmbedding : matrix("lm_head.weight", c.vocabSize, dim);
    w.layers.resize(static_cast<std::size_t>(c.layers));
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
    if (!problem.empty())
        return makeError(problem);
    for (const std::string &t : types)
        c.weightTypes = c.weightTypes.empty() || c.weightTypes == "F32" ? t : c.weightTypes + ", " + t;
    return std::shared_ptr<const Model>(std::make_shared<Model>(c, std::move(w), shards, dirPath,
                                                                "Hugging Face safetensors (" + arch + ")", std::move(owned)));
}

} // namespace attnscope
