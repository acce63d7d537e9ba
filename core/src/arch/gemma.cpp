// Gemma (1): embeddings scaled by sqrt(width), RMSNorm as x * (1 + w) — Hugging Face stores w, llama.cpp's
// converter stores 1 + w, so the Hugging Face form adds 1 on load —, GeGLU with the tanh GELU, multi-query
// attention, a head size that is not width / heads, RoPE on halves, tied embeddings.
#include "arch/decoder.h"

#include <cmath>

namespace attnscope::arch {

namespace {

void settings(const Settings &s, ModelConfig &c) {
    readCommonSettings(s, c);
    c.positions = Positions::RopeHalf;
    c.feedForward = FeedForward::GeGlu; // transformers runs Gemma with gelu_pytorch_tanh whatever hidden_act says
    c.embedScale = std::sqrt(static_cast<float>(c.dim));
}

void weights(WeightReader &r, ModelConfig &c, ModelWeights &w) {
    readDecoderEnds(r, c, w, names::embedding, names::finalNorm, names::output, true, 1.0f);
    for (int l = 0; l < c.layers; ++l) {
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.attnNorm.weight = r.vector(names::attnNorm, l, c.dim, 1.0f);
        readAttention(r, c, lw, l, false);
        lw.ffnNorm.weight = r.vector(names::ffnNorm, l, c.dim, 1.0f);
        readGatedFfn(r, c, lw, l);
    }
}

} // namespace

extern const Family gemmaFamily{"gemma", "Gemma", {"GemmaForCausalLM"}, settings, weights, preNormLayer};

} // namespace attnscope::arch
