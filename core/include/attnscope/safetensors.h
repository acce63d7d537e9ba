// safetensors (Hugging Face's weight format): an 8-byte header length, a JSON header naming every tensor's dtype,
// shape and byte range, then the data. Memory-mapped; the header size, every offset and every byte count are checked
// against the file, so a hostile file is an error value. PyTorch pickles are never opened (see isPickle()).
#pragma once

#include "attnscope/quant.h"
#include "attnscope/result.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnscope {

class MappedFile;

struct SafeTensor {
    std::string name;
    std::string dtype;                 // "F32", "F16", "BF16", "I64", ...
    std::vector<std::int64_t> shape;   // row-major, outermost first
    std::optional<GgmlType> type;      // F32 / F16 / BF16: usable as weights
    const unsigned char *data = nullptr;
    std::uint64_t bytes = 0;
    std::int64_t elements() const;
};

class SafetensorsFile {
public:
    static Result<std::shared_ptr<const SafetensorsFile>> open(const std::string &path);
    static Result<std::shared_ptr<const SafetensorsFile>> parse(const unsigned char *data, std::size_t size,
                                                                const std::string &nameForErrors,
                                                                std::shared_ptr<const MappedFile> storage = nullptr);
    const SafeTensor *tensor(const std::string &name) const;
    const std::map<std::string, SafeTensor> &tensors() const { return m_tensors; }
    const std::string &name() const { return m_name; }

private:
    SafetensorsFile() = default;
    std::shared_ptr<const MappedFile> m_storage;
    std::string m_name;
    std::map<std::string, SafeTensor> m_tensors;
};

// True when the file starts like a PyTorch checkpoint (a zip archive or a pickle stream). Loading those can run
// arbitrary code, so AttnScope refuses them.
bool isPickle(const std::string &path);

} // namespace attnscope
