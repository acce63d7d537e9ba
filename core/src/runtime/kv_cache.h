// What an analysis keeps instead of (layers, heads, T, T) attention: per layer the queries, keys and values of every
// token (after biases, QK-norm and RoPE: what the scores are made of), per-row statistics of every head, and the
// final normalised hidden state of every position. Attention rows of any head are recomputed from them exactly as the
// forward pass computed them (attentionRows), logits of any position from the hidden state. A later analysis of a
// text that starts with the same tokens continues the cache: it shares those rows and computes only the rest.
#pragma once

#include "attnscope/attention.h"
#include "attnscope/engine.h"
#include "attnscope/model.h"
#include "runtime/row_store.h"

#include <memory>
#include <vector>

namespace attnscope {

struct LayerRows {
    RowStore q;     // (T, heads * headSize)
    RowStore k, v;  // (T, kvHeads * headSize)
    RowStore stats; // (T, heads * kHeadRowStats), HeadRowStat order
    RowStore norms; // (T, heads) ||W_O^h v_t||, when value norms are captured; width 0 otherwise
};

class KvCache final : public AttentionSource {
public:
    // `ablation`: the heads this analysis knocked out (a cache continues only an analysis with the same ones).
    KvCache(std::shared_ptr<const Model> model, bool longRope, bool valueNorms, Ablation ablation = {});
    // The rows of prev's first `prefix` tokens, shared; prefix <= prev.seqLen().
    static std::shared_ptr<KvCache> continuing(const KvCache &prev, int prefix);

    int seqLen() const override { return m_rows; }
    void rows(int layer, int head, int query0, int rows, float *out) const override;
    std::vector<float> logits(int position) const override;
    void rowStats(int layer, int head, std::vector<float> &out) const override;

    const Model &model() const { return *m_model; }
    const std::shared_ptr<const Model> &modelPtr() const { return m_model; }
    bool longRope() const { return m_longRope; }
    bool valueNorms() const { return m_valueNorms; }
    const Ablation &ablation() const { return m_ablation; }
    std::vector<LayerRows> &layers() { return m_layers; }
    const std::vector<LayerRows> &layers() const { return m_layers; }
    RowStore &hidden() { return m_hidden; }
    const RowStore &hidden() const { return m_hidden; }
    std::vector<int> &ids() { return m_ids; }
    const std::vector<int> &ids() const { return m_ids; }
    void setRows(int rows) { m_rows = rows; } // the forward pass, once every layer holds them

private:
    std::shared_ptr<const Model> m_model;
    bool m_longRope = false;
    bool m_valueNorms = false;
    Ablation m_ablation;
    int m_rows = 0;
    std::vector<int> m_ids;
    std::vector<LayerRows> m_layers;
    RowStore m_hidden; // (T, dim); width 0 without a language-model head
};

// Attention probabilities of queries [query0, query0 + n) of one head over keys [0, keys) (keys > the last query in
// a causal model), as the forward pass computes them: scores q.k times the scale, softcap, masks, softmax. (n, keys)
// into out with row stride ld; masked entries exactly 0. With `entropy`, each row's entropy in nats too (n), from
// the scores: -sum p log p = log Z - sum p (s - max), no logarithm per weight.
void attentionRows(const ModelConfig &cfg, int layer, const LayerRows &rows, int keys, int head, int query0, int n,
                   float *out, std::int64_t ld, float *entropy = nullptr);

// The language-model head on one final hidden row: (vocab) logits, softcapped as the model says.
void logitsOfHidden(const Model &model, const float *hidden, float *out);
// The same for (rows, dim) hidden rows at once, one matrix product: (rows, vocab).
void logitsOfHiddenRows(const Model &model, const float *hidden, std::int64_t rows, float *out);

} // namespace attnscope
