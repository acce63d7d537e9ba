// What a file or folder on disk is, from its headers only: a GGUF's metadata and tensor directory, a llama2.c
// header, a Hugging Face folder's config.json and safetensors headers. Listing a cache of thousands of files must
// stay fast, so nothing here builds a model or touches tensor data.
#include "arch/family.h"
#include "attnscope/engine.h"
#include "attnscope/gguf.h"
#include "attnscope/hf_tokenizer.h"
#include "attnscope/model.h"
#include "attnscope/model_locator.h"
#include "attnscope/quant.h"
#include "attnscope/safetensors.h"
#include "io/json.h"

#include <filesystem>
#include <map>
#include <set>

namespace attnscope {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxConfigJson = 16u << 20;

std::uint64_t sizeOf(const fs::path &p) {
    std::error_code ec;
    const std::uintmax_t n = fs::file_size(p, ec);
    return ec ? 0 : n;
}

// The type with the most bytes, e.g. Q4_K for a Q4_K_M file whose few Q6_K and F32 tensors are small.
std::string dominantType(const std::map<std::string, std::uint64_t> &bytesByType) {
    std::string best;
    std::uint64_t most = 0;
    for (const auto &[type, bytes] : bytesByType)
        if (bytes > most || best.empty()) {
            best = type;
            most = bytes;
        }
    return best;
}

void inspectGguf(const fs::path &path, ModelEntry &e) {
    e.format = "GGUF";
    e.selfContained = true;
    e.fileSize = sizeOf(path);
    auto opened = gguf::File::open(path.string(), gguf::File::Detail::Summary);
    if (!opened) {
        e.reason = opened.error().message;
        return;
    }
    const gguf::File &f = *opened.value();
    std::map<std::string, std::uint64_t> bytesByType;
    for (const gguf::TensorInfo &t : f.tensors()) {
        e.parameters += t.elements();
        if (t.dims.size() >= 2) // matrices hold the weights; norms and biases are F32 in every file
            bytesByType[ggmlTypeName(t.type)] += t.bytes;
    }
    e.weightType = dominantType(bytesByType);
    e.architecture = f.getString("general.architecture").value_or("");
    int part = 0;
    if (const int parts = ggufSplitParts(path.filename().string(), &part); parts > 1) {
        e.reason = "part " + std::to_string(part) + " of a GGUF split in " + std::to_string(parts) +
                   " files; merge them with llama-gguf-split --merge and open the result";
        return;
    }
    const arch::Family *family = arch::familyForGguf(e.architecture);
    if (e.architecture.empty()) {
        e.reason = "no general.architecture: not a model";
        return;
    }
    if (!family) {
        e.reason = "architecture \"" + e.architecture + "\" is not supported (AttnScope runs " +
                   arch::supportedGgufList() + ")";
        return;
    }
    e.family = family->title;
    if (f.tensors().empty()) {
        e.reason = "a vocabulary-only file (no weights)";
        return;
    }
    for (const gguf::TensorInfo &t : f.tensors())
        if (!typeInfo(t.type)) {
            e.reason = "tensor " + t.name + " is stored as " + ggmlTypeName(t.type) + ", which AttnScope cannot read";
            return;
        }
    if (!f.getString("tokenizer.ggml.model")) {
        e.reason = "no tokenizer inside the file (tokenizer.ggml.model is missing)";
        return;
    }
    e.supported = true;
}

void inspectLlama2c(const fs::path &path, ModelEntry &e) {
    auto model = loadLlama2c(path.string()); // mapped, and a checkpoint's size is fixed by its header
    if (!model)
        return;                              // not a checkpoint: a .bin can be anything, so it is not listed
    const ModelConfig &c = model.value()->config();
    e.format = "llama2.c";
    e.architecture = c.architecture;
    e.family = c.family;
    e.fileSize = sizeOf(path);
    e.weightType = "F32";
    const std::int64_t dim = c.dim, kvDim = std::int64_t(c.kvHeads) * c.headSize(), hidden = c.hiddenDim;
    // (vocab, dim) embedding; per layer two norms, wq wo (dim, dim), wk wv (kv_dim, dim), w1 w3 (hidden, dim),
    // w2 (dim, hidden); the final norm; a separate classifier when not shared.
    e.parameters = std::int64_t(c.vocabSize) * dim * (c.sharedClassifier ? 1 : 2) + dim +
                   std::int64_t(c.layers) * (2 * dim + 2 * dim * dim + 2 * kvDim * dim + 3 * hidden * dim);
    e.tokenizerPath = findTokenizerBeside(path.string(), c.vocabSize);
    e.supported = true;
    if (e.tokenizerPath.empty())
        e.reason = "no tokenizer beside it (tok" + std::to_string(c.vocabSize) + ".model or tokenizer.model)";
}

void inspectFolder(const fs::path &dir, ModelEntry &e) {
    e.format = "safetensors";
    e.selfContained = true;
    auto config = json::Document::readFile((dir / "config.json").string(), kMaxConfigJson);
    if (!config) {
        e.reason = config.error().message;
        return;
    }
    json::Element cfg = config.value()->root();
    if (const auto a = json::member(cfg, "architectures"))
        if (const std::vector<json::Element> list = json::items(*a); !list.empty())
            e.architecture = std::string(json::string(list.front()).value_or(""));
    if (e.architecture.empty())
        e.architecture = std::string(json::stringMember(cfg, "model_type").value_or(""));

    auto weights = findHfWeights(dir.string());
    if (!weights) {
        e.reason = weights.error().message;
        return;
    }
    const std::vector<std::string> &shards = weights.value().safetensors;
    std::map<std::string, std::uint64_t> bytesByType;
    std::set<std::string> usable;
    for (const std::string &shard : shards) {
        e.fileSize += sizeOf(shard);
        auto st = SafetensorsFile::open(shard);
        if (!st) {
            e.reason = st.error().message;
            return;
        }
        for (const auto &[name, t] : st.value()->tensors()) {
            e.parameters += t.elements();
            // GPT-2 and Pythia checkpoints carry their causal masks as BOOL buffers the loader never reads
            if (t.shape.size() >= 2 && t.dtype != "BOOL") {
                bytesByType[t.dtype] += t.bytes;
                if (t.type)
                    usable.insert(t.dtype);
            }
        }
    }
    e.weightType = dominantType(bytesByType);
    const arch::Family *family = arch::familyForHf(e.architecture);
    if (family)
        e.family = family->title;
    if (const std::string &pickle = weights.value().pickle; shards.empty() && !pickle.empty()) {
        e.fileSize = sizeOf(pickle);
        e.reason = fs::path(pickle).filename().string() + " is a PyTorch pickle, which AttnScope never opens (it can "
                                                          "run code); use the model's safetensors or GGUF version";
        return;
    }
    if (shards.empty()) {
        e.reason = "no model.safetensors in the folder";
        return;
    }
    if (!family) {
        e.reason = "architecture \"" + e.architecture + "\" is not supported (AttnScope runs " +
                   arch::supportedHfList() + ")";
        return;
    }
    if (!e.weightType.empty() && !usable.count(e.weightType)) { // e.g. MLX's packed U32 quantization
        e.reason = "the weights are stored as " + e.weightType + ", which AttnScope cannot read (F32, F16 and BF16 are)";
        return;
    }
    if (hfFolderTokenizer(dir.string()).empty()) {
        e.reason = "no tokenizer in the folder (tokenizer.json, tokenizer.model, vocab.json + merges.txt or vocab.txt)";
        return;
    }
    e.supported = true;
}

} // namespace

int ggufSplitParts(const std::string &name, int *part) {
    constexpr std::size_t tail = 20; // "-00001-of-00003.gguf"
    if (name.size() <= tail || name.compare(name.size() - 5, 5, ".gguf") != 0)
        return 0;
    const std::string_view t(name.data() + name.size() - tail, tail - 5); // "-00001-of-00003"
    const auto isDigits = [](std::string_view v) { return v.find_first_not_of("0123456789") == std::string_view::npos; };
    if (t[0] != '-' || t.substr(6, 4) != "-of-" || !isDigits(t.substr(1, 5)) || !isDigits(t.substr(10, 5)))
        return 0;
    const int n = std::stoi(std::string(t.substr(1, 5))), of = std::stoi(std::string(t.substr(10, 5)));
    if (n < 1 || n > of)
        return 0;
    if (part)
        *part = n;
    return of;
}

std::string familyTitle(const std::string &architecture) {
    const arch::Family *family = arch::familyForGguf(architecture);
    return family ? family->title : std::string();
}

ModelEntry inspectModel(const std::string &pathString) {
    const fs::path path(pathString);
    ModelEntry e;
    e.modelPath = pathString;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        e.name = path.filename().empty() ? path.parent_path().filename().string() : path.filename().string();
        if (fs::is_regular_file(path / "config.json", ec))
            inspectFolder(path, e);
        else
            e.reason = "a folder without config.json";
        return e;
    }
    if (!fs::is_regular_file(path, ec)) {
        e.reason = "not a regular file";
        return e;
    }
    if (gguf::startsWithMagic(pathString)) {
        e.name = path.filename().extension() == ".gguf" ? path.stem().string() : path.filename().string();
        inspectGguf(path, e);
        return e;
    }
    e.name = path.stem().string();
    if (path.extension() == ".bin" && !isPickle(pathString))
        inspectLlama2c(path, e);
    if (e.format.empty())
        e.reason = "not a model file AttnScope knows (GGUF, llama2.c, a Hugging Face folder)";
    return e;
}

} // namespace attnscope
