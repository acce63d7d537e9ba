// An independent decoder forward pass in float64 for tests, straight from a GGUF file's tensors: written from the
// Llama, Qwen 3 and Gemma 2 papers / model cards and llama.cpp's tensor names, one token at a time, with no code
// shared with core's transformer (only core's per-block dequantization and Q8_0 rounding, which tst_quant checks
// against the ggml formulas). A vector multiplied by Q8_0 weights is first rounded to Q8_0 blocks, as ggml (and so
// llama.cpp) does. Families: llama (interleaved RoPE), qwen3 (per-head RMSNorm of q and k, NeoX RoPE, its own head
// size) and gemma2 (embeddings times sqrt(dim), GeGLU, norms after attention and FFN, attention and final softcaps,
// a sliding window on even layers). Beside attention and logits it gives what the interpretability analyses are
// checked against: the residual stream at every layer boundary, head ablation, and information-flow importances.
#pragma once

#include "attention_f64.h"

#include <attnscope/gguf.h>
#include <attnscope/quant.h>

#include <cmath>
#include <string>
#include <vector>

namespace testsupport {

struct F64Options {
    std::vector<std::pair<int, int>> ablate; // (layer, head): output sum_j p_j v_j replaced before W_O
    bool meanAblate = false;                 // by its mean over the text's positions; else by zero
    bool flow = false;                       // compute F64Result::flow
};

struct F64Result {
    std::vector<double> residuals;  // (layers + 1, T, dim): the stream entering each layer, then the final one
    std::vector<double> flow;       // (layers, T, T) proximity importances (Ferrando & Voita 2024), rows sum to 1
    std::vector<double> finalNorm;  // (dim) output_norm weight, for lensF64
    std::vector<double> unembedding; // (vocab, dim)
    double rmsEps = 1e-5, finalSoftcap = 0;
    int dim = 0;
    std::vector<double> attention; // (layers, heads, T, T)
    std::vector<double> logits;    // (T, vocab)
    std::vector<double> valueNorms; // (layers, heads, T): ||W_O^h v_j||, head h's columns of W_O times its value
    std::vector<double> headOutputs; // (layers, T, heads * hs): sum_j p_j v_j of every head, before W_O
    int layers = 0, heads = 0, vocab = 0;
};

// Row-major (rows, cols) float64 copy of a 1-D or 2-D tensor.
inline std::vector<double> tensorF64(const attnscope::gguf::File &f, const std::string &name, long long *rows = nullptr,
                                     long long *cols = nullptr) {
    const attnscope::gguf::TensorInfo *t = f.tensor(name);
    if (!t)
        return {};
    const long long c = t->dims[0], r = t->rows();
    std::vector<float> tmp(static_cast<std::size_t>(c));
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(r * c));
    const auto info = attnscope::typeInfo(t->type);
    const std::size_t rowBytes = static_cast<std::size_t>(*attnscope::rowBytes(*info, c));
    for (long long i = 0; i < r; ++i) {
        attnscope::dequantizeRow(static_cast<attnscope::GgmlType>(t->type), t->data + static_cast<std::size_t>(i) * rowBytes,
                                 tmp.data(), c);
        out.insert(out.end(), tmp.begin(), tmp.end());
    }
    if (rows)
        *rows = r;
    if (cols)
        *cols = c;
    return out;
}

inline F64Result llamaForwardF64(const attnscope::gguf::File &f, const std::vector<int> &ids, const F64Options &opt = {}) {
    const std::string arch = f.getString("general.architecture").value_or("llama"), a = arch + ".";
    const bool gemma2 = arch == "gemma2", neox = arch == "qwen3" || gemma2;
    const int dim = int(*f.getInt(a + "embedding_length")), layers = int(*f.getInt(a + "block_count"));
    const int heads = int(*f.getInt(a + "attention.head_count"));
    const int kvHeads = int(f.getInt(a + "attention.head_count_kv").value_or(heads));
    const double eps = f.getFloat(a + "attention.layer_norm_rms_epsilon").value_or(1e-5);
    const double base = f.getFloat(a + "rope.freq_base").value_or(10000.0);
    const int hs = int(f.getInt(a + "attention.key_length").value_or(dim / heads)), T = int(ids.size());
    const int window = gemma2 ? int(f.getInt(a + "attention.sliding_window").value_or(0)) : 0;
    const double attnCap = gemma2 ? f.getFloat(a + "attn_logit_softcapping").value_or(0.0) : 0.0;
    const double finalCap = gemma2 ? f.getFloat(a + "final_logit_softcapping").value_or(0.0) : 0.0;
    long long vocab = 0;
    const std::vector<double> emb = tensorF64(f, "token_embd.weight", &vocab);
    std::vector<double> out = f.tensor("output.weight") ? tensorF64(f, "output.weight") : emb;
    F64Result r;
    r.layers = layers;
    r.heads = heads;
    r.vocab = int(vocab);
    r.dim = dim;
    r.rmsEps = eps;
    r.finalSoftcap = finalCap;
    r.attention.assign(std::size_t(layers) * heads * T * T, 0.0);
    r.valueNorms.assign(std::size_t(layers) * heads * T, 0.0);
    r.headOutputs.assign(std::size_t(layers) * T * heads * hs, 0.0);
    r.residuals.reserve(std::size_t(layers + 1) * T * dim);
    if (opt.flow)
        r.flow.assign(std::size_t(layers) * T * T, 0.0);
    // x[t][d]; Gemma multiplies the embeddings by sqrt(dim).
    std::vector<std::vector<double>> x(static_cast<std::size_t>(T), std::vector<double>(static_cast<std::size_t>(dim)));
    for (int t = 0; t < T; ++t)
        for (int d = 0; d < dim; ++d)
            x[std::size_t(t)][std::size_t(d)] =
                emb[std::size_t(ids[std::size_t(t)]) * dim + d] * (gemma2 ? std::sqrt(double(dim)) : 1.0);
    auto keepResiduals = [&] {
        for (const auto &row : x)
            r.residuals.insert(r.residuals.end(), row.begin(), row.end());
    };
    auto rms = [&](const std::vector<double> &v, const std::vector<double> &w) {
        double ss = 0;
        for (double e : v)
            ss += e * e;
        const double s = 1.0 / std::sqrt(ss / double(v.size()) + eps);
        std::vector<double> o(v.size());
        for (std::size_t i = 0; i < v.size(); ++i)
            o[i] = v[i] * s * w[i];
        return o;
    };
    // RMSNorm of every head's slice (QK-norm), weight (hs).
    auto rmsHeads = [&](std::vector<double> &v, const std::vector<double> &w) {
        for (std::size_t h0 = 0; h0 < v.size(); h0 += std::size_t(hs)) {
            const std::vector<double> slice(v.begin() + std::ptrdiff_t(h0), v.begin() + std::ptrdiff_t(h0) + hs);
            const std::vector<double> n = rms(slice, w);
            std::copy(n.begin(), n.end(), v.begin() + std::ptrdiff_t(h0));
        }
    };
    // What ggml multiplies Q8_0 weights with: the float32 vector rounded to Q8_0 blocks of 32.
    auto roundedForQ8 = [](const std::vector<double> &v) {
        std::vector<float> in(v.begin(), v.end()), back(v.size());
        std::vector<unsigned char> q(v.size() / 32 * 34);
        attnscope::quantizeRowQ8_0(in.data(), q.data(), std::int64_t(v.size()));
        attnscope::dequantizeRow(attnscope::GgmlType::Q8_0, q.data(), back.data(), std::int64_t(v.size()));
        return std::vector<double>(back.begin(), back.end());
    };
    auto isQ8 = [&f](const std::string &name) {
        const attnscope::gguf::TensorInfo *t = f.tensor(name);
        return t && t->type == std::uint32_t(attnscope::GgmlType::Q8_0);
    };
    auto matvecOf = [&](const std::vector<double> &m, const std::vector<double> &v, bool q8) {
        const std::vector<double> x = q8 ? roundedForQ8(v) : v;
        const std::size_t cols = x.size(), rows = m.size() / cols;
        std::vector<double> o(rows, 0.0);
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < cols; ++j)
                o[i] += m[i * cols + j] * x[j];
        return o;
    };
    auto gelu = [](double v) { return 0.5 * v * (1.0 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))); };
    // Llama 3.1/3.2: rope_freqs.weight divides the frequency of each rotary pair.
    const std::vector<double> freqFactors = tensorF64(f, "rope_freqs.weight");
    // Pair p of each head is (2p, 2p+1) as GGUF llama stores q/k, or (p, p + hs/2) in NeoX order (Qwen, Gemma).
    auto rope = [&](std::vector<double> &v, int pos) {
        for (std::size_t h0 = 0; h0 < v.size(); h0 += std::size_t(hs))
            for (int p = 0; p < hs / 2; ++p) {
                const double divisor = freqFactors.empty() ? 1.0 : freqFactors[std::size_t(p)];
                const double angle = pos * std::pow(base, -2.0 * p / hs) / divisor;
                const std::size_t i0 = h0 + std::size_t(neox ? p : 2 * p), i1 = h0 + std::size_t(neox ? p + hs / 2 : 2 * p + 1);
                const double c = std::cos(angle), s = std::sin(angle), a0 = v[i0], a1 = v[i1];
                v[i0] = a0 * c - a1 * s;
                v[i1] = a0 * s + a1 * c;
            }
    };
    auto ablated = [&](int l, int h) {
        for (const auto &[al, ah] : opt.ablate)
            if (al == l && ah == h)
                return true;
        return false;
    };
    for (int l = 0; l < layers; ++l) {
        keepResiduals();
        const std::string p = "blk." + std::to_string(l) + ".";
        const auto wq = tensorF64(f, p + "attn_q.weight"), wk = tensorF64(f, p + "attn_k.weight");
        const auto wv = tensorF64(f, p + "attn_v.weight"), wo = tensorF64(f, p + "attn_output.weight");
        const auto w1 = tensorF64(f, p + "ffn_gate.weight"), w3 = tensorF64(f, p + "ffn_up.weight");
        const auto w2 = tensorF64(f, p + "ffn_down.weight");
        const auto an = tensorF64(f, p + "attn_norm.weight"), fn = tensorF64(f, p + "ffn_norm.weight");
        const auto qn = tensorF64(f, p + "attn_q_norm.weight"), kn = tensorF64(f, p + "attn_k_norm.weight");
        const auto pan = tensorF64(f, p + "post_attention_norm.weight"), pfn = tensorF64(f, p + "post_ffw_norm.weight");
        const int layerWindow = window > 0 && l % 2 == 0 ? window : 0; // Gemma 2: even layers are local
        const auto steps = static_cast<std::size_t>(T);
        std::vector<std::vector<double>> q(steps), k(steps), v(steps);
        for (int t = 0; t < T; ++t) {
            const auto xn = rms(x[std::size_t(t)], an);
            q[std::size_t(t)] = matvecOf(wq, xn, isQ8(p + "attn_q.weight"));
            k[std::size_t(t)] = matvecOf(wk, xn, isQ8(p + "attn_k.weight"));
            v[std::size_t(t)] = matvecOf(wv, xn, isQ8(p + "attn_v.weight"));
            if (!qn.empty())
                rmsHeads(q[std::size_t(t)], qn);
            if (!kn.empty())
                rmsHeads(k[std::size_t(t)], kn);
            rope(q[std::size_t(t)], t);
            rope(k[std::size_t(t)], t);
        }
        const int qDim = heads * hs;
        // u[h][j] = W_O^h v_j (dim): what one unit of attention to token j adds through head h.
        std::vector<std::vector<std::vector<double>>> u(static_cast<std::size_t>(heads), std::vector<std::vector<double>>(steps));
        for (int h = 0; h < heads; ++h) {
            const int kh = h / (heads / kvHeads);
            for (int j = 0; j < T; ++j) {
                std::vector<double> o(std::size_t(dim), 0.0);
                double squares = 0;
                for (int d = 0; d < dim; ++d) {
                    for (int i = 0; i < hs; ++i)
                        o[std::size_t(d)] += wo[std::size_t(d) * std::size_t(qDim) + std::size_t(h * hs + i)] *
                                             v[std::size_t(j)][std::size_t(kh * hs + i)];
                    squares += o[std::size_t(d)] * o[std::size_t(d)];
                }
                r.valueNorms[(std::size_t(l) * heads + h) * T + j] = std::sqrt(squares);
                u[std::size_t(h)][std::size_t(j)] = std::move(o);
            }
        }
        // Scores q.k / sqrt(hs), softcapped (Gemma 2), masked to the past and the window, softmax; mixed values.
        std::vector<std::vector<double>> mixed(steps, std::vector<double>(std::size_t(qDim), 0.0));
        double *att = r.attention.data() + std::size_t(l) * heads * T * T;
        for (int t = 0; t < T; ++t)
            for (int h = 0; h < heads; ++h) {
                const int kh = h / (heads / kvHeads), first = layerWindow > 0 ? std::max(0, t - layerWindow + 1) : 0;
                std::vector<double> s(std::size_t(t + 1), 0.0);
                double mx = -1e300, sum = 0;
                for (int j = first; j <= t; ++j) {
                    double dot = 0;
                    for (int e = 0; e < hs; ++e)
                        dot += q[std::size_t(t)][std::size_t(h * hs + e)] * k[std::size_t(j)][std::size_t(kh * hs + e)];
                    double score = dot / std::sqrt(double(hs));
                    if (attnCap > 0)
                        score = attnCap * std::tanh(score / attnCap);
                    s[std::size_t(j)] = score;
                    mx = std::max(mx, score);
                }
                for (int j = first; j <= t; ++j)
                    sum += (s[std::size_t(j)] = std::exp(s[std::size_t(j)] - mx));
                for (int j = first; j <= t; ++j) {
                    const double pj = s[std::size_t(j)] / sum;
                    att[(std::size_t(h) * T + t) * T + j] = pj;
                    for (int e = 0; e < hs; ++e)
                        mixed[std::size_t(t)][std::size_t(h * hs + e)] += pj * v[std::size_t(j)][std::size_t(kh * hs + e)];
                }
            }
        for (int t = 0; t < T; ++t)
            std::copy(mixed[std::size_t(t)].begin(), mixed[std::size_t(t)].end(),
                      r.headOutputs.begin() + (std::ptrdiff_t(l) * T + t) * qDim);
        if (opt.flow) { // z_ij = sum_h a_ij u_hj (+ x_i when j == i); importance = max(0, |y|_1 - |y - z_ij|_1)
            for (int i = 0; i < T; ++i) {
                std::vector<std::vector<double>> z(std::size_t(i + 1), std::vector<double>(std::size_t(dim), 0.0));
                for (int j = 0; j <= i; ++j)
                    for (int h = 0; h < heads; ++h) {
                        const double aij = att[(std::size_t(h) * T + i) * T + j];
                        for (int d = 0; d < dim; ++d)
                            z[std::size_t(j)][std::size_t(d)] += aij * u[std::size_t(h)][std::size_t(j)][std::size_t(d)];
                    }
                for (int d = 0; d < dim; ++d)
                    z[std::size_t(i)][std::size_t(d)] += x[std::size_t(i)][std::size_t(d)];
                std::vector<double> y(std::size_t(dim), 0.0);
                for (const auto &zj : z)
                    for (int d = 0; d < dim; ++d)
                        y[std::size_t(d)] += zj[std::size_t(d)];
                double yNorm = 0, total = 0;
                for (double e : y)
                    yNorm += std::abs(e);
                std::vector<double> imp(std::size_t(i + 1));
                for (int j = 0; j <= i; ++j) {
                    double rest = 0;
                    for (int d = 0; d < dim; ++d)
                        rest += std::abs(y[std::size_t(d)] - z[std::size_t(j)][std::size_t(d)]);
                    total += (imp[std::size_t(j)] = std::max(0.0, yNorm - rest));
                }
                for (int j = 0; j <= i; ++j)
                    r.flow[(std::size_t(l) * T + i) * T + j] = total > 0 ? imp[std::size_t(j)] / total : 0.0;
            }
        }
        for (int h = 0; h < heads; ++h) { // ablation: the head's output zeroed, or its mean over the positions
            if (!ablated(l, h))
                continue;
            std::vector<double> mean(std::size_t(hs), 0.0);
            if (opt.meanAblate)
                for (int t = 0; t < T; ++t)
                    for (int e = 0; e < hs; ++e)
                        mean[std::size_t(e)] += mixed[std::size_t(t)][std::size_t(h * hs + e)] / T;
            for (int t = 0; t < T; ++t)
                for (int e = 0; e < hs; ++e)
                    mixed[std::size_t(t)][std::size_t(h * hs + e)] = mean[std::size_t(e)];
        }
        for (int t = 0; t < T; ++t) {
            auto o = matvecOf(wo, mixed[std::size_t(t)], isQ8(p + "attn_output.weight"));
            if (!pan.empty())
                o = rms(o, pan);
            for (int d = 0; d < dim; ++d)
                x[std::size_t(t)][std::size_t(d)] += o[std::size_t(d)];
        }
        for (int t = 0; t < T; ++t) {
            const auto xn = rms(x[std::size_t(t)], fn);
            auto g = matvecOf(w1, xn, isQ8(p + "ffn_gate.weight"));
            const auto up = matvecOf(w3, xn, isQ8(p + "ffn_up.weight"));
            for (std::size_t i = 0; i < g.size(); ++i)
                g[i] = (gemma2 ? gelu(g[i]) : g[i] / (1.0 + std::exp(-g[i]))) * up[i];
            auto d = matvecOf(w2, g, isQ8(p + "ffn_down.weight"));
            if (!pfn.empty())
                d = rms(d, pfn);
            for (int e = 0; e < dim; ++e)
                x[std::size_t(t)][std::size_t(e)] += d[std::size_t(e)];
        }
    }
    keepResiduals();
    r.finalNorm = tensorF64(f, "output_norm.weight");
    const bool outQ8 = isQ8(f.tensor("output.weight") ? "output.weight" : "token_embd.weight");
    for (int t = 0; t < T; ++t) {
        auto logits = matvecOf(out, rms(x[std::size_t(t)], r.finalNorm), outQ8);
        if (finalCap > 0)
            for (double &e : logits)
                e = finalCap * std::tanh(e / finalCap);
        r.logits.insert(r.logits.end(), logits.begin(), logits.end());
    }
    r.unembedding = std::move(out);
    return r;
}

// The logit lens of one residual row (dim): final RMSNorm, unembedding, final softcap, softmax; (vocab)
// probabilities. (A Q8_0 head would round the row first; the lens references use float heads.)
inline std::vector<double> lensF64(const F64Result &r, const double *residual) {
    double ss = 0;
    for (int d = 0; d < r.dim; ++d)
        ss += residual[d] * residual[d];
    const double s = 1.0 / std::sqrt(ss / r.dim + r.rmsEps);
    std::vector<double> normed(std::size_t(r.dim)), p(std::size_t(r.vocab), 0.0);
    for (int d = 0; d < r.dim; ++d)
        normed[std::size_t(d)] = residual[d] * s * r.finalNorm[std::size_t(d)];
    double mx = -1e300, sum = 0;
    for (int v = 0; v < r.vocab; ++v) {
        double l = 0;
        for (int d = 0; d < r.dim; ++d)
            l += r.unembedding[std::size_t(v) * r.dim + d] * normed[std::size_t(d)];
        if (r.finalSoftcap > 0)
            l = r.finalSoftcap * std::tanh(l / r.finalSoftcap);
        mx = std::max(mx, p[std::size_t(v)] = l);
    }
    for (double &e : p)
        sum += (e = std::exp(e - mx));
    for (double &e : p)
        e /= sum;
    return p;
}

} // namespace testsupport
