// A read-only memory-mapped file (POSIX mmap). Internal to core.
#pragma once

#include "attnscope/result.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attnscope {

class MappedFile {
public:
    ~MappedFile();
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;

    // Opens and maps a regular file. Directories, missing files and unreadable files are error values.
    // A zero-length file maps to an empty view (size() == 0) so callers can report it in their own words.
    static Result<std::shared_ptr<const MappedFile>> open(const std::string &path);

    const unsigned char *data() const { return m_data; }
    std::size_t size() const { return m_size; }

private:
    MappedFile() = default;
    const unsigned char *m_data = nullptr;
    std::size_t m_size = 0;
    bool m_mapped = false;
};

// A file mapped as MappedFile::open does, refused when larger than maxBytes (a configuration or tokenizer file
// that claims gigabytes is not read).
Result<std::shared_ptr<const MappedFile>> openBounded(const std::string &path, std::size_t maxBytes);

// Where one tensor's bytes lie in a file's data section.
struct ByteRange {
    std::uint64_t begin = 0, end = 0; // [begin, end)
    const std::string *name = nullptr;
};
// "tensors a and b share bytes 64 to 128; ..." when two non-empty ranges overlap (a valid file stores each tensor
// once, and aliased tensors would let a small file claim the memory of many), else empty.
std::string overlappingRanges(std::vector<ByteRange> ranges);

// "dir/stories260K.bin" -> "stories260K.bin", for messages.
std::string fileName(const std::string &path);

} // namespace attnscope
