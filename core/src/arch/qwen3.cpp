// Qwen 3: the Llama layer with an RMSNorm of every query and key head before RoPE (QK-norm), a head size that is
// not width / heads, GQA, RoPE on halves, and usually tied embeddings.
#include "arch/decoder.h"

namespace attnscope::arch {

namespace {

void settings(const Settings &s, ModelConfig &c) {
    readCommonSettings(s, c);
    c.positions = Positions::RopeHalf;
    c.qkNorm = true;
}

void weights(WeightReader &r, ModelConfig &c, ModelWeights &w) {
    readDecoderEnds(r, c, w, names::embedding, names::finalNorm, names::output, false);
    for (int l = 0; l < c.layers; ++l) {
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.attnNorm.weight = r.vector(names::attnNorm, l, c.dim);
        readAttention(r, c, lw, l, r.has(names::qBias, l));
        lw.qNorm.weight = r.vector(names::qNorm, l, c.headSize());
        lw.kNorm.weight = r.vector(names::kNorm, l, c.headSize());
        lw.ffnNorm.weight = r.vector(names::ffnNorm, l, c.dim);
        readGatedFfn(r, c, lw, l);
    }
}

} // namespace

extern const Family qwen3Family{"qwen3", "Qwen 3", {"Qwen3ForCausalLM"}, settings, weights, preNormLayer};

} // namespace attnscope::arch
