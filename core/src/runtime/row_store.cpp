#include "runtime/row_store.h"

#include <algorithm>
#include <cstring>

namespace attnscope {

RowStore RowStore::prefixOf(const RowStore &from, int n) {
    RowStore s(from.m_width);
    n = std::clamp(n, 0, from.m_rows);
    s.m_rows = n;
    s.m_blocks.assign(from.m_blocks.begin(), from.m_blocks.begin() + (n + kRowBlock - 1) / kRowBlock);
    return s;
}

void RowStore::grow(int n) {
    if (n <= 0)
        return;
    const std::size_t blockFloats = static_cast<std::size_t>(kRowBlock) * static_cast<std::size_t>(m_width);
    const int end = m_rows + n;
    if (const int used = m_rows % kRowBlock; used > 0) { // the last block is partly ours: take its free rows
        std::shared_ptr<Block> &last = m_blocks.back();
        const int want = std::min(kRowBlock, used + n);
        int expected = used;
        if (!last->claimed.compare_exchange_strong(expected, want)) {
            // Another store wrote past our prefix in this block: copy our rows into a block of our own.
            auto copy = std::make_shared<Block>();
            copy->data.reset(new float[blockFloats]);
            std::memcpy(copy->data.get(), last->data.get(), static_cast<std::size_t>(used) * m_width * sizeof(float));
            copy->claimed.store(want);
            last = std::move(copy);
        }
    }
    while (static_cast<int>(m_blocks.size()) * kRowBlock < end) {
        auto block = std::make_shared<Block>();
        block->data.reset(new float[blockFloats]);
        block->claimed.store(std::min(kRowBlock, end - static_cast<int>(m_blocks.size()) * kRowBlock));
        m_blocks.push_back(std::move(block));
    }
    m_rows = end;
}

} // namespace attnscope
