// GPT-NeoX (Pythia): LayerNorm with biases, q/k/v fused with biases — [Q; K; V] blocks of rows in GGUF, per head
// (q, k, v of head 0, then of head 1, ...) in Hugging Face —, RoPE on the first rotary_pct of each head (halves),
// GELU, an untied output, and the parallel residual x + attn(ln1 x) + ffn(ln2 x) when use_parallel_residual.
#include "arch/decoder.h"

#include "runtime/blocks.h"

namespace attnscope::arch {

namespace {

constexpr Name embedding{"token_embd.weight", "gpt_neox.embed_in.weight"};
constexpr Name finalNorm{"output_norm.weight", "gpt_neox.final_layer_norm.weight"};
constexpr Name finalNormBias{"output_norm.bias", "gpt_neox.final_layer_norm.bias"};
constexpr Name output{"output.weight", "embed_out.weight"};
constexpr Name attnNorm{"blk.{}.attn_norm.weight", "gpt_neox.layers.{}.input_layernorm.weight"};
constexpr Name attnNormBias{"blk.{}.attn_norm.bias", "gpt_neox.layers.{}.input_layernorm.bias"};
constexpr Name qkv{"blk.{}.attn_qkv.weight", "gpt_neox.layers.{}.attention.query_key_value.weight"};
constexpr Name qkvBias{"blk.{}.attn_qkv.bias", "gpt_neox.layers.{}.attention.query_key_value.bias"};
constexpr Name o{"blk.{}.attn_output.weight", "gpt_neox.layers.{}.attention.dense.weight"};
constexpr Name oBias{"blk.{}.attn_output.bias", "gpt_neox.layers.{}.attention.dense.bias"};
constexpr Name ffnNorm{"blk.{}.ffn_norm.weight", "gpt_neox.layers.{}.post_attention_layernorm.weight"};
constexpr Name ffnNormBias{"blk.{}.ffn_norm.bias", "gpt_neox.layers.{}.post_attention_layernorm.bias"};
constexpr Name up{"blk.{}.ffn_up.weight", "gpt_neox.layers.{}.mlp.dense_h_to_4h.weight"};
constexpr Name upBias{"blk.{}.ffn_up.bias", "gpt_neox.layers.{}.mlp.dense_h_to_4h.bias"};
constexpr Name down{"blk.{}.ffn_down.weight", "gpt_neox.layers.{}.mlp.dense_4h_to_h.weight"};
constexpr Name downBias{"blk.{}.ffn_down.bias", "gpt_neox.layers.{}.mlp.dense_4h_to_h.bias"};

void settings(const Settings &s, ModelConfig &c) {
    readCommonSettings(s, c);
    c.norm = NormKind::Layer;
    c.positions = Positions::RopeHalf;
    c.rmsEps = static_cast<float>(s.number({"attention.layer_norm_epsilon", "layer_norm_eps"}).value_or(1e-5));
    c.kvHeads = c.heads; // one fused (3 * heads * headSize) projection
    c.parallelResidual = s.boolean({"use_parallel_residual", "use_parallel_residual"}).value_or(true);
    // The tanh form of GELU in both forms, as llama.cpp runs GPT-NeoX (Pythia's config says "gelu", whose exact erf
    // form differs by up to 5e-4 per activation): a folder and its GGUF give the same attention.
    c.feedForward = FeedForward::GeluTanh;
    if (!s.gguf()) {
        if (!s.has({nullptr, "rope_theta"}) && !s.has({nullptr, "rope_parameters"}))
            c.ropeTheta = static_cast<float>(s.number({nullptr, "rotary_emb_base"}).value_or(10000.0));
        const std::string partial = hfRopeKey(s, "partial_rotary_factor"); // transformers 5's name for rotary_pct
        const double pct = s.positive({nullptr, "rotary_pct"})
                               .value_or(s.positive({nullptr, partial.c_str()}).value_or(0.25));
        c.ropeDim = static_cast<int>(c.headSize() * std::min(pct, 1.0));
        if (c.ropeDim < 2)
            s.fail(s.where({nullptr, "rotary_pct"}) + " leaves no dimension to rotate");
    }
}

void weights(WeightReader &r, ModelConfig &c, ModelWeights &w) {
    readDecoderEnds(r, c, w, embedding, finalNorm, output, false);
    w.finalNorm.bias = r.vector(finalNormBias, 0, c.dim);
    const std::int64_t dim = c.dim, hs = c.headSize(), heads = c.heads, hidden = c.hiddenDim;
    // Hugging Face's rows of head h: q at h*3*hs, k at (h*3+1)*hs, v at (h*3+2)*hs.
    std::vector<std::int64_t> perHead[3];
    for (int part = 0; part < 3; ++part)
        for (std::int64_t h = 0; h < heads; ++h)
            for (std::int64_t i = 0; i < hs; ++i)
                perHead[part].push_back((h * 3 + part) * hs + i);
    for (int l = 0; l < c.layers; ++l) {
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.attnNorm = r.norm(attnNorm, attnNormBias, l, dim);
        const Tensor fused = r.matrix(qkv, l, 3 * heads * hs, dim);
        const float *bias = r.vector(qkvBias, l, 3 * heads * hs);
        Tensor *parts[3] = {&lw.wq, &lw.wk, &lw.wv};
        const float **biases[3] = {&lw.bq, &lw.bk, &lw.bv};
        for (int part = 0; part < 3; ++part) {
            *parts[part] = r.gguf() ? WeightReader::rows(fused, part * heads * hs, heads * hs)
                                    : r.gather(fused, perHead[part]);
            *biases[part] = r.gguf() ? (bias ? bias + part * heads * hs : nullptr) : r.gather(bias, perHead[part]);
        }
        lw.wo = r.matrix(o, l, dim, heads * hs);
        lw.bo = r.vector(oBias, l, dim);
        lw.ffnNorm = r.norm(ffnNorm, ffnNormBias, l, dim);
        lw.up = r.matrix(up, l, hidden, dim);
        lw.upBias = r.vector(upBias, l, hidden);
        lw.down = r.matrix(down, l, dim, hidden);
        lw.downBias = r.vector(downBias, l, dim);
    }
}

void layer(LayerPass &p, const LayerWeights &w) {
    if (p.config().parallelResidual) { // both blocks read the same x
        Activations a = p.attention(p.norm(p.x(), w.attnNorm), w);
        p.x() += p.ffn(p.norm(p.x(), w.ffnNorm), w);
        p.x() += a;
        return;
    }
    preNormLayer(p, w);
}

} // namespace

extern const Family gptneoxFamily{"gptneox", "GPT-NeoX (Pythia)", {"GPTNeoXForCausalLM"}, settings, weights, layer};

} // namespace attnscope::arch
