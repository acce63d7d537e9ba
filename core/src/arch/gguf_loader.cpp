// A model from GGUF: the family named by general.architecture reads its settings from the metadata and its tensors
// by llama.cpp's names; every shape is checked against the settings. Weights stay in the mapped file.
#include "arch/family.h"

#include "attnscope/gguf.h"
#include "attnscope/model.h"

#include <map>

namespace attnscope {

namespace {

class GgufWeightReader : public arch::WeightReader {
public:
    explicit GgufWeightReader(const gguf::File &f) : m_file(f) {
        for (const gguf::TensorInfo &t : f.tensors()) {
            arch::StoredTensor s;
            s.type = static_cast<GgmlType>(t.type);
            s.data = t.data;
            s.shape.assign(t.dims.rbegin(), t.dims.rend()); // ggml lists the contiguous dimension first
            s.typeName = ggmlTypeName(t.type);
            m_tensors.emplace(t.name, std::move(s));
        }
    }
    bool gguf() const override { return true; }
    std::string fileName() const override { return m_file.name(); }

protected:
    const arch::StoredTensor *find(const std::string &name) const override {
        const auto it = m_tensors.find(name);
        return it == m_tensors.end() ? nullptr : &it->second;
    }

private:
    const gguf::File &m_file;
    std::map<std::string, arch::StoredTensor> m_tensors;
};

struct Keep { // what a GGUF model's tensors point into
    std::shared_ptr<const gguf::File> file;
    std::vector<std::vector<unsigned char>> bytes;
};

} // namespace

Result<std::shared_ptr<const Model>> loadGgufModel(const std::shared_ptr<const gguf::File> &file,
                                                   const std::string &path) {
    const gguf::File &f = *file;
    const std::string name = f.name();
    const gguf::Value *archValue = f.find("general.architecture");
    if (!archValue)
        return makeError(name + ": general.architecture is missing; not a model AttnScope can read");
    if (archValue->type != gguf::ValueType::String)
        return makeError(name + ": general.architecture is not a string; not a model AttnScope can read");
    const std::string architecture(archValue->str);
    const arch::Family *family = arch::familyForGguf(architecture);
    if (!family)
        return makeError(name + ": architecture \"" + architecture + "\" is not supported (AttnScope runs " +
                         arch::supportedGgufList() + ")");
    if (f.tensors().empty())
        return makeError(name + ": has no tensors (a vocabulary-only file); open a model with weights");

    ModelConfig c;
    ModelWeights w;
    GgufWeightReader r(f);
    if (auto read = arch::readModel(*family, arch::Settings(f, architecture), r, c, w, name + ": "); !read)
        return read.error();
    auto keep = std::make_shared<Keep>();
    keep->file = file;
    keep->bytes = std::move(r.bytes);
    return std::shared_ptr<const Model>(std::make_shared<Model>(c, std::move(w), keep, path,
                                                                "GGUF v" + std::to_string(f.version()),
                                                                std::move(r.floats)));
}

} // namespace attnscope
