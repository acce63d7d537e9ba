// The engine: a model plus its tokenizer, turning text into an AttentionResult. Thread-safe for analyze().
#pragma once

#include "attnscope/attention.h"
#include "attnscope/head_step.h"
#include "attnscope/model.h"
#include "attnscope/result.h"
#include "attnscope/tokenizer.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

// Called with progress in [0, 1]; return false to cancel.
using ProgressFn = std::function<bool(float)>;

// A head by its 0-based layer and head number ("2:6" on the command line).
struct HeadRef {
    int layer = 0;
    int head = 0;
    bool operator==(const HeadRef &) const = default;
    auto operator<=>(const HeadRef &) const = default;
};

// Heads whose attention output (sum_j a_ij v_j, before the output projection) is replaced: by zero, or by its mean
// over the text's positions (mean-ablation). The attention weights of an ablated head are still computed and shown.
enum class AblationMode { Zero, Mean };
struct Ablation {
    std::vector<HeadRef> heads; // sorted, no repeats (parseAblation makes them so)
    AblationMode mode = AblationMode::Zero;
    bool empty() const { return heads.empty(); }
    bool operator==(const Ablation &) const = default;
};
// "2:6,0:1" -> heads (sorted, repeats dropped), each checked against the model; an error names the bad item.
Result<Ablation> parseAblation(std::string_view spec, const ModelConfig &config, AblationMode mode = AblationMode::Zero);
// "L2 H6, L0 H1" for messages and captions.
std::string describeAblation(const Ablation &a);

struct AnalyzeParams {
    bool truncateToContext = false; // cut text longer than the context instead of failing
    // Logits of every position stored (T, vocab), else only the last (1, vocab); any other position's are
    // recomputed when asked (AttentionResult::logitsAt), so this is for tools that want them all at once.
    bool allPositionLogits = false;
    bool valueNorms = false;        // also capture ||W_O^h v_j|| for value-weighted attention (Measure::Value)
    // An earlier analysis by this engine (kept alive by the caller during the call): when the new text's tokens
    // begin with its tokens, those rows are reused and only the tokens after the shared prefix are run. Typing,
    // backspace and undo then cost only what changed.
    const AttentionResult *previous = nullptr;
    Ablation ablation; // heads knocked out for this analysis (mean-ablation runs the text as one chunk)
    // When set, filled with the residual stream at every layer boundary, (layers + 1, T, dim): row 0 the embeddings
    // (after any scale or embedding norm), row l the stream after layer l. Nothing of `previous` is reused then.
    std::vector<float> *residuals = nullptr;
};

// What the forward pass runs on: the kernels the dispatcher chose for this CPU ("AVX2 + FMA + F16C, AVX-512 VNNI for
// int8", ...) and its thread count (physical cores unless ATTNSCOPE_THREADS says otherwise).
std::string computeKernels();
int computeThreads();

struct EngineInfo {
    std::string modelPath;
    std::string tokenizerPath;   // empty when the tokenizer comes from the model file itself (GGUF)
    std::string tokenizerKind;   // "sentencepiece (tok512.model)", "sentencepiece (from the GGUF vocabulary)"
    std::string format;
    std::string name; // file stem, e.g. "stories260K"
    ModelConfig config;
};

class Engine {
public:
    // Loads a model: a llama2.c checkpoint or a GGUF file (told apart by content, not by name). An empty
    // tokenizerPath means the GGUF's own vocabulary, or for a checkpoint the one .model file beside it
    // (tok<vocab>.model, tokenizer.model, or the only .model there).
    static Result<std::shared_ptr<const Engine>> load(const std::string &modelPath,
                                                      const std::string &tokenizerPath = {});

    // Only the tokenizer a load() of these paths would use, without reading the weights (GGUF vocabularies,
    // Hugging Face folders, a tokenizer file given by hand).
    static Result<std::shared_ptr<const Tokenizer>> loadTokenizer(const std::string &modelPath,
                                                                  const std::string &tokenizerPath = {});

    Result<AttentionResult> analyze(std::string_view text, const AnalyzeParams &params = {},
                                    const ProgressFn &progress = {}) const;
    // Forward pass over given token ids (no tokenizer); used by benchmarks and tests.
    Result<AttentionResult> analyzeTokens(std::vector<Token> tokens, const AnalyzeParams &params = {},
                                          const ProgressFn &progress = {}) const;

    // The query, key and value vectors of one layer for these tokens (a result's, so they match what is shown),
    // running the model only up to that layer. For the step-by-step view of a head (head_step.h).
    // Tokens of `previous` this analysis of `tokens` may reuse (0 when none: another model, a non-causal model).
    int reusablePrefix(const AttentionResult *previous, const std::vector<Token> &tokens, const AnalyzeParams &params) const;

    Result<LayerTrace> traceLayer(std::vector<Token> tokens, int layer, const ProgressFn &progress = {}) const;

    const EngineInfo &info() const { return m_info; }
    const Tokenizer &tokenizer() const { return *m_tokenizer; }
    const Model &model() const { return *m_model; }

    Engine(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer, EngineInfo info);

private:
    Result<std::vector<int>> checkedIds(const std::vector<Token> &tokens) const;

    std::shared_ptr<const Model> m_model;
    std::shared_ptr<const Tokenizer> m_tokenizer;
    EngineInfo m_info;
};

// Finds the tokenizer for a checkpoint: the .model file beside it. Empty string if none.
std::string findTokenizerBeside(const std::string &modelPath, int vocabSize);

} // namespace attnscope
