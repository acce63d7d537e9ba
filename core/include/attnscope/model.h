// Model configuration and weights of a transformer, as read from a llama2.c checkpoint or a GGUF file: decoders of
// the Llama family (Llama, Mistral, TinyLlama, SmolLM, Qwen2), GPT-2, and BERT encoders. The differences between them
// are settings (norm, positions, feed-forward, biases, causal or not), so one forward pass reads them all. Weights
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
enum class Positions { RopeInterleaved, RopeHalf, Learned }; // RoPE on pairs (i, i+1) (Llama, GGUF) or (i, i+d/2)
                                                           // (Qwen2, Hugging Face Llama), or learned absolute
enum class FeedForward { SwiGlu, GeluTanh, GeluErf };    // gated SiLU (Llama) or GELU (GPT-2 tanh form, BERT exact)

struct ModelConfig {
    int dim = 0;       // transformer width
    int hiddenDim = 0; // FFN inner width
    int layers = 0;
    int heads = 0;   // query heads
    int kvHeads = 0; // key/value heads (grouped-query attention when < heads)
    int vocabSize = 0;
    int contextLength = 0; // seq_len the model was trained at
    bool sharedClassifier = true;
    float rmsEps = 1e-5f;
    float ropeTheta = 10000.0f;
    int ropeDim = 0;                    // rotated dimensions per head (0 = all of them)
    std::string architecture = "llama"; // GGUF general.architecture
    NormKind norm = NormKind::Rms;
    Positions positions = Positions::RopeInterleaved;
    FeedForward feedForward = FeedForward::SwiGlu;
    bool causal = true;    // decoder; false for BERT (every token sees every token)
    bool postNorm = false; // BERT: norm after each residual instead of before each block
    int tokenTypes = 0;    // BERT segment embeddings (type 0 is used)
    std::string weightTypes = "F32";    // stored types of the weight matrices, e.g. "Q8_0, F32"

    int headSize() const { return heads > 0 ? dim / heads : 0; }
    int rotaryDim() const { return ropeDim > 0 ? ropeDim : headSize(); }
    int kvDim() const { return kvHeads * headSize(); }
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

// Every matrix is row-major (out, in), as llama2.c and GGUF store it. Norm weights and biases are float32; a null
// bias is zero.
struct LayerWeights {
    const float *rmsAtt = nullptr; // (dim) norm before attention (pre-norm) or after its residual (post-norm)
    const float *attNormBias = nullptr;
    Tensor wq;                     // (heads * headSize, dim)
    Tensor wk;                     // (kvDim, dim)
    Tensor wv;                     // (kvDim, dim)
    Tensor wo;                     // (dim, heads * headSize)
    const float *bq = nullptr, *bk = nullptr, *bv = nullptr, *bo = nullptr;
    const float *rmsFfn = nullptr; // (dim) norm before the feed-forward (pre-norm) or after its residual (post-norm)
    const float *ffnNormBias = nullptr;
    Tensor w1;                     // (hiddenDim, dim) gate (SwiGLU only)
    Tensor w2;                     // (dim, hiddenDim) down
    Tensor w3;                     // (hiddenDim, dim) up
    const float *b3 = nullptr, *b2 = nullptr; // up and down biases
};

struct ModelWeights {
    Tensor tokenEmbedding;            // (vocab, dim)
    Tensor positionEmbedding;         // (context, dim) learned positions; empty otherwise
    Tensor tokenTypeEmbedding;        // (types, dim) BERT; empty otherwise
    const float *embNorm = nullptr, *embNormBias = nullptr; // BERT: LayerNorm of the summed embeddings
    std::vector<LayerWeights> layers; // (layers)
    const float *rmsFinal = nullptr;  // (dim) final norm (none in post-norm encoders)
    const float *finalNormBias = nullptr;
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

// Loads a llama2.c checkpoint memory-mapped. Validates the header and the exact file size.
Result<std::shared_ptr<const Model>> loadLlama2c(const std::string &path);

namespace gguf {
class File;
}
// A Hugging Face model folder (config.json + safetensors, sharded or not): Llama, Mistral, Qwen2.
Result<std::shared_ptr<const Model>> loadHfFolder(const std::string &dir);
// The message for a PyTorch pickle (never loaded: unpickling can run code), with how to convert it.
std::string pickleRefusal(const std::string &name);

// A Llama-family model from an opened GGUF file (kept alive by the model): hyperparameters from its metadata,
// tensors by llama.cpp's names, shapes checked.
Result<std::shared_ptr<const Model>> loadGgufModel(const std::shared_ptr<const gguf::File> &file,
                                                   const std::string &path);

} // namespace attnscope
