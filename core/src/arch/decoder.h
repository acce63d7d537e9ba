// Pieces most decoder families share: the tensor names of the Llama layout in both forms (llama.cpp's and Hugging
// Face's model.layers.N...), and readers for the attention projections and the gated feed-forward under those names.
// A family whose tensors are named otherwise (GPT-NeoX, GPT-2, BERT, Phi-3's fused ones) declares its own.
#pragma once

#include "arch/family.h"

namespace attnscope::arch {

namespace names {
inline constexpr Name embedding{"token_embd.weight", "model.embed_tokens.weight"};
inline constexpr Name finalNorm{"output_norm.weight", "model.norm.weight"};
inline constexpr Name output{"output.weight", "lm_head.weight"};
inline constexpr Name attnNorm{"blk.{}.attn_norm.weight", "model.layers.{}.input_layernorm.weight"};
inline constexpr Name q{"blk.{}.attn_q.weight", "model.layers.{}.self_attn.q_proj.weight"};
inline constexpr Name k{"blk.{}.attn_k.weight", "model.layers.{}.self_attn.k_proj.weight"};
inline constexpr Name v{"blk.{}.attn_v.weight", "model.layers.{}.self_attn.v_proj.weight"};
inline constexpr Name o{"blk.{}.attn_output.weight", "model.layers.{}.self_attn.o_proj.weight"};
inline constexpr Name qBias{"blk.{}.attn_q.bias", "model.layers.{}.self_attn.q_proj.bias"};
inline constexpr Name kBias{"blk.{}.attn_k.bias", "model.layers.{}.self_attn.k_proj.bias"};
inline constexpr Name vBias{"blk.{}.attn_v.bias", "model.layers.{}.self_attn.v_proj.bias"};
inline constexpr Name oBias{"blk.{}.attn_output.bias", "model.layers.{}.self_attn.o_proj.bias"};
inline constexpr Name gateBias{"blk.{}.ffn_gate.bias", "model.layers.{}.mlp.gate_proj.bias"};
inline constexpr Name qNorm{"blk.{}.attn_q_norm.weight", "model.layers.{}.self_attn.q_norm.weight"};
inline constexpr Name kNorm{"blk.{}.attn_k_norm.weight", "model.layers.{}.self_attn.k_norm.weight"};
inline constexpr Name ffnNorm{"blk.{}.ffn_norm.weight", "model.layers.{}.post_attention_layernorm.weight"};
inline constexpr Name gate{"blk.{}.ffn_gate.weight", "model.layers.{}.mlp.gate_proj.weight"};
inline constexpr Name up{"blk.{}.ffn_up.weight", "model.layers.{}.mlp.up_proj.weight"};
inline constexpr Name down{"blk.{}.ffn_down.weight", "model.layers.{}.mlp.down_proj.weight"};
// Gemma 2 and 3 norm both sides of each block; Hugging Face then calls the FFN's input norm pre_feedforward.
inline constexpr Name postAttnNorm{"blk.{}.post_attention_norm.weight", "model.layers.{}.post_attention_layernorm.weight"};
inline constexpr Name preFfnNorm{"blk.{}.ffn_norm.weight", "model.layers.{}.pre_feedforward_layernorm.weight"};
inline constexpr Name postFfnNorm{"blk.{}.post_ffw_norm.weight", "model.layers.{}.post_feedforward_layernorm.weight"};
} // namespace names

// The tensors of a pre-norm decoder layer under the Llama names: norms (with Gemma's hfNormOffset), q/k/v/o with
// biases when `biases` (Qwen 2) or when the file has them (attention_bias), per-head q/k norms when `qkNorm`
// (Qwen 3, Gemma 3), the gated FFN (biases there are refused: no family here has them), and with `sandwich` the
// norms after attention and FFN of Gemma 2/3 (whose FFN input norm Hugging Face calls pre_feedforward).
struct LayerOptions {
    bool biases = false;
    bool qkNorm = false;
    bool sandwich = false;
    float hfNormOffset = 0;
};
void readPreNormLayers(WeightReader &r, const ModelConfig &c, ModelWeights &w, LayerOptions options);
// The pre-norm decoder layer of Llama, Qwen, Gemma 1 and Phi-3:  x += attn(norm(x));  x += ffn(norm(x)).
void preNormLayer(LayerPass &p, const LayerWeights &w);
// Gemma 2 and 3: the same with a norm on each block's output before its residual.
void sandwichLayer(LayerPass &p, const LayerWeights &w);
// The sliding-window layers of a repeating pattern of `period` layers of which the last is global (Gemma 2: 2,
// Gemma 3: 6), as llama.cpp's set_swa_pattern and transformers' sliding_window_pattern have it.
std::vector<std::uint8_t> localEvery(int layers, int period);
// Hugging Face's layer_types ("sliding_attention" / "full_attention"), when the config has them.
bool readLayerTypes(const Settings &s, ModelConfig &c);

} // namespace attnscope::arch
