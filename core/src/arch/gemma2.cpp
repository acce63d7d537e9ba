// Gemma 2: Gemma's layer with a norm after attention and after the FFN (post_attention_norm / post_ffw_norm),
// attention-logit and final-logit softcaps, a sliding window on every other layer (0, 2, 4, ... local), and the
// query scale query_pre_attn_scalar^-1/2. GGUF stores no query_pre_attn_scalar: llama.cpp uses the head size, or
// width / heads for the 27B model (46 layers), and softcaps of 50 and 30 when the keys are missing.
#include "arch/decoder.h"

#include <cmath>

namespace attnscope::arch {

namespace {

void settings(const Settings &s, ModelConfig &c) {
    s.setHfDefaults({{"head_dim", 256}, {"max_position_embeddings", 8192}, {"attn_logit_softcapping", 50},
                     {"final_logit_softcapping", 30}, {"query_pre_attn_scalar", 256}, {"sliding_window", 4096},
                     {"rms_norm_eps", 1e-6}}); // Gemma2Config
    readCommonSettings(s, c);
    c.positions = Positions::RopeHalf;
    c.feedForward = FeedForward::GeGlu;
    c.embedScale = std::sqrt(static_cast<float>(c.dim));
    c.sandwichNorms = true;
    c.attnSoftcap = static_cast<float>(s.positive({"attn_logit_softcapping", "attn_logit_softcapping"})
                                           .value_or(s.gguf() ? 50.0 : 0.0)); // null in config.json: none
    c.finalSoftcap = static_cast<float>(s.positive({"final_logit_softcapping", "final_logit_softcapping"})
                                            .value_or(s.gguf() ? 30.0 : 0.0));
    c.slidingWindow = s.count({"attention.sliding_window", "sliding_window"}, 1, std::int64_t(1) << 24).value_or(4096);
    if (s.gguf()) {
        const int period = s.count({"attention.sliding_window_pattern", nullptr}, 1, 65536).value_or(2);
        c.localLayers = localEvery(c.layers, period);
        c.queryScale = 1.0f / std::sqrt(static_cast<float>(c.layers == 46 ? c.dim / c.heads : c.headSize()));
    } else {
        if (!readLayerTypes(s, c))
            c.localLayers = localEvery(c.layers, 2);
        c.queryScale = 1.0f / std::sqrt(static_cast<float>(
                                  s.positive({nullptr, "query_pre_attn_scalar"}).value_or(c.headSize())));
    }
    c.ropeThetaLocal = static_cast<float>(s.number({"rope.freq_base_swa", nullptr}).value_or(c.ropeTheta));
    c.ropeScaleLocal = c.ropeScale; // llama.cpp: the local layers share the global scaling
}

void weights(WeightReader &r, ModelConfig &c, ModelWeights &w) {
    readDecoderEnds(r, c, w, names::embedding, names::finalNorm, names::output, true, 1.0f);
    readPreNormLayers(r, c, w, {.qkNorm = false, .sandwich = true, .hfNormOffset = 1.0f});
}

} // namespace

extern const Family gemma2Family{"gemma2", "Gemma 2", {"Gemma2ForCausalLM"}, settings, weights, sandwichLayer};

} // namespace attnscope::arch
