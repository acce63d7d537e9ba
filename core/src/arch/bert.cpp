// BERT encoders: learned positions plus segment embeddings and a LayerNorm of their sum, bidirectional attention,
// exact (erf) GELU, and post-norm layers: x = norm(x + attn(x)); x = norm(x + ffn(x)). No language-model head is
// used: AttnScope shows an encoder's attention only.
#include "arch/decoder.h"

#include "runtime/blocks.h"

namespace attnscope::arch {

namespace {

constexpr Name embedding{"token_embd.weight", "bert.embeddings.word_embeddings.weight"};
constexpr Name positions{"position_embd.weight", "bert.embeddings.position_embeddings.weight"};
constexpr Name tokenTypes{"token_types.weight", "bert.embeddings.token_type_embeddings.weight"};
constexpr Name embNorm{"token_embd_norm.weight", "bert.embeddings.LayerNorm.weight"};
constexpr Name embNormBias{"token_embd_norm.bias", "bert.embeddings.LayerNorm.bias"};
constexpr Name q{"blk.{}.attn_q.weight", "bert.encoder.layer.{}.attention.self.query.weight"};
constexpr Name qBias{"blk.{}.attn_q.bias", "bert.encoder.layer.{}.attention.self.query.bias"};
constexpr Name k{"blk.{}.attn_k.weight", "bert.encoder.layer.{}.attention.self.key.weight"};
constexpr Name kBias{"blk.{}.attn_k.bias", "bert.encoder.layer.{}.attention.self.key.bias"};
constexpr Name v{"blk.{}.attn_v.weight", "bert.encoder.layer.{}.attention.self.value.weight"};
constexpr Name vBias{"blk.{}.attn_v.bias", "bert.encoder.layer.{}.attention.self.value.bias"};
constexpr Name o{"blk.{}.attn_output.weight", "bert.encoder.layer.{}.attention.output.dense.weight"};
constexpr Name oBias{"blk.{}.attn_output.bias", "bert.encoder.layer.{}.attention.output.dense.bias"};
constexpr Name attnNorm{"blk.{}.attn_output_norm.weight", "bert.encoder.layer.{}.attention.output.LayerNorm.weight"};
constexpr Name attnNormBias{"blk.{}.attn_output_norm.bias", "bert.encoder.layer.{}.attention.output.LayerNorm.bias"};
constexpr Name up{"blk.{}.ffn_up.weight", "bert.encoder.layer.{}.intermediate.dense.weight"};
constexpr Name upBias{"blk.{}.ffn_up.bias", "bert.encoder.layer.{}.intermediate.dense.bias"};
constexpr Name down{"blk.{}.ffn_down.weight", "bert.encoder.layer.{}.output.dense.weight"};
constexpr Name downBias{"blk.{}.ffn_down.bias", "bert.encoder.layer.{}.output.dense.bias"};
constexpr Name ffnNorm{"blk.{}.layer_output_norm.weight", "bert.encoder.layer.{}.output.LayerNorm.weight"};
constexpr Name ffnNormBias{"blk.{}.layer_output_norm.bias", "bert.encoder.layer.{}.output.LayerNorm.bias"};

void settings(const Settings &s, ModelConfig &c) {
    readCommonSettings(s, c);
    c.norm = NormKind::Layer;
    c.positions = Positions::Learned;
    c.feedForward = FeedForward::GeluErf;
    c.postNorm = true;
    c.kvHeads = c.heads; // (width, width) projections: one key head per query head, width / heads each
    c.headDim = 0;
    c.rmsEps = static_cast<float>(s.number({"attention.layer_norm_epsilon", "layer_norm_eps"}).value_or(1e-12));
    c.causal = s.boolean({"attention.causal", nullptr}).value_or(false);
    if (!s.gguf())
        c.tokenTypes = s.count({nullptr, "type_vocab_size"}, 1, 1 << 16).value_or(2);
}

// Older checkpoints call LayerNorm's parameters gamma and beta.
Norm layerNorm(WeightReader &r, Name weight, Name bias, int l, std::int64_t n) {
    auto old = [](const char *hf, const char *suffix) -> std::string {
        std::string s(hf);
        return s.substr(0, s.rfind('.') + 1) + suffix;
    };
    if (r.gguf() || r.has(weight, l))
        return r.norm(weight, bias, l, n);
    const std::string gamma = old(weight.hf, "gamma"), beta = old(bias.hf, "beta");
    return r.norm(Name{nullptr, gamma.c_str()}, Name{nullptr, beta.c_str()}, l, n);
}

void weights(WeightReader &r, ModelConfig &c, ModelWeights &w) {
    const std::int64_t dim = c.dim, hidden = c.hiddenDim;
    w.tokenEmbedding = r.rowsOf(embedding, 0, dim);
    c.vocabSize = static_cast<int>(w.tokenEmbedding.rows);
    w.positionEmbedding = r.matrix(positions, 0, c.contextLength, dim);
    if (r.gguf() && r.has(tokenTypes, 0)) {
        w.tokenTypeEmbedding = r.rowsOf(tokenTypes, 0, dim);
        c.tokenTypes = static_cast<int>(w.tokenTypeEmbedding.rows);
    } else if (!r.gguf()) {
        w.tokenTypeEmbedding = r.matrix(tokenTypes, 0, c.tokenTypes, dim);
    }
    w.embNorm = layerNorm(r, embNorm, embNormBias, 0, dim);
    for (int l = 0; l < c.layers; ++l) {
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.wq = r.matrix(q, l, dim, dim);
        lw.bq = r.vector(qBias, l, dim);
        lw.wk = r.matrix(k, l, dim, dim);
        lw.bk = r.vector(kBias, l, dim);
        lw.wv = r.matrix(v, l, dim, dim);
        lw.bv = r.vector(vBias, l, dim);
        lw.wo = r.matrix(o, l, dim, dim);
        lw.bo = r.vector(oBias, l, dim);
        lw.attnNorm = layerNorm(r, attnNorm, attnNormBias, l, dim);
        lw.up = r.matrix(up, l, hidden, dim);
        lw.upBias = r.vector(upBias, l, hidden);
        lw.down = r.matrix(down, l, dim, hidden);
        lw.downBias = r.vector(downBias, l, dim);
        lw.ffnNorm = layerNorm(r, ffnNorm, ffnNormBias, l, dim);
    }
    c.sharedClassifier = false; // the masked-LM head, if present, is not used: attention only
}

void layer(LayerPass &p, const LayerWeights &w) {
    p.x() = p.norm(p.x() + p.attention(p.x(), w), w.attnNorm);
    p.x() = p.norm(p.x() + p.ffn(p.x(), w), w.ffnNorm);
}

} // namespace

extern const Family bertFamily{"bert", "BERT", {"BertModel", "BertForMaskedLM"}, settings, weights, layer};

} // namespace attnscope::arch
