// The forward pass, read top to bottom next to the papers / llama2.c's run.c, but batched over the sequence: every
// projection is one matrix-matrix product over all T positions, and attention heads run in parallel. The driver
// embeds the tokens, runs each layer as its family composes it (arch/<family>.cpp) from the blocks below, and
// applies the final norm, the language-model head and a final softcap. The blocks read every option from the
// model's settings and weights, never from the family's name.
#include "runtime/forward.h"

#include "arch/family.h"
#include "runtime/blocks.h"

#include <algorithm>
#include <exception>
#include <cmath>
#include <type_traits>

namespace attnscope {

namespace {

using arch::Activations;
using ConstWeight = Eigen::Map<const Activations>;
using ConstVec = Eigen::Map<const Eigen::VectorXf>;

// An exception must not leave an OpenMP region (that calls std::terminate): the first one thrown on any thread is
// kept and rethrown after the region, so an allocation failure reaches the engine as std::bad_alloc.
class ParallelErrors {
public:
    template <typename F> void run(F &&body) noexcept {
        try {
            body();
        } catch (...) {
#pragma omp critical(attnscope_parallel_errors)
            if (!m_error)
                m_error = std::current_exception();
        }
    }
    void rethrow() const {
        if (m_error)
            std::rethrow_exception(m_error);
    }

private:
    std::exception_ptr m_error;
};

constexpr Eigen::Index kQueryBlock = 64; // rows of scores processed together; 64 x 512 floats = 128 KB

// Thrown by the attention block once a traced layer's q, k and v are captured: nothing after it is needed.
struct TraceComplete {};

// RMSNorm: out = x / sqrt(mean(x^2) + eps) * weight. LayerNorm: out = (x - mean) / sqrt(var + eps) * weight + bias.
// Row by row over the (rows, n) blocks of x: n = dim for the residual stream, headSize for QK-norm.
void normalizeRows(float *x, Eigen::Index rows, Eigen::Index n, NormKind kind, const Norm &norm, float eps) {
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

void addBias(Activations &m, const float *bias) {
    if (bias)
        m.rowwise() += ConstVec(bias, m.cols()).transpose();
}

constexpr std::int64_t kChunkFloats = 1 << 16; // dequantized rows per thread: 256 KB of floats

// out = x * W^T (or out += when accumulate): x (T, in), W (out, in). Float32 weights are used where they lie;
// other types are dequantized a chunk of rows at a time on each thread, so a quantized model never needs a float32
// copy of itself.
template <typename Out>
void multiply(const Eigen::Ref<const Activations> &x, const Tensor &w, Out &&out, bool accumulate = false) {
    if constexpr (std::is_same_v<std::decay_t<Out>, Activations>)
        if (!accumulate)
            out.resize(x.rows(), w.rows);
    if (w.isF32()) {
        const ConstWeight m(w.f32(), w.rows, w.cols);
        if (accumulate)
            out.noalias() += x * m.transpose();
        else
            out.noalias() = x * m.transpose();
        return;
    }
    const std::int64_t chunk = std::max<std::int64_t>(1, kChunkFloats / w.cols);
    const std::int64_t chunks = (w.rows + chunk - 1) / chunk;
    ParallelErrors errors;
#pragma omp parallel
    {
        Activations rows; // (chunk, in) dequantized weights, per thread
        errors.run([&] { rows.resize(chunk, w.cols); });
#pragma omp for schedule(static)
        for (std::int64_t c = 0; c < chunks; ++c)
            errors.run([&] {
                if (rows.rows() != chunk)
                    return; // this thread could not allocate its rows: the error is rethrown below
                const std::int64_t r0 = c * chunk, n = std::min(chunk, w.rows - r0);
                for (std::int64_t r = 0; r < n; ++r)
                    w.dequantizeRow(r0 + r, rows.row(r).data());
                if (accumulate)
                    out.middleCols(r0, n).noalias() += x * rows.topRows(n).transpose();
                else
                    out.middleCols(r0, n).noalias() = x * rows.topRows(n).transpose();
            });
    }
    errors.rethrow();
}

// cos and sin of every position and rotary pair: (T, rotaryDim / 2) each. Angle of pair p at position t:
// t * scale * theta^(-2p / rotaryDim) / factor_p (llama.cpp's rope with freq_scale and freq_factors), both
// multiplied by attnFactor (LongRoPE's scaling of q and k).
struct RopeTable {
    Activations cos, sin;
    RopeTable(Eigen::Index T, int rotaryDim, float theta, float scale, const std::vector<float> &factors,
              float attnFactor)
        : cos(T, rotaryDim / 2), sin(T, rotaryDim / 2) {
        for (int p = 0; p < rotaryDim / 2; ++p) {
            float freq = 1.0f / std::pow(theta, static_cast<float>(2 * p) / static_cast<float>(rotaryDim));
            if (!factors.empty())
                freq /= factors[static_cast<std::size_t>(p)];
            for (Eigen::Index t = 0; t < T; ++t) {
                const float angle = static_cast<float>(t) * scale * freq;
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

// The blocks over one forward pass: the residual stream, the rope tables, where attention goes.
class Pass final : public arch::LayerPass {
public:
    Pass(const Model &model, Eigen::Index T, const AnalyzeParams &params, AttentionResult &out, LayerTrace *trace)
        : m_cfg(model.config()), m_T(T), m_params(params), m_out(out), m_trace(trace), m_x(T, m_cfg.dim) {
        if (m_cfg.positions != Positions::Learned) {
            // LongRoPE: the short factors up to the original context, the long ones beyond it.
            const bool longText = !m_cfg.ropeFactorsLong.empty() && m_cfg.ropeOriginal > 0 && T > m_cfg.ropeOriginal;
            const std::vector<float> &factors = longText ? m_cfg.ropeFactorsLong : m_cfg.ropeFactors;
            m_global = std::make_unique<RopeTable>(T, m_cfg.rotaryDim(), m_cfg.ropeTheta, m_cfg.ropeScale, factors,
                                                   m_cfg.ropeAttnFactor);
            const float localTheta = m_cfg.ropeThetaLocal > 0 ? m_cfg.ropeThetaLocal : m_cfg.ropeTheta;
            if (localTheta != m_cfg.ropeTheta || m_cfg.ropeScaleLocal != m_cfg.ropeScale)
                m_local = std::make_unique<RopeTable>(T, m_cfg.rotaryDim(), localTheta, m_cfg.ropeScaleLocal, factors,
                                                      m_cfg.ropeAttnFactor);
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
        Activations up, act; // (T, hidden)
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
        Activations out; // (T, dim)
        multiply(act, w.down, out);
        addBias(out, w.downBias);
        return out;
    }

private:
    // GELU, tanh approximation, in float32 (as Gemma and GPT-NeoX define it; no lookup table).
    static void geluTanh(Activations &a) {
        constexpr float kSqrt2OverPi = 0.7978845608028654f;
        a.array() = 0.5f * a.array() * (1.0f + (kSqrt2OverPi * (a.array() + 0.044715f * a.array().cube())).tanh());
    }

    const ModelConfig &m_cfg;
    Eigen::Index m_T;
    const AnalyzeParams &m_params;
    AttentionResult &m_out;
    LayerTrace *m_trace;
    Activations m_x; // (T, dim) residual stream
    int m_layer = 0;
    std::unique_ptr<RopeTable> m_global, m_local;
    Activations m_woF32; // (dim, heads*headSize) dequantized W_O, for value norms of a quantized model
};

Activations Pass::attention(const Activations &in, const LayerWeights &w) {
    const Eigen::Index T = m_T;
    const int headSize = m_cfg.headSize(), heads = m_cfg.heads, kvHeads = m_cfg.kvHeads;
    const int groupSize = heads / kvHeads, l = m_layer;
    const bool causal = m_cfg.causal;
    const int window = m_cfg.isLocal(l) ? m_cfg.slidingWindow : 0;
    const float scale = m_cfg.scoreScale(), softcap = m_cfg.attnSoftcap;

    Activations q, k, v; // (T, heads*headSize), (T, kvDim), (T, kvDim)
    multiply(in, w.wq, q);
    multiply(in, w.wk, k);
    multiply(in, w.wv, v);
    addBias(q, w.bq);
    addBias(k, w.bk);
    addBias(v, w.bv);
    if (w.qNorm) // QK-norm: every head's query and key, RMS-normalised before RoPE
        normalizeRows(q.data(), T * heads, headSize, NormKind::Rms, w.qNorm, m_cfg.rmsEps);
    if (w.kNorm)
        normalizeRows(k.data(), T * kvHeads, headSize, NormKind::Rms, w.kNorm, m_cfg.rmsEps);
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
        t.softcap = softcap;
        t.window = window;
        t.qkNorm = static_cast<bool>(w.qNorm);
        t.q.assign(q.data(), q.data() + q.size());
        t.k.assign(k.data(), k.data() + k.size());
        t.v.assign(v.data(), v.data() + v.size());
        throw TraceComplete{};
    }

    // Value norms need W_O's columns of each head: map float32 weights, dequantize others once per layer.
    const float *wo = nullptr;
    if (m_params.valueNorms && !m_trace) {
        if (w.wo.isF32()) {
            wo = w.wo.f32();
        } else {
            m_woF32.resize(w.wo.rows, w.wo.cols);
            for (std::int64_t r = 0; r < w.wo.rows; ++r)
                w.wo.dequantizeRow(r, m_woF32.row(r).data());
            wo = m_woF32.data();
        }
    }

    const std::size_t headStride = static_cast<std::size_t>(T) * static_cast<std::size_t>(T);
    Activations heads_out(T, static_cast<Eigen::Index>(heads) * headSize); // (T, heads*headSize) concatenated heads
    ParallelErrors errors;
#pragma omp parallel for schedule(static)
    for (int h = 0; h < heads; ++h) errors.run([&] {
        const int kvHead = h / groupSize;
        const auto qh = q.middleCols(h * headSize, headSize);      // (T, headSize)
        const auto kh = k.middleCols(kvHead * headSize, headSize); // (T, headSize)
        const auto vh = v.middleCols(kvHead * headSize, headSize); // (T, headSize)
        // probs: (T, T) in the result buffer.
        const std::size_t slot = static_cast<std::size_t>(m_trace ? 0 : l) * heads + h;
        Eigen::Map<Activations> probs(m_out.attention.data() + slot * headStride, T, T);
        // Row blocks: in a causal model queries [r0, r0+rows) only see keys [0, r0+rows), half the work of a
        // full T x T product; one block of scores stays in cache from the product through softmax to P*V. A
        // sliding window also skips the keys no query of the block can see.
        for (Eigen::Index r0 = 0; r0 < T; r0 += kQueryBlock) {
            const Eigen::Index rows = std::min<Eigen::Index>(kQueryBlock, T - r0);
            const Eigen::Index end = causal ? r0 + rows : T;
            const Eigen::Index begin = window > 0 ? std::max<Eigen::Index>(0, r0 - window + 1) : 0;
            auto block = probs.block(r0, begin, rows, end - begin); // (rows, end - begin)
            block.noalias() = qh.middleRows(r0, rows) * kh.middleRows(begin, end - begin).transpose();
            for (Eigen::Index r = 0; r < rows; ++r) {
                const Eigen::Index query = r0 + r;
                // Keys this query may see: [first, last]; every other weight is exactly 0.
                const Eigen::Index last = causal ? query : T - 1;
                const Eigen::Index first = window > 0 ? std::max<Eigen::Index>(0, query - window + 1) : 0;
                auto visible = block.row(r).segment(first - begin, last - first + 1);
                visible *= scale;
                if (softcap > 0)
                    visible = (visible.array() / softcap).tanh() * softcap;
                const float maxScore = visible.maxCoeff();
                visible = (visible.array() - maxScore).exp();
                visible /= visible.sum();
                block.row(r).head(first - begin).setZero();
                block.row(r).tail(end - 1 - last).setZero();
            }
            if (begin > 0)
                probs.block(r0, 0, rows, begin).setZero();
            if (end < T)
                probs.block(r0, end, rows, T - end).setZero(); // keys no query of this block may see
            heads_out.block(r0, h * headSize, rows, headSize).noalias() = block * vh.middleRows(begin, end - begin);
        }
        if (wo) { // ||W_O^h v_j|| for every key j: what one unit of attention to j adds to the residual stream
            const auto woHead = ConstWeight(wo, w.wo.rows, w.wo.cols).middleCols(h * headSize, headSize);
            const Activations projected = vh * woHead.transpose(); // (T, dim)
            Eigen::Map<Eigen::VectorXf>(m_out.valueNorms.data() + (static_cast<std::size_t>(l) * heads + h) * T, T) =
                projected.rowwise().norm();
        }
    });
    errors.rethrow();
    Activations out; // (T, dim)
    multiply(heads_out, w.wo, out);
    addBias(out, w.bo);
    return out;
}

} // namespace

Status forwardTransformer(const Model &model, const std::vector<int> &ids, const AnalyzeParams &params,
                          AttentionResult &out, const ProgressFn &progress, LayerTrace *trace) {
    const ModelConfig &cfg = model.config();
    const ModelWeights &w = model.weights();
    const arch::Family *family = arch::familyForGguf(cfg.architecture);
    if (!family)
        return makeError("no model family \"" + cfg.architecture + "\"");
    const Eigen::Index T = static_cast<Eigen::Index>(ids.size());
    const int dim = cfg.dim, heads = cfg.heads;

    out.layers = cfg.layers;
    out.heads = heads;
    out.vocabSize = w.classifier.data ? cfg.vocabSize : 0;
    out.causal = cfg.causal;
    out.windows.clear();
    if (cfg.slidingWindow > 0)
        for (int l = 0; l < cfg.layers; ++l)
            out.windows.push_back(cfg.isLocal(l) ? cfg.slidingWindow : 0);
    const std::size_t headStride = static_cast<std::size_t>(T) * static_cast<std::size_t>(T);
    // Not zero-filled (see buffer.h): the head loop writes every element, the masked ones included.
    // A trace keeps one layer's attention at a time: the layers before it are only needed for the residual stream.
    const int storedLayers = trace ? 1 : cfg.layers;
    if (static_cast<double>(storedLayers) * heads * static_cast<double>(headStride) * sizeof(float) > 0x1p52)
        return makeError("the attention of " + std::to_string(T) + " tokens is too large to hold; analyse a shorter text");
    out.attention.clear();
    out.attention.resize(static_cast<std::size_t>(storedLayers) * heads * headStride);
    out.measure = Measure::Raw;
    out.valueNorms.clear();
    if (params.valueNorms && !trace)
        out.valueNorms.resize(static_cast<std::size_t>(cfg.layers) * heads * static_cast<std::size_t>(T));

    Pass pass(model, T, params, out, trace);
    Activations &x = pass.x(); // (T, dim) residual stream
    {
        std::vector<float> row(static_cast<std::size_t>(dim));
        for (Eigen::Index t = 0; t < T; ++t) {
            w.tokenEmbedding.dequantizeRow(ids[static_cast<std::size_t>(t)], x.row(t).data());
            if (cfg.embedScale != 1.0f) // Gemma: sqrt(dim)
                x.row(t) *= cfg.embedScale;
            if (w.positionEmbedding.data) { // learned absolute positions (GPT-2, BERT)
                w.positionEmbedding.dequantizeRow(t, row.data());
                x.row(t) += ConstVec(row.data(), dim).transpose();
            }
            if (w.tokenTypeEmbedding.data) { // BERT: every token is segment 0
                w.tokenTypeEmbedding.dequantizeRow(0, row.data());
                x.row(t) += ConstVec(row.data(), dim).transpose();
            }
        }
    }
    if (w.embNorm)
        x = pass.norm(x, w.embNorm);

    for (int l = 0; l < cfg.layers; ++l) {
        pass.setLayer(l);
        try {
            family->layer(pass, w.layers[static_cast<std::size_t>(l)]);
        } catch (const TraceComplete &) {
            out.layers = 0; // `out` was scratch for the layers before: it holds nothing the caller may read
            out.logitRows = 0;
            out.logits.clear();
            if (progress)
                progress(1.0f);
            return Ok{};
        }
        const int stopLayer = trace ? trace->layer + 1 : cfg.layers + 1; // the logits count as one more step
        if (progress && !progress(static_cast<float>(l + 1) / static_cast<float>(stopLayer)))
            return cancelledError();
    }

    if (w.classifier.data) {
        const Eigen::Index rows = params.allPositionLogits ? T : 1;
        const Activations last = x.bottomRows(rows);
        const Activations normed = w.finalNorm ? pass.norm(last, w.finalNorm) : last;
        out.logitRows = static_cast<int>(rows);
        out.logits.resize(static_cast<std::size_t>(rows) * cfg.vocabSize);
        Eigen::Map<Activations> logits(out.logits.data(), rows, cfg.vocabSize);
        multiply(normed, w.classifier, logits);
        if (cfg.finalSoftcap > 0) // Gemma 2: logits -> c * tanh(logits / c)
            logits = (logits.array() / cfg.finalSoftcap).tanh() * cfg.finalSoftcap;
    } else { // an encoder without a language-model head: attention only
        out.logitRows = 0;
        out.logits.clear();
    }
    if (progress)
        progress(1.0f);
    return Ok{};
}

} // namespace attnscope
