// Phi-3: the Llama layer with q, k and v fused in one matrix ([Q; K; V] rows in both forms) and gate and up fused
// (gate rows first), RoPE on halves with LongRoPE: per-pair divisors, the short list for texts up to the original
// context and the long list beyond it, and cos / sin scaled by the attention factor. A sliding window applies to
// every layer where the model declares one.
#include "arch/decoder.h"

#include <cmath>

namespace attnscope::arch {

namespace {

constexpr Name qkv{"blk.{}.attn_qkv.weight", "model.layers.{}.self_attn.qkv_proj.weight"};
constexpr Name gateUp{"blk.{}.ffn_up.weight", "model.layers.{}.mlp.gate_up_proj.weight"};
constexpr Name shortFactors{"rope_factors_short.weight", nullptr};
constexpr Name longFactors{"rope_factors_long.weight", nullptr};

std::vector<float> toFloats(const std::optional<std::vector<double>> &v) {
    return v ? std::vector<float>(v->begin(), v->end()) : std::vector<float>{};
}

void settings(const Settings &s, ModelConfig &c) {
    readCommonSettings(s, c, {"longrope", "su"});
    c.positions = Positions::RopeHalf;
    const std::string partialKey = hfRopeKey(s, "partial_rotary_factor");
    if (const auto partial = s.positive({nullptr, partialKey.c_str()}); partial && *partial < 1) {
        c.ropeDim = static_cast<int>(c.headSize() * *partial);
        if (c.ropeDim < 2)
            s.fail(s.where({nullptr, partialKey.c_str()}) + " leaves no dimension to rotate");
    }
    const auto window = s.count({"attention.sliding_window", "sliding_window"}, 0, std::int64_t(1) << 30);
    if (window && *window > 0 && *window < c.contextLength) {
        c.slidingWindow = *window;
        c.localLayers.assign(static_cast<std::size_t>(c.layers), 1);
    }
    c.ropeOriginal = s.count({"rope.scaling.original_context_length", "original_max_position_embeddings"}, 1,
                             std::int64_t(1) << 24)
                         .value_or(c.contextLength);
    if (s.gguf()) {
        c.ropeAttnFactor = static_cast<float>(s.positive({"rope.scaling.attn_factor", nullptr}).value_or(1.0));
        return;
    }
    const std::string type = ropeType(s);
    if (type != "longrope" && type != "su")
        return;
    c.ropeScaling = "longrope";
    const std::string shortKey = hfRopeKey(s, "short_factor"), longKey = hfRopeKey(s, "long_factor");
    const std::string factorKey = hfRopeKey(s, "attention_factor"), originalKey = hfRopeKey(s, "original_max_position_embeddings");
    c.ropeFactors = toFloats(s.numbers({nullptr, shortKey.c_str()}));
    c.ropeFactorsLong = toFloats(s.numbers({nullptr, longKey.c_str()}));
    if (const auto original = s.count({nullptr, originalKey.c_str()}, 1, std::int64_t(1) << 24))
        c.ropeOriginal = *original;
    // transformers' _compute_longrope_parameters
    if (const auto given = s.positive({nullptr, factorKey.c_str()})) {
        c.ropeAttnFactor = static_cast<float>(*given);
    } else if (c.ropeOriginal > 0) {
        const double factor = static_cast<double>(c.contextLength) / c.ropeOriginal;
        c.ropeAttnFactor = factor <= 1 ? 1.0f : static_cast<float>(std::sqrt(1 + std::log(factor) / std::log(c.ropeOriginal)));
    }
}

void weights(WeightReader &r, ModelConfig &c, ModelWeights &w) {
    readDecoderEnds(r, c, w, names::embedding, names::finalNorm, names::output, false);
    if (r.gguf() && r.has(shortFactors, 0)) {
        c.ropeScaling = "longrope";
        c.ropeFactors = r.values(shortFactors, 0);
        c.ropeFactorsLong = r.values(longFactors, 0);
    }
    const std::int64_t dim = c.dim, qDim = c.qDim(), kvDim = c.kvDim(), hidden = c.hiddenDim;
    for (int l = 0; l < c.layers; ++l) {
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.attnNorm.weight = r.vector(names::attnNorm, l, dim);
        const Tensor fused = r.matrix(qkv, l, qDim + 2 * kvDim, dim); // rows: q, k, v
        lw.wq = WeightReader::rows(fused, 0, qDim);
        lw.wk = WeightReader::rows(fused, qDim, kvDim);
        lw.wv = WeightReader::rows(fused, qDim + kvDim, kvDim);
        lw.wo = r.matrix(names::o, l, dim, qDim);
        lw.ffnNorm.weight = r.vector(names::ffnNorm, l, dim);
        const Tensor gu = r.matrix(gateUp, l, 2 * hidden, dim); // rows: gate, up
        lw.gate = WeightReader::rows(gu, 0, hidden);
        lw.up = WeightReader::rows(gu, hidden, hidden);
        lw.down = r.matrix(names::down, l, dim, hidden);
    }
}

} // namespace

extern const Family phi3Family{"phi3", "Phi-3", {"Phi3ForCausalLM"}, settings, weights, preNormLayer};

} // namespace attnscope::arch
