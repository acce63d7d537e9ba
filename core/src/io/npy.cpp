// .npy v1.0 for float32 arrays: a magic string, a Python-dict header padded to 64 bytes, raw little-endian data.
#include "attnscope/npy.h"
#include "io/mapped_file.h"

#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace attnscope {

namespace {
constexpr char kMagic[] = "\x93NUMPY";

std::string shapeTuple(const std::vector<std::int64_t> &shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        s += std::to_string(shape[i]);
        if (shape.size() == 1 || i + 1 < shape.size())
            s += ", ";
    }
    // numpy writes "(5,)" for 1-d; trim the space it does not write
    if (shape.size() == 1)
        s.pop_back();
    return s + ")";
}
} // namespace

std::string npyHeader(const std::vector<std::int64_t> &shape) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeTuple(shape) + ", }";
    const std::size_t preamble = 6 + 2 + 2; // magic, version, header length
    const std::size_t total = preamble + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header.push_back('\n');
    std::string bytes(kMagic, 6);
    bytes.push_back('\x01');
    bytes.push_back('\x00');
    const auto len = static_cast<std::uint16_t>(header.size());
    bytes.push_back(static_cast<char>(len & 0xff));
    bytes.push_back(static_cast<char>(len >> 8));
    return bytes + header;
}

std::size_t npyDataBytes(const std::vector<std::int64_t> &shape) {
    std::size_t count = 1;
    for (const auto d : shape)
        count *= static_cast<std::size_t>(d);
    return count * sizeof(float);
}

std::string encodeNpy(const float *data, const std::vector<std::int64_t> &shape) {
    std::string bytes = npyHeader(shape);
    bytes.append(reinterpret_cast<const char *>(data), npyDataBytes(shape));
    return bytes;
}

Status writeNpy(const std::string &path, const float *data, const std::vector<std::int64_t> &shape) {
    const std::string header = npyHeader(shape);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        return makeError(fileName(path) + ": cannot open for writing");
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(npyDataBytes(shape)));
    out.close();
    if (!out)
        return makeError(fileName(path) + ": write failed (disk full?)");
    return Ok{};
}

Result<NpyArray> decodeNpy(const std::string &bytes, const std::string &name) {
    if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
        return makeError(name + ": not a .npy file");
    const auto major = static_cast<unsigned char>(bytes[6]);
    std::size_t headerLen = 0, headerStart = 0;
    if (major == 1) {
        headerLen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
        headerStart = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12)
            return makeError(name + ": truncated .npy header");
        headerLen = 0;
        for (int i = 0; i < 4; ++i)
            headerLen |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
        headerStart = 12;
    } else {
        return makeError(name + ": unsupported .npy version " + std::to_string(major));
    }
    if (headerStart + headerLen > bytes.size())
        return makeError(name + ": truncated .npy header");
    const std::string header = bytes.substr(headerStart, headerLen);
    if (header.find("'descr': '<f4'") == std::string::npos)
        return makeError(name + ": only little-endian float32 ('<f4') arrays are supported");
    if (header.find("'fortran_order': False") == std::string::npos)
        return makeError(name + ": only C-order arrays are supported");
    const auto open = header.find('(', header.find("'shape'"));
    const auto close = header.find(')', open);
    if (open == std::string::npos || close == std::string::npos)
        return makeError(name + ": .npy header has no shape");
    NpyArray array;
    std::stringstream dims(header.substr(open + 1, close - open - 1));
    std::string item;
    std::int64_t count = 1;
    while (std::getline(dims, item, ',')) {
        if (item.find_first_not_of(' ') == std::string::npos)
            continue;
        const auto first = item.find_first_not_of(' ');
        long long d = -1;
        const auto [end, ec] = std::from_chars(item.data() + first, item.data() + item.size(), d);
        if (ec != std::errc() || d < 0 || d > (1LL << 40) || (d > 0 && count > (1LL << 40) / d))
            return makeError(name + ": implausible .npy shape");
        array.shape.push_back(d);
        count *= d;
    }
    const std::size_t dataStart = headerStart + headerLen;
    const std::size_t need = static_cast<std::size_t>(count) * sizeof(float);
    if (dataStart > bytes.size() || bytes.size() - dataStart < need)
        return makeError(name + ": .npy data is truncated");
    array.data.resize(static_cast<std::size_t>(count));
    if (need > 0) // an empty array (a 0 in its shape) has nothing to copy, and no buffer to copy into
        std::memcpy(array.data.data(), bytes.data() + dataStart, need);
    return array;
}

Result<NpyArray> readNpy(const std::string &path) {
    auto file = MappedFile::open(path);
    if (!file)
        return file.error();
    const std::string bytes(reinterpret_cast<const char *>(file.value()->data()), file.value()->size());
    return decodeNpy(bytes, fileName(path));
}

} // namespace attnscope
