// How one head computes its attention, step by step, with the model's own numbers: the query, key and value
// vectors of one layer as the forward pass used them (LayerTrace, captured by Engine::traceLayer), and for one
// head and query token the dot products q·k, their scaling (1/sqrt(d_head), or the family's query scale), the
// softcap where the family has one (Gemma 2), the softmax over the keys the query may see (earlier ones, within the
// sliding window on a local layer) and the weighted sum of the value vectors (HeadStep, recomputed here in double
// so a student can follow every number).
#pragma once

#include "attnscope/buffer.h"
#include "attnscope/result.h"
#include "attnscope/tokenizer.h"

#include <cmath>
#include <cstddef>
#include <vector>

namespace attnscope {

struct LayerTrace {
    std::vector<Token> tokens; // (T)
    int layer = 0;
    int heads = 0;
    int kvHeads = 0; // heads / kvHeads query heads share one key/value head (grouped-query attention)
    int headSize = 0;
    bool causal = true;
    float scale = 0;     // the family's query scale multiplying q·k; 0 = 1 / sqrt(headSize)
    float softcap = 0;   // scores -> softcap * tanh(scores / softcap) before the softmax; 0 = none
    int window = 0;      // a local layer's query sees this many keys, itself included; 0 = all earlier keys
    bool qkNorm = false; // q and k were RMS-normalised per head before RoPE (already applied in q and k below)
    bool rotary = false; // q and k were rotated by their position (RoPE); else positions were added to the input
    bool biases = false; // the q, k and v projections add a bias (Qwen2, GPT-2, BERT)
    // After the projections, their biases, QK-norm and rotary position embedding: exactly what the scores are made
    // of.
    FloatBuffer q; // (T, heads * headSize)
    FloatBuffer k; // (T, kvHeads * headSize)
    FloatBuffer v; // (T, kvHeads * headSize)

    int seqLen() const { return static_cast<int>(tokens.size()); }
    int kvHeadOf(int head) const { return head / (heads / kvHeads); }
    double scoreScale() const { return scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(headSize)); }
    // Pointers to the headSize numbers of token t in head h.
    const float *query(int t, int h) const { return q.data() + (static_cast<std::size_t>(t) * heads + h) * headSize; }
    const float *key(int t, int h) const {
        return k.data() + (static_cast<std::size_t>(t) * kvHeads + kvHeadOf(h)) * headSize;
    }
    const float *value(int t, int h) const {
        return v.data() + (static_cast<std::size_t>(t) * kvHeads + kvHeadOf(h)) * headSize;
    }
};

struct HeadStep {
    int layer = 0;
    int head = 0;
    int query = 0;
    int first = 0;       // the first key the query may see: 0, or query - window + 1 on a sliding-window layer
    int keys = 0;        // how many keys it sees from `first` on: query + 1 in a causal model, T in an encoder
    int headSize = 0;
    double scale = 0;    // 1 / sqrt(headSize), or the family's query scale
    double softcap = 0;  // 0 = none
    int window = 0;
    bool qkNorm = false;
    double maxScaled = 0; // subtracted before exp() so no score overflows; it cancels in the softmax
    double expSum = 0;   // sum_j exp(scaled_j - maxScaled)
    std::vector<double> dots;    // (keys) q·k_j for key first + j
    std::vector<double> scaled;  // (keys) q·k_j * scale, softcapped when softcap > 0: what the softmax takes
    std::vector<double> uncapped; // (keys) q·k_j * scale before the softcap (equal to scaled without one)
    std::vector<double> weights; // (keys) softmax of scaled: the attention row, sums to 1
    std::vector<double> output;  // (headSize) sum_j weights_j v_j: what this head passes on for the query token
};

// The computation for `head` and `query` of the traced layer. Fails on a head or query out of range.
Result<HeadStep> headStep(const LayerTrace &trace, int head, int query);

} // namespace attnscope
