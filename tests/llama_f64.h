// An independent Llama forward pass in float64 for tests, straight from a GGUF file's tensors: written from the
// Llama paper and llama.cpp's tensor names, one token at a time, with no code shared with core's transformer
// (only core's per-block dequantization and Q8_0 rounding, which tst_quant checks against the ggml formulas). A
// vector multiplied by Q8_0 weights is first rounded to Q8_0 blocks, as ggml (and so llama.cpp) does.
#pragma once

#include "attention_f64.h"

#include <attnscope/gguf.h>
#include <attnscope/quant.h>

#include <cmath>
#include <string>
#include <vector>

namespace testsupport {

struct F64Result {
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

inline F64Result llamaForwardF64(const attnscope::gguf::File &f, const std::vector<int> &ids) {
    const std::string a = f.getString("general.architecture").value_or("llama") + ".";
    const int dim = int(*f.getInt(a + "embedding_length")), layers = int(*f.getInt(a + "block_count"));
    const int heads = int(*f.getInt(a + "attention.head_count"));
    const int kvHeads = int(f.getInt(a + "attention.head_count_kv").value_or(heads));
    const double eps = f.getFloat(a + "attention.layer_norm_rms_epsilon").value_or(1e-5);
    const double base = f.getFloat(a + "rope.freq_base").value_or(10000.0);
    const int hs = dim / heads, T = int(ids.size());
    long long vocab = 0;
    const std::vector<double> emb = tensorF64(f, "token_embd.weight", &vocab);
    std::vector<double> out = f.tensor("output.weight") ? tensorF64(f, "output.weight") : emb;
    F64Result r;
    r.layers = layers;
    r.heads = heads;
    r.vocab = int(vocab);
    r.attention.assign(std::size_t(layers) * heads * T * T, 0.0);
    r.valueNorms.assign(std::size_t(layers) * heads * T, 0.0);
    r.headOutputs.assign(std::size_t(layers) * T * dim, 0.0);
    // x[t][d]
    std::vector<std::vector<double>> x(static_cast<std::size_t>(T), std::vector<double>(static_cast<std::size_t>(dim)));
    for (int t = 0; t < T; ++t)
        for (int d = 0; d < dim; ++d)
            x[std::size_t(t)][std::size_t(d)] = emb[std::size_t(ids[std::size_t(t)]) * dim + d];
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
    // Llama 3.1/3.2: rope_freqs.weight divides the frequency of each rotary pair.
    const std::vector<double> freqFactors = tensorF64(f, "rope_freqs.weight");
    auto rope = [&](std::vector<double> &v, int pos) { // interleaved pairs within each head, as GGUF llama stores q/k
        for (std::size_t h0 = 0; h0 < v.size(); h0 += std::size_t(hs))
            for (int i = 0; i < hs; i += 2) {
                const double divisor = freqFactors.empty() ? 1.0 : freqFactors[std::size_t(i / 2)];
                const double angle = pos * std::pow(base, -double(i) / hs) / divisor;
                const double c = std::cos(angle), s = std::sin(angle), a0 = v[h0 + i], a1 = v[h0 + i + 1];
                v[h0 + i] = a0 * c - a1 * s;
                v[h0 + i + 1] = a0 * s + a1 * c;
            }
    };
    for (int l = 0; l < layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        const auto wq = tensorF64(f, p + "attn_q.weight"), wk = tensorF64(f, p + "attn_k.weight");
        const auto wv = tensorF64(f, p + "attn_v.weight"), wo = tensorF64(f, p + "attn_output.weight");
        const auto w1 = tensorF64(f, p + "ffn_gate.weight"), w3 = tensorF64(f, p + "ffn_up.weight");
        const auto w2 = tensorF64(f, p + "ffn_down.weight");
        const auto an = tensorF64(f, p + "attn_norm.weight"), fn = tensorF64(f, p + "ffn_norm.weight");
        const auto steps = static_cast<std::size_t>(T);
        std::vector<std::vector<double>> q(steps), k(steps), v(steps);
        for (int t = 0; t < T; ++t) {
            const auto xn = rms(x[std::size_t(t)], an);
            q[std::size_t(t)] = matvecOf(wq, xn, isQ8(p + "attn_q.weight"));
            k[std::size_t(t)] = matvecOf(wk, xn, isQ8(p + "attn_k.weight"));
            v[std::size_t(t)] = matvecOf(wv, xn, isQ8(p + "attn_v.weight"));
            rope(q[std::size_t(t)], t);
            rope(k[std::size_t(t)], t);
        }
        for (int h = 0; h < heads; ++h) { // what one unit of attention to token j adds through head h
            const int kh = h / (heads / kvHeads);
            for (int j = 0; j < T; ++j) {
                double squares = 0;
                for (int d = 0; d < dim; ++d) {
                    double o = 0;
                    for (int i = 0; i < hs; ++i)
                        o += wo[std::size_t(d) * std::size_t(dim) + std::size_t(h * hs + i)] *
                             v[std::size_t(j)][std::size_t(kh * hs + i)];
                    squares += o * o;
                }
                r.valueNorms[(std::size_t(l) * heads + h) * T + j] = std::sqrt(squares);
            }
        }
        for (int t = 0; t < T; ++t) {
            const std::vector<double> att = attendRowF64(q, k, v, t, t, heads, kvHeads, hs, T,
                                                         r.attention.data() + std::size_t(l) * heads * T * T);
            std::copy(att.begin(), att.end(), r.headOutputs.begin() + (std::ptrdiff_t(l) * T + t) * heads * hs);
            const auto o = matvecOf(wo, att, isQ8(p + "attn_output.weight"));
            for (int d = 0; d < dim; ++d)
                x[std::size_t(t)][std::size_t(d)] += o[std::size_t(d)];
        }
        for (int t = 0; t < T; ++t) {
            const auto xn = rms(x[std::size_t(t)], fn);
            auto g = matvecOf(w1, xn, isQ8(p + "ffn_gate.weight"));
            const auto u = matvecOf(w3, xn, isQ8(p + "ffn_up.weight"));
            for (std::size_t i = 0; i < g.size(); ++i)
                g[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
            const auto d = matvecOf(w2, g, isQ8(p + "ffn_down.weight"));
            for (int e = 0; e < dim; ++e)
                x[std::size_t(t)][std::size_t(e)] += d[std::size_t(e)];
        }
    }
    const auto on = tensorF64(f, "output_norm.weight");
    for (int t = 0; t < T; ++t) {
        const auto logits =
            matvecOf(out, rms(x[std::size_t(t)], on), isQ8(f.tensor("output.weight") ? "output.weight" : "token_embd.weight"));
        r.logits.insert(r.logits.end(), logits.begin(), logits.end());
    }
    return r;
}

} // namespace testsupport
