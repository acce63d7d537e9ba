// Gemma 3 (text; also the language model inside Gemma3ForConditionalGeneration): Gemma 2's sandwich layer with an
// RMSNorm of every query and key head (QK-norm, 1 + w), no attention softcap, a sliding window on 5 of every 6
// layers (sliding_window_pattern / layer_types), and two RoPEs: the local layers' base (rope.freq_base_swa,
// rope_local_base_freq: 10000) unscaled, the global layers' base (1e6) with linear scaling.
#include "arch/decoder.h"

#include <cmath>

namespace attnscope::arch {

namespace {

void settings(const Settings &s, ModelConfig &c) {
    s.setHfDefaults({{"vocab_size", 262208}, {"hidden_size", 2304}, {"intermediate_size", 9216},
                     {"num_hidden_layers", 26}, {"num_attention_heads", 8}, {"num_key_value_heads", 4},
                     {"head_dim", 256}, {"rms_norm_eps", 1e-6}, {"rope_theta", 1e6}, {"max_position_embeddings", 131072},
                     {"query_pre_attn_scalar", 256}, {"sliding_window", 4096}, {"sliding_window_pattern", 6},
                     {"rope_local_base_freq", 10000}}); // Gemma3TextConfig
    readCommonSettings(s, c);
    c.positions = Positions::RopeHalf;
    c.feedForward = FeedForward::GeGlu;
    c.embedScale = std::sqrt(static_cast<float>(c.dim));
    c.sandwichNorms = true;
    c.qkNorm = true;
    c.finalSoftcap = static_cast<float>(s.positive({"final_logit_softcapping", "final_logit_softcapping"}).value_or(0));
    if (!s.gguf()) // transformers applies one when a config sets it; llama.cpp never does for Gemma 3
        c.attnSoftcap = static_cast<float>(s.positive({nullptr, "attn_logit_softcapping"}).value_or(0));
    // GGUF: a window of 0 (or none) means every layer is global; config.json must give a positive one.
    const auto window = s.count({"attention.sliding_window", "sliding_window"}, s.gguf() ? 0 : 1, std::int64_t(1) << 30);
    if (window && *window > 0) {
        c.slidingWindow = *window;
        if (s.gguf() || !readLayerTypes(s, c))
            c.localLayers = localEvery(
                c.layers, s.count({"attention.sliding_window_pattern", "sliding_window_pattern"}, 1, 65536).value_or(6));
    }
    const std::string localTheta = s.has({nullptr, "rope_parameters.sliding_attention"})
                                       ? hfRopeKey(s, "rope_theta", true)
                                       : std::string("rope_local_base_freq");
    c.ropeThetaLocal = static_cast<float>(s.number({"rope.freq_base_swa", localTheta.c_str()}).value_or(10000.0));
    c.ropeScaleLocal = 1;
    if (s.gguf())
        c.queryScale = 1.0f / std::sqrt(static_cast<float>(c.layers == 62 ? c.dim / c.heads : c.headSize()));
    else
        c.queryScale = 1.0f / std::sqrt(static_cast<float>(
                                  s.positive({nullptr, "query_pre_attn_scalar"}).value_or(c.headSize())));
}

void weights(WeightReader &r, ModelConfig &c, ModelWeights &w) {
    readDecoderEnds(r, c, w, names::embedding, names::finalNorm, names::output, false, 1.0f);
    readPreNormLayers(r, c, w, {.qkNorm = true, .sandwich = true, .hfNormOffset = 1.0f});
}

} // namespace

extern const Family gemma3Family{"gemma3", "Gemma 3", {"Gemma3ForCausalLM", "Gemma3ForConditionalGeneration"},
                                 settings, weights, sandwichLayer};

} // namespace attnscope::arch
