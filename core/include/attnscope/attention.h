// The immutable result of one analysis: tokens, attention of every layer and head, logits.
#pragma once

#include "attnscope/buffer.h"
#include "attnscope/tokenizer.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace attnscope {

// One head's (T, T) row-major weights, shared: valid as long as some copy of it lives, whatever happens to the
// result it came from (a head recomputed on demand is owned by this handle and the result's cache).
class HeadMatrix {
public:
    HeadMatrix() = default;
    HeadMatrix(std::shared_ptr<const float> data, int seqLen) : m_data(std::move(data)), m_T(seqLen) {}
    const float *data() const { return m_data.get(); }
    const float *row(int query) const { return m_data.get() + static_cast<std::size_t>(query) * m_T; }
    float operator()(int query, int key) const { return row(query)[key]; }
    int seqLen() const { return m_T; }
    explicit operator bool() const { return m_data != nullptr; }

private:
    std::shared_ptr<const float> m_data;
    int m_T = 0;
};

// Where attention weights come from when they are not stored: the queries and keys the forward pass kept, from which
// any rows of any head are recomputed exactly as the forward pass computed them (runtime/kv_cache.h). Immutable and
// shared by every result of one analysis; safe to read from any thread.
class AttentionSource {
public:
    virtual ~AttentionSource() = default;
    virtual int seqLen() const = 0;
    // Rows [query0, query0 + rows) of head (layer, head): rows x seqLen() floats into out (row stride seqLen()), zeros
    // where a query may not look (future keys, keys outside a sliding window).
    virtual void rows(int layer, int head, int query0, int rows, float *out) const = 0;
    // The language-model head's logits at one position (vocab), or empty for an encoder without one.
    virtual std::vector<float> logits(int position) const = 0;
    // Per-row statistics of one head, gathered while the forward pass streamed the rows: (T, kHeadRowStats).
    virtual void rowStats(int layer, int head, std::vector<float> &out) const = 0;
    // Whether rowStats() has them (the forward pass's source does; a source pooled from another result does not,
    // and the head roles are then scored from its rows).
    virtual bool hasRowStats() const { return true; }
};

// What the forward pass records of each row i of each head while the row is in cache; the head roles
// (head_roles.h) are their means over rows i >= 1. Induction is NaN for a row whose token did not occur before.
enum HeadRowStat { StatEntropy, StatPrevious, StatSelf, StatFirst, StatDistance, StatInduction, kHeadRowStats };

struct HeadCache; // materialised heads of a source-backed result (attention.cpp)

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
    // (layers, heads, T, T), row = query, column = key; rows sum to 1. Dense results only (measures, comparisons,
    // results built by hand); an analysis leaves it empty and keeps `source`, from which head() recomputes.
    FloatBuffer attention;
    std::shared_ptr<const AttentionSource> source;
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
    bool hasAttention() const { return !attention.empty() || source != nullptr; }
    // The (T, T) matrix of one layer and head: a view of `attention`, or recomputed from `source` (and kept in a
    // cache shared by copies of this result, up to a few hundred MB; a head beyond that is recomputed each time).
    HeadMatrix head(int layer, int h) const;
    // Rows [query0, query0 + n) of one head into out (n x T): cheaper than head() when a view needs a few rows.
    void rows(int layer, int h, int query0, int n, float *out) const;
    float weight(int layer, int h, int query, int key) const;
    // Every head at once (layers, heads, T, T): `attention` itself, or materialised once from `source` and kept. For
    // exports and tests of small texts; check the memory first (layers * heads * T * T floats).
    const FloatBuffer &dense() const;
    // Makes this result dense: `attention` holds every head (taken from the cache when it holds them and no other
    // copy shares it) and `source` is dropped. For measures that rewrite the weights in place.
    void materialize();
    // Logits at one position (vocab): a stored row when there is one, else recomputed from the source; empty for an
    // encoder without a language-model head or a position out of range.
    std::vector<float> logitsAt(int position) const;

    // Logits at the last position (vocab).
    // nullptr for an encoder without a language-model head (logitRows == 0).
    const float *lastLogits() const {
        return logitRows > 0 ? logits.data() + static_cast<std::size_t>(logitRows - 1) * vocabSize : nullptr;
    }

private:
    std::shared_ptr<HeadCache> cache() const;
    mutable std::shared_ptr<HeadCache> m_cache;
};

} // namespace attnscope
