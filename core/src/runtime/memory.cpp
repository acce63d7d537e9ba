// Memory estimates and the budget they are checked against (see memory.h).
#include "runtime/memory.h"

#include <sys/resource.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>

namespace attnscope {

namespace {

constexpr double kInfinite = std::numeric_limits<double>::infinity();

double fromFile(const std::string &path) { // a number of bytes, or "max"
    std::ifstream in(path);
    std::string word;
    if (!(in >> word) || word == "max")
        return kInfinite;
    char *end = nullptr;
    const double v = std::strtod(word.c_str(), &end);
    return end && *end == '\0' && v >= 0 ? v : kInfinite;
}

double memAvailable() {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("MemAvailable:", 0) == 0) {
            std::istringstream fields(line.substr(13));
            double kb = 0;
            if (fields >> kb)
                return kb * 1024.0;
        }
    return kInfinite;
}

double mappedBytes() { // this process's virtual size, what RLIMIT_AS counts
    std::ifstream in("/proc/self/statm");
    double pages = 0;
    if (!(in >> pages))
        return 0;
    return pages * 4096.0;
}

double cgroupRoom() {
    const double max = fromFile("/sys/fs/cgroup/memory.max");
    if (!std::isfinite(max))
        return kInfinite;
    const double current = fromFile("/sys/fs/cgroup/memory.current");
    return std::isfinite(current) ? std::max(0.0, max - current) : max;
}

std::string gigabytes(double bytes) {
    char buf[32];
    if (bytes >= 1e9)
        std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
    else if (bytes >= 1e7)
        std::snprintf(buf, sizeof buf, "%.0f MB", bytes / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.2f MB", bytes / 1e6);
    return buf;
}

} // namespace

double analysisBytes(const ModelConfig &c, std::int64_t T, std::int64_t prefix, bool allPositionLogits, bool valueNorms,
                     bool trace) {
    const double t = static_cast<double>(T), f = sizeof(float), fresh = static_cast<double>(T - prefix);
    const double chunk = trace || !c.causal ? fresh : std::min(fresh, 512.0);
    double perToken = c.layers * (c.qDim() + 2.0 * c.kvDim() + 6.0 * c.heads + (valueNorms ? c.heads : 0)) + c.dim;
    double bytes = (fresh + 256.0) * perToken * f;                     // the cache (rows in blocks of 256)
    bytes += chunk * f * (6.0 * c.dim + 3.0 * c.qDim() + 4.0 * c.kvDim() + 3.0 * c.hiddenDim); // one layer's activations
    bytes += chunk * (c.dim + c.hiddenDim) * 1.1;                                 // int8 activations
    bytes += 16.0 * 65536 * f + 64.0 * t * f;                                     // probability blocks, per thread
    if (!trace)
        bytes += (allPositionLogits ? t : 1.0) * c.vocabSize * f;                 // logits
    if (valueNorms && !trace)
        bytes += c.layers * double(c.heads) * t * f + chunk * c.dim * f * 2;       // norms, one projection per thread
    if (trace)
        bytes += t * f * (c.qDim() + 2.0 * c.kvDim());                           // the traced q, k, v
    return bytes;
}

double memoryBudget() {
    double budget = std::min(memAvailable(), cgroupRoom());
    rlimit limit{};
    if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
        budget = std::min(budget, std::max(0.0, static_cast<double>(limit.rlim_cur) - mappedBytes()));
#if defined(__SANITIZE_ADDRESS__)
    // Under AddressSanitizer every allocation carries redzones, a quarantine holds freed blocks and the shadow
    // maps an eighth more: a sanitizer build (for tests and fuzzing) assumes a machine of 3 GB.
    budget = std::min(budget, 3e9);
#endif
    if (const char *env = std::getenv("ATTNSCOPE_MEMORY_BUDGET"))
        if (const double cap = std::strtod(env, nullptr); cap > 0)
            budget = std::min(budget, cap);
    return budget;
}

Status checkMemory(double bytes, const std::string &what) {
    const double budget = memoryBudget();
    if (bytes <= budget)
        return Ok{};
    return makeError(what + " needs about " + gigabytes(bytes) + " of memory, more than the " + gigabytes(budget) +
                     " available; analyse a shorter text (--truncate cuts it to the context), use a smaller model or "
                     "close other programs");
}

HeapReuse::HeapReuse() {
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        mallopt(M_MMAP_THRESHOLD, 32 << 20); // glibc's largest: blocks above it are mapped as before
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
    });
#endif
}

HeapReuse::~HeapReuse() {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

} // namespace attnscope
