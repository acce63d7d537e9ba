// GGUF (llama.cpp's model format), versions 2 and 3, read from a memory-mapped file without copying tensors:
// the header, every metadata value (all value types, arrays included), the tensor directory and the data section.
// Every count, length, offset and size is checked against the file before it is used, so a truncated, corrupted or
// hostile file is an error value, never a crash or an absurd allocation. Version 1 is refused with an explanation.
#pragma once

#include "attnscope/quant.h"
#include "attnscope/result.h"

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

class MappedFile;

namespace gguf {

enum class ValueType : std::uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7, String = 8, Array = 9, U64 = 10,
    I64 = 11, F64 = 12,
};
const char *valueTypeName(ValueType type);

// An array value: numbers stay in the file (read them with integer()/number()), strings are views into it.
struct Array {
    ValueType elementType = ValueType::U8;
    std::uint64_t count = 0;
    const unsigned char *data = nullptr;   // numeric elements, little-endian, packed
    std::vector<std::string_view> strings; // when elementType == String
    std::int64_t integer(std::uint64_t i) const; // any integer or bool element (0 outside the range)
    double number(std::uint64_t i) const;        // any numeric element
};

struct Value {
    ValueType type = ValueType::U8;
    std::uint64_t u = 0;  // unsigned integers and bool
    std::int64_t i = 0;   // signed integers
    double f = 0;         // floats
    std::string_view str; // String (a view into the file)
    std::shared_ptr<const Array> array;

    bool isInteger() const;
    std::optional<std::int64_t> asInt() const; // any integer type (unsigned values above INT64_MAX: nullopt)
    std::optional<double> asFloat() const;     // any numeric type
};

struct TensorInfo {
    std::string name;
    std::vector<std::int64_t> dims; // ggml order: dims[0] is the row length (contiguous)
    std::uint32_t type = 0;         // ggml type id
    std::uint64_t offset = 0;       // within the data section
    const unsigned char *data = nullptr;
    std::uint64_t bytes = 0;
    std::int64_t elements() const;
    std::int64_t rows() const { return dims.empty() || dims[0] == 0 ? 0 : elements() / dims[0]; }
};

// True when `path` is a regular file that begins with "GGUF" (whatever its name): how a model file's format is told.
bool startsWithMagic(const std::string &path);

class File {
public:
    // Summary: every value is checked as in Full, but the strings of string arrays (a vocabulary, its merges) are
    // not kept (Array::strings stays empty, count is set) — for listing thousands of files quickly.
    enum class Detail { Full, Summary };
    // Opens and validates a GGUF file. Tensor data is bounds-checked but not read.
    static Result<std::shared_ptr<const File>> open(const std::string &path, Detail detail = Detail::Full);
    // The same from bytes already in memory (kept alive by `storage` when given); for tests and fuzzing.
    static Result<std::shared_ptr<const File>> parse(const unsigned char *data, std::size_t size,
                                                     const std::string &nameForErrors,
                                                     std::shared_ptr<const MappedFile> storage = nullptr,
                                                     Detail detail = Detail::Full);

    std::uint32_t version() const { return m_version; }
    std::uint64_t alignment() const { return m_alignment; }
    const std::map<std::string, Value, std::less<>> &metadata() const { return m_metadata; }
    const std::vector<TensorInfo> &tensors() const { return m_tensors; }
    const std::string &name() const { return m_name; } // file name, for messages

    const Value *find(std::string_view key) const;
    std::optional<std::int64_t> getInt(std::string_view key) const;
    std::optional<double> getFloat(std::string_view key) const;
    std::optional<std::string> getString(std::string_view key) const;
    std::optional<bool> getBool(std::string_view key) const;
    const Array *getArray(std::string_view key) const;
    const TensorInfo *tensor(std::string_view name) const;
    // The first of `keys` (e.g. tokenizer.ggml.bos_token_id) that names a token of tokenizer.ggml.tokens, or -1.
    int tokenId(std::initializer_list<std::string_view> keys) const;

private:
    File() = default;
    std::shared_ptr<const MappedFile> m_storage;
    std::string m_name;
    std::uint32_t m_version = 0;
    std::uint64_t m_alignment = 32;
    std::map<std::string, Value, std::less<>> m_metadata;
    std::vector<TensorInfo> m_tensors;
    std::map<std::string, std::size_t, std::less<>> m_tensorIndex;
};

} // namespace gguf
} // namespace attnscope
