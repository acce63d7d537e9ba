// The Model value type and the settings every family shares: Model, Tensor rows, ModelConfig's derived values.
#include "attnscope/model.h"

#include <cmath>
#include <cstdio>

namespace attnscope {

Model::Model(ModelConfig config, ModelWeights weights, std::shared_ptr<const void> storage, std::string path,
             std::string format, std::vector<std::vector<float>> owned)
    : m_config(std::move(config)), m_weights(std::move(weights)), m_storage(std::move(storage)),
      m_owned(std::move(owned)), m_path(std::move(path)), m_format(std::move(format)) {}

std::size_t Tensor::rowBytes() const {
    const auto info = typeInfo(static_cast<std::uint32_t>(type));
    return info ? static_cast<std::size_t>(attnscope::rowBytes(*info, cols).value_or(0)) : 0;
}

void Tensor::dequantizeRow(std::int64_t row, float *out) const {
    attnscope::dequantizeRow(type, static_cast<const unsigned char *>(data) + static_cast<std::size_t>(row) * rowBytes(),
                             out, cols);
}

float ModelConfig::scoreScale() const {
    return queryScale > 0 ? queryScale : 1.0f / std::sqrt(static_cast<float>(headSize()));
}

namespace {

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string layerList(const ModelConfig &c, bool local) {
    std::string s;
    int count = 0;
    for (int l = 0; l < c.layers; ++l)
        if (c.isLocal(l) == local) {
            if (++count <= 12)
                s += (s.empty() ? "" : ", ") + std::to_string(l);
        }
    if (count > 12)
        s += ", ... (" + std::to_string(count) + " layers)";
    return s.empty() ? "none" : s;
}

} // namespace

std::vector<ModelFact> describeModel(const ModelConfig &c) {
    std::vector<ModelFact> facts;
    auto add = [&](std::string label, std::string value) { facts.push_back({std::move(label), std::move(value)}); };
    add("family", c.family + " (" + c.architecture + ")");
    const bool gqa = c.kvHeads < c.heads;
    add("attention", std::to_string(c.heads) + " query heads, " + std::to_string(c.kvHeads) + " key/value heads" +
                         (c.kvHeads == 1 ? " (multi-query)" : gqa ? " (grouped-query)" : "") + ", head size " +
                         std::to_string(c.headSize()) + (c.causal ? ", causal" : ", bidirectional"));
    add("query scale", c.queryScale > 0 ? number(c.queryScale) + " (query_pre_attn_scalar^-1/2)"
                                        : "1/sqrt(" + std::to_string(c.headSize()) + ") = " + number(c.scoreScale()));
    add("qk norm", c.qkNorm ? "RMSNorm of every query and key head before RoPE" : "none");
    add("sliding window", c.slidingWindow > 0 ? std::to_string(c.slidingWindow) + " tokens on layers " +
                                                    layerList(c, true) + "; global: " + layerList(c, false)
                                              : "none");
    add("softcap", c.attnSoftcap > 0 || c.finalSoftcap > 0
                       ? "attention " + (c.attnSoftcap > 0 ? number(c.attnSoftcap) : std::string("none")) +
                             ", final logits " + (c.finalSoftcap > 0 ? number(c.finalSoftcap) : std::string("none"))
                       : "none");
    if (c.positions == Positions::Learned) {
        add("positions", "learned absolute embeddings");
    } else {
        std::string rope = "base " + number(c.ropeTheta);
        if (c.ropeScale != 1)
            rope += " with positions x" + number(c.ropeScale) + " (linear scaling)";
        if (c.slidingWindow > 0 && (c.ropeThetaLocal > 0 || c.ropeScaleLocal != c.ropeScale))
            rope += " on global layers, base " + number(c.ropeThetaLocal > 0 ? c.ropeThetaLocal : c.ropeTheta) +
                    (c.ropeScaleLocal != 1 ? " x" + number(c.ropeScaleLocal) : std::string()) + " on local layers";
        rope += "; " + std::to_string(c.rotaryDim()) + " of " + std::to_string(c.headSize()) + " dims per head, " +
                (c.positions == Positions::RopeHalf ? "rotating halves (NeoX)" : "rotating adjacent pairs");
        if (!c.ropeScaling.empty() && c.ropeScaling != "linear")
            rope += "; " + c.ropeScaling + " frequency factors" +
                    (c.ropeOriginal > 0 ? " (original context " + std::to_string(c.ropeOriginal) + ")" : "") +
                    (c.ropeAttnFactor != 1 ? ", attention factor " + number(c.ropeAttnFactor) : "");
        add("rope", rope);
    }
    add("norm", std::string(c.norm == NormKind::Rms ? "RMSNorm" : "LayerNorm") + ", eps " + number(c.rmsEps));
    add("residual", c.postNorm ? "post-norm: x = norm(x + block(x))"
                    : c.parallelResidual ? "parallel: x + attn(norm1 x) + ffn(norm2 x)"
                    : c.sandwichNorms ? "pre-norm with norms after attention and FFN too"
                                      : "pre-norm: x + block(norm x)");
    const char *ffn = c.feedForward == FeedForward::SwiGlu  ? "SwiGLU (gated SiLU)"
                      : c.feedForward == FeedForward::GeGlu ? "GeGLU (gated GELU, tanh form)"
                      : c.feedForward == FeedForward::GeluTanh ? "GELU (tanh form)"
                                                               : "GELU (exact, erf)";
    add("feed-forward", std::string(ffn) + ", width " + std::to_string(c.hiddenDim));
    add("embedding", c.embedScale != 1 ? "scaled by " + number(c.embedScale) : "unscaled");
    add("output", c.sharedClassifier ? "tied to the embedding" : "own matrix");
    return facts;
}

} // namespace attnscope
