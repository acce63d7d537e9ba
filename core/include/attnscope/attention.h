// The immutable result of one analysis: tokens, attention of every layer and head, logits.
#pragma once

#include "attnscope/buffer.h"
#include "attnscope/tokenizer.h"

#include <cstddef>
#include <string>
#include <vector>

namespace attnscope {

struct AttentionResult {
    std::string text;          // the analysed text (after any truncation the caller asked for)
    std::vector<Token> tokens; // (T)
    int layers = 0;
    int heads = 0;
    int vocabSize = 0;
    bool causal = true;        // decoder: entries above the diagonal are zero
    bool truncated = false;    // the text was cut to the model's context at the caller's request
    FloatBuffer attention;     // (layers, heads, T, T), row = query, column = key; rows sum to 1
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
