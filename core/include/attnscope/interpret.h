// Analyses beyond the attention weights: what the residual stream predicts after each layer (logit lens), text the
// model writes one token at a time (generation), what knocking out heads changes (ablation), which earlier tokens
// each position's attention block draws on (information-flow routes), and how a word's representation differs
// between two contexts. Each runs the engine's forward pass (engine.h) and reads what it kept; none shares code with
// the views. Layer and head numbers are 0-based; a layer boundary b is the residual stream after b layers (0 = the
// embeddings).
#pragma once

#include "attnscope/engine.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

struct TokenProb {
    int id = 0;
    float prob = 0; // a probability, or for nearest tokens the cosine similarity
};

// --- Logit lens ----------------------------------------------------------------------------------------------

// For every layer boundary and position, the top-K next tokens of the final norm and language-model head (with the
// family's final softcap) applied to the residual stream there; the last boundary is the model's own prediction.
struct LensResult {
    std::vector<Token> tokens; // (T)
    int boundaries = 0;        // layers + 1
    int topK = 0;
    std::vector<TokenProb> top; // (boundaries, T, topK), most probable first
    int seqLen() const { return static_cast<int>(tokens.size()); }
    const TokenProb *at(int boundary, int position) const {
        return top.data() + (static_cast<std::size_t>(boundary) * tokens.size() + static_cast<std::size_t>(position)) * topK;
    }
};
// topK in [1, 100]. `params.ablation` applies (and any previous/residuals in params are ignored).
Result<LensResult> logitLens(const Engine &engine, std::vector<Token> tokens, int topK, const AnalyzeParams &params = {},
                             const ProgressFn &progress = {});
// The lens of (rows, dim) residual rows: final norm, head, softcap, softmax, top K of each row (rows, topK).
std::vector<TokenProb> lensOfRows(const Model &model, const float *residuals, std::int64_t rows, int topK);

// --- Generation ----------------------------------------------------------------------------------------------

struct GenerateParams {
    int maxTokens = 16;
    float temperature = 0; // 0: greedy (argmax); > 0: sample from softmax(logits / temperature)
    float topP = 1;        // sampling only: the smallest set of most probable tokens whose mass reaches topP
    std::uint64_t seed = 0;
    Ablation ablation;
    bool stopAtEos = true; // stop after the tokenizer's end-of-sequence (Tokenizer::eosIds)
    // An analysis of the prompt already made (the app's current one): its cache is continued and, when its tokens
    // are the prompt's and its ablation this one, its last logits give the first token with no forward pass.
    std::shared_ptr<const AttentionResult> previous;
};
struct GeneratedToken {
    int id = 0;
    float prob = 0; // the model's probability of it (softmax of the logits at temperature 1)
};
struct Generation {
    std::vector<int> ids;                   // the prompt's ids, then the generated ones
    std::vector<GeneratedToken> generated;
    std::string text;                       // what the ids spell (special tokens left out)
    bool endOfSequence = false;             // stopped at an end-of-sequence token (it is the last of `generated`)
    std::shared_ptr<const AttentionResult> result; // the analysis of every token but the last generated one
};
// Called after each token with the analysis it was predicted from and the token; return false to stop.
using TokenFn = std::function<bool(const std::shared_ptr<const AttentionResult> &, const GeneratedToken &)>;
// Appends up to maxTokens tokens to `prompt`, each costing one decode step (the cache of the analysis before it is
// continued; mean-ablation recomputes the text, whose mean changes with every token). Generated tokens are marked
// Token::generated in the results.
Result<Generation> generate(const Engine &engine, std::vector<Token> prompt, const GenerateParams &params,
                            const TokenFn &onToken = {});
// The token for id appended to a text that ends at byte `end`: piece, display and special as the tokenizer has them.
Token appendedToken(const Tokenizer &tokenizer, int id, int end);
// Index of the token sampled from logits (vocab) with these settings; greedy when temperature <= 0.
int sampleToken(const float *logits, int vocab, float temperature, float topP, std::uint64_t &rngState);

// --- Ablation ------------------------------------------------------------------------------------------------

// How much ablating each head alone changes one prediction: the probability of `target` after position `position`
// with the head zeroed, against the unablated run. Heads in model order; only tokens [0, position] are run.
struct HeadEffect {
    HeadRef head;
    float before = 0, after = 0; // probability of the target
    float change() const { return after - before; }
};
struct AblationSweep {
    int position = 0, target = 0;
    std::vector<HeadEffect> heads; // (layers * heads), model order
};
// target < 0: the model's own top prediction there. `progress` may cancel (the sweep then ends with that error).
Result<AblationSweep> ablationSweep(const Engine &engine, std::vector<Token> tokens, int position, int target = -1,
                                    AblationMode mode = AblationMode::Zero, const ProgressFn &progress = {});

// --- Information-flow routes ---------------------------------------------------------------------------------

// Ferrando & Voita 2024, proximity importance with the L1 norm. For layer l, position i and token j <= i:
// z_ij = sum_h a^h_ij W_O^h v^h_j (j != i), z_ii = x_i + sum_h a^h_ii W_O^h v^h_i, with x_i the residual entering
// layer l (before its norm) and W_O^h v^h_j head h's slice of the output projection applied to its value vector
// (biases of v included, the output bias not); y_i = sum_j z_ij; importance_ij = max(0, |y_i|_1 - |y_i - z_ij|_1),
// normalised over j to sum 1. (Families with a norm after attention, Gemma 2/3, are decomposed before that norm.)
struct FlowResult {
    std::vector<Token> tokens;
    int layers = 0;
    std::vector<float> importance; // (layers, T, T): [l][to][from]
    int seqLen() const { return static_cast<int>(tokens.size()); }
    float at(int layer, int to, int from) const {
        const std::size_t T = tokens.size();
        return importance[(static_cast<std::size_t>(layer) * T + static_cast<std::size_t>(to)) * T + static_cast<std::size_t>(from)];
    }
};
Result<FlowResult> informationFlow(const Engine &engine, std::vector<Token> tokens, const AnalyzeParams &params = {},
                                   const ProgressFn &progress = {});
// The route of one prediction: starting at position `to` after the last layer, every edge >= threshold whose end is
// on the route, back to the inputs. (layers, T, T) flags of the edges kept, same layout as importance.
std::vector<std::uint8_t> traceRoute(const FlowResult &flow, int to, float threshold);

// --- Contextual meaning ----------------------------------------------------------------------------------------

struct SimilarityLayer {
    int boundary = 0;
    float cosine = 0;                 // of the residual streams of the word in the two texts
    std::vector<TokenProb> nearestA;  // tokens whose unembedding rows are nearest (cosine) the final-normed residual
    std::vector<TokenProb> nearestB;
};
struct SimilarityResult {
    std::string word;
    std::vector<Token> tokensA, tokensB;
    int positionA = 0, positionB = 0; // the word's last token with letters or digits in each text
    std::vector<SimilarityLayer> layers; // (layers + 1)
};
// The word is found as the first word of each text with the same matchingForm (words.h); an error names the words
// of a text that lacks it. `nearest` tokens per side and boundary (0..20).
Result<SimilarityResult> contextualSimilarity(const Engine &engine, std::string_view textA, std::string_view textB,
                                              std::string_view word, int nearest = 5, const ProgressFn &progress = {});

} // namespace attnscope
