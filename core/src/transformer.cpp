// Llama forward pass, read top to bottom next to the paper / llama2.c's run.c, but batched over the sequence:
// every projection is one matrix-matrix product over all T positions. Attention heads run in parallel.
#include "transformer.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>

namespace attnscope {

namespace {

constexpr Eigen::Index kQueryBlock = 64; // rows of scores processed together; 64 x 512 floats = 128 KB

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstWeight = Eigen::Map<const RowMat>;
using ConstVec = Eigen::Map<const Eigen::VectorXf>;

// out = x / sqrt(mean(x^2) + eps) * weight, row by row. x, out: (T, dim); weight: (dim)
void rmsNorm(const RowMat &x, const float *weight, float eps, RowMat &out) {
    const ConstVec w(weight, x.cols());
    out.resize(x.rows(), x.cols());
    for (Eigen::Index t = 0; t < x.rows(); ++t) {
        const float meanSquare = x.row(t).squaredNorm() / static_cast<float>(x.cols());
        const float scale = 1.0f / std::sqrt(meanSquare + eps);
        out.row(t) = (x.row(t).array() * scale) * w.transpose().array();
    }
}

// llama2.c's RoPE: rotate interleaved pairs (i, i+1) of every head by pos * theta^(-(i mod headSize)/rotaryDim),
// for the first rotaryDim dimensions of each head (all of them in Llama).
// cosTable/sinTable: (T, rotaryDim/2), computed once per forward pass in float exactly as run.c does.
void applyRope(RowMat &m, int headSize, int rotaryDim, const RowMat &cosTable, const RowMat &sinTable) {
    for (Eigen::Index t = 0; t < m.rows(); ++t) {
        float *row = m.row(t).data();
        for (Eigen::Index i = 0; i < m.cols(); i += 2) {
            if (i % headSize >= rotaryDim)
                continue;
            const Eigen::Index pair = (i % headSize) / 2;
            const float c = cosTable(t, pair), s = sinTable(t, pair);
            const float v0 = row[i], v1 = row[i + 1];
            row[i] = v0 * c - v1 * s;
            row[i + 1] = v0 * s + v1 * c;
        }
    }
}

constexpr std::int64_t kChunkFloats = 1 << 16; // dequantized rows per thread: 256 KB of floats

// out = x * W^T (or out += when accumulate): x (T, in), W (out, in). Float32 weights are used where they lie;
// other types are dequantized a chunk of rows at a time on each thread, so a quantized model never needs a float32
// copy of itself.
void multiply(const Eigen::Ref<const RowMat> &x, const Tensor &w, RowMat &out, bool accumulate = false) {
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

Status forwardLlama(const Model &model, const std::vector<int> &ids, bool allPositionLogits, AttentionResult &out,
                    const ProgressFn &progress) {
    const ModelConfig &cfg = model.config();
    const ModelWeights &w = model.weights();
    const Eigen::Index T = static_cast<Eigen::Index>(ids.size());
    const int dim = cfg.dim, hidden = cfg.hiddenDim, headSize = cfg.headSize(), kvDim = cfg.kvDim();
    const int heads = cfg.heads, groupSize = cfg.heads / cfg.kvHeads;
    const float attnScale = 1.0f / std::sqrt(static_cast<float>(headSize));

    out.layers = cfg.layers;
    out.heads = heads;
    out.vocabSize = cfg.vocabSize;
    out.causal = true;
    const std::size_t headStride = static_cast<std::size_t>(T) * static_cast<std::size_t>(T);
    // Not zero-filled (see buffer.h): the head loop writes every element, the masked triangle included.
    out.attention.clear();
    out.attention.resize(static_cast<std::size_t>(cfg.layers) * heads * headStride);

    const int rotaryDim = cfg.rotaryDim();
    RowMat cosTable(T, rotaryDim / 2), sinTable(T, rotaryDim / 2); // (T, rotaryDim/2)
    for (Eigen::Index t = 0; t < T; ++t)
        for (int p = 0; p < rotaryDim / 2; ++p) {
            const float freq = 1.0f / std::pow(cfg.ropeTheta, static_cast<float>(2 * p) / static_cast<float>(rotaryDim));
            const float angle = static_cast<float>(t) * freq;
            cosTable(t, p) = std::cos(angle);
            sinTable(t, p) = std::sin(angle);
        }

    RowMat x(T, dim); // (T, dim) residual stream
    for (Eigen::Index t = 0; t < T; ++t)
        w.tokenEmbedding.dequantizeRow(ids[static_cast<std::size_t>(t)], x.row(t).data());

    RowMat xb;                                  // (T, dim) normalised input of a block
    RowMat q(T, dim), k(T, kvDim), v(T, kvDim); // (T, heads*headSize), (T, kvDim), (T, kvDim)
    RowMat attnOut(T, dim);                     // (T, heads*headSize) concatenated head outputs
    RowMat h1(T, hidden), h3(T, hidden);        // (T, hidden)

    for (int l = 0; l < cfg.layers; ++l) {
        const LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];

        // Attention block.
        rmsNorm(x, lw.rmsAtt, cfg.rmsEps, xb);
        multiply(xb, lw.wq, q);
        multiply(xb, lw.wk, k);
        multiply(xb, lw.wv, v);
        applyRope(q, headSize, rotaryDim, cosTable, sinTable);
        applyRope(k, headSize, rotaryDim, cosTable, sinTable);

#pragma omp parallel for schedule(static)
        for (int h = 0; h < heads; ++h) {
            const int kvHead = h / groupSize;
            const auto qh = q.middleCols(h * headSize, headSize);      // (T, headSize)
            const auto kh = k.middleCols(kvHead * headSize, headSize); // (T, headSize)
            const auto vh = v.middleCols(kvHead * headSize, headSize); // (T, headSize)
            // probs: (T, T) in the result buffer.
            Eigen::Map<RowMat> probs(out.attention.data() + (static_cast<std::size_t>(l) * heads + h) * headStride, T,
                                     T);
            // Causal row blocks: queries [r0, r0+rows) only see keys [0, r0+rows). Half the work of a full T x T
            // product, and one block of scores stays in cache from the product through softmax to P*V.
            for (Eigen::Index r0 = 0; r0 < T; r0 += kQueryBlock) {
                const Eigen::Index rows = std::min<Eigen::Index>(kQueryBlock, T - r0);
                const Eigen::Index cols = r0 + rows;
                auto block = probs.block(r0, 0, rows, cols); // (rows, cols)
                block.noalias() = qh.middleRows(r0, rows) * kh.topRows(cols).transpose();
                for (Eigen::Index r = 0; r < rows; ++r) {
                    auto visible = block.row(r).head(r0 + r + 1); // query r0+r sees keys 0..r0+r
                    visible *= attnScale;
                    const float maxScore = visible.maxCoeff();
                    visible = (visible.array() - maxScore).exp();
                    visible /= visible.sum();
                    block.row(r).tail(rows - r - 1).setZero();
                }
                probs.block(r0, cols, rows, T - cols).setZero(); // keys no query of this block may see
                attnOut.block(r0, h * headSize, rows, headSize).noalias() = block * vh.topRows(cols);
            }
        }
        multiply(attnOut, lw.wo, x, true);

        // SwiGLU feed-forward block: w2(silu(w1 x) * w3 x).
        rmsNorm(x, lw.rmsFfn, cfg.rmsEps, xb);
        multiply(xb, lw.w1, h1);
        multiply(xb, lw.w3, h3);
        h1.array() = h1.array() / (1.0f + (-h1.array()).exp()) * h3.array();
        multiply(h1, lw.w2, x, true);

        if (progress && !progress(static_cast<float>(l + 1) / static_cast<float>(cfg.layers + 1)))
            return cancelledError();
    }

    rmsNorm(x, w.rmsFinal, cfg.rmsEps, xb);
    const Eigen::Index rows = allPositionLogits ? T : 1;
    out.logitRows = static_cast<int>(rows);
    RowMat logits; // (rows, vocab)
    multiply(xb.bottomRows(rows), w.classifier, logits);
    out.logits.assign(logits.data(), logits.data() + logits.size());
    if (progress)
        progress(1.0f);
    return Ok{};
}

} // namespace attnscope
