// POSIX memory mapping with error values instead of exceptions.
#include "io/mapped_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attnscope {

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
