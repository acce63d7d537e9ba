// GPT-2: learned absolute positions, LayerNorm with biases, q/k/v fused in one matrix with a bias, tanh GELU, tied
// output. Hugging Face keeps GPT-2's Conv1D weights as (in, out); they are transposed once on load.
#include "arch/decoder.h"

namespace attnscope::arch {

namespace {

constexpr Name embedding{"token_embd.weight", "transformer.wte.weight"};
constexpr Name positions{"position_embd.weight", "transformer.wpe.weight"};
constexpr Name finalNorm{"output_norm.weight", "transformer.ln_f.weight"};
constexpr Name finalNormBias{"output_norm.bias", "transformer.ln_f.bias"};
constexpr Name output{"output.weight", "lm_head.weight"};
constexpr Name attnNorm{"blk.{}.attn_norm.weight", "transformer.h.{}.ln_1.weight"};
constexpr Name attnNormBias{"blk.{}.attn_norm.bias", "transformer.h.{}.ln_1.bias"};
constexpr Name qkv{"blk.{}.attn_qkv.weight", "transformer.h.{}.attn.c_attn.weight"};
constexpr Name qkvBias{"blk.{}.attn_qkv.bias", "transformer.h.{}.attn.c_attn.bias"};
constexpr Name o{"blk.{}.attn_output.weight", "transformer.h.{}.attn.c_proj.weight"};
constexpr Name oBias{"blk.{}.attn_output.bias", "transformer.h.{}.attn.c_proj.bias"};
constexpr Name ffnNorm{"blk.{}.ffn_norm.weight", "transformer.h.{}.ln_2.weight"};
constexpr Name ffnNormBias{"blk.{}.ffn_norm.bias", "transformer.h.{}.ln_2.bias"};
constexpr Name up{"blk.{}.ffn_up.weight", "transformer.h.{}.mlp.c_fc.weight"};
constexpr Name upBias{"blk.{}.ffn_up.bias", "transformer.h.{}.mlp.c_fc.bias"};
constexpr Name down{"blk.{}.ffn_down.weight", "transformer.h.{}.mlp.c_proj.weight"};
constexpr Name downBias{"blk.{}.ffn_down.bias", "transformer.h.{}.mlp.c_proj.bias"};

void settings(const Settings &s, ModelConfig &c) {
    c.norm = NormKind::Layer;
    c.positions = Positions::Learned;
    c.feedForward = FeedForward::GeluTanh;
    if (s.gguf()) {
        readCommonSettings(s, c);
        c.rmsEps = static_cast<float>(s.number({"attention.layer_norm_epsilon", nullptr}).value_or(1e-5));
        c.kvHeads = c.heads; // the fused (3 * width, width) projection has as many key heads as query heads
        c.headDim = 0;
        return;
    }
    c.dim = s.size({nullptr, "n_embd"}, std::int64_t(1) << 16);
    c.layers = s.size({nullptr, "n_layer"}, 1024);
    c.heads = s.size({nullptr, "n_head"}, 4096);
    c.kvHeads = c.heads;
    c.hiddenDim = s.count({nullptr, "n_inner"}, 1, std::int64_t(1) << 19).value_or(4 * c.dim);
    c.contextLength = s.count({nullptr, "n_positions"}, 1, std::int64_t(1) << 24)
                          .value_or(s.count({nullptr, "n_ctx"}, 1, std::int64_t(1) << 24).value_or(1024));
    c.rmsEps = static_cast<float>(s.number({nullptr, "layer_norm_epsilon"}).value_or(1e-5));
}

// A Conv1D (in, out) in Hugging Face form, a (out, in) matrix in GGUF.
Tensor linear(WeightReader &r, Name name, int l, std::int64_t in, std::int64_t out) {
    return r.gguf() ? r.matrix(name, l, out, in) : r.transposed(name, l, in, out);
}

void weights(WeightReader &r, ModelConfig &c, ModelWeights &w) {
    readDecoderEnds(r, c, w, embedding, finalNorm, output, false);
    w.finalNorm.bias = r.vector(finalNormBias, 0, c.dim);
    w.positionEmbedding = r.matrix(positions, 0, c.contextLength, c.dim);
    const std::int64_t dim = c.dim, hidden = c.hiddenDim;
    for (int l = 0; l < c.layers; ++l) {
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.attnNorm = r.norm(attnNorm, attnNormBias, l, dim);
        const Tensor fused = linear(r, qkv, l, dim, 3 * dim); // rows: q, k, v
        lw.wq = WeightReader::rows(fused, 0, dim);
        lw.wk = WeightReader::rows(fused, dim, dim);
        lw.wv = WeightReader::rows(fused, 2 * dim, dim);
        if (const float *b = r.vector(qkvBias, l, 3 * dim)) {
            lw.bq = b;
            lw.bk = b + dim;
            lw.bv = b + 2 * dim;
        }
        lw.wo = linear(r, o, l, dim, dim);
        lw.bo = r.vector(oBias, l, dim);
        lw.ffnNorm = r.norm(ffnNorm, ffnNormBias, l, dim);
        lw.up = linear(r, up, l, dim, hidden);
        lw.upBias = r.vector(upBias, l, hidden);
        lw.down = linear(r, down, l, hidden, dim);
        lw.downBias = r.vector(downBias, l, dim);
    }
}

} // namespace

extern const Family gpt2Family{"gpt2", "GPT-2", {"GPT2LMHeadModel", "GPT2Model"}, settings, weights, preNormLayer};

} // namespace attnscope::arch
