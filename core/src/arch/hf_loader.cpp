// Hugging Face model folders: config.json + model.safetensors (or shards listed in model.safetensors.index.json).
// The family named by config.json "architectures" reads its settings from config.json (or its text_config, for
// multimodal wrappers such as Gemma3ForConditionalGeneration) and its tensors by Hugging Face's names, with or
// without the wrapper's prefix. Pickles are refused.
#include "arch/family.h"
#include "attnscope/model.h"
#include "attnscope/safetensors.h"
#include "io/json.h"
#include "io/mapped_file.h"

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
    std::map<std::string, arch::StoredTensor> byName;
    std::vector<std::vector<unsigned char>> bytes; // re-ordered copies made while loading
};

class HfWeightReader : public arch::WeightReader {
public:
    HfWeightReader(const Shards &shards, std::string name) : m_shards(shards), m_name(std::move(name)) {}
    bool gguf() const override { return false; }
    std::string fileName() const override { return m_name; }

protected:
    const arch::StoredTensor *find(const std::string &n) const override {
        const auto it = m_shards.byName.find(n);
        return it == m_shards.byName.end() ? nullptr : &it->second;
    }
    // Checkpoints name the same tensor with or without their wrapper: "model.layers.0..." in a CausalLM,
    // "language_model.model.layers.0..." or "model.language_model.layers.0..." in a multimodal model,
    // "transformer.h.0..." or "h.0..." for GPT-2, "bert.encoder..." or "encoder..." for BERT.
    std::string resolve(const std::string &n) const override {
        if (find(n))
            return n;
        std::vector<std::string> candidates{"language_model." + n};
        if (n.rfind("model.", 0) == 0)
            candidates.push_back("model.language_model." + n.substr(6));
        if (const std::size_t dot = n.find('.'); dot != std::string::npos)
            candidates.push_back(n.substr(dot + 1));
        for (const std::string &c : candidates)
            if (find(c))
                return c;
        return n;
    }

private:
    const Shards &m_shards;
    std::string m_name;
};

} // namespace

std::string pickleRefusal(const std::string &name) {
    return name + ": a PyTorch pickle checkpoint. Loading pickles can run arbitrary code, so AttnScope never opens "
                  "them. Convert the model to safetensors (in Python: model.save_pretrained(dir, "
                  "safe_serialization=True)) or to GGUF (llama.cpp's convert_hf_to_gguf.py) and open that.";
}

Result<HfWeights> findHfWeights(const std::string &dirPath) {
    const fs::path dir(dirPath);
    const std::string name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
    std::error_code ec;
    HfWeights out;
    if (fs::is_regular_file(dir / "model.safetensors", ec)) {
        out.safetensors.push_back((dir / "model.safetensors").string());
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
                out.safetensors.push_back((dir / *f).string());
        }
    } else {
        for (const char *pickle : {"pytorch_model.bin", "model.pt", "model.pth", "pytorch_model.bin.index.json"})
            if (fs::exists(dir / pickle, ec)) {
                out.pickle = (dir / pickle).string();
                break;
            }
    }
    return out;
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
    auto weights = findHfWeights(dirPath);
    if (!weights)
        return weights.error();
    if (weights.value().safetensors.empty()) {
        if (!weights.value().pickle.empty())
            return makeError(pickleRefusal(name + "/" + fs::path(weights.value().pickle).filename().string()));
        return makeError(name + ": no model.safetensors or model.safetensors.index.json in the folder");
    }
    std::vector<fs::path> files(weights.value().safetensors.begin(), weights.value().safetensors.end());
    for (const fs::path &f : files) {
        auto st = SafetensorsFile::open(f.string());
        if (!st)
            return st.error();
        shards->files.push_back(st.value());
        for (const auto &[tname, t] : st.value()->tensors()) {
            arch::StoredTensor stored;
            stored.type = t.type.value_or(GgmlType::F32);
            stored.supported = t.type.has_value();
            stored.data = t.data;
            stored.shape = t.shape;
            stored.typeName = t.dtype;
            shards->byName.emplace(tname, std::move(stored));
        }
    }

    auto config = readJsonFile(dir / "config.json");
    if (!config)
        return config.error();
    json::Element cfg = config.value()->root();
    std::string hfClass;
    if (const auto a = json::member(cfg, "architectures"))
        if (const std::vector<json::Element> list = json::items(*a); !list.empty())
            hfClass = std::string(json::string(list.front()).value_or(""));
    const arch::Family *family = arch::familyForHf(hfClass);
    if (!family)
        return makeError(name + ": Hugging Face architecture \"" + hfClass + "\" is not supported (" +
                         arch::supportedHfList() + " are)");
    // A multimodal wrapper keeps the language model's settings in text_config.
    if (const auto text = json::member(cfg, "text_config"); text && json::isObject(*text))
        cfg = *text;

    ModelConfig c;
    ModelWeights w;
    HfWeightReader r(*shards, name);
    if (auto read = arch::readModel(*family, arch::Settings(cfg, name), r, c, w, name + ": config.json: "); !read)
        return read.error();
    if (const auto vocab = json::integerMember(cfg, "vocab_size"); vocab && *vocab != c.vocabSize)
        return makeError(name + ": config.json vocab_size = " + std::to_string(*vocab) + " but the embedding has " +
                         std::to_string(c.vocabSize) + " rows");
    shards->bytes = std::move(r.bytes);
    return std::shared_ptr<const Model>(std::make_shared<Model>(c, std::move(w), shards, dirPath,
                                                                "Hugging Face safetensors (" + hfClass + ")",
                                                                std::move(r.floats)));
}

} // namespace attnscope
