// The transformer forward pass, read top to bottom next to the papers / llama2.c's run.c, but batched over the
// sequence: every projection is one matrix-matrix product over all T positions. Attention heads run in parallel.
// Llama, Qwen2, GPT-2 and BERT differ only in the settings of ModelConfig (norm, positions, feed-forward, biases,
// causal mask, pre- or post-norm).
#include "transformer.h"

#include <Eigen/Dense>

#include <algorithm>
#include <type_traits>
#include <cmath>

namespace attnscope {

namespace {

constexpr Eigen::Index kQueryBlock = 64; // rows of scores processed together; 64 x 512 floats = 128 KB

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstWeight = Eigen::Map<const RowMat>;
using ConstVec = Eigen::Map<const Eigen::VectorXf>;

// RMSNorm: out = x / sqrt(mean(x^2) + eps) * weight. LayerNorm: out = (x - mean) / sqrt(var + eps) * weight + bias.
// Row by row; x, out: (T, dim); weight, bias: (dim).
void normalize(const RowMat &x, NormKind kind, const float *weight, const float *bias, float eps, RowMat &out) {
    const ConstVec w(weight, x.cols());
    out.resize(x.rows(), x.cols());
    const float n = static_cast<float>(x.cols());
    for (Eigen::Index t = 0; t < x.rows(); ++t) {
        if (kind == NormKind::Rms) {
            const float meanSquare = x.row(t).squaredNorm() / n;
            const float scale = 1.0f / std::sqrt(meanSquare + eps);
            out.row(t) = (x.row(t).array() * scale) * w.transpose().array();
            continue;
        }
        const float mean = x.row(t).sum() / n;
        const float variance = (x.row(t).array() - mean).square().sum() / n;
        const float scale = 1.0f / std::sqrt(variance + eps);
        out.row(t) = ((x.row(t).array() - mean) * scale) * w.transpose().array();
        if (bias)
            out.row(t).array() += ConstVec(bias, x.cols()).transpose().array();
    }
}

void addBias(RowMat &m, const float *bias) {
    if (bias)
        m.rowwise() += ConstVec(bias, m.cols()).transpose();
}

// RoPE on the first rotaryDim dimensions of every head, angle pos * theta^(-2p/rotaryDim) for pair p. Interleaved
// (llama2.c, GGUF llama): pair p is dimensions (2p, 2p+1). Half (GPT-NeoX style: Qwen2, Hugging Face Llama): pair p
// is (p, p + rotaryDim/2). cosTable/sinTable: (T, rotaryDim/2), computed in float exactly as run.c does.
void applyRope(RowMat &m, int headSize, int rotaryDim, bool half, const RowMat &cosTable, const RowMat &sinTable) {
    const int pairs = rotaryDim / 2;
    for (Eigen::Index t = 0; t < m.rows(); ++t) {
        float *row = m.row(t).data();
        for (Eigen::Index h0 = 0; h0 < m.cols(); h0 += headSize) {
            for (int p = 0; p < pairs; ++p) {
                const Eigen::Index i0 = h0 + (half ? p : 2 * p), i1 = h0 + (half ? p + pairs : 2 * p + 1);
                const float c = cosTable(t, p), s = sinTable(t, p);
                const float v0 = row[i0], v1 = row[i1];
                row[i0] = v0 * c - v1 * s;
                row[i1] = v0 * s + v1 * c;
            }
        }
    }
}

constexpr std::int64_t kChunkFloats = 1 << 16; // dequantized rows per thread: 256 KB of floats

// out = x * W^T (or out += when accumulate): x (T, in), W (out, in). Float32 weights are used where they lie;
// other types are dequantized a chunk of rows at a time on each thread, so a quantized model never needs a float32
// copy of itself.
template <typename Out>
void multiply(const Eigen::Ref<const RowMat> &x, const Tensor &w, Out &&out, bool accumulate = false) {
    if constexpr (std::is_same_v<std::decay_t<Out>, RowMat>)
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
#pragma omp parallel
    {
        RowMat rows(chunk, w.cols); // (chunk, in) dequantized weights, per thread
#pragma omp for schedule(static)
        for (std::int64_t c = 0; c < chunks; ++c) {
            const std::int64_t r0 = c * chunk, n = std::min(chunk, w.rows - r0);
            for (std::int64_t r = 0; r < n; ++r)
                w.dequantizeRow(r0 + r, rows.row(r).data());
            if (accumulate)
                out.middleCols(r0, n).noalias() += x * rows.topRows(n).transpose();
            else
                out.middleCols(r0, n).noalias() = x * rows.topRows(n).transpose();
        }
    }
}

} // namespace

Status forwardTransformer(const Model &model, const std::vector<int> &ids, const AnalyzeParams &params,
                          AttentionResult &out, const ProgressFn &progress, LayerTrace *trace) {
    const ModelConfig &cfg = model.config();
    const ModelWeights &w = model.weights();
    const Eigen::Index T = static_cast<Eigen::Index>(ids.size());
    const int dim = cfg.dim, hidden = cfg.hiddenDim, headSize = cfg.headSize(), kvDim = cfg.kvDim();
    const int heads = cfg.heads, groupSize = cfg.heads / cfg.kvHeads;
    const float attnScale = 1.0f / std::sqrt(static_cast<float>(headSize));
    const bool causal = cfg.causal;

    out.layers = cfg.layers;
    out.heads = heads;
    out.vocabSize = w.classifier.data ? cfg.vocabSize : 0;
    out.causal = causal;
    const std::size_t headStride = static_cast<std::size_t>(T) * static_cast<std::size_t>(T);
    // Not zero-filled (see buffer.h): the head loop writes every element, the masked triangle included.
    // A trace keeps one layer's attention at a time: the layers before it are only needed for the residual stream.
    const int storedLayers = trace ? 1 : cfg.layers;
    out.attention.clear();
    out.attention.resize(static_cast<std::size_t>(storedLayers) * heads * headStride);
    out.measure = Measure::Raw;
    out.valueNorms.clear();
    if (params.valueNorms && !trace)
        out.valueNorms.resize(static_cast<std::size_t>(cfg.layers) * heads * static_cast<std::size_t>(T));

    const bool rope = cfg.positions != Positions::Learned;
    const int rotaryDim = cfg.rotaryDim();
    RowMat cosTable(T, rotaryDim / 2), sinTable(T, rotaryDim / 2); // (T, rotaryDim/2)
    for (Eigen::Index t = 0; rope && t < T; ++t)
        for (int p = 0; p < rotaryDim / 2; ++p) {
            const float freq = 1.0f / std::pow(cfg.ropeTheta, static_cast<float>(2 * p) / static_cast<float>(rotaryDim));
            const float angle = static_cast<float>(t) * freq;
            cosTable(t, p) = std::cos(angle);
            sinTable(t, p) = std::sin(angle);
        }

    RowMat x(T, dim); // (T, dim) residual stream
    {
        std::vector<float> row(static_cast<std::size_t>(dim));
        for (Eigen::Index t = 0; t < T; ++t) {
            w.tokenEmbedding.dequantizeRow(ids[static_cast<std::size_t>(t)], x.row(t).data());
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
    RowMat xb; // (T, dim) normalised input of a block
    if (w.embNorm) {
        normalize(x, cfg.norm, w.embNorm, w.embNormBias, cfg.rmsEps, xb);
        x = xb;
    }

    RowMat q(T, dim), k(T, kvDim), v(T, kvDim); // (T, heads*headSize), (T, kvDim), (T, kvDim)
    RowMat attnOut(T, dim);                     // (T, heads*headSize) concatenated head outputs
    RowMat h1(T, hidden), h3(T, hidden);        // (T, hidden)
    RowMat woF32;                               // (dim, dim) dequantized W_O, for value norms of a quantized model

    for (int l = 0; l < cfg.layers; ++l) {
        const LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];

        // Attention block. Pre-norm: x += attn(norm(x)). Post-norm (BERT): x = norm(x + attn(x)).
        if (cfg.postNorm)
            xb = x;
        else
            normalize(x, cfg.norm, lw.rmsAtt, lw.attNormBias, cfg.rmsEps, xb);
        multiply(xb, lw.wq, q);
        multiply(xb, lw.wk, k);
        multiply(xb, lw.wv, v);
        addBias(q, lw.bq);
        addBias(k, lw.bk);
        addBias(v, lw.bv);
        if (rope) {
            const bool half = cfg.positions == Positions::RopeHalf;
            applyRope(q, headSize, rotaryDim, half, cosTable, sinTable);
            applyRope(k, headSize, rotaryDim, half, cosTable, sinTable);
        }
        if (trace && l == trace->layer) { // what this layer's scores are made of; nothing after it is needed
            trace->heads = heads;
            trace->kvHeads = cfg.kvHeads;
            trace->headSize = headSize;
            trace->causal = causal;
            trace->q.assign(q.data(), q.data() + q.size());
            trace->k.assign(k.data(), k.data() + k.size());
            trace->v.assign(v.data(), v.data() + v.size());
            out.layers = 0; // `out` was scratch for the layers before: it holds nothing the caller may read
            out.logitRows = 0;
            out.logits.clear();
            if (progress)
                progress(1.0f);
            return Ok{};
        }

        // Value norms need W_O's columns of each head: map float32 weights, dequantize others once per layer.
        const float *wo = nullptr;
        if (params.valueNorms && !trace) {
            if (lw.wo.isF32()) {
                wo = lw.wo.f32();
            } else {
                woF32.resize(lw.wo.rows, lw.wo.cols);
                for (std::int64_t r = 0; r < lw.wo.rows; ++r)
                    lw.wo.dequantizeRow(r, woF32.row(r).data());
                wo = woF32.data();
            }
        }

#pragma omp parallel for schedule(static)
        for (int h = 0; h < heads; ++h) {
            const int kvHead = h / groupSize;
            const auto qh = q.middleCols(h * headSize, headSize);      // (T, headSize)
            const auto kh = k.middleCols(kvHead * headSize, headSize); // (T, headSize)
            const auto vh = v.middleCols(kvHead * headSize, headSize); // (T, headSize)
            // probs: (T, T) in the result buffer.
            const std::size_t slot = static_cast<std::size_t>(trace ? 0 : l) * heads + h;
            Eigen::Map<RowMat> probs(out.attention.data() + slot * headStride, T, T);
            // Row blocks: in a causal model queries [r0, r0+rows) only see keys [0, r0+rows), half the work of a
            // full T x T product; one block of scores stays in cache from the product through softmax to P*V.
            for (Eigen::Index r0 = 0; r0 < T; r0 += kQueryBlock) {
                const Eigen::Index rows = std::min<Eigen::Index>(kQueryBlock, T - r0);
                const Eigen::Index cols = causal ? r0 + rows : T;
                auto block = probs.block(r0, 0, rows, cols); // (rows, cols)
                block.noalias() = qh.middleRows(r0, rows) * kh.topRows(cols).transpose();
                for (Eigen::Index r = 0; r < rows; ++r) {
                    auto visible = block.row(r).head(causal ? r0 + r + 1 : cols); // keys query r0+r may see
                    visible *= attnScale;
                    const float maxScore = visible.maxCoeff();
                    visible = (visible.array() - maxScore).exp();
                    visible /= visible.sum();
                    if (causal)
                        block.row(r).tail(rows - r - 1).setZero();
                }
                if (cols < T)
                    probs.block(r0, cols, rows, T - cols).setZero(); // keys no query of this block may see
                attnOut.block(r0, h * headSize, rows, headSize).noalias() = block * vh.topRows(cols);
            }
            if (wo) { // ||W_O^h v_j|| for every key j: what one unit of attention to j adds to the residual stream
                const auto woHead = ConstWeight(wo, lw.wo.rows, lw.wo.cols).middleCols(h * headSize, headSize);
                const RowMat projected = vh * woHead.transpose(); // (T, dim)
                Eigen::Map<Eigen::VectorXf>(out.valueNorms.data() + (static_cast<std::size_t>(l) * heads + h) * T, T) =
                    projected.rowwise().norm();
            }
        }
        multiply(attnOut, lw.wo, x, true);
        addBias(x, lw.bo);
        if (cfg.postNorm) {
            normalize(x, cfg.norm, lw.rmsAtt, lw.attNormBias, cfg.rmsEps, xb);
            x = xb;
        }

        // Feed-forward block: SwiGLU w2(silu(w1 x) * w3 x), or GELU w2(gelu(w3 x + b3)) + b2.
        if (cfg.postNorm)
            xb = x;
        else
            normalize(x, cfg.norm, lw.rmsFfn, lw.ffnNormBias, cfg.rmsEps, xb);
        multiply(xb, lw.w3, h3);
        addBias(h3, lw.b3);
        switch (cfg.feedForward) {
        case FeedForward::SwiGlu:
            multiply(xb, lw.w1, h1);
            h1.array() = h1.array() / (1.0f + (-h1.array()).exp()) * h3.array();
            break;
        case FeedForward::GeluTanh: {
            constexpr float kSqrt2OverPi = 0.7978845608028654f;
            h1.array() = 0.5f * h3.array() * (1.0f + (kSqrt2OverPi * (h3.array() + 0.044715f * h3.array().cube())).tanh());
            break;
        }
        case FeedForward::GeluErf:
            h1.resize(h3.rows(), h3.cols());
            for (Eigen::Index i = 0; i < h3.size(); ++i)
                h1.data()[i] = 0.5f * h3.data()[i] * (1.0f + std::erf(h3.data()[i] * 0.7071067811865476f));
            break;
        }
        multiply(h1, lw.w2, x, true);
        addBias(x, lw.b2);
        if (cfg.postNorm) {
            normalize(x, cfg.norm, lw.rmsFfn, lw.ffnNormBias, cfg.rmsEps, xb);
            x = xb;
        }

        const int stopLayer = trace ? trace->layer + 1 : cfg.layers + 1; // the logits count as one more step
        if (progress && !progress(static_cast<float>(l + 1) / static_cast<float>(stopLayer)))
            return cancelledError();
    }

    if (w.rmsFinal)
        normalize(x, cfg.norm, w.rmsFinal, w.finalNormBias, cfg.rmsEps, xb);
    else
        xb = x;
    if (w.classifier.data) {
        const Eigen::Index rows = params.allPositionLogits ? T : 1;
        out.logitRows = static_cast<int>(rows);
        out.logits.resize(static_cast<std::size_t>(rows) * cfg.vocabSize);
        multiply(xb.bottomRows(rows), w.classifier, Eigen::Map<RowMat>(out.logits.data(), rows, cfg.vocabSize));
    } else { // an encoder without a language-model head: attention only
        out.logitRows = 0;
        out.logits.clear();
    }
    if (progress)
        progress(1.0f);
    return Ok{};
}

} // namespace attnscope
