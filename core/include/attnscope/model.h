// Model configuration and weights of a transformer, as read from a llama2.c checkpoint, a GGUF file or a Hugging Face
// folder. Each family (core/src/arch/<family>.cpp) reads its settings into ModelConfig and its tensors into
// ModelWeights, and composes its layer from shared blocks; the settings here are what those blocks need. Weights
// stay in the memory-mapped file in their stored type; the forward pass dequantizes them block by block.
#pragma once

#include "attnscope/quant.h"
#include "attnscope/result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attnscope {

enum class NormKind { Rms, Layer };                       // RMSNorm (Llama) or LayerNorm with bias (GPT-2, BERT)
enum class Positions { RopeInterleaved, RopeHalf, Learned }; // RoPE on pairs (i, i+1) (Llama in GGUF) or (i, i+d/2)
                                                           // (NeoX style: Hugging Face, Qwen, Gemma, Phi-3), or
                                                           // learned absolute positions
enum class FeedForward { SwiGlu, GeGlu, GeluTanh, GeluErf }; // gated SiLU (Llama), gated tanh-GELU (Gemma), or a
                                                             // plain GELU, tanh form (GPT-2) or exact (BERT)

struct ModelConfig {
    int dim = 0;       // transformer width
    int hiddenDim = 0; // FFN inner width
    int layers = 0;
    int heads = 0;   // query heads
    int kvHeads = 0; // key/value heads (grouped-query attention when < heads)
    int headDim = 0; // width of one head when it is not dim / heads (Gemma, Qwen 3); 0 = dim / heads
    int vocabSize = 0;
    int contextLength = 0; // seq_len the model was trained at
    bool sharedClassifier = true;
    float rmsEps = 1e-5f;
    std::string architecture = "llama"; // GGUF general.architecture of the family
    std::string family = "Llama";       // the family's name for people, e.g. "Gemma 3"
    NormKind norm = NormKind::Rms;
    Positions positions = Positions::RopeInterleaved;
    FeedForward feedForward = FeedForward::SwiGlu;
    bool causal = true;    // decoder; false for BERT (every token sees every token)
    bool postNorm = false; // BERT: norm after each residual instead of before each block
    int tokenTypes = 0;    // BERT segment embeddings (type 0 is used)
    std::string weightTypes = "F32";    // stored types of the weight matrices, e.g. "Q8_0, F32"

    // Attention.
    float queryScale = 0;   // multiplies q.k; 0 = 1 / sqrt(headSize) (Gemma 2/3: query_pre_attn_scalar^-1/2)
    float attnSoftcap = 0;  // scores -> c * tanh(scores / c) before the softmax (Gemma 2); 0 = none
    int slidingWindow = 0;  // keys a local layer's query sees, itself included; 0 = every earlier key
    std::vector<std::uint8_t> localLayers; // (layers) 1 where the layer attends within slidingWindow only
    bool qkNorm = false;    // RMSNorm of every query and key head before RoPE (Qwen 3, Gemma 3)
    // Residual layout (what the family's layer composes; shown by `info`).
    bool sandwichNorms = false;    // norms after attention and after the FFN too (Gemma 2/3)
    bool parallelResidual = false; // x + attn(ln1 x) + ffn(ln2 x) (GPT-NeoX)
    // Embeddings and logits.
    float embedScale = 1;   // token embeddings multiplied by this (Gemma: sqrt(dim))
    float finalSoftcap = 0; // logits -> c * tanh(logits / c) (Gemma 2); 0 = none

    // Rotary position embedding: angle = pos * scale * theta^(-2p / rotaryDim) / factor_p for pair p.
    float ropeTheta = 10000.0f;
    int ropeDim = 0;              // rotated dimensions per head (0 = all of them)
    float ropeScale = 1;          // linear position scaling of global layers (1 / rope_scaling.factor)
    float ropeThetaLocal = 0;     // base of the sliding-window layers (Gemma 2/3); 0 = ropeTheta
    float ropeScaleLocal = 1;     // position scaling of the sliding-window layers
    std::string ropeScaling;      // "", "linear", "llama3", "longrope": what `info` names
    std::vector<float> ropeFactors;     // (rotaryDim / 2) per-pair divisors: Llama 3 rope_freqs, LongRoPE short
    std::vector<float> ropeFactorsLong; // (rotaryDim / 2) LongRoPE: used when the text is longer than ropeOriginal
    int ropeOriginal = 0;         // LongRoPE / Llama 3: the context the factors were made for
    float ropeAttnFactor = 1;     // LongRoPE: cos and sin multiplied by this

    int headSize() const { return headDim > 0 ? headDim : heads > 0 ? dim / heads : 0; }
    int rotaryDim() const { return ropeDim > 0 ? ropeDim : headSize(); }
    int qDim() const { return heads * headSize(); }
    int kvDim() const { return kvHeads * headSize(); }
    bool isLocal(int layer) const {
        return slidingWindow > 0 && layer >= 0 && static_cast<std::size_t>(layer) < localLayers.size() &&
               localLayers[static_cast<std::size_t>(layer)] != 0;
    }
    float scoreScale() const; // queryScale, or 1 / sqrt(headSize)
};

// A read-only (rows, cols) row-major matrix of any supported ggml type: a view into the mapped file.
struct Tensor {
    GgmlType type = GgmlType::F32;
    const void *data = nullptr;
    std::int64_t rows = 0, cols = 0;

    bool isF32() const { return type == GgmlType::F32; }
    const float *f32() const { return static_cast<const float *>(data); }
    std::size_t rowBytes() const;
    void dequantizeRow(std::int64_t row, float *out) const; // (cols) floats
};

// A norm's (n) weight and, for LayerNorm, bias (null = zero). Empty when the model has no such norm.
struct Norm {
    const float *weight = nullptr;
    const float *bias = nullptr;
    explicit operator bool() const { return weight != nullptr; }
};

// Every matrix is row-major (out, in), as llama2.c and GGUF store it. Norm weights and biases are float32; a null
// bias is zero. A family fills the parts its layer uses.
struct LayerWeights {
    Norm attnNorm;     // (dim) before attention (pre-norm) or after its residual (BERT)
    Norm postAttnNorm; // (dim) on the attention output before the residual (Gemma 2/3)
    Norm qNorm, kNorm; // (headSize) every query / key head, before RoPE (Qwen 3, Gemma 3)
    Tensor wq;         // (heads * headSize, dim)
    Tensor wk;         // (kvDim, dim)
    Tensor wv;         // (kvDim, dim)
    Tensor wo;         // (dim, heads * headSize)
    const float *bq = nullptr, *bk = nullptr, *bv = nullptr, *bo = nullptr;
    Norm ffnNorm;      // (dim) before the feed-forward (pre-norm) or after its residual (BERT)
    Norm postFfnNorm;  // (dim) on the feed-forward output before the residual (Gemma 2/3)
    Tensor gate;       // (hiddenDim, dim) gated FFNs only
    Tensor up;         // (hiddenDim, dim)
    Tensor down;       // (dim, hiddenDim)
    const float *upBias = nullptr, *downBias = nullptr;
};

struct ModelWeights {
    Tensor tokenEmbedding;            // (vocab, dim)
    Tensor positionEmbedding;         // (context, dim) learned positions; empty otherwise
    Tensor tokenTypeEmbedding;        // (types, dim) BERT; empty otherwise
    Norm embNorm;                     // (dim) BERT: LayerNorm of the summed embeddings
    std::vector<LayerWeights> layers; // (layers)
    Norm finalNorm;                   // (dim) final norm (none in post-norm encoders)
    Tensor classifier;                // (vocab, dim); the embedding itself when shared; empty: no language-model head
};

// A loaded model: configuration plus weights that stay valid as long as the Model lives (`storage` keeps the
// mapped file, `owned` any vectors converted to float32 on load).
class Model {
public:
    Model(ModelConfig config, ModelWeights weights, std::shared_ptr<const void> storage, std::string path,
          std::string format, std::vector<std::vector<float>> owned = {});

    const ModelConfig &config() const { return m_config; }
    const ModelWeights &weights() const { return m_weights; }
    const std::string &path() const { return m_path; }
    const std::string &format() const { return m_format; } // e.g. "llama2.c checkpoint"

private:
    ModelConfig m_config;
    ModelWeights m_weights;
    std::shared_ptr<const void> m_storage;
    std::vector<std::vector<float>> m_owned;
    std::string m_path;
    std::string m_format;
};

// What `info` and Help > About say about a model: its family and every setting the forward pass uses, as
// (label, value) lines such as ("sliding window", "5 tokens on layers 0, 1, 3; global: 2").
struct ModelFact {
    std::string label;
    std::string value;
};
std::vector<ModelFact> describeModel(const ModelConfig &c);

// Loads a llama2.c checkpoint memory-mapped. Validates the header and the exact file size.
Result<std::shared_ptr<const Model>> loadLlama2c(const std::string &path);

namespace gguf {
class File;
}
// A Hugging Face model folder (config.json + safetensors, sharded or not) of any family in core/src/arch.
Result<std::shared_ptr<const Model>> loadHfFolder(const std::string &dir);
// The weight files of a Hugging Face folder: model.safetensors, or every shard model.safetensors.index.json names;
// with neither, `pickle` is the PyTorch checkpoint there, if any (never opened). An error for a broken index.
struct HfWeights {
    std::vector<std::string> safetensors;
    std::string pickle;
};
Result<HfWeights> findHfWeights(const std::string &dir);
// The message for a PyTorch pickle (never loaded: unpickling can run code), with how to convert it.
std::string pickleRefusal(const std::string &name);

// A model of any family in core/src/arch from an opened GGUF file (kept alive by the model): hyperparameters from its metadata,
// tensors by llama.cpp's names, shapes checked.
Result<std::shared_ptr<const Model>> loadGgufModel(const std::shared_ptr<const gguf::File> &file,
                                                   const std::string &path);

} // namespace attnscope
