// One query row of multi-head attention in float64, for the tests' independent forward passes (llama_f64.h,
// tst_gguf_archs, tst_hf_model): written from the paper, sharing no code with core.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace testsupport {

// For query i and every head h (key/value head h / (heads / kvHeads)): p_j = softmax_j(q_i . k_j / sqrt(hs)) over
// keys 0..last, stored at layerAttention[(h * T + i) * T + j], and sum_j p_j v_j returned as (heads * hs) values.
inline std::vector<double> attendRowF64(const std::vector<std::vector<double>> &q,
                                        const std::vector<std::vector<double>> &k,
                                        const std::vector<std::vector<double>> &v, int i, int last, int heads,
                                        int kvHeads, int hs, int T, double *layerAttention) {
    std::vector<double> mixed(std::size_t(heads * hs), 0.0);
    const auto &qi = q[std::size_t(i)];
    for (int h = 0; h < heads; ++h) {
        const int kh = h / (heads / kvHeads);
        std::vector<double> s(std::size_t(last + 1));
        double mx = -1e300, sum = 0;
        for (int j = 0; j <= last; ++j) {
            double dot = 0;
            for (int e = 0; e < hs; ++e)
                dot += qi[std::size_t(h * hs + e)] * k[std::size_t(j)][std::size_t(kh * hs + e)];
            s[std::size_t(j)] = dot / std::sqrt(double(hs));
            mx = std::max(mx, s[std::size_t(j)]);
        }
        for (double &e : s)
            sum += (e = std::exp(e - mx));
        for (int j = 0; j <= last; ++j) {
            const double p = s[std::size_t(j)] / sum;
            layerAttention[(std::size_t(h) * T + i) * T + j] = p;
            for (int e = 0; e < hs; ++e)
                mixed[std::size_t(h * hs + e)] += p * v[std::size_t(j)][std::size_t(kh * hs + e)];
        }
    }
    return mixed;
}

} // namespace testsupport
