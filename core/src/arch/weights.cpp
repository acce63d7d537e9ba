// WeightReader: tensors by a family's two names, shapes checked, norms converted to float32, fused layouts split or
// re-ordered; and the embedding / final norm / head every decoder shares.
#include "arch/family.h"
#include "runtime/memory.h"

#include <cstring>
#include <new>
#include <set>

namespace attnscope::arch {

namespace {

std::string withLayer(const char *pattern, int layer) {
    std::string s(pattern);
    const std::size_t at = s.find("{}");
    if (at != std::string::npos)
        s.replace(at, 2, std::to_string(layer));
    return s;
}

std::string shapeText(const std::vector<std::int64_t> &shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

} // namespace

std::int64_t StoredTensor::elements() const {
    std::int64_t n = 1;
    for (std::int64_t d : shape)
        n *= d;
    return n;
}

bool WeightReader::roomFor(double kept, const std::string &tensor, double briefly) {
    if (m_budget < 0)
        m_budget = memoryBudget();
    if (m_copied + kept + briefly > m_budget) {
        fail(fileName() + ": converting the weights (at " + tensor + ") needs more than the " +
             std::to_string(static_cast<long long>(m_budget / 1e6)) + " MB of memory available");
        return false;
    }
    m_copied += kept;
    return true;
}

void WeightReader::fail(const std::string &problem) {
    if (m_problem.empty())
        m_problem = problem;
}

std::string WeightReader::types() const {
    std::set<std::string> unique(m_types.begin(), m_types.end());
    std::string s;
    for (const std::string &t : unique)
        s += (s.empty() ? "" : ", ") + t;
    return s;
}

const StoredTensor *WeightReader::lookup(Name name, int layer, std::string &resolved) {
    const char *pattern = gguf() ? name.gguf : name.hf;
    if (!pattern)
        return nullptr;
    resolved = resolve(withLayer(pattern, layer));
    return find(resolved);
}

bool WeightReader::has(Name name, int layer) const {
    const char *pattern = gguf() ? name.gguf : name.hf;
    return pattern && find(resolve(withLayer(pattern, layer))) != nullptr;
}

Tensor WeightReader::matrix(Name name, int layer, std::int64_t rows, std::int64_t cols) {
    std::string n;
    const StoredTensor *t = lookup(name, layer, n);
    if (!t) {
        fail(fileName() + ": tensor " + (n.empty() ? std::string("?") : n) + " is missing");
        return {};
    }
    if (!t->supported) {
        fail(fileName() + ": tensor " + n + " is " + t->typeName + ", a type AttnScope cannot read");
        return {};
    }
    if (rows <= 0 || cols <= 0 || t->shape.size() != 2 || t->shape[0] != rows || t->shape[1] != cols) {
        fail(fileName() + ": tensor " + n + " is " + shapeText(t->shape) + ", expected " + shapeText({rows, cols}) +
             " (rows, columns) from the model's settings");
        return {};
    }
    m_types.push_back(t->typeName);
    if (t->type == GgmlType::F32 && reinterpret_cast<std::uintptr_t>(t->data) % alignof(float) != 0) {
        // safetensors does not align tensors: an F32 one after an odd number of F16 values is copied once, so the
        // matrix code reads floats at float addresses.
        if (!roomFor(double(rows) * double(cols) * sizeof(float), n))
            return {};
        floats.emplace_back(static_cast<std::size_t>(rows * cols));
        std::memcpy(floats.back().data(), t->data, floats.back().size() * sizeof(float));
        return Tensor{GgmlType::F32, floats.back().data(), rows, cols};
    }
    return Tensor{t->type, t->data, rows, cols};
}

Tensor WeightReader::optionalMatrix(Name name, int layer, std::int64_t rows, std::int64_t cols) {
    return has(name, layer) ? matrix(name, layer, rows, cols) : Tensor{};
}

Tensor WeightReader::rowsOf(Name name, int layer, std::int64_t cols) {
    std::string n;
    const StoredTensor *t = lookup(name, layer, n);
    if (!t || t->shape.size() != 2 || t->shape[1] != cols || t->shape[0] <= 0 || t->shape[0] > (1 << 22)) {
        fail(fileName() + ": tensor " + n + " is missing or not (rows, " + std::to_string(cols) + ")" +
             (t ? ", it is " + shapeText(t->shape) : std::string()));
        return {};
    }
    return matrix(name, layer, t->shape[0], cols);
}

const float *WeightReader::vector(Name name, int layer, std::int64_t n, float hfOffset) {
    std::string resolved;
    const StoredTensor *t = lookup(name, layer, resolved);
    if (!t || t->elements() != n) {
        fail(fileName() + ": tensor " + (resolved.empty() ? std::string("?") : resolved) + " is missing or not " +
             std::to_string(n) + " values");
        return nullptr;
    }
    if (!t->supported || (t->type != GgmlType::F32 && t->type != GgmlType::F16 && t->type != GgmlType::BF16)) {
        fail(fileName() + ": tensor " + resolved + " is " + t->typeName + "; norms and biases must be F32, F16 or BF16");
        return nullptr;
    }
    const float offset = gguf() ? 0.0f : hfOffset;
    if (t->type == GgmlType::F32 && offset == 0 && reinterpret_cast<std::uintptr_t>(t->data) % alignof(float) == 0)
        return static_cast<const float *>(t->data);
    floats.emplace_back(static_cast<std::size_t>(n));
    dequantizeRow(t->type, t->data, floats.back().data(), n);
    for (float &v : floats.back())
        v += offset;
    return floats.back().data();
}

const float *WeightReader::optionalVector(Name name, int layer, std::int64_t n, float hfOffset) {
    return has(name, layer) ? vector(name, layer, n, hfOffset) : nullptr;
}

Norm WeightReader::norm(Name weight, Name bias, int layer, std::int64_t n, float hfOffset) {
    Norm out;
    out.weight = vector(weight, layer, n, hfOffset);
    if (bias.gguf || bias.hf)
        out.bias = vector(bias, layer, n);
    return out;
}

std::vector<float> WeightReader::values(Name name, int layer) {
    std::string resolved;
    const StoredTensor *t = lookup(name, layer, resolved);
    if (!t)
        return {};
    if (!t->supported || (t->type != GgmlType::F32 && t->type != GgmlType::F16 && t->type != GgmlType::BF16) ||
        t->shape.size() != 1 ||
        t->elements() > (1 << 20)) {
        fail(fileName() + ": tensor " + resolved + " is not a vector of F32 values");
        return {};
    }
    std::vector<float> out(static_cast<std::size_t>(t->elements()));
    dequantizeRow(t->type, t->data, out.data(), t->elements());
    return out;
}

Tensor WeightReader::transposed(Name name, int layer, std::int64_t in, std::int64_t out) {
    std::string n;
    const StoredTensor *t = lookup(name, layer, n);
    if (!t || !t->supported || t->shape.size() != 2 || t->shape[0] != in || t->shape[1] != out) {
        fail(fileName() + ": tensor " + n + " is missing or not [" + std::to_string(in) + ", " + std::to_string(out) +
             "]");
        return {};
    }
    m_types.push_back(t->typeName);
    const double floatBytes = double(in) * double(out) * sizeof(float);
    if (!roomFor(floatBytes, n, floatBytes)) // the transposed copy, and the stored one briefly
        return {};
    std::vector<float> stored(static_cast<std::size_t>(in * out));
    dequantizeRow(t->type, t->data, stored.data(), in * out);
    floats.emplace_back(stored.size());
    for (std::int64_t i = 0; i < in; ++i)
        for (std::int64_t o = 0; o < out; ++o)
            floats.back()[static_cast<std::size_t>(o * in + i)] = stored[static_cast<std::size_t>(i * out + o)];
    return Tensor{GgmlType::F32, floats.back().data(), out, in};
}

Tensor WeightReader::rows(const Tensor &t, std::int64_t first, std::int64_t count) {
    if (!t.data)
        return {};
    return Tensor{t.type, static_cast<const unsigned char *>(t.data) + static_cast<std::size_t>(first) * t.rowBytes(),
                  count, t.cols};
}

Tensor WeightReader::gather(const Tensor &t, const std::vector<std::int64_t> &rowIndex) {
    if (!t.data)
        return {};
    const std::size_t rowBytes = t.rowBytes();
    if (!roomFor(double(rowBytes) * double(rowIndex.size()), "a fused projection"))
        return {};
    bytes.emplace_back(rowBytes * rowIndex.size() + sizeof(float)); // never empty, float-aligned by the allocator
    for (std::size_t r = 0; r < rowIndex.size(); ++r)
        std::memcpy(bytes.back().data() + r * rowBytes,
                    static_cast<const unsigned char *>(t.data) + static_cast<std::size_t>(rowIndex[r]) * rowBytes,
                    rowBytes);
    return Tensor{t.type, bytes.back().data(), static_cast<std::int64_t>(rowIndex.size()), t.cols};
}

const float *WeightReader::gather(const float *v, const std::vector<std::int64_t> &index) {
    if (!v)
        return nullptr;
    floats.emplace_back(index.size());
    for (std::size_t i = 0; i < index.size(); ++i)
        floats.back()[i] = v[index[i]];
    return floats.back().data();
}

Status readModel(const Family &family, const Settings &s, WeightReader &r, ModelConfig &c, ModelWeights &w,
                 const std::string &where) {
    c.architecture = family.architecture;
    c.family = family.title;
    family.settings(s, c);
    if (!s.problem().empty())
        return makeError(s.problem());
    if (const std::string problem = checkConfig(c); !problem.empty())
        return makeError(where + problem);
    try {
        w.layers.resize(static_cast<std::size_t>(c.layers));
        family.weights(r, c, w); // copies converted tensors (F16 norms, GPT-2's transposed Conv1D, gathered rows)
    } catch (const std::bad_alloc &) {
        return makeError(r.fileName() + ": out of memory converting the weights");
    }
    if (!r.problem().empty())
        return makeError(r.problem());
    if (const std::string problem = checkConfig(c); !problem.empty())
        return makeError(r.fileName() + ": " + problem);
    c.weightTypes = r.types();
    return Ok{};
}

void readDecoderEnds(WeightReader &r, ModelConfig &c, ModelWeights &w, Name embedding, Name finalNorm, Name output,
                     bool tied, float hfNormOffset) {
    w.tokenEmbedding = r.rowsOf(embedding, 0, c.dim); // (vocab, dim)
    c.vocabSize = static_cast<int>(w.tokenEmbedding.rows);
    w.finalNorm.weight = r.vector(finalNorm, 0, c.dim, hfNormOffset);
    c.sharedClassifier = tied || !r.has(output, 0);
    w.classifier = c.sharedClassifier ? w.tokenEmbedding : r.matrix(output, 0, c.vocabSize, c.dim);
}

} // namespace attnscope::arch
