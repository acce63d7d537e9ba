// safetensors parsing: bounded header, strict JSON, offsets and sizes checked per tensor.
#include "attnscope/safetensors.h"
#include "io/json.h"
#include "io/mapped_file.h"

#include <cstring>
#include <fstream>

namespace attnscope {

namespace {
constexpr std::uint64_t kMaxHeader = 100u << 20; // safetensors itself caps the header at 100 MB

std::size_t dtypeSize(const std::string &d) {
    if (d == "F64" || d == "I64" || d == "U64")
        return 8;
    if (d == "F32" || d == "I32" || d == "U32")
        return 4;
    if (d == "F16" || d == "BF16" || d == "I16" || d == "U16")
        return 2;
    if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3" || d == "F8_E5M2")
        return 1;
    return 0;
}
} // namespace

std::int64_t SafeTensor::elements() const {
    std::int64_t n = 1;
    for (const std::int64_t d : shape)
        n *= d;
    return n;
}

Result<std::shared_ptr<const SafetensorsFile>> SafetensorsFile::open(const std::string &path) {
    auto mapped = MappedFile::open(path);
    if (!mapped)
        return mapped.error();
    return parse(mapped.value()->data(), mapped.value()->size(), fileName(path), mapped.value());
}

Result<std::shared_ptr<const SafetensorsFile>> SafetensorsFile::parse(const unsigned char *data, std::size_t size,
                                                                      const std::string &name,
                                                                      std::shared_ptr<const MappedFile> storage) {
    auto bad = [&](const std::string &why) { return makeError(name + ": not a valid safetensors file (" + why + ")"); };
    if (size < 8)
        return bad("shorter than its 8-byte header length");
    std::uint64_t headerSize = 0;
    std::memcpy(&headerSize, data, 8);
    if (headerSize > kMaxHeader || headerSize > size - 8)
        return bad("header claims " + std::to_string(headerSize) + " bytes, the file has " + std::to_string(size));
    auto header = json::Document::parse(
        std::string_view(reinterpret_cast<const char *>(data + 8), static_cast<std::size_t>(headerSize)), name, 16);
    if (!header)
        return bad("header is not JSON: " + header.error().message);
    if (!json::isObject(header.value()->root()))
        return bad("header is not a JSON object");
    const std::uint64_t dataStart = 8 + headerSize, dataSize = size - dataStart;
    std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
    file->m_storage = std::move(storage);
    file->m_name = name;
    for (const json::Field &field : json::fields(header.value()->root())) {
        const std::string key(field.key);
        if (key == "__metadata__")
            continue;
        SafeTensor t;
        t.name = key;
        const json::Element entry = field.value;
        const auto dtype = json::stringMember(entry, "dtype");
        const auto shape = json::member(entry, "shape"), offsets = json::member(entry, "data_offsets");
        if (!dtype || !shape || !json::isArray(*shape) || !offsets || !json::isArray(*offsets) ||
            json::items(*offsets).size() != 2)
            return bad("tensor " + key + " lacks dtype, shape or data_offsets");
        t.dtype = std::string(*dtype);
        const std::size_t elementSize = dtypeSize(t.dtype);
        if (elementSize == 0)
            return bad("tensor " + key + " has unknown dtype " + t.dtype);
        std::uint64_t elements = 1;
        for (const json::Element d : json::items(*shape)) {
            const auto n = json::integer(d);
            if (!n || *n < 0 || *n > (std::int64_t(1) << 40) || (*n > 0 && elements > (std::uint64_t(1) << 48) / std::uint64_t(*n)))
                return bad("tensor " + key + " has an implausible shape");
            elements *= static_cast<std::uint64_t>(*n);
            t.shape.push_back(*n);
        }
        const auto begin = json::integer(json::items(*offsets)[0]), end = json::integer(json::items(*offsets)[1]);
        if (!begin || !end || *begin < 0 || *end < *begin || static_cast<std::uint64_t>(*end) > dataSize)
            return makeError(name + ": tensor " + key + " lies outside the file (data_offsets beyond its " +
                             std::to_string(dataSize) + " data bytes; truncated?)");
        t.bytes = static_cast<std::uint64_t>(*end - *begin);
        if (t.bytes != elements * elementSize)
            return bad("tensor " + key + " has " + std::to_string(t.bytes) + " bytes for " + std::to_string(elements) +
                       " " + t.dtype + " values");
        t.data = data + dataStart + *begin;
        if (t.dtype == "F32")
            t.type = GgmlType::F32;
        else if (t.dtype == "F16")
            t.type = GgmlType::F16;
        else if (t.dtype == "BF16")
            t.type = GgmlType::BF16;
        if (!file->m_tensors.emplace(key, std::move(t)).second)
            return bad("tensor " + key + " appears twice");
    }
    std::vector<ByteRange> ranges;
    for (const auto &[key, t] : file->m_tensors) {
        const auto begin = static_cast<std::uint64_t>(t.data - (data + dataStart));
        ranges.push_back({begin, begin + t.bytes, &key});
    }
    if (const std::string overlap = overlappingRanges(std::move(ranges)); !overlap.empty())
        return bad(overlap);
    return std::shared_ptr<const SafetensorsFile>(std::move(file));
}

const SafeTensor *SafetensorsFile::tensor(const std::string &tensorName) const {
    const auto it = m_tensors.find(tensorName);
    return it == m_tensors.end() ? nullptr : &it->second;
}

bool isPickle(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char b[4] = {};
    if (!in.read(reinterpret_cast<char *>(b), 4))
        return false;
    const bool zip = b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;      // torch.save since 1.6
    const bool pickle = b[0] == 0x80 && b[1] >= 2 && b[1] <= 5;                 // PROTO opcode, protocol 2-5
    return zip || pickle;
}

} // namespace attnscope
