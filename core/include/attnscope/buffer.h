// Storage for large float arrays (attention is (layers, heads, T, T): 40 MB at 512 tokens for stories260K).
// A fresh buffer that size costs more in page faults and zero-filling than the forward pass itself, so
// large buffers ask the kernel for transparent huge pages and elements are not value-initialised: the
// writer must write every element (the forward pass does, zeros included).
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace attnscope {

namespace detail {
void *allocateLarge(std::size_t bytes);
void deallocateLarge(void *p, std::size_t bytes) noexcept;
} // namespace detail

template <typename T> struct LargeBufferAllocator {
    using value_type = T;
    LargeBufferAllocator() = default;
    template <typename U> LargeBufferAllocator(const LargeBufferAllocator<U> &) noexcept {}

    T *allocate(std::size_t n) { return static_cast<T *>(detail::allocateLarge(n * sizeof(T))); }
    void deallocate(T *p, std::size_t n) noexcept { detail::deallocateLarge(p, n * sizeof(T)); }
    // Default-initialise (no zero fill) on resize(n); resize(n, value) and assign() still set values.
    template <typename U> void construct(U *p) noexcept { ::new (static_cast<void *>(p)) U; }
    template <typename U, typename... Args> void construct(U *p, Args &&...args) {
        ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
    }
    template <typename U> bool operator==(const LargeBufferAllocator<U> &) const noexcept { return true; }
};

using FloatBuffer = std::vector<float, LargeBufferAllocator<float>>;

} // namespace attnscope
