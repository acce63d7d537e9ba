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

struct AnalyzeParams {
    bool truncateToContext = false; // cut text longer than the context instead of failing
    bool allPositionLogits = true;  // logits of every position (T, vocab), else only the last (1, vocab)
    bool valueNorms = false;        // also capture ||W_O^h v_j|| for value-weighted attention (Measure::Value)
};

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
