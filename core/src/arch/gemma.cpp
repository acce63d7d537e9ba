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
    readPreNormLayers(r, c, w, {.hfNormOffset = 1.0f});
}

} // namespace

extern const Family gemmaFamily{"gemma", "Gemma", {"GemmaForCausalLM"}, settings, weights, preNormLayer};

} // namespace attnscope::arch
