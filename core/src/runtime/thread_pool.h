// The forward pass's threads: a pool that sleeps when it has nothing to do (no spinning that steals a busy
// machine's cores) and hands out work in small pieces from a shared counter, so a thread slowed by another process
// takes fewer pieces instead of holding the others up (dynamic scheduling: the balancing of work stealing without
// per-thread queues). Default size: the physical cores this process may run on; ATTNSCOPE_THREADS sets it.
#pragma once

#include <cstdint>
#include <functional>

namespace attnscope {

// Runs body(i) for every i in [0, n), on the pool's threads and the caller's. Returns when all are done. The first
// exception a body throws is rethrown here (the others are dropped). Nested calls run inline on the caller.
void parallelFor(std::int64_t n, const std::function<void(std::int64_t)> &body);
// The same for `work` operations in all (multiply-adds, roughly): work too small to be worth waking the pool runs on
// the caller. A small model's pass is thousands of such pieces, and on a busy machine each wake-up of a sleeping
// thread can wait for a time slice (stories260K at 64 tokens under two busy processes: 36 ms a keystroke).
void parallelFor(std::int64_t n, std::int64_t work, const std::function<void(std::int64_t)> &body);

// The pool's threads, the caller included.
int threadCount();
// Sets the pool's size (1 = everything on the caller); for benchmarks and the --threads option.
void setThreadCount(int threads);
// Physical cores available to this process (hyper-threads of one core count once).
int physicalCores();

} // namespace attnscope
