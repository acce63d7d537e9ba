// Readers and layer compositions shared by the decoder families (see decoder.h).
#include "arch/decoder.h"

#include "runtime/blocks.h"

namespace attnscope::arch {

namespace {

// wq (heads * headSize, dim), wk / wv (kvDim, dim), wo (dim, heads * headSize); q/k/v biases when `biases`.
void readAttention(WeightReader &r, const ModelConfig &c, LayerWeights &lw, int l, bool biases) {
    const std::int64_t dim = c.dim, qDim = c.qDim(), kvDim = c.kvDim();
    lw.wq = r.matrix(names::q, l, qDim, dim);
    lw.wk = r.matrix(names::k, l, kvDim, dim);
    lw.wv = r.matrix(names::v, l, kvDim, dim);
    lw.wo = r.matrix(names::o, l, dim, qDim);
    if (biases) {
        lw.bq = r.vector(names::qBias, l, qDim);
        lw.bk = r.vector(names::kBias, l, kvDim);
        lw.bv = r.vector(names::vBias, l, kvDim);
    }
}

// gate / up (hiddenDim, dim) and down (dim, hiddenDim).
void readGatedFfn(WeightReader &r, const ModelConfig &c, LayerWeights &lw, int l) {
    lw.gate = r.matrix(names::gate, l, c.hiddenDim, c.dim);
    lw.up = r.matrix(names::up, l, c.hiddenDim, c.dim);
    lw.down = r.matrix(names::down, l, c.dim, c.hiddenDim);
}

} // namespace

void readPreNormLayers(WeightReader &r, const ModelConfig &c, ModelWeights &w, LayerOptions options) {
    for (int l = 0; l < c.layers; ++l) {
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.attnNorm.weight = r.vector(names::attnNorm, l, c.dim, options.hfNormOffset);
        readAttention(r, c, lw, l, options.biases || r.has(names::qBias, l));
        lw.bo = r.optionalVector(names::oBias, l, c.dim);
        if (r.has(names::gateBias, l))
            r.fail(r.fileName() + ": the feed-forward has biases (mlp_bias), which " + c.family + " models do not; "
                                  "AttnScope cannot run this variant");
        if (options.qkNorm) {
            lw.qNorm.weight = r.vector(names::qNorm, l, c.headSize(), options.hfNormOffset);
            lw.kNorm.weight = r.vector(names::kNorm, l, c.headSize(), options.hfNormOffset);
        }
        if (options.sandwich)
            lw.postAttnNorm.weight = r.vector(names::postAttnNorm, l, c.dim, options.hfNormOffset);
        lw.ffnNorm.weight = r.vector(options.sandwich ? names::preFfnNorm : names::ffnNorm, l, c.dim, options.hfNormOffset);
        readGatedFfn(r, c, lw, l);
        if (options.sandwich)
            lw.postFfnNorm.weight = r.vector(names::postFfnNorm, l, c.dim, options.hfNormOffset);
    }
}

void preNormLayer(LayerPass &p, const LayerWeights &w) {
    p.x() += p.attention(p.norm(p.x(), w.attnNorm), w);
    p.x() += p.ffn(p.norm(p.x(), w.ffnNorm), w);
}

void sandwichLayer(LayerPass &p, const LayerWeights &w) {
    p.x() += p.norm(p.attention(p.norm(p.x(), w.attnNorm), w), w.postAttnNorm);
    p.x() += p.norm(p.ffn(p.norm(p.x(), w.ffnNorm), w), w.postFfnNorm);
}

std::vector<std::uint8_t> localEvery(int layers, int period) {
    std::vector<std::uint8_t> local(static_cast<std::size_t>(std::max(layers, 0)));
    for (int l = 0; l < layers; ++l)
        local[static_cast<std::size_t>(l)] = period <= 0 || l % period < period - 1;
    return local;
}

bool readLayerTypes(const Settings &s, ModelConfig &c) {
    const auto types = s.strings({nullptr, "layer_types"});
    if (!types)
        return false;
    c.localLayers.clear();
    for (const std::string &t : *types) {
        if (t != "sliding_attention" && t != "full_attention") {
            s.fail(s.where({nullptr, "layer_types"}) + " names \"" + t +
                   "\"; expected sliding_attention or full_attention");
            return false;
        }
        c.localLayers.push_back(t == "sliding_attention");
    }
    return true;
}

} // namespace attnscope::arch
