// headStep: one head's attention for one query token, recomputed in double from the traced q, k and v.
#include "attnscope/head_step.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace attnscope {

Result<HeadStep> headStep(const LayerTrace &trace, int head, int query) {
    const int T = trace.seqLen();
    if (head < 0 || head >= trace.heads)
        return makeError("head " + std::to_string(head) + " is outside the layer's " + std::to_string(trace.heads) +
                         " heads");
    if (query < 0 || query >= T)
        return makeError("token " + std::to_string(query) + " is outside the text's " + std::to_string(T) + " tokens");
    HeadStep s;
    s.layer = trace.layer;
    s.head = head;
    s.query = query;
    s.window = trace.window;
    s.first = trace.window > 0 ? std::max(0, query - trace.window + 1) : 0;
    s.keys = (trace.causal ? query + 1 : T) - s.first;
    s.headSize = trace.headSize;
    s.scale = trace.scoreScale();
    s.softcap = trace.softcap;
    s.qkNorm = trace.qkNorm;
    const std::size_t keys = static_cast<std::size_t>(s.keys), d = static_cast<std::size_t>(trace.headSize);
    s.dots.resize(keys);
    s.scaled.resize(keys);
    s.uncapped.resize(keys);
    s.weights.resize(keys);
    s.output.assign(d, 0.0);
    const float *q = trace.query(query, head);
    for (std::size_t j = 0; j < keys; ++j) {
        const float *k = trace.key(s.first + static_cast<int>(j), head);
        double dot = 0;
        for (std::size_t i = 0; i < d; ++i)
            dot += static_cast<double>(q[i]) * k[i];
        s.dots[j] = dot;
        s.uncapped[j] = dot * s.scale;
        s.scaled[j] = s.softcap > 0 ? s.softcap * std::tanh(s.uncapped[j] / s.softcap) : s.uncapped[j];
    }
    s.maxScaled = *std::max_element(s.scaled.begin(), s.scaled.end());
    s.expSum = 0;
    for (std::size_t j = 0; j < keys; ++j) {
        s.weights[j] = std::exp(s.scaled[j] - s.maxScaled);
        s.expSum += s.weights[j];
    }
    for (std::size_t j = 0; j < keys; ++j) {
        s.weights[j] /= s.expSum;
        const float *v = trace.value(s.first + static_cast<int>(j), head);
        for (std::size_t i = 0; i < d; ++i)
            s.output[i] += s.weights[j] * v[i];
    }
    return s;
}

} // namespace attnscope
