// Model configuration and weights of a Llama-family checkpoint, as read from a llama2.c file.
#pragma once

#include "attnscope/result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attnscope {

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

    int headSize() const { return heads > 0 ? dim / heads : 0; }
    int kvDim() const { return kvHeads * headSize(); }
};

// Read-only views into the memory-mapped checkpoint. Every matrix is row-major (out, in), as llama2.c stores it.
struct LayerWeights {
    const float *rmsAtt = nullptr; // (dim)
    const float *wq = nullptr;     // (heads * headSize, dim)
    const float *wk = nullptr;     // (kvDim, dim)
    const float *wv = nullptr;     // (kvDim, dim)
    const float *wo = nullptr;     // (dim, heads * headSize)
    const float *rmsFfn = nullptr; // (dim)
    const float *w1 = nullptr;     // (hiddenDim, dim)
    const float *w2 = nullptr;     // (dim, hiddenDim)
    const float *w3 = nullptr;     // (hiddenDim, dim)
};

struct ModelWeights {
    const float *tokenEmbedding = nullptr; // (vocab, dim)
    std::vector<LayerWeights> layers;      // (layers)
    const float *rmsFinal = nullptr;       // (dim)
    const float *classifier = nullptr;     // (vocab, dim); == tokenEmbedding when shared
};

class MappedFile;

// A loaded model: configuration plus weights that stay valid as long as the Model lives.
class Model {
public:
    Model(ModelConfig config, ModelWeights weights, std::shared_ptr<const MappedFile> storage, std::string path,
          std::string format);

    const ModelConfig &config() const { return m_config; }
    const ModelWeights &weights() const { return m_weights; }
    const std::string &path() const { return m_path; }
    const std::string &format() const { return m_format; } // e.g. "llama2.c checkpoint"

private:
    ModelConfig m_config;
    ModelWeights m_weights;
    std::shared_ptr<const MappedFile> m_storage;
    std::string m_path;
    std::string m_format;
};

// Loads a llama2.c checkpoint memory-mapped. Validates the header and the exact file size.
Result<std::shared_ptr<const Model>> loadLlama2c(const std::string &path);

} // namespace attnscope
