// llama2.c checkpoint loader: 7 int32 header, then float32 tensors in a fixed order (see Karpathy's run.c).
#include "attnscope/model.h"
#include "io/mapped_file.h"

#include <cstdint>
#include <cstring>

namespace attnscope {

namespace {

constexpr std::size_t kHeaderBytes = 7 * sizeof(std::int32_t);
// Sanity bounds: far above any llama2.c-format model, far below sizes whose products could overflow.
constexpr std::int64_t kMaxDim = 1 << 16;
constexpr std::int64_t kMaxLayers = 1024;
constexpr std::int64_t kMaxVocab = 1 << 22;
constexpr std::int64_t kMaxContext = 1 << 20;

std::string describeHeader(const std::int32_t h[7]) {
    return "dim " + std::to_string(h[0]) + ", hidden " + std::to_string(h[1]) + ", layers " + std::to_string(h[2]) +
           ", heads " + std::to_string(h[3]) + ", kv heads " + std::to_string(h[4]) + ", vocab " +
           std::to_string(h[5]) + ", context " + std::to_string(h[6]);
}

} // namespace

Result<std::shared_ptr<const Model>> loadLlama2c(const std::string &path) {
    auto mapped = MappedFile::open(path);
    if (!mapped)
        return mapped.error();
    const std::shared_ptr<const MappedFile> file = mapped.value();
    const std::string name = fileName(path);

    if (file->size() == 0)
        return makeError(name + ": file is empty (0 bytes); expected a llama2.c checkpoint");
    if (file->size() < kHeaderBytes)
        return makeError(name + ": file is truncated (" + std::to_string(file->size()) +
                         " bytes, shorter than the 28-byte llama2.c header)");

    std::int32_t h[7];
    std::memcpy(h, file->data(), kHeaderBytes);
    const std::int64_t dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4], context = h[6];
    const bool shared = h[5] > 0;
    const std::int64_t vocab = h[5] < 0 ? -static_cast<std::int64_t>(h[5]) : h[5]; // negative: separate classifier

    auto bad = [&](const std::string &why) {
        return makeError(name + ": not a llama2.c checkpoint (" + why + "; header reads " + describeHeader(h) + ")");
    };
    if (dim <= 0 || dim > kMaxDim || hidden <= 0 || hidden > 8 * kMaxDim)
        return bad("implausible dim/hidden size");
    if (layers <= 0 || layers > kMaxLayers)
        return bad("implausible layer count");
    if (heads <= 0 || kvHeads <= 0 || heads > dim || kvHeads > heads)
        return bad("implausible head counts");
    if (dim % heads != 0)
        return bad("dim is not a multiple of the head count");
    if (heads % kvHeads != 0)
        return bad("head count is not a multiple of the kv head count");
    if ((dim / heads) % 2 != 0)
        return bad("head size is odd, RoPE needs pairs");
    if (vocab <= 0 || vocab > kMaxVocab)
        return bad("implausible vocabulary size");
    if (context <= 0 || context > kMaxContext)
        return bad("implausible context length");

    const std::int64_t headSize = dim / heads;
    const std::int64_t kvDim = kvHeads * headSize;
    // Float counts in file order; all fit easily in int64 given the bounds above.
    const std::int64_t nEmbedding = vocab * dim;
    const std::int64_t nRmsAtt = layers * dim;
    const std::int64_t nWq = layers * dim * dim;
    const std::int64_t nWk = layers * dim * kvDim;
    const std::int64_t nWv = nWk;
    const std::int64_t nWo = layers * dim * dim;
    const std::int64_t nRmsFfn = layers * dim;
    const std::int64_t nW1 = layers * hidden * dim;
    const std::int64_t nW2 = layers * dim * hidden;
    const std::int64_t nW3 = nW1;
    const std::int64_t nRmsFinal = dim;
    const std::int64_t nRopeTables = context * headSize; // legacy freq_cis_real + freq_cis_imag, skipped
    const std::int64_t nClassifier = shared ? 0 : vocab * dim;
    const std::int64_t floats = nEmbedding + nRmsAtt + nWq + nWk + nWv + nWo + nRmsFfn + nW1 + nW2 + nW3 + nRmsFinal +
                                nRopeTables + nClassifier;
    const std::int64_t expected = static_cast<std::int64_t>(kHeaderBytes) + floats * 4;
    const std::int64_t actual = static_cast<std::int64_t>(file->size());
    if (actual < expected)
        return makeError(name + ": file is truncated (expected " + std::to_string(expected) + " bytes for " +
                         describeHeader(h) + ", found " + std::to_string(actual) + ")");
    if (actual > expected)
        return makeError(name + ": file is larger than its header says (expected " + std::to_string(expected) +
                         " bytes for " + describeHeader(h) + ", found " + std::to_string(actual) +
                         "); not a llama2.c checkpoint or a different version");

    ModelConfig config;
    config.dim = static_cast<int>(dim);
    config.hiddenDim = static_cast<int>(hidden);
    config.layers = static_cast<int>(layers);
    config.heads = static_cast<int>(heads);
    config.kvHeads = static_cast<int>(kvHeads);
    config.vocabSize = static_cast<int>(vocab);
    config.contextLength = static_cast<int>(context);
    config.sharedClassifier = shared;
    config.family = "Llama (llama2.c)";

    const float *p = reinterpret_cast<const float *>(file->data() + kHeaderBytes);
    auto take = [&p](std::int64_t n) {
        const float *here = p;
        p += n;
        return here;
    };
    auto matrix = [](const float *p, std::int64_t rows, std::int64_t cols) {
        return Tensor{GgmlType::F32, p, rows, cols};
    };
    ModelWeights w;
    w.tokenEmbedding = matrix(take(nEmbedding), vocab, dim);
    const float *rmsAtt = take(nRmsAtt);
    const float *wq = take(nWq);
    const float *wk = take(nWk);
    const float *wv = take(nWv);
    const float *wo = take(nWo);
    const float *rmsFfn = take(nRmsFfn);
    const float *w1 = take(nW1);
    const float *w2 = take(nW2);
    const float *w3 = take(nW3);
    w.finalNorm.weight = take(nRmsFinal);
    take(nRopeTables);
    w.classifier = shared ? w.tokenEmbedding : matrix(take(nClassifier), vocab, dim);
    w.layers.resize(static_cast<std::size_t>(layers));
    for (std::int64_t l = 0; l < layers; ++l) {
        LayerWeights &lw = w.layers[static_cast<std::size_t>(l)];
        lw.attnNorm.weight = rmsAtt + l * dim;
        lw.wq = matrix(wq + l * dim * dim, dim, dim);
        lw.wk = matrix(wk + l * dim * kvDim, kvDim, dim);
        lw.wv = matrix(wv + l * dim * kvDim, kvDim, dim);
        lw.wo = matrix(wo + l * dim * dim, dim, dim);
        lw.ffnNorm.weight = rmsFfn + l * dim;
        lw.gate = matrix(w1 + l * hidden * dim, hidden, dim);
        lw.down = matrix(w2 + l * dim * hidden, dim, hidden);
        lw.up = matrix(w3 + l * hidden * dim, hidden, dim);
    }
    return std::shared_ptr<const Model>(
        std::make_shared<Model>(config, std::move(w), file, path, "llama2.c checkpoint"));
}

} // namespace attnscope
