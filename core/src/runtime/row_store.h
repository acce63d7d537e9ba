// Rows of fixed width kept in blocks of kRowBlock rows that later analyses share: an analysis of a text that begins
// with the previous text's tokens keeps the blocks of that prefix and writes only the rows after it. A block is
// written by at most one store: `claimed` counts the rows some store has taken, and a store that finds a block
// claimed beyond its own prefix (another text went on differently) copies the block's first rows instead.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace attnscope {

constexpr int kRowBlock = 256;

class RowStore {
public:
    RowStore() = default;
    explicit RowStore(int width) : m_width(width) {}

    int width() const { return m_width; }
    int rows() const { return m_rows; }
    const float *row(int t) const {
        return m_blocks[static_cast<std::size_t>(t / kRowBlock)]->data.get() +
               static_cast<std::size_t>(t % kRowBlock) * static_cast<std::size_t>(m_width);
    }
    // Writable only for rows this store added with grow().
    float *row(int t) {
        return m_blocks[static_cast<std::size_t>(t / kRowBlock)]->data.get() +
               static_cast<std::size_t>(t % kRowBlock) * static_cast<std::size_t>(m_width);
    }
    // Rows [0, n) of `from`, sharing its blocks; n <= from.rows().
    static RowStore prefixOf(const RowStore &from, int n);
    // Makes room for rows [rows(), rows() + n), which this store then writes.
    void grow(int n);
    // Bytes of the blocks this store holds (shared ones included).
    std::size_t bytes() const {
        return m_blocks.size() * static_cast<std::size_t>(kRowBlock) * static_cast<std::size_t>(m_width) * sizeof(float);
    }

private:
    struct Block {
        std::unique_ptr<float[]> data;
        std::atomic<int> claimed{0};
    };
    int m_width = 0;
    int m_rows = 0;
    std::vector<std::shared_ptr<Block>> m_blocks;
};

} // namespace attnscope
