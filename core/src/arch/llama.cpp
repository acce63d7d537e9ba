// Llama 1/2/3 (and Mistral, TinyLlama, SmolLM, which GGUF calls "llama"): RMSNorm, RoPE, SwiGLU, GQA.
// Llama 3.1/3.2 scale RoPE's low frequencies: rope_scaling {"rope_type": "llama3"} in config.json, the
// rope_freqs.weight tensor of per-pair divisors in GGUF. llama.cpp's converter permutes q and k so that RoPE
// rotates adjacent pairs; Hugging Face keeps the rotate-half layout.
#include "arch/decoder.h"

#include <cmath>
#include <numbers>

namespace attnscope::arch {

namespace {

constexpr Name ropeFreqs{"rope_freqs.weight", nullptr};

// transformers' _compute_llama3_parameters, as per-pair divisors of the frequency (llama.cpp's converter writes
// the same numbers into rope_freqs.weight).
void llama3Factors(const Settings &s, ModelConfig &c) {
    auto value = [&](const char *field, double fallback) {
        const std::string key = hfRopeKey(s, field);
        return s.positive({nullptr, key.c_str()}).value_or(fallback);
    };
    const double factor = value("factor", 8.0), low = value("low_freq_factor", 1.0), high = value("high_freq_factor", 4.0);
    const double original = value("original_max_position_embeddings", 8192);
    if (!(high > low)) {
        s.fail(s.where({nullptr, "rope_scaling.high_freq_factor"}) + " must be larger than low_freq_factor");
        return;
    }
    if (original > (1 << 24)) {
        s.fail(s.where({nullptr, "rope_scaling.original_max_position_embeddings"}) + " is implausible");
        return;
    }
    const double lowWavelen = original / low, highWavelen = original / high;
    const int n = c.rotaryDim();
    if (n <= 0 || n % 2 != 0)
        return; // checkConfig names the problem
    c.ropeFactors.clear();
    for (int p = 0; p < n / 2; ++p) {
        const double freq = 1.0 / std::pow(static_cast<double>(c.ropeTheta), 2.0 * p / n);
        const double wavelen = 2 * std::numbers::pi / freq;
        double divisor = 1;
        if (wavelen > lowWavelen) {
            divisor = factor;
        } else if (wavelen >= highWavelen) {
            const double smooth = (original / wavelen - low) / (high - low);
            divisor = 1 / ((1 - smooth) / factor + smooth);
        }
        c.ropeFactors.push_back(static_cast<float>(divisor));
    }
    c.ropeOriginal = static_cast<int>(original);
    c.ropeScaling = "llama3";
}

void settings(const Settings &s, ModelConfig &c) {
    readCommonSettings(s, c, {"llama3"});
    c.positions = s.gguf() ? Positions::RopeInterleaved : Positions::RopeHalf;
    if (!s.gguf()) {
        if (ropeType(s) == "llama3")
            llama3Factors(s, c);
        // Mistral 7B v0.1 attends within a window on every layer.
        if (const auto window = s.count({nullptr, "sliding_window"}, 0, std::int64_t(1) << 30);
            window && *window > 0 && *window < c.contextLength) {
            c.slidingWindow = *window;
            c.localLayers.assign(static_cast<std::size_t>(c.layers), 1);
        }
    }
}

void weights(WeightReader &r, ModelConfig &c, ModelWeights &w) {
    readDecoderEnds(r, c, w, names::embedding, names::finalNorm, names::output, false);
    if (r.has(ropeFreqs, 0)) {
        c.ropeFactors = r.values(ropeFreqs, 0);
        c.ropeScaling = "llama3";
    }
    readPreNormLayers(r, c, w, {});
}

} // namespace

extern const Family llamaFamily{"llama", "Llama", {"LlamaForCausalLM", "MistralForCausalLM"}, settings, weights,
                                preNormLayer};

} // namespace attnscope::arch
