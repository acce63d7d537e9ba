// The immutable result of one analysis: tokens, attention of every layer and head, logits.
#pragma once

#include "attnscope/buffer.h"
#include "attnscope/tokenizer.h"

#include <cstddef>
#include <string>
#include <vector>

namespace attnscope {

// What the attention numbers of a result measure (see measures.h).
enum class Measure {
    Raw,     // the softmax probabilities alpha_ij
    Value,   // value-weighted (Kobayashi et al. 2020): ||alpha_ij W_O^h v_j||, rows normalised to sum 1
    Rollout, // attention rollout (Abnar & Zuidema 2020) through layers 0..l; one "head" per layer
};

struct AttentionResult {
    std::string text;          // the analysed text (after any truncation the caller asked for)
    std::vector<Token> tokens; // (T)
    int layers = 0;
    int heads = 0;
    int vocabSize = 0;
    bool causal = true;        // decoder: entries above the diagonal are zero
    // (layers) sliding window of each layer: a query sees the last `window` keys, itself included, and every
    // weight further back is exactly 0 (Gemma 2/3, Mistral, Phi-3). 0 or empty: no window.
    std::vector<int> windows;
    int window(int layer) const {
        return layer >= 0 && static_cast<std::size_t>(layer) < windows.size() ? windows[static_cast<std::size_t>(layer)] : 0;
    }
    bool truncated = false;    // the text was cut to the model's context at the caller's request
    FloatBuffer attention;     // (layers, heads, T, T), row = query, column = key; rows sum to 1
    Measure measure = Measure::Raw; // what attention holds; heads == 1 for rollout
    // ||W_O^h v_j||: the norm of what key j adds to the residual stream through head h per unit of attention
    // (layers, heads, T). Captured only when AnalyzeParams::valueNorms asks; empty otherwise.
    FloatBuffer valueNorms;
    // Measure::Value: sum_j ||alpha_ij W_O^h v_j|| of each row before normalisation (layers, heads, T), so a cell's
    // raw norm is attention * rowTotal. Empty for the other measures.
    std::vector<float> rowTotals;
    std::vector<float> logits; // (T, vocab) or (1, vocab) when only the last position was asked for
    int logitRows = 0;         // T or 1
    double computeMs = 0.0;    // wall time of tokenize + forward

    int seqLen() const { return static_cast<int>(tokens.size()); }
    // Pointer to the (T, T) row-major matrix of one layer and head.
    const float *head(int layer, int h) const {
        const std::size_t t = tokens.size();
        return attention.data() + (static_cast<std::size_t>(layer) * heads + h) * t * t;
    }
    float weight(int layer, int h, int query, int key) const {
        return head(layer, h)[static_cast<std::size_t>(query) * tokens.size() + key];
    }
    // Logits at the last position (vocab).
    // nullptr for an encoder without a language-model head (logitRows == 0).
    const float *lastLogits() const {
        return logitRows > 0 ? logits.data() + static_cast<std::size_t>(logitRows - 1) * vocabSize : nullptr;
    }
};

} // namespace attnscope
