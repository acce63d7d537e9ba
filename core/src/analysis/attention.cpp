// AttentionResult's access to weights: views of dense storage, or heads recomputed from the analysis's source and
// kept in a bounded cache shared by the copies of a result.
#include "attnscope/attention.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <new>
#include <unordered_map>

namespace attnscope {

struct HeadCache {
    const AttentionSource *source = nullptr; // what the cached heads were computed from
    std::mutex mutex;
    std::unordered_map<int, std::shared_ptr<const float>> heads; // layer * heads + head
    std::deque<int> order;                                         // oldest first
    std::size_t bytes = 0;
    bool denseDone = false;
    FloatBuffer dense;
};

namespace {

// Heads kept per result; one more is recomputed each time it is asked for. 384 MB: every head of a 1B model at
// 512 tokens, or 24 heads at 2,000.
constexpr std::size_t kCacheBytes = std::size_t(384) << 20;

std::shared_ptr<const float> computeHead(const AttentionSource &source, int layer, int h) {
    const std::size_t T = static_cast<std::size_t>(source.seqLen());
    std::shared_ptr<float> m(new float[T * T], std::default_delete<float[]>());
    source.rows(layer, h, 0, static_cast<int>(T), m.get());
    return m;
}

} // namespace

std::shared_ptr<HeadCache> AttentionResult::cache() const {
    // A copy whose source was replaced must not see the old source's heads.
    if (!m_cache || m_cache->source != source.get()) {
        auto fresh = std::make_shared<HeadCache>();
        fresh->source = source.get();
        m_cache = std::move(fresh);
    }
    return m_cache;
}

HeadMatrix AttentionResult::head(int layer, int h) const {
    const std::size_t T = tokens.size();
    if (!attention.empty() || !source) {
        // A view into the dense storage: valid while this result lives, as a pointer into it always was.
        const float *p = attention.data() + (static_cast<std::size_t>(layer) * heads + h) * T * T;
        return HeadMatrix(std::shared_ptr<const float>(std::shared_ptr<const float>(), p), static_cast<int>(T));
    }
    const std::shared_ptr<HeadCache> c = cache();
    const int key = layer * heads + h;
    {
        std::lock_guard lock(c->mutex);
        if (c->denseDone)
            return HeadMatrix(std::shared_ptr<const float>(std::shared_ptr<const float>(),
                                                           c->dense.data() + static_cast<std::size_t>(key) * T * T),
                              static_cast<int>(T));
        if (auto it = c->heads.find(key); it != c->heads.end())
            return HeadMatrix(it->second, static_cast<int>(T));
    }
    std::shared_ptr<const float> m = computeHead(*source, layer, h); // outside the lock: other heads go on
    const std::size_t bytes = T * T * sizeof(float);
    std::lock_guard lock(c->mutex);
    if (auto it = c->heads.find(key); it != c->heads.end())
        return HeadMatrix(it->second, static_cast<int>(T)); // another thread was faster
    if (bytes <= kCacheBytes) {
        while (c->bytes + bytes > kCacheBytes && !c->order.empty()) {
            c->heads.erase(c->order.front());
            c->order.pop_front();
            c->bytes -= bytes;
        }
        c->heads.emplace(key, m);
        c->order.push_back(key);
        c->bytes += bytes;
    }
    return HeadMatrix(std::move(m), static_cast<int>(T));
}

void AttentionResult::rows(int layer, int h, int query0, int n, float *out) const {
    const std::size_t T = tokens.size();
    if (!attention.empty() || !source) {
        const float *p = attention.data() + ((static_cast<std::size_t>(layer) * heads + h) * T + query0) * T;
        std::copy(p, p + static_cast<std::size_t>(n) * T, out);
        return;
    }
    {
        const std::shared_ptr<HeadCache> c = cache();
        std::lock_guard lock(c->mutex);
        const int key = layer * heads + h;
        const float *m = nullptr;
        if (c->denseDone)
            m = c->dense.data() + static_cast<std::size_t>(key) * T * T;
        else if (auto it = c->heads.find(key); it != c->heads.end())
            m = it->second.get();
        if (m) {
            std::copy(m + static_cast<std::size_t>(query0) * T, m + static_cast<std::size_t>(query0 + n) * T, out);
            return;
        }
    }
    source->rows(layer, h, query0, n, out);
}

float AttentionResult::weight(int layer, int h, int query, int key) const {
    const std::size_t T = tokens.size();
    if (!attention.empty() || !source)
        return attention[((static_cast<std::size_t>(layer) * heads + h) * T + query) * T + key];
    std::vector<float> row(T);
    rows(layer, h, query, 1, row.data());
    return row[static_cast<std::size_t>(key)];
}

const FloatBuffer &AttentionResult::dense() const {
    if (!attention.empty() || !source)
        return attention;
    const std::shared_ptr<HeadCache> c = cache();
    std::lock_guard lock(c->mutex); // one materialisation; other callers wait for it
    if (!c->denseDone) {
        const std::size_t T = tokens.size(), n = static_cast<std::size_t>(layers) * heads;
        c->dense.resize(n * T * T);
        for (std::size_t k = 0; k < n; ++k) {
            const int key = static_cast<int>(k);
            float *dst = c->dense.data() + k * T * T;
            if (auto it = c->heads.find(key); it != c->heads.end())
                std::copy(it->second.get(), it->second.get() + T * T, dst);
            else
                source->rows(key / heads, key % heads, 0, static_cast<int>(T), dst);
        }
        c->heads.clear();
        c->order.clear();
        c->bytes = 0;
        c->denseDone = true;
    }
    return c->dense;
}

void AttentionResult::materialize() {
    if (!attention.empty() || !source)
        return;
    if (m_cache && m_cache.use_count() == 1 && m_cache->source == source.get() && m_cache->denseDone) {
        attention = std::move(m_cache->dense);
    } else {
        const std::size_t T = tokens.size(), n = static_cast<std::size_t>(layers) * heads;
        attention.resize(n * T * T);
        for (std::size_t k = 0; k < n; ++k) // straight from the source: rows() would read `attention` now
            source->rows(static_cast<int>(k) / heads, static_cast<int>(k) % heads, 0, static_cast<int>(T),
                         attention.data() + k * T * T);
    }
    source.reset();
    m_cache.reset();
}

std::vector<float> AttentionResult::logitsAt(int position) const {
    const int T = seqLen();
    if (position < 0 || position >= T || vocabSize <= 0)
        return {};
    const int row = logitRows == T ? position : (position == T - 1 && logitRows > 0 ? logitRows - 1 : -1);
    if (row >= 0) {
        const float *p = logits.data() + static_cast<std::size_t>(row) * vocabSize;
        return std::vector<float>(p, p + vocabSize);
    }
    return source ? source->logits(position) : std::vector<float>{};
}

} // namespace attnscope
