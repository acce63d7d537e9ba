// The blocks a family's layer is composed of (llama.cpp's build_norm / build_attn / build_ffn): a norm, attention
// with the model's options, a feed-forward, all over the whole sequence at once. A family's layer function reads
// like its paper, e.g. Llama:  x += attention(norm(x, attnNorm));  x += ffn(norm(x, ffnNorm)).
#pragma once

#include "attnscope/model.h"

#include <Eigen/Dense>

namespace attnscope::arch {

using Activations = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>; // (T, width)

class LayerPass {
public:
    virtual ~LayerPass() = default;

    // (T, dim) the residual stream, read and written by the layer.
    virtual Activations &x() = 0;
    virtual int layer() const = 0;
    virtual const ModelConfig &config() const = 0;

    // RMSNorm or LayerNorm (the model's kind) of every row; (T, dim) -> (T, dim).
    virtual Activations norm(const Activations &in, const Norm &n) const = 0;
    // Self-attention of in (T, dim): projections and biases, QK-norm when the layer has it, RoPE, scaled scores,
    // softcap, causal and sliding-window masks, softmax (captured for the views), values, output projection and
    // bias; (T, dim).
    virtual Activations attention(const Activations &in, const LayerWeights &w) = 0;
    // The model's feed-forward of in (T, dim): gated (SwiGLU, GeGLU) or plain GELU, with biases; (T, dim).
    virtual Activations ffn(const Activations &in, const LayerWeights &w) const = 0;
};

} // namespace attnscope::arch
