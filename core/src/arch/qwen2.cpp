// Qwen 2 / 2.5: the Llama layer with biases on q, k and v, RoPE on halves (NeoX style) in both forms.
#include "arch/decoder.h"

namespace attnscope::arch {

namespace {

void settings(const Settings &s, ModelConfig &c) {
    readCommonSettings(s, c);
    c.positions = Positions::RopeHalf;
}

void weights(WeightReader &r, ModelConfig &c, ModelWeights &w) {
    readDecoderEnds(r, c, w, names::embedding, names::finalNorm, names::output, false);
    readPreNormLayers(r, c, w, {.biases = true});
}

} // namespace

extern const Family qwen2Family{"qwen2", "Qwen 2", {"Qwen2ForCausalLM"}, settings, weights, preNormLayer};

} // namespace attnscope::arch
