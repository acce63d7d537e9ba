// NumPy .npy (version 1.0) reading and writing of float32 C-order arrays.
#pragma once

#include "attnscope/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnscope {

struct NpyArray {
    std::vector<std::int64_t> shape;
    std::vector<float> data;
};

// The bytes before the data: a file is npyHeader(shape) followed by the npyDataBytes(shape) bytes of the floats,
// so a large array can be written straight from where it lies, without a second copy.
std::string npyHeader(const std::vector<std::int64_t> &shape);
std::size_t npyDataBytes(const std::vector<std::int64_t> &shape);
// Serialises to the bytes of a .npy file (a copy: for small arrays and tests).
std::string encodeNpy(const float *data, const std::vector<std::int64_t> &shape);
Status writeNpy(const std::string &path, const float *data, const std::vector<std::int64_t> &shape);
// Reads little-endian float32 ('<f4'), C order. Anything else is an error value.
Result<NpyArray> readNpy(const std::string &path);
Result<NpyArray> decodeNpy(const std::string &bytes, const std::string &nameForErrors);

} // namespace attnscope
