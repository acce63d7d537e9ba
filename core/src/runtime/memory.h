// How much memory an analysis needs, estimated from the model's settings and the token count alone, and how much
// this process may use: checked before the work, so a long text or a hostile file is refused with the numbers
// instead of being killed halfway (or aborting under a sanitizer's allocator).
#pragma once

#include "attnscope/model.h"
#include "attnscope/result.h"

#include <cstdint>
#include <string>

namespace attnscope {

// Peak bytes of an analysis of T tokens whose first `prefix` come from an earlier one: the cache of the new tokens
// (queries, keys, values, row statistics, value norms, hidden state), one chunk's activations and blocks of
// probabilities, logits (every position or the last); for a trace, the whole text's activations at once and its
// q, k, v.
double analysisBytes(const ModelConfig &c, std::int64_t T, std::int64_t prefix, bool allPositionLogits, bool valueNorms,
                     bool trace);

// What this process may still allocate: the smallest of MemAvailable (/proc/meminfo), the address-space limit
// (RLIMIT_AS) less what is mapped already, and the cgroup's memory.max less memory.current.
// ATTNSCOPE_MEMORY_BUDGET (bytes) in the environment lowers it, for tests and for a cap of your own; a build
// under AddressSanitizer assumes at most 3 GB.
double memoryBudget();

// While one lives, the allocator keeps freed blocks of up to 32 MB for reuse (glibc's mmap and trim thresholds raised,
// once per process) instead of mapping fresh pages and unmapping them again: a forward pass frees and allocates its
// chunk's activations every layer, and the page faults of fresh memory took a fifth of the prefill (Qwen2.5-0.5B
// shape, 500 tokens: 0.74 s of system time). Its end gives what is free back to the system (malloc_trim), so an
// idle app does not hold the pass's peak.
class HeapReuse {
public:
    HeapReuse();
    ~HeapReuse();
    HeapReuse(const HeapReuse &) = delete;
    HeapReuse &operator=(const HeapReuse &) = delete;
};

// An error naming both numbers when `bytes` exceeds the budget; `what` says what needs them.
Status checkMemory(double bytes, const std::string &what);

} // namespace attnscope
