// GGUF parsing with a bounds-checked cursor: nothing is read past the end, no count is trusted before it is
// compared with the bytes left, and every tensor must lie inside the data section.
#include "attnscope/gguf.h"
#include "io/mapped_file.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace attnscope::gguf {

namespace {

constexpr std::uint32_t kMagic = 0x46554747; // "GGUF" read as little-endian u32
constexpr std::uint64_t kMaxKeyLength = 1 << 16;
constexpr std::uint64_t kMaxTensors = 1 << 20;
constexpr std::uint64_t kMaxAlignment = 1 << 20;
constexpr int kMaxArrayDepth = 2;
constexpr int kMaxDims = 4;

std::size_t scalarSize(ValueType t) {
    switch (t) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::Bool: return 1;
    case ValueType::U16:
    case ValueType::I16: return 2;
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::F32: return 4;
    case ValueType::U64:
    case ValueType::I64:
    case ValueType::F64: return 8;
    default: return 0;
    }
}

struct Cursor {
    const unsigned char *data;
    std::size_t size;
    std::size_t pos = 0;
    std::string error; // first problem found
    bool keepStrings = true; // false: the strings of string arrays are checked, not kept

    std::size_t left() const { return size - pos; }
    bool fail(const std::string &why) {
        if (error.empty())
            error = why;
        return false;
    }
    bool need(std::size_t n, const char *what) {
        if (n > left())
            return fail(std::string("file is truncated (") + what + " at byte " + std::to_string(pos) + " needs " +
                        std::to_string(n) + " bytes, " + std::to_string(left()) + " left)");
        return true;
    }
    template <typename T> bool read(T &out, const char *what) {
        if (!need(sizeof(T), what))
            return false;
        std::memcpy(&out, data + pos, sizeof(T));
        pos += sizeof(T);
        return true;
    }
    bool readString(std::string_view &out, const char *what, std::uint64_t maxLength) {
        std::uint64_t n = 0;
        if (!read(n, what))
            return false;
        if (n > left() || n > maxLength)
            return fail(std::string(what) + " at byte " + std::to_string(pos - 8) + " claims " + std::to_string(n) +
                        " bytes (" + std::to_string(left()) + " left in the file)");
        out = std::string_view(reinterpret_cast<const char *>(data + pos), static_cast<std::size_t>(n));
        pos += static_cast<std::size_t>(n);
        return true;
    }
};

bool readValue(Cursor &c, ValueType type, Value &v, int depth, const std::string &key);

bool readArray(Cursor &c, Value &v, int depth, const std::string &key) {
    if (depth >= kMaxArrayDepth)
        return c.fail("metadata " + key + ": arrays nested deeper than " + std::to_string(kMaxArrayDepth));
    std::uint32_t elementType = 0;
    std::uint64_t count = 0;
    if (!c.read(elementType, "array type") || !c.read(count, "array length"))
        return false;
    auto array = std::make_shared<Array>();
    array->elementType = static_cast<ValueType>(elementType);
    array->count = count;
    if (elementType > static_cast<std::uint32_t>(ValueType::F64))
        return c.fail("metadata " + key + ": unknown array element type " + std::to_string(elementType));
    const std::size_t scalar = scalarSize(array->elementType);
    if (scalar > 0) {
        if (count > c.left() / scalar)
            return c.fail("metadata " + key + ": array of " + std::to_string(count) + " elements does not fit in the " +
                          std::to_string(c.left()) + " bytes left");
        array->data = c.data + c.pos;
        c.pos += static_cast<std::size_t>(count) * scalar;
    } else if (array->elementType == ValueType::String) {
        if (count > c.left() / 8) // every string has at least its 8-byte length
            return c.fail("metadata " + key + ": array of " + std::to_string(count) + " strings does not fit in the " +
                          std::to_string(c.left()) + " bytes left");
        if (c.keepStrings) {
            array->strings.resize(static_cast<std::size_t>(count));
            for (std::string_view &s : array->strings)
                if (!c.readString(s, "string in an array", std::numeric_limits<std::uint64_t>::max()))
                    return false;
        } else {
            std::string_view s;
            for (std::uint64_t i = 0; i < count; ++i)
                if (!c.readString(s, "string in an array", std::numeric_limits<std::uint64_t>::max()))
                    return false;
        }
    } else { // arrays of arrays: parsed for validity and skipped (no GGUF key we read uses them)
        if (count > c.left() / 12)
            return c.fail("metadata " + key + ": nested array count " + std::to_string(count) + " is implausible");
        for (std::uint64_t i = 0; i < count; ++i) {
            Value inner;
            if (!readValue(c, array->elementType, inner, depth + 1, key))
                return false;
        }
    }
    v.array = std::move(array);
    return true;
}

bool readValue(Cursor &c, ValueType type, Value &v, int depth, const std::string &key) {
    v.type = type;
    switch (type) {
    case ValueType::U8: { std::uint8_t x; if (!c.read(x, "u8")) return false; v.u = x; return true; }
    case ValueType::I8: { std::int8_t x; if (!c.read(x, "i8")) return false; v.i = x; return true; }
    case ValueType::U16: { std::uint16_t x; if (!c.read(x, "u16")) return false; v.u = x; return true; }
    case ValueType::I16: { std::int16_t x; if (!c.read(x, "i16")) return false; v.i = x; return true; }
    case ValueType::U32: { std::uint32_t x; if (!c.read(x, "u32")) return false; v.u = x; return true; }
    case ValueType::I32: { std::int32_t x; if (!c.read(x, "i32")) return false; v.i = x; return true; }
    case ValueType::U64: return c.read(v.u, "u64");
    case ValueType::I64: return c.read(v.i, "i64");
    case ValueType::F32: { float x; if (!c.read(x, "f32")) return false; v.f = x; return true; }
    case ValueType::F64: return c.read(v.f, "f64");
    case ValueType::Bool: {
        std::uint8_t x;
        if (!c.read(x, "bool"))
            return false;
        if (x > 1)
            return c.fail("metadata " + key + ": bool value " + std::to_string(x) + " is neither 0 nor 1");
        v.u = x;
        return true;
    }
    case ValueType::String: return c.readString(v.str, "string", std::numeric_limits<std::uint64_t>::max());
    case ValueType::Array: return readArray(c, v, depth, key);
    }
    return c.fail("metadata " + key + ": unknown value type " + std::to_string(static_cast<std::uint32_t>(type)));
}

} // namespace

const char *valueTypeName(ValueType type) {
    static const char *names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64",
                                  "i64", "f64"};
    const auto i = static_cast<std::uint32_t>(type);
    return i < 13 ? names[i] : "unknown";
}

std::int64_t Array::integer(std::uint64_t i) const {
    if (i >= count || !data)
        return 0;
    const unsigned char *p = data + i * scalarSize(elementType);
    switch (elementType) {
    case ValueType::U8:
    case ValueType::Bool: return *p;
    case ValueType::I8: return static_cast<std::int8_t>(*p);
    case ValueType::U16: { std::uint16_t x; std::memcpy(&x, p, 2); return x; }
    case ValueType::I16: { std::int16_t x; std::memcpy(&x, p, 2); return x; }
    case ValueType::U32: { std::uint32_t x; std::memcpy(&x, p, 4); return x; }
    case ValueType::I32: { std::int32_t x; std::memcpy(&x, p, 4); return x; }
    case ValueType::U64: { std::uint64_t x; std::memcpy(&x, p, 8); return static_cast<std::int64_t>(x); }
    case ValueType::I64: { std::int64_t x; std::memcpy(&x, p, 8); return x; }
    case ValueType::F32: { float x; std::memcpy(&x, p, 4); return static_cast<std::int64_t>(x); }
    case ValueType::F64: { double x; std::memcpy(&x, p, 8); return static_cast<std::int64_t>(x); }
    default: return 0;
    }
}

double Array::number(std::uint64_t i) const {
    if (i >= count || !data)
        return 0;
    const unsigned char *p = data + i * scalarSize(elementType);
    if (elementType == ValueType::F32) {
        float x;
        std::memcpy(&x, p, 4);
        return x;
    }
    if (elementType == ValueType::F64) {
        double x;
        std::memcpy(&x, p, 8);
        return x;
    }
    return static_cast<double>(integer(i));
}

bool Value::isInteger() const {
    switch (type) {
    case ValueType::U8: case ValueType::I8: case ValueType::U16: case ValueType::I16: case ValueType::U32:
    case ValueType::I32: case ValueType::U64: case ValueType::I64: return true;
    default: return false;
    }
}

std::optional<std::int64_t> Value::asInt() const {
    switch (type) {
    case ValueType::U8: case ValueType::U16: case ValueType::U32: case ValueType::U64: case ValueType::Bool:
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return std::nullopt;
        return static_cast<std::int64_t>(u);
    case ValueType::I8: case ValueType::I16: case ValueType::I32: case ValueType::I64: return i;
    default: return std::nullopt;
    }
}

std::optional<double> Value::asFloat() const {
    if (type == ValueType::F32 || type == ValueType::F64)
        return f;
    if (const auto v = asInt())
        return static_cast<double>(*v);
    return std::nullopt;
}

std::int64_t TensorInfo::elements() const {
    std::int64_t n = 1;
    for (const std::int64_t d : dims)
        n *= d;
    return n;
}

bool startsWithMagic(const std::string &path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return false;
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    return in.read(magic, 4) && std::memcmp(magic, "GGUF", 4) == 0;
}

Result<std::shared_ptr<const File>> File::open(const std::string &path, Detail detail) {
    auto mapped = MappedFile::open(path);
    if (!mapped)
        return mapped.error();
    return parse(mapped.value()->data(), mapped.value()->size(), fileName(path), mapped.value(), detail);
}

Result<std::shared_ptr<const File>> File::parse(const unsigned char *data, std::size_t size, const std::string &name,
                                                std::shared_ptr<const MappedFile> storage, Detail detail) {
    auto bad = [&](const std::string &why) { return makeError(name + ": not a valid GGUF file (" + why + ")"); };
    if (size == 0)
        return makeError(name + ": file is empty (0 bytes); expected a GGUF model");
    Cursor c{data, size, 0, {}, detail == Detail::Full};
    std::uint32_t magic = 0, version = 0;
    if (!c.read(magic, "magic") || magic != kMagic)
        return makeError(name + ": not a GGUF file (it does not start with \"GGUF\")");
    if (!c.read(version, "version"))
        return bad(c.error);
    if (version == 1)
        return makeError(name + ": GGUF version 1 (an early 2023 format) is not supported; convert the model again "
                                "with a current llama.cpp (convert_hf_to_gguf.py) to get version 3");
    if (version != 2 && version != 3)
        return makeError(name + ": GGUF version " + std::to_string(version) +
                         " is not supported (versions 2 and 3 are); a newer AttnScope may read it");
    std::uint64_t tensorCount = 0, kvCount = 0;
    if (!c.read(tensorCount, "tensor count") || !c.read(kvCount, "metadata count"))
        return bad(c.error);
    if (tensorCount > kMaxTensors || tensorCount > c.left() / 24)
        return bad("claims " + std::to_string(tensorCount) + " tensors");
    if (kvCount > c.left() / 13) // key length (8) + 1 byte of key + type (4)
        return bad("claims " + std::to_string(kvCount) + " metadata entries");

    std::shared_ptr<File> file(new File());
    file->m_storage = std::move(storage);
    file->m_name = name;
    file->m_version = version;
    for (std::uint64_t k = 0; k < kvCount; ++k) {
        std::string_view key;
        std::uint32_t type = 0;
        if (!c.readString(key, "metadata key", kMaxKeyLength) || !c.read(type, "metadata type"))
            return bad(c.error);
        Value v;
        if (!readValue(c, static_cast<ValueType>(type), v, 0, std::string(key)))
            return bad(c.error);
        if (!file->m_metadata.emplace(std::string(key), std::move(v)).second)
            return bad("metadata key " + std::string(key) + " appears twice");
    }
    if (const Value *a = file->find("general.alignment")) {
        const auto align = a->asInt();
        if (!align || *align <= 0 || static_cast<std::uint64_t>(*align) > kMaxAlignment || (*align & (*align - 1)) != 0)
            return bad("general.alignment must be a power of two up to " + std::to_string(kMaxAlignment));
        file->m_alignment = static_cast<std::uint64_t>(*align);
    }

    file->m_tensors.resize(static_cast<std::size_t>(tensorCount));
    for (TensorInfo &t : file->m_tensors) {
        std::string_view tname;
        std::uint32_t nDims = 0;
        if (!c.readString(tname, "tensor name", kMaxKeyLength) || !c.read(nDims, "tensor dimensions"))
            return bad(c.error);
        t.name = std::string(tname);
        if (nDims == 0 || nDims > kMaxDims)
            return bad("tensor " + t.name + " has " + std::to_string(nDims) + " dimensions (1 to 4 allowed)");
        std::int64_t elements = 1;
        for (std::uint32_t d = 0; d < nDims; ++d) {
            std::uint64_t n = 0;
            if (!c.read(n, "tensor shape"))
                return bad(c.error);
            if (n == 0 || n > (std::uint64_t(1) << 40) || static_cast<std::uint64_t>(elements) > (std::uint64_t(1) << 48) / n)
                return bad("tensor " + t.name + " has an implausible shape");
            elements *= static_cast<std::int64_t>(n);
            t.dims.push_back(static_cast<std::int64_t>(n));
        }
        if (!c.read(t.type, "tensor type") || !c.read(t.offset, "tensor offset"))
            return bad(c.error);
        if (!file->m_tensorIndex.emplace(t.name, &t - file->m_tensors.data()).second)
            return bad("tensor " + t.name + " appears twice");
    }

    // The data section starts at the next multiple of the alignment (vocab-only files may end before it).
    const std::uint64_t dataStart = (c.pos + file->m_alignment - 1) / file->m_alignment * file->m_alignment;
    const std::uint64_t dataSize = dataStart <= size ? size - dataStart : 0;
    for (TensorInfo &t : file->m_tensors) {
        const auto info = typeInfo(t.type);
        if (!info)
            return makeError(name + ": tensor " + t.name + " has type " + ggmlTypeName(t.type) +
                             "; AttnScope reads F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K");
        const auto rowSize = rowBytes(*info, t.dims[0]);
        if (!rowSize)
            return bad("tensor " + t.name + " has rows of " + std::to_string(t.dims[0]) + " values, not a multiple of " +
                       info->name + "'s block of " + std::to_string(info->blockSize));
        t.bytes = *rowSize * static_cast<std::uint64_t>(t.rows());
        if (t.offset % file->m_alignment != 0)
            return bad("tensor " + t.name + " starts at offset " + std::to_string(t.offset) + ", not aligned to " +
                       std::to_string(file->m_alignment));
        if (t.offset > dataSize || t.bytes > dataSize - t.offset)
            return makeError(name + ": file is truncated (tensor " + t.name + " needs bytes " +
                             std::to_string(dataStart + t.offset) + " to " +
                             std::to_string(dataStart + t.offset + t.bytes) + ", the file has " + std::to_string(size) +
                             ")");
        t.data = data + dataStart + t.offset;
    }
    std::vector<ByteRange> ranges;
    for (const TensorInfo &t : file->m_tensors)
        ranges.push_back({t.offset, t.offset + t.bytes, &t.name});
    if (const std::string overlap = overlappingRanges(std::move(ranges)); !overlap.empty())
        return bad(overlap);
    return std::shared_ptr<const File>(std::move(file));
}

const Value *File::find(std::string_view key) const {
    const auto it = m_metadata.find(key);
    return it == m_metadata.end() ? nullptr : &it->second;
}

std::optional<std::int64_t> File::getInt(std::string_view key) const {
    const Value *v = find(key);
    return v ? v->asInt() : std::nullopt;
}

std::optional<double> File::getFloat(std::string_view key) const {
    const Value *v = find(key);
    return v ? v->asFloat() : std::nullopt;
}

std::optional<std::string> File::getString(std::string_view key) const {
    const Value *v = find(key);
    if (!v || v->type != ValueType::String)
        return std::nullopt;
    return std::string(v->str);
}

std::optional<bool> File::getBool(std::string_view key) const {
    const Value *v = find(key);
    if (!v || v->type != ValueType::Bool)
        return std::nullopt;
    return v->u != 0;
}

const Array *File::getArray(std::string_view key) const {
    const Value *v = find(key);
    return v && v->type == ValueType::Array ? v->array.get() : nullptr;
}

int File::tokenId(std::initializer_list<std::string_view> keys) const {
    const Array *tokens = getArray("tokenizer.ggml.tokens");
    const std::uint64_t n = tokens ? tokens->count : 0;
    for (const std::string_view key : keys) {
        const auto v = getInt(key);
        if (v && *v >= 0 && static_cast<std::uint64_t>(*v) < n)
            return static_cast<int>(*v);
    }
    return -1;
}

const TensorInfo *File::tensor(std::string_view tensorName) const {
    const auto it = m_tensorIndex.find(tensorName);
    return it == m_tensorIndex.end() ? nullptr : &m_tensors[it->second];
}

} // namespace attnscope::gguf
