// Engine: pairs a model with its tokenizer, checks input against the context, times and runs the forward pass.
#include "attnscope/engine.h"
#include "attnscope/gguf.h"
#include "attnscope/gguf_tokenizer.h"
#include "attnscope/hf_tokenizer.h"
#include "attnscope/safetensors.h"
#include "io/mapped_file.h"
#include "runtime/forward.h"
#include "runtime/kernels.h"
#include "runtime/kv_cache.h"
#include "runtime/memory.h"
#include "runtime/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>

namespace attnscope {

std::string computeKernels() {
    return kernels::cpuFeatures();
}

int computeThreads() {
    return threadCount();
}

namespace fs = std::filesystem;

Engine::Engine(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer, EngineInfo info)
    : m_model(std::move(model)), m_tokenizer(std::move(tokenizer)), m_info(std::move(info)) {}

std::string findTokenizerBeside(const std::string &modelPath, int vocabSize) {
    std::error_code ec;
    const fs::path dir = fs::path(modelPath).parent_path().empty() ? fs::path(".") : fs::path(modelPath).parent_path();
    for (const std::string &candidate :
         {"tok" + std::to_string(vocabSize) + ".model", std::string("tokenizer.model")}) {
        if (fs::is_regular_file(dir / candidate, ec))
            return (dir / candidate).string();
    }
    std::vector<fs::path> models;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == ".model" && it->is_regular_file(ec))
            models.push_back(it->path());
    }
    if (models.size() == 1)
        return models.front().string();
    // The TinyStories 15M/42M/110M checkpoints use the Llama 2 tokenizer, often kept in a sibling folder.
    if (vocabSize == 32000) {
        const fs::path sibling = dir.parent_path() / "llama2-tokenizer" / "tokenizer.model";
        if (fs::is_regular_file(sibling, ec))
            return sibling.string();
    }
    return {};
}

namespace {

Result<std::shared_ptr<const Tokenizer>> checkedTokenizer(Result<std::shared_ptr<const Tokenizer>> tokenizer,
                                                          const std::string &tokenizerName, const ModelConfig &cfg,
                                                          const std::string &modelPath) {
    if (!tokenizer)
        return tokenizer.error();
    // Hugging Face models often pad the embedding past the tokenizer (Qwen 2.5: 151,665 tokens, 151,936 rows), and a
    // tokenizer may add a few special tokens the weights lack (Gemma 3's <image_soft_token>): both are fine, and
    // an id the weights lack is refused per text (checkedIds). A vocabulary of another size is another model's.
    // A few extra pieces, not more than 1/64 of the table (an embedding of 1 row with 16 pieces is broken).
    const int n = tokenizer.value()->vocabSize(), extra = std::clamp(cfg.vocabSize / 64, 8, 256);
    if (n > cfg.vocabSize + extra || n < cfg.vocabSize - cfg.vocabSize / 10)
        return makeError(tokenizerName + ": tokenizer has " + std::to_string(tokenizer.value()->vocabSize()) +
                         " pieces but " + fileName(modelPath) + " expects a vocabulary of " +
                         std::to_string(cfg.vocabSize) + "; pick the tokenizer that belongs to this model");
    return tokenizer;
}

Result<std::shared_ptr<const Engine>> loadGguf(const std::string &modelPath, const std::string &tokenizerPath) {
    auto file = gguf::File::open(modelPath);
    if (!file)
        return file.error();
    auto model = loadGgufModel(file.value(), modelPath);
    if (!model)
        return model.error();
    const ModelConfig &cfg = model.value()->config();
    const bool own = tokenizerPath.empty();
    auto tokenizer = checkedTokenizer(own ? tokenizerFromGguf(*file.value()) : loadTokenizerFile(tokenizerPath),
                                      own ? fileName(modelPath) : fileName(tokenizerPath), cfg, modelPath);
    if (!tokenizer)
        return tokenizer.error();
    EngineInfo info;
    info.modelPath = modelPath;
    info.tokenizerPath = tokenizerPath;
    info.tokenizerKind = tokenizer.value()->kind() + (own ? std::string(" (from the GGUF vocabulary)") : " (" + fileName(tokenizerPath) + ")");
    info.format = model.value()->format();
    info.name = fs::path(modelPath).stem().string();
    info.config = cfg;
    return std::shared_ptr<const Engine>(std::make_shared<Engine>(model.value(), tokenizer.value(), std::move(info)));
}

Result<std::shared_ptr<const Engine>> loadFolder(const std::string &dir, const std::string &tokenizerPath) {
    auto model = loadHfFolder(dir);
    if (!model)
        return model.error();
    const ModelConfig &cfg = model.value()->config();
    auto tokenizer = checkedTokenizer(tokenizerPath.empty() ? tokenizerFromHfFolder(dir) : loadTokenizerFile(tokenizerPath),
                                      tokenizerPath.empty() ? fs::path(dir).filename().string() : fileName(tokenizerPath),
                                      cfg, dir);
    if (!tokenizer)
        return tokenizer.error();
    EngineInfo info;
    info.modelPath = dir;
    info.tokenizerPath = tokenizerPath;
    const std::string kind = tokenizer.value()->kind(), file = fileName(tokenizer.value()->path());
    info.tokenizerKind = kind.find(file) == std::string::npos ? kind + " (" + file + ")" : kind;
    info.format = model.value()->format();
    const fs::path p(dir);
    info.name = (p.filename().empty() ? p.parent_path() : p).filename().string();
    info.config = cfg;
    return std::shared_ptr<const Engine>(std::make_shared<Engine>(model.value(), tokenizer.value(), std::move(info)));
}

} // namespace

namespace {

// A model path must be a folder or a regular file (symlinks followed, as the Hugging Face cache is made of them):
// a FIFO or a device would block or never end, a dangling link or a loop gets its reason.
Status modelPathProblem(const std::string &path) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st))
        return makeError(fileName(path) + ": cannot open (" +
                         (ec ? ec.message() : std::string("no such file or folder")) + ")");
    if (!fs::is_directory(st) && !fs::is_regular_file(st))
        return makeError(fileName(path) + ": not a regular file or folder (a device, FIFO or socket); open a model "
                                          "file or a Hugging Face folder");
    return Ok{};
}

} // namespace

Result<std::shared_ptr<const Tokenizer>> Engine::loadTokenizer(const std::string &modelPath, const std::string &tokenizerPath) {
    if (!tokenizerPath.empty())
        return loadTokenizerFile(tokenizerPath);
    if (auto problem = modelPathProblem(modelPath); !problem)
        return problem.error();
    std::error_code ec;
    if (fs::is_directory(modelPath, ec))
        return tokenizerFromHfFolder(modelPath);
    if (gguf::startsWithMagic(modelPath)) {
        auto file = gguf::File::open(modelPath);
        if (!file)
            return file.error();
        return tokenizerFromGguf(*file.value());
    }
    auto engine = load(modelPath); // a llama2.c checkpoint: its header says which tokenizer belongs beside it
    if (!engine)
        return engine.error();
    return engine.value()->m_tokenizer;
}

Result<std::shared_ptr<const Engine>> Engine::load(const std::string &modelPath, const std::string &tokenizerPath) {
    if (auto problem = modelPathProblem(modelPath); !problem)
        return problem.error();
    std::error_code ec;
    if (fs::is_directory(modelPath, ec))
        return loadFolder(modelPath, tokenizerPath);
    if (gguf::startsWithMagic(modelPath))
        return loadGguf(modelPath, tokenizerPath);
    if (isPickle(modelPath))
        return makeError(pickleRefusal(fileName(modelPath)));
    auto model = loadLlama2c(modelPath);
    if (!model)
        return model.error();
    const ModelConfig &cfg = model.value()->config();

    std::string tokPath = tokenizerPath;
    if (tokPath.empty()) {
        tokPath = findTokenizerBeside(modelPath, cfg.vocabSize);
        if (tokPath.empty())
            return makeError(fileName(modelPath) + ": no tokenizer found beside it (expected tok" +
                             std::to_string(cfg.vocabSize) + ".model or tokenizer.model in the same folder); " +
                             "pass one with --tokenizer");
    }
    auto tokenizer = checkedTokenizer(loadTokenizerFile(tokPath), fileName(tokPath), cfg, modelPath);
    if (!tokenizer)
        return tokenizer.error();

    EngineInfo info;
    info.modelPath = modelPath;
    info.tokenizerPath = tokPath;
    info.tokenizerKind = tokenizer.value()->kind() + " (" + fileName(tokPath) + ")";
    info.format = model.value()->format();
    info.name = fs::path(modelPath).stem().string();
    info.config = cfg;
    return std::shared_ptr<const Engine>(std::make_shared<Engine>(model.value(), tokenizer.value(), std::move(info)));
}

Result<AttentionResult> Engine::analyze(std::string_view text, const AnalyzeParams &params,
                                        const ProgressFn &progress) const {
    const auto start = std::chrono::steady_clock::now();
    auto tokens = m_tokenizer->encode(text, true);
    if (!tokens)
        return tokens.error();
    const int context = m_model->config().contextLength;
    std::string analysed(text);
    bool truncated = false;
    if (static_cast<int>(tokens->size()) > context) {
        if (!params.truncateToContext) {
            Error tooLong = makeError("the text is " + std::to_string(tokens->size()) + " tokens long but " +
                                      m_info.name + " reads at most " + std::to_string(context) +
                                      " (its context); shorten the text");
            tooLong.beyondContext = true;
            return tooLong;
        }
        tokens->resize(static_cast<std::size_t>(context));
        analysed.resize(static_cast<std::size_t>(tokens->back().byteEnd));
        truncated = true;
    }
    auto result = analyzeTokens(std::move(tokens.value()), params, progress);
    if (!result)
        return result;
    result->text = std::move(analysed);
    result->truncated = truncated;
    result->computeMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return result;
}

Result<std::vector<int>> Engine::checkedIds(const std::vector<Token> &tokens) const {
    const ModelConfig &cfg = m_model->config();
    if (tokens.empty())
        return makeError("nothing to analyse: no tokens");
    if (static_cast<int>(tokens.size()) > cfg.contextLength) {
        Error tooLong = makeError(std::to_string(tokens.size()) + " tokens exceed the context of " +
                                  std::to_string(cfg.contextLength));
        tooLong.beyondContext = true;
        return tooLong;
    }
    std::vector<int> ids;
    ids.reserve(tokens.size());
    for (const Token &t : tokens) {
        if (t.id < 0 || t.id >= cfg.vocabSize)
            return makeError("token id " + std::to_string(t.id) + " is outside the vocabulary of " +
                             std::to_string(cfg.vocabSize));
        ids.push_back(t.id);
    }
    return ids;
}

namespace {

// LongRoPE's factor set for a text of T tokens: the long factors beyond the original context.
bool usesLongRope(const ModelConfig &c, std::int64_t T) {
    return !c.ropeFactorsLong.empty() && c.ropeOriginal > 0 && T > c.ropeOriginal;
}

} // namespace

int Engine::reusablePrefix(const AttentionResult *previous, const std::vector<Token> &tokens,
                           const AnalyzeParams &params) const {
    if (!previous || !m_model->config().causal)
        return 0;
    const auto *cache = dynamic_cast<const KvCache *>(previous->source.get());
    // A mean-ablated analysis depends on every position's head outputs, and residuals are captured from the start.
    if (params.residuals || (!params.ablation.empty() && params.ablation.mode == AblationMode::Mean))
        return 0;
    if (!cache || cache->modelPtr() != m_model || cache->valueNorms() != params.valueNorms ||
        cache->ablation() != params.ablation ||
        cache->longRope() != usesLongRope(m_model->config(), static_cast<std::int64_t>(tokens.size())))
        return 0;
    const std::vector<int> &ids = cache->ids();
    const std::size_t limit = std::min({ids.size(), tokens.size(), static_cast<std::size_t>(cache->seqLen())});
    std::size_t p = 0;
    while (p < limit && ids[p] == tokens[p].id)
        ++p;
    return static_cast<int>(p);
}

Result<LayerTrace> Engine::traceLayer(std::vector<Token> tokens, int layer, const ProgressFn &progress) const {
    const ModelConfig &cfg = m_model->config();
    if (layer < 0 || layer >= cfg.layers)
        return makeError("layer " + std::to_string(layer) + " is outside the model's " + std::to_string(cfg.layers) +
                         " layers");
    auto ids = checkedIds(tokens);
    if (!ids)
        return ids.error();
    if (auto room = checkMemory(analysisBytes(cfg, static_cast<std::int64_t>(tokens.size()), 0, false, false, true),
                                "tracing " + std::to_string(tokens.size()) + " tokens");
        !room)
        return room.error();
    LayerTrace trace;
    trace.layer = layer;
    AttentionResult scratch; // discarded
    try {
        KvCache cache(m_model, usesLongRope(cfg, static_cast<std::int64_t>(tokens.size())), false);
        const Status status = forwardTransformer(cache, ids.value(), AnalyzeParams{}, scratch, progress, &trace);
        if (!status)
            return status.error();
    } catch (const std::bad_alloc &) {
        return makeError("out of memory tracing " + std::to_string(tokens.size()) + " tokens; analyse a shorter text");
    }
    trace.tokens = std::move(tokens);
    return trace;
}

Result<Ablation> parseAblation(std::string_view spec, const ModelConfig &config, AblationMode mode) {
    Ablation a;
    a.mode = mode;
    std::size_t pos = 0;
    while (pos <= spec.size()) {
        const std::size_t comma = std::min(spec.find(',', pos), spec.size());
        const std::string item(spec.substr(pos, comma - pos));
        pos = comma + 1;
        const std::size_t colon = item.find(':');
        auto number = [](const std::string &s, int &out) {
            if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos)
                return false;
            out = std::stoi(s);
            return true;
        };
        HeadRef h;
        if (colon == std::string::npos || !number(item.substr(0, colon), h.layer) || !number(item.substr(colon + 1), h.head))
            return makeError("\"" + item + "\" is not a head: write LAYER:HEAD, 0-based, e.g. 2:6 (several with commas)");
        if (h.layer >= config.layers || h.head >= config.heads)
            return makeError("head " + item + " is outside the model: layers 0-" + std::to_string(config.layers - 1) +
                             ", heads 0-" + std::to_string(config.heads - 1));
        a.heads.push_back(h);
        if (comma == spec.size())
            break;
    }
    std::sort(a.heads.begin(), a.heads.end());
    a.heads.erase(std::unique(a.heads.begin(), a.heads.end()), a.heads.end());
    return a;
}

std::string describeAblation(const Ablation &a) {
    std::string s;
    for (const HeadRef &h : a.heads)
        s += (s.empty() ? "" : ", ") + std::string("L") + std::to_string(h.layer) + " H" + std::to_string(h.head);
    if (!s.empty() && a.mode == AblationMode::Mean)
        s += " (mean)";
    return s;
}

Result<AttentionResult> Engine::analyzeTokens(std::vector<Token> tokens, const AnalyzeParams &params,
                                              const ProgressFn &progress) const {
    const auto start = std::chrono::steady_clock::now();
    const ModelConfig &cfg = m_model->config();
    auto checked = checkedIds(tokens);
    if (!checked)
        return checked.error();
    const std::vector<int> &ids = checked.value();
    const std::int64_t T = static_cast<std::int64_t>(ids.size());
    const int prefix = reusablePrefix(params.previous, tokens, params);
    // Refused before the work, with the numbers and what would help.
    double bytes = analysisBytes(cfg, T, prefix, params.allPositionLogits, params.valueNorms, false);
    if (!params.ablation.empty() && params.ablation.mode == AblationMode::Mean) // the text in one chunk
        bytes += analysisBytes(cfg, T, 0, false, false, true);
    if (params.residuals)
        bytes += double(cfg.layers + 1) * double(T) * cfg.dim * sizeof(float);
    if (auto room = checkMemory(bytes,
                                "analysing " + std::to_string(ids.size()) + " tokens with " + m_info.name);
        !room)
        return room.error();
    AttentionResult result;
    result.tokens = std::move(tokens);
    try {
        std::shared_ptr<KvCache> cache =
            prefix > 0 ? KvCache::continuing(*static_cast<const KvCache *>(params.previous->source.get()), prefix)
                       : std::make_shared<KvCache>(m_model, usesLongRope(cfg, T), params.valueNorms, params.ablation);
        const Status status = forwardTransformer(*cache, ids, params, result, progress);
        if (!status)
            return status.error();
        result.source = std::move(cache);
    } catch (const std::bad_alloc &) {
        return makeError("out of memory analysing " + std::to_string(ids.size()) +
                         " tokens; analyse a shorter text (--truncate) or use a smaller model");
    }
    result.computeMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace attnscope
