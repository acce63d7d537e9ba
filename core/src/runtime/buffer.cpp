// Large buffers: 2 MB-aligned and advised as huge pages (Linux), and a few freed ones kept for reuse, because
// every keystroke in the app makes a new result of about the same size and fresh pages cost page faults.
#include "attnscope/buffer.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <sys/mman.h>
#include <vector>

namespace attnscope::detail {

namespace {
constexpr std::size_t kHugePage = 2u << 20;
constexpr std::size_t kLargeThreshold = 4u << 20; // below this, malloc's own heap reuse avoids the faults
constexpr std::size_t kSmallAlignment = 64;
constexpr std::size_t kPoolBlocks = 4;            // the app holds at most two results at once
constexpr std::size_t kPoolBytes = 256u << 20;    // never keep more than this around unused

struct Block {
    void *p;
    std::size_t bytes;
};

class Pool {
public:
    ~Pool() {
        for (const Block &b : m_free)
            std::free(b.p);
    }
    void *take(std::size_t bytes) {
        std::lock_guard lock(m_mutex);
        // the smallest kept block that fits without wasting more than half of it
        std::size_t best = m_free.size();
        for (std::size_t i = 0; i < m_free.size(); ++i)
            if (m_free[i].bytes >= bytes && m_free[i].bytes <= 2 * bytes &&
                (best == m_free.size() || m_free[i].bytes < m_free[best].bytes))
                best = i;
        if (best == m_free.size())
            return nullptr;
        void *p = m_free[best].p;
        m_held -= m_free[best].bytes;
        m_free.erase(m_free.begin() + static_cast<std::ptrdiff_t>(best));
        return p;
    }
    bool keep(void *p, std::size_t bytes) {
        std::lock_guard lock(m_mutex);
        if (bytes > kPoolBytes)
            return false;
        while (!m_free.empty() && (m_free.size() >= kPoolBlocks || m_held + bytes > kPoolBytes)) {
            std::free(m_free.front().p); // oldest first
            m_held -= m_free.front().bytes;
            m_free.erase(m_free.begin());
        }
        m_free.push_back({p, bytes});
        m_held += bytes;
        return true;
    }

private:
    std::mutex m_mutex;
    std::vector<Block> m_free;
    std::size_t m_held = 0;
};

Pool &pool() {
    static Pool instance;
    return instance;
}

std::size_t roundUp(std::size_t bytes) {
    return (bytes + kHugePage - 1) / kHugePage * kHugePage;
}
} // namespace

void *allocateLarge(std::size_t bytes) {
    // Cache-line aligned, so vectorised reductions over rows start at the same offset in every run and the same
    // text always gives the same bits (Eigen peels unaligned heads, which changes the summation order).
    if (bytes < kLargeThreshold)
        return ::operator new(bytes, std::align_val_t{kSmallAlignment});
    const std::size_t rounded = roundUp(bytes);
    if (void *reused = pool().take(rounded))
        return reused;
    void *p = std::aligned_alloc(kHugePage, rounded);
    if (!p)
        throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    ::madvise(p, rounded, MADV_HUGEPAGE); // a hint; without THP it is simply ignored
#endif
    return p;
}

void deallocateLarge(void *p, std::size_t bytes) noexcept {
    if (bytes < kLargeThreshold) {
        ::operator delete(p, std::align_val_t{kSmallAlignment});
        return;
    }
    // Blocks are tracked by their rounded size; take() hands out blocks of at least the requested rounded size,
    // so the size a vector passes back may be smaller than the block. Keep the vector's view: it is what the
    // next request of that size needs.
    if (!pool().keep(p, roundUp(bytes)))
        std::free(p);
}

} // namespace attnscope::detail
