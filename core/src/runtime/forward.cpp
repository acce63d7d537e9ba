// The forward pass, read top to bottom next to the papers / llama2.c's run.c, but batched: the tokens go through the
// model a chunk of up to 512 at a time (as llama.cpp's micro-batches), every projection one matrix product over the
// chunk, and each chunk's queries attend to the keys of every token so far, which the cache keeps (kv_cache.h). So
// a long text never holds more than one chunk's activations, and a text that continues an earlier one runs only its
// new tokens. Attention probabilities are computed a block of query rows at a time into a scratch block, reduced to
// per-row statistics and multiplied with the values there: they are never stored; any head is recomputed on demand
// by the same attentionRows. The driver embeds the tokens, runs each layer as its family composes it
// (arch/<family>.cpp) from the blocks below, and applies the final norm; logits come from the final hidden state
// where they are asked for. The blocks read every option from the model's settings and weights, never from the
// family's name.
#include "runtime/forward.h"

#include "arch/family.h"
#include "attnscope/head_roles.h"
#include "runtime/blocks.h"
#include "runtime/kernels.h"
#include "runtime/matmul.h"
#include "runtime/memory.h"
#include "runtime/thread_pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace attnscope {

namespace {

using arch::Activations;
using ConstWeight = Eigen::Map<const Activations>;
using ConstVec = Eigen::Map<const Eigen::VectorXf>;

constexpr int kChunk = 512;                 // tokens through the model at a time (causal models)
constexpr std::int64_t kScratchFloats = 1 << 16; // one block of probabilities: 256 KB, in the L2 cache

// Thrown by the attention block once a traced layer's q, k and v are captured: nothing after it is needed.
struct TraceComplete {};

} // namespace

// RMSNorm: out = x / sqrt(mean(x^2) + eps) * weight. LayerNorm: out = (x - mean) / sqrt(var + eps) * weight + bias.
// Row by row over the (rows, n) blocks of x: n = dim for the residual stream, headSize for QK-norm.
void normalizeRows(float *x, std::int64_t rows, std::int64_t n, NormKind kind, const Norm &norm, float eps) {
    const ConstVec w(norm.weight, n);
    const float count = static_cast<float>(n);
    for (Eigen::Index t = 0; t < rows; ++t) {
        Eigen::Map<Eigen::RowVectorXf> row(x + t * n, n);
        if (kind == NormKind::Rms) {
            const float scale = 1.0f / std::sqrt(row.squaredNorm() / count + eps);
            row = (row.array() * scale) * w.transpose().array();
            continue;
        }
        const float mean = row.sum() / count;
        const float variance = (row.array() - mean).square().sum() / count;
        const float scale = 1.0f / std::sqrt(variance + eps);
        row = ((row.array() - mean) * scale) * w.transpose().array();
        if (norm.bias)
            row.array() += ConstVec(norm.bias, n).transpose().array();
    }
}

void finalNormRows(const Model &model, float *x, std::int64_t rows) {
    const ModelConfig &c = model.config();
    if (model.weights().finalNorm)
        normalizeRows(x, rows, c.dim, c.norm, model.weights().finalNorm, c.rmsEps);
}

namespace {

void addBias(Activations &m, const float *bias) {
    if (bias)
        m.rowwise() += ConstVec(bias, m.cols()).transpose();
}

// out = x * W^T: x (rows, in), W (out, in).
void multiply(const Activations &x, const Tensor &w, Activations &out) {
    out.resize(x.rows(), w.rows);
    attnscope::multiply(x.data(), x.rows(), w, out.data());
}

// cos and sin of positions [start, start + T) and every rotary pair: (T, rotaryDim / 2) each. Angle of pair p at
// position t:
// t * scale * theta^(-2p / rotaryDim) / factor_p (llama.cpp's rope with freq_scale and freq_factors), both
// multiplied by attnFactor (LongRoPE's scaling of q and k).
struct RopeTable {
    Activations cos, sin;
    RopeTable(Eigen::Index start, Eigen::Index T, int rotaryDim, float theta, float scale,
              const std::vector<float> &factors, float attnFactor)
        : cos(T, rotaryDim / 2), sin(T, rotaryDim / 2) {
        for (int p = 0; p < rotaryDim / 2; ++p) {
            float freq = 1.0f / std::pow(theta, static_cast<float>(2 * p) / static_cast<float>(rotaryDim));
            if (!factors.empty())
                freq /= factors[static_cast<std::size_t>(p)];
            for (Eigen::Index t = 0; t < T; ++t) {
                const float angle = static_cast<float>(start + t) * scale * freq;
                cos(t, p) = std::cos(angle) * attnFactor;
                sin(t, p) = std::sin(angle) * attnFactor;
            }
        }
    }
};

// RoPE on the first rotaryDim dimensions of every head. Interleaved (llama2.c, GGUF llama): pair p is dimensions
// (2p, 2p+1). Half (NeoX style): pair p is (p, p + rotaryDim/2).
void applyRope(Activations &m, int headSize, int rotaryDim, bool half, const RopeTable &table) {
    const int pairs = rotaryDim / 2;
    for (Eigen::Index t = 0; t < m.rows(); ++t) {
        float *row = m.row(t).data();
        for (Eigen::Index h0 = 0; h0 < m.cols(); h0 += headSize) {
            for (int p = 0; p < pairs; ++p) {
                const Eigen::Index i0 = h0 + (half ? p : 2 * p), i1 = h0 + (half ? p + pairs : 2 * p + 1);
                const float c = table.cos(t, p), s = table.sin(t, p);
                const float v0 = row[i0], v1 = row[i1];
                row[i0] = v0 * c - v1 * s;
                row[i1] = v0 * s + v1 * c;
            }
        }
    }
}

// The blocks over one chunk of the forward pass: the chunk's residual stream, its rope tables, the cache its keys
// and values go to.
class Pass final : public arch::LayerPass {
public:
    Pass(const Model &model, KvCache &cache, const std::vector<int> &ids,
         const std::vector<std::vector<int>> &inductionTargets, Eigen::Index start, Eigen::Index n,
         const AnalyzeParams &params, LayerTrace *trace)
        : m_model(model), m_cfg(model.config()), m_cache(cache), m_ids(ids), m_targets(inductionTargets),
          m_start(start), m_n(n), m_params(params), m_trace(trace), m_x(n, m_cfg.dim) {
        if (m_cfg.positions != Positions::Learned) {
            // LongRoPE: the short factors up to the original context, the long ones beyond it.
            const std::vector<float> &factors = cache.longRope() ? m_cfg.ropeFactorsLong : m_cfg.ropeFactors;
            m_global = std::make_unique<RopeTable>(start, n, m_cfg.rotaryDim(), m_cfg.ropeTheta, m_cfg.ropeScale, factors,
                                                   m_cfg.ropeAttnFactor);
            const float localTheta = m_cfg.ropeThetaLocal > 0 ? m_cfg.ropeThetaLocal : m_cfg.ropeTheta;
            if (localTheta != m_cfg.ropeTheta || m_cfg.ropeScaleLocal != m_cfg.ropeScale)
                m_local = std::make_unique<RopeTable>(start, n, m_cfg.rotaryDim(), localTheta, m_cfg.ropeScaleLocal,
                                                      factors, m_cfg.ropeAttnFactor);
        }
    }

    Activations &x() override { return m_x; }
    int layer() const override { return m_layer; }
    const ModelConfig &config() const override { return m_cfg; }
    void setLayer(int l) { m_layer = l; }

    Activations norm(const Activations &in, const Norm &n) const override {
        Activations out = in;
        normalizeRows(out.data(), out.rows(), out.cols(), m_cfg.norm, n, m_cfg.rmsEps);
        return out;
    }

    Activations attention(const Activations &in, const LayerWeights &w) override;

    Activations ffn(const Activations &in, const LayerWeights &w) const override {
        Activations up, act; // (n, hidden)
        multiply(in, w.up, up);
        addBias(up, w.upBias);
        switch (m_cfg.feedForward) {
        case FeedForward::SwiGlu: // down(silu(gate x) * up x)
            multiply(in, w.gate, act);
            act.array() = act.array() / (1.0f + (-act.array()).exp()) * up.array();
            break;
        case FeedForward::GeGlu: // down(gelu(gate x) * up x)
            multiply(in, w.gate, act);
            geluTanh(act);
            act.array() *= up.array();
            break;
        case FeedForward::GeluTanh: // down(gelu(up x + b) ) + b
            act = std::move(up);
            geluTanh(act);
            break;
        case FeedForward::GeluErf:
            act = std::move(up);
            for (Eigen::Index i = 0; i < act.size(); ++i)
                act.data()[i] = 0.5f * act.data()[i] * (1.0f + std::erf(act.data()[i] * 0.7071067811865476f));
            break;
        }
        Activations out; // (n, dim)
        multiply(act, w.down, out);
        addBias(out, w.downBias);
        return out;
    }

private:
    // GELU, tanh approximation, in float32 (as Gemma and GPT-NeoX define it; no lookup table).
    // The ablated heads of this layer (AnalyzeParams::ablation): their columns of the concatenated head outputs.
    void ablate(Activations &headsOut, int headSize) const;

    static void geluTanh(Activations &a) {
        constexpr float kSqrt2OverPi = 0.7978845608028654f;
        a.array() = 0.5f * a.array() * (1.0f + (kSqrt2OverPi * (a.array() + 0.044715f * a.array().cube())).tanh());
    }

    const Model &m_model;
    const ModelConfig &m_cfg;
    KvCache &m_cache;
    const std::vector<int> &m_ids;
    const std::vector<std::vector<int>> &m_targets;
    Eigen::Index m_start, m_n; // the chunk: positions [m_start, m_start + m_n)
    const AnalyzeParams &m_params;
    LayerTrace *m_trace;
    Activations m_x; // (n, dim) residual stream of the chunk
    int m_layer = 0;
    std::unique_ptr<RopeTable> m_global, m_local;
    Activations m_woF32; // (dim, heads*headSize) dequantized W_O, for value norms of a quantized model
};

Activations Pass::attention(const Activations &in, const LayerWeights &w) {
    const Eigen::Index n = m_n;
    const int headSize = m_cfg.headSize(), heads = m_cfg.heads, kvHeads = m_cfg.kvHeads;
    const int groupSize = heads / kvHeads, l = m_layer;
    const bool causal = m_cfg.causal;
    const int window = m_cfg.isLocal(l) ? m_cfg.slidingWindow : 0;

    Activations q, k, v; // (n, heads*headSize), (n, kvDim), (n, kvDim)
    multiply(in, w.wq, q);
    multiply(in, w.wk, k);
    multiply(in, w.wv, v);
    addBias(q, w.bq);
    addBias(k, w.bk);
    addBias(v, w.bv);
    if (w.qNorm) // QK-norm: every head's query and key, RMS-normalised before RoPE
        normalizeRows(q.data(), n * heads, headSize, NormKind::Rms, w.qNorm, m_cfg.rmsEps);
    if (w.kNorm)
        normalizeRows(k.data(), n * kvHeads, headSize, NormKind::Rms, w.kNorm, m_cfg.rmsEps);
    if (m_global) {
        const RopeTable &table = m_cfg.isLocal(l) && m_local ? *m_local : *m_global;
        const bool half = m_cfg.positions == Positions::RopeHalf;
        applyRope(q, headSize, m_cfg.rotaryDim(), half, table);
        applyRope(k, headSize, m_cfg.rotaryDim(), half, table);
    }
    if (m_trace && l == m_trace->layer) { // what this layer's scores are made of; nothing after it is needed
        LayerTrace &t = *m_trace;
        t.heads = heads;
        t.kvHeads = kvHeads;
        t.headSize = headSize;
        t.causal = causal;
        t.scale = m_cfg.queryScale;
        t.softcap = m_cfg.attnSoftcap;
        t.window = window;
        t.qkNorm = static_cast<bool>(w.qNorm);
        t.rotary = m_global != nullptr;
        t.biases = w.bq != nullptr;
        t.q.assign(q.data(), q.data() + q.size());
        t.k.assign(k.data(), k.data() + k.size());
        t.v.assign(v.data(), v.data() + v.size());
        throw TraceComplete{};
    }

    // The chunk's rows join the cache: its queries attend to every key so far, its own included.
    LayerRows &rows = m_cache.layers()[static_cast<std::size_t>(l)];
    const int start = static_cast<int>(m_start), end = static_cast<int>(m_start + n);
    for (RowStore *store : {&rows.q, &rows.k, &rows.v, &rows.stats, &rows.norms})
        if (store->width() > 0)
            store->grow(static_cast<int>(n));
    for (int t = 0; t < n; ++t) {
        std::memcpy(rows.q.row(start + t), q.row(t).data(), sizeof(float) * static_cast<std::size_t>(q.cols()));
        std::memcpy(rows.k.row(start + t), k.row(t).data(), sizeof(float) * static_cast<std::size_t>(k.cols()));
        std::memcpy(rows.v.row(start + t), v.row(t).data(), sizeof(float) * static_cast<std::size_t>(v.cols()));
    }

    if (rows.norms.width() > 0) { // ||W_O^h v_t|| of the new keys: what one unit of attention to t adds
        const float *wo = nullptr;
        if (w.wo.isF32()) {
            wo = w.wo.f32();
        } else {
            m_woF32.resize(w.wo.rows, w.wo.cols);
            for (std::int64_t r = 0; r < w.wo.rows; ++r)
                w.wo.dequantizeRow(r, m_woF32.row(r).data());
            wo = m_woF32.data();
        }
        parallelFor(heads, static_cast<std::int64_t>(n) * w.wo.rows * w.wo.cols, [&](std::int64_t h) {
            const auto woHead = ConstWeight(wo, w.wo.rows, w.wo.cols).middleCols(h * headSize, headSize);
            const Activations projected = v.middleCols((h / groupSize) * headSize, headSize) * woHead.transpose();
            for (int t = 0; t < n; ++t)
                rows.norms.row(start + t)[h] = projected.row(t).norm();
        });
    }

    const int keys = causal ? end : static_cast<int>(m_ids.size());
    // Query rows per block of probabilities: as many as keep (rows, keys) in about 256 KB, 8 to 64.
    const int block = static_cast<int>(std::clamp<std::int64_t>(kScratchFloats / std::max(keys, 1), 8, 64));
    const int blocks = static_cast<int>((n + block - 1) / block);
    Activations headsOut = Activations::Zero(n, static_cast<Eigen::Index>(heads) * headSize); // concatenated heads
    const std::int64_t kvDim = rows.v.width();
    // Scores and weighted values of every query row against its keys, per head.
    parallelFor(static_cast<std::int64_t>(heads) * blocks, std::int64_t(2) * heads * n * keys * headSize, [&](std::int64_t task) {
        const int h = static_cast<int>(task / blocks), kvHead = h / groupSize;
        const int r0 = static_cast<int>(task % blocks) * block, count = std::min<int>(block, static_cast<int>(n) - r0);
        const int q0 = start + r0;
        thread_local std::vector<float> scratch;
        scratch.resize(static_cast<std::size_t>(count) * keys);
        float entropy[64];
        attentionRows(m_cfg, l, rows, keys, h, q0, count, scratch.data(), keys, entropy);
        for (int r = 0; r < count; ++r)
            headRowStats(scratch.data() + static_cast<std::size_t>(r) * keys, q0 + r, causal ? q0 + r : keys - 1,
                         m_targets[static_cast<std::size_t>(q0 + r)], entropy[r],
                         rows.stats.row(q0 + r) + h * kHeadRowStats);
        // Values: the keys any query of the block sees, a block of cached rows at a time.
        const int lastKey = causal ? q0 + count - 1 : keys - 1;
        const int firstKey = window > 0 ? std::max(0, q0 - window + 1) : 0;
        float *outRows = headsOut.data() + static_cast<std::int64_t>(r0) * headsOut.cols() + h * headSize;
        for (int j0 = firstKey - firstKey % kRowBlock; j0 <= lastKey; j0 += kRowBlock) {
            const int jb = std::max(j0, firstKey), je = std::min(lastKey + 1, j0 + kRowBlock);
            kernels::accumulateRows(scratch.data() + jb, keys, count, rows.v.row(jb) + kvHead * headSize, kvDim, je - jb,
                                    headSize, outRows, headsOut.cols());
        }
    });
    ablate(headsOut, headSize);
    Activations out; // (n, dim)
    multiply(headsOut, w.wo, out);
    addBias(out, w.bo);
    return out;
}

void Pass::ablate(Activations &headsOut, int headSize) const {
    for (const HeadRef &h : m_params.ablation.heads) {
        if (h.layer != m_layer)
            continue;
        auto cols = headsOut.middleCols(static_cast<Eigen::Index>(h.head) * headSize, headSize);
        if (m_params.ablation.mode == AblationMode::Zero) {
            cols.setZero();
            continue;
        }
        // Mean-ablation: the head's output averaged over the text's positions (the text is one chunk here).
        const Eigen::RowVectorXf mean = cols.colwise().mean();
        cols.rowwise() = mean;
    }
}

} // namespace

Status forwardTransformer(KvCache &cache, const std::vector<int> &ids, const AnalyzeParams &params,
                          AttentionResult &out, const ProgressFn &progress, LayerTrace *trace) {
    const Model &model = cache.model();
    const ModelConfig &cfg = model.config();
    const ModelWeights &w = model.weights();
    const arch::Family *family = arch::familyForGguf(cfg.architecture);
    if (!family)
        return makeError("no model family \"" + cfg.architecture + "\"");
    const int T = static_cast<int>(ids.size()), dim = cfg.dim;
    const int prefix = cache.seqLen();
    if (prefix > T || (prefix > 0 && (!cfg.causal || trace)))
        return makeError("internal: a cache of " + std::to_string(prefix) + " tokens cannot continue this analysis");

    out.layers = cfg.layers;
    out.heads = cfg.heads;
    out.vocabSize = w.classifier.data ? cfg.vocabSize : 0;
    out.causal = cfg.causal;
    out.windows.clear();
    if (cfg.slidingWindow > 0)
        for (int l = 0; l < cfg.layers; ++l)
            out.windows.push_back(cfg.isLocal(l) ? cfg.slidingWindow : 0);
    out.attention.clear();
    out.measure = Measure::Raw;

    const std::vector<std::vector<int>> targets = inductionTargets(ids);
    const HeapReuse reuse;
    // A causal model goes a chunk at a time; an encoder's queries see every key, so it takes the text at once, and so
    // does a trace (it stops in the middle of the model).
    // Mean-ablation needs every position's head outputs at once: one chunk too.
    const bool meanAblation = !params.ablation.empty() && params.ablation.mode == AblationMode::Mean;
    const int chunk = cfg.causal && !trace && !meanAblation ? kChunk : std::max(1, T - prefix);
    if (params.residuals) {
        if (prefix > 0)
            return makeError("internal: residuals are captured from the first token");
        params.residuals->assign(static_cast<std::size_t>(cfg.layers + 1) * T * dim, 0.0f);
    }
    // The residual stream of the chunk at boundary b (0 = embeddings, l + 1 = after layer l).
    auto keepResiduals = [&](const Activations &x, int boundary, int start) {
        if (!params.residuals)
            return;
        float *to = params.residuals->data() + (static_cast<std::size_t>(boundary) * T + start) * dim;
        std::memcpy(to, x.data(), sizeof(float) * static_cast<std::size_t>(x.size()));
    };
    const int chunks = (T - prefix + chunk - 1) / chunk;
    const int stopLayer = trace ? trace->layer + 1 : cfg.layers;
    const double steps = static_cast<double>(chunks) * stopLayer + 1; // the logits count as one more step
    std::vector<float> row(static_cast<std::size_t>(dim));
    for (int c = 0; c < chunks; ++c) {
        const int start = prefix + c * chunk, n = std::min(chunk, T - start);
        Pass pass(model, cache, ids, targets, start, n, params, trace);
        Activations &x = pass.x(); // (n, dim) residual stream
        for (int t = 0; t < n; ++t) {
            w.tokenEmbedding.dequantizeRow(ids[static_cast<std::size_t>(start + t)], x.row(t).data());
            if (cfg.embedScale != 1.0f) // Gemma: sqrt(dim)
                x.row(t) *= cfg.embedScale;
            if (w.positionEmbedding.data) { // learned absolute positions (GPT-2, BERT)
                w.positionEmbedding.dequantizeRow(start + t, row.data());
                x.row(t) += ConstVec(row.data(), dim).transpose();
            }
            if (w.tokenTypeEmbedding.data) { // BERT: every token is segment 0
                w.tokenTypeEmbedding.dequantizeRow(0, row.data());
                x.row(t) += ConstVec(row.data(), dim).transpose();
            }
        }
        if (w.embNorm)
            x = pass.norm(x, w.embNorm);
        keepResiduals(x, 0, start);

        for (int l = 0; l < cfg.layers; ++l) {
            pass.setLayer(l);
            try {
                family->layer(pass, w.layers[static_cast<std::size_t>(l)]);
            } catch (const TraceComplete &) {
                out.layers = 0; // nothing in `out` is a result the caller may read
                out.logitRows = 0;
                out.logits.clear();
                if (progress)
                    progress(1.0f);
                return Ok{};
            }
            keepResiduals(x, l + 1, start);
            if (progress && !progress(static_cast<float>((c * stopLayer + l + 1) / steps)))
                return cancelledError();
        }
        if (cache.hidden().width() > 0) { // the final normalised hidden state, for logits wherever asked
            const Activations normed = w.finalNorm ? pass.norm(x, w.finalNorm) : x;
            cache.hidden().grow(n);
            for (int t = 0; t < n; ++t)
                std::memcpy(cache.hidden().row(start + t), normed.row(t).data(), sizeof(float) * std::size_t(dim));
        }
    }
    cache.ids() = ids;
    cache.setRows(T);

    if (w.classifier.data) {
        const int rows = params.allPositionLogits ? T : 1;
        out.logitRows = rows;
        out.logits.resize(static_cast<std::size_t>(rows) * cfg.vocabSize);
        parallelFor(rows > 1 ? rows : 0, [&](std::int64_t r) { // one row: logitsOfHidden parallelises itself
            logitsOfHidden(model, cache.hidden().row(static_cast<int>(r)), out.logits.data() + r * cfg.vocabSize);
        });
        if (rows == 1)
            logitsOfHidden(model, cache.hidden().row(T - 1), out.logits.data());
    } else { // an encoder without a language-model head: attention only
        out.logitRows = 0;
        out.logits.clear();
    }
    out.valueNorms.clear();
    if (cache.valueNorms()) {
        out.valueNorms.resize(static_cast<std::size_t>(cfg.layers) * cfg.heads * static_cast<std::size_t>(T));
        for (int l = 0; l < cfg.layers; ++l)
            for (int t = 0; t < T; ++t) {
                const float *norms = cache.layers()[static_cast<std::size_t>(l)].norms.row(t);
                for (int h = 0; h < cfg.heads; ++h)
                    out.valueNorms[(static_cast<std::size_t>(l) * cfg.heads + h) * T + t] = norms[h];
            }
    }
    if (progress)
        progress(1.0f);
    return Ok{};
}

} // namespace attnscope
