// POSIX memory mapping with error values instead of exceptions.
#include "io/mapped_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attnscope {

std::string overlappingRanges(std::vector<ByteRange> ranges) {
    std::erase_if(ranges, [](const ByteRange &r) { return r.end <= r.begin; });
    std::sort(ranges.begin(), ranges.end(), [](const ByteRange &a, const ByteRange &b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].begin < ranges[i - 1].end)
            return "tensors " + *ranges[i - 1].name + " and " + *ranges[i].name + " share bytes " +
                   std::to_string(ranges[i].begin) + " to " + std::to_string(std::min(ranges[i].end, ranges[i - 1].end)) +
                   " of the data; a valid file stores each tensor once";
    return {};
}

std::string fileName(const std::string &path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<std::shared_ptr<const MappedFile>> openBounded(const std::string &path, std::size_t maxBytes) {
    auto file = MappedFile::open(path);
    if (file && file.value()->size() > maxBytes)
        return makeError(fileName(path) + ": too large (" + std::to_string(file.value()->size()) + " bytes; at most " +
                         std::to_string(maxBytes) + " are read)");
    return file;
}

MappedFile::~MappedFile() {
    if (m_mapped)
        munmap(const_cast<unsigned char *>(m_data), m_size);
}

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string &path) {
    const std::string name = fileName(path);
    if (path.empty())
        return makeError("no file given");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return makeError(name + ": cannot open (" + std::strerror(errno) + ")");
    if (S_ISDIR(st.st_mode))
        return makeError(name + ": is a directory, not a model file");
    if (!S_ISREG(st.st_mode))
        return makeError(name + ": not a regular file");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return makeError(name + ": cannot open (" + std::strerror(errno) + ")");
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->m_size = static_cast<std::size_t>(st.st_size);
    if (file->m_size > 0) {
        void *p = ::mmap(nullptr, file->m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        const int err = errno;
        ::close(fd);
        if (p == MAP_FAILED)
            return makeError(name + ": cannot map into memory (" + std::strerror(err) + ")");
        file->m_data = static_cast<const unsigned char *>(p);
        file->m_mapped = true;
    } else {
        ::close(fd);
    }
    return std::shared_ptr<const MappedFile>(std::move(file));
}

} // namespace attnscope
