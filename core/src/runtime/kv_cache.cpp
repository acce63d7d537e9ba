// The cache an analysis keeps, and the one computation of attention rows that the forward pass and every later
// request share (see kv_cache.h).
#include "runtime/kv_cache.h"

#include "runtime/kernels.h"
#include "runtime/matmul.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace attnscope {

KvCache::KvCache(std::shared_ptr<const Model> model, bool longRope, bool valueNorms, Ablation ablation)
    : m_model(std::move(model)), m_longRope(longRope), m_valueNorms(valueNorms), m_ablation(std::move(ablation)) {
    const ModelConfig &c = m_model->config();
    m_layers.resize(static_cast<std::size_t>(c.layers));
    for (LayerRows &l : m_layers) {
        l.q = RowStore(c.qDim());
        l.k = RowStore(c.kvDim());
        l.v = RowStore(c.kvDim());
        l.stats = RowStore(c.heads * kHeadRowStats);
        l.norms = RowStore(valueNorms ? c.heads : 0);
    }
    m_hidden = RowStore(m_model->weights().classifier.data ? c.dim : 0);
}

std::shared_ptr<KvCache> KvCache::continuing(const KvCache &prev, int prefix) {
    auto c = std::make_shared<KvCache>(prev.m_model, prev.m_longRope, prev.m_valueNorms, prev.m_ablation);
    prefix = std::clamp(prefix, 0, prev.m_rows);
    for (std::size_t l = 0; l < c->m_layers.size(); ++l) {
        const LayerRows &from = prev.m_layers[l];
        LayerRows &to = c->m_layers[l];
        to.q = RowStore::prefixOf(from.q, prefix);
        to.k = RowStore::prefixOf(from.k, prefix);
        to.v = RowStore::prefixOf(from.v, prefix);
        to.stats = RowStore::prefixOf(from.stats, prefix);
        to.norms = RowStore::prefixOf(from.norms, prefix);
    }
    c->m_hidden = RowStore::prefixOf(prev.m_hidden, prefix);
    c->m_ids.assign(prev.m_ids.begin(), prev.m_ids.begin() + prefix);
    c->m_rows = prefix;
    return c;
}

void KvCache::rows(int layer, int head, int query0, int n, float *out) const {
    const ModelConfig &c = m_model->config();
    attentionRows(c, layer, m_layers[static_cast<std::size_t>(layer)], m_rows, head, query0, n, out, m_rows);
    // attentionRows fills keys up to the last query in a causal model; the rest of each row is the future.
    if (c.causal)
        for (int r = 0; r < n; ++r)
            std::fill(out + static_cast<std::size_t>(r) * m_rows + (query0 + r + 1), out + static_cast<std::size_t>(r + 1) * m_rows,
                      0.0f);
}

std::vector<float> KvCache::logits(int position) const {
    if (m_hidden.width() == 0 || position < 0 || position >= m_rows)
        return {};
    std::vector<float> out(static_cast<std::size_t>(m_model->config().vocabSize));
    logitsOfHidden(*m_model, m_hidden.row(position), out.data());
    return out;
}

void KvCache::rowStats(int layer, int head, std::vector<float> &out) const {
    out.resize(static_cast<std::size_t>(m_rows) * kHeadRowStats);
    const RowStore &s = m_layers[static_cast<std::size_t>(layer)].stats;
    for (int t = 0; t < m_rows; ++t)
        std::copy_n(s.row(t) + head * kHeadRowStats, kHeadRowStats, out.data() + static_cast<std::size_t>(t) * kHeadRowStats);
}

void attentionRows(const ModelConfig &cfg, int layer, const LayerRows &rows, int keys, int head, int query0, int n,
                   float *out, std::int64_t ld, float *entropy) {
    const int hs = cfg.headSize(), kvHead = head / (cfg.heads / cfg.kvHeads);
    const bool causal = cfg.causal;
    const int window = cfg.isLocal(layer) ? cfg.slidingWindow : 0;
    const float scale = cfg.scoreScale(), softcap = cfg.attnSoftcap;
    const std::int64_t qStride = rows.q.width(), kStride = rows.k.width();
    // Scores: the queries of one row block against the keys of one row block at a time (each block contiguous).
    for (int i0 = query0; i0 < query0 + n;) {
        const int i1 = std::min(query0 + n, (i0 / kRowBlock + 1) * kRowBlock); // queries in one block
        const int lastKey = causal ? i1 - 1 : keys - 1;
        const int firstKey = window > 0 ? std::max(0, i0 - window + 1) : 0;
        for (int j0 = firstKey - firstKey % kRowBlock; j0 <= lastKey; j0 += kRowBlock) {
            const int jb = std::max(j0, firstKey), je = std::min(lastKey + 1, j0 + kRowBlock);
            kernels::dots(rows.q.row(i0) + head * hs, qStride, i1 - i0, rows.k.row(jb) + kvHead * hs, kStride, je - jb, hs,
                          out + static_cast<std::int64_t>(i0 - query0) * ld + jb, ld);
        }
        i0 = i1;
    }
    // The softmax of each row in a buffer of its own, aligned the same way every time: Eigen's vectorised loops peel
    // to alignment, so where a row lies would otherwise change its last bits.
    thread_local std::vector<float> buffer;
    for (int r = 0; r < n; ++r) {
        const int query = query0 + r;
        const int last = causal ? query : keys - 1;
        const int first = window > 0 ? std::max(0, query - window + 1) : 0;
        float *row = out + static_cast<std::int64_t>(r) * ld;
        const int count = last - first + 1;
        const std::size_t stride = (static_cast<std::size_t>(count) + 15) / 16 * 16; // floats, a multiple of 64 bytes
        buffer.resize(2 * stride + 16);
        float *aligned = buffer.data() + ((64 - reinterpret_cast<std::uintptr_t>(buffer.data()) % 64) % 64) / sizeof(float);
        std::copy(row + first, row + last + 1, aligned);
        Eigen::Map<Eigen::ArrayXf, Eigen::Aligned64> visible(aligned, count);
        visible *= scale;
        if (softcap > 0)
            visible = (visible / softcap).tanh() * softcap;
        const float maxScore = visible.maxCoeff();
        if (entropy) {
            Eigen::Map<Eigen::ArrayXf, Eigen::Aligned64> shifted(aligned + stride, count);
            shifted = visible - maxScore;
            visible = shifted.exp();
            const float z = visible.sum();
            entropy[r] = std::log(z) - (visible * shifted).sum() / z;
            visible /= z;
        } else {
            visible = (visible - maxScore).exp();
            visible /= visible.sum();
        }
        std::copy(aligned, aligned + count, row + first);
        std::fill(row, row + first, 0.0f);
        // Past the query: in a causal model the scores of the block's later queries were computed here too.
        std::fill(row + last + 1, row + (causal ? query0 + n : keys), 0.0f);
    }
}

void logitsOfHidden(const Model &model, const float *hidden, float *out) {
    logitsOfHiddenRows(model, hidden, 1, out);
}

void logitsOfHiddenRows(const Model &model, const float *hidden, std::int64_t rows, float *out) {
    const ModelConfig &cfg = model.config();
    multiply(hidden, rows, model.weights().classifier, out);
    if (cfg.finalSoftcap > 0) { // Gemma 2: logits -> c * tanh(logits / c)
        Eigen::Map<Eigen::ArrayXf> l(out, rows * cfg.vocabSize);
        l = (l / cfg.finalSoftcap).tanh() * cfg.finalSoftcap;
    }
}

} // namespace attnscope
