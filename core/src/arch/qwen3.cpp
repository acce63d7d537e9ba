// Qwen 3: the Llama layer with an RMSNorm of every query and key head before RoPE (QK-norm), a head size that is
// not width / heads, GQA, RoPE on halves, and usually tied embeddings.
#include "arch/decoder.h"

namespace attnscope::arch {

namespace {

void settings(const Settings &s, ModelConfig &c) {
    s.setHfDefaults({{"head_dim", 128}, {"rms_norm_eps", 1e-6}}); // Qwen3Config
    readCommonSettings(s, c);
    c.positions = Positions::RopeHalf;
    c.qkNorm = true;
}

void weights(WeightReader &r, ModelConfig &c, ModelWeights &w) {
    readDecoderEnds(r, c, w, names::embedding, names::finalNorm, names::output, false);
    readPreNormLayers(r, c, w, {.qkNorm = true});
}

} // namespace

extern const Family qwen3Family{"qwen3", "Qwen 3", {"Qwen3ForCausalLM"}, settings, weights, preNormLayer};

} // namespace attnscope::arch
