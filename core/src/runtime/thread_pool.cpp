#include "runtime/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace attnscope {

namespace {

thread_local bool tInsidePool = false;

class Pool {
public:
    explicit Pool(int threads) {
        for (int i = 1; i < threads; ++i)
            m_workers.emplace_back([this] { work(); });
    }
    ~Pool() {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        for (std::thread &t : m_workers)
            t.join();
    }
    int size() const { return static_cast<int>(m_workers.size()) + 1; }

    void run(std::int64_t n, const std::function<void(std::int64_t)> &body) {
        std::lock_guard callers(m_runMutex); // one parallel region at a time; another caller waits its turn
        auto job = std::make_shared<Job>();
        job->n = n;
        job->body = &body;
        {
            std::lock_guard lock(m_mutex);
            m_job = job;
            ++m_generation;
        }
        m_wake.notify_all();
        take(*job);
        std::unique_lock lock(m_mutex);
        m_done.wait(lock, [&] { return job->finished.load() == job->n; });
        m_job.reset();
        lock.unlock();
        if (job->error)
            std::rethrow_exception(job->error);
    }

private:
    struct Job {
        std::int64_t n = 0;
        const std::function<void(std::int64_t)> *body = nullptr;
        std::atomic<std::int64_t> next{0}, finished{0};
        std::mutex errorMutex;
        std::exception_ptr error;
    };

    void take(Job &job) {
        tInsidePool = true;
        std::int64_t done = 0;
        for (std::int64_t i; (i = job.next.fetch_add(1)) < job.n; ++done) {
            try {
                (*job.body)(i);
            } catch (...) {
                std::lock_guard lock(job.errorMutex);
                if (!job.error)
                    job.error = std::current_exception();
            }
        }
        tInsidePool = false;
        if (done > 0 && job.finished.fetch_add(done) + done == job.n) {
            std::lock_guard lock(m_mutex); // the caller may be about to wait: wake it under the lock
            m_done.notify_all();
        }
    }

    void work() {
        std::uint64_t seen = 0;
        for (;;) {
            std::shared_ptr<Job> job;
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [&] { return m_stop || (m_job && m_generation != seen); });
                if (m_stop)
                    return;
                seen = m_generation;
                job = m_job;
            }
            take(*job);
        }
    }

    std::vector<std::thread> m_workers;
    std::mutex m_runMutex;
    std::mutex m_mutex;
    std::condition_variable m_wake, m_done;
    std::shared_ptr<Job> m_job;
    std::uint64_t m_generation = 0;
    bool m_stop = false;
};

int defaultThreads() {
    if (const char *env = std::getenv("ATTNSCOPE_THREADS")) {
        const int n = std::atoi(env);
        if (n >= 1)
            return std::min(n, 256);
    }
    return physicalCores();
}

std::mutex gPoolMutex;
std::unique_ptr<Pool> gPool;

Pool &pool() {
    std::lock_guard lock(gPoolMutex);
    if (!gPool)
        gPool = std::make_unique<Pool>(defaultThreads());
    return *gPool;
}

} // namespace

int physicalCores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return std::max(1u, std::thread::hardware_concurrency());
    std::set<std::pair<std::string, std::string>> cores; // (package, core) of each CPU we may run on
    int cpus = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (!CPU_ISSET(cpu, &set))
            continue;
        ++cpus;
        const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
        std::ifstream pkg(dir + "physical_package_id"), core(dir + "core_id");
        std::string p, c;
        if (!(pkg >> p) || !(core >> c))
            return std::max(1, cpus); // no topology: count logical CPUs
        cores.emplace(p, c);
    }
    int n = std::max<int>(1, static_cast<int>(cores.size()));
    if (cpus > 0)
        n = std::min(n, cpus);
    return n;
}

int threadCount() {
    return pool().size();
}

void setThreadCount(int threads) {
    threads = std::clamp(threads, 1, 256);
    std::lock_guard lock(gPoolMutex);
    if (!gPool || gPool->size() != threads) {
        gPool.reset();
        gPool = std::make_unique<Pool>(threads);
    }
}

void parallelFor(std::int64_t n, const std::function<void(std::int64_t)> &body) {
    if (n <= 0)
        return;
    if (n == 1 || tInsidePool) {
        for (std::int64_t i = 0; i < n; ++i)
            body(i);
        return;
    }
    Pool &p = pool();
    if (p.size() == 1) {
        for (std::int64_t i = 0; i < n; ++i)
            body(i);
        return;
    }
    p.run(n, body);
}

void parallelFor(std::int64_t n, std::int64_t work, const std::function<void(std::int64_t)> &body) {
    // A million multiply-adds, under a tenth of a millisecond of one core: below it the wake-up and the hand-over
    // cost more than they save, and far more while other processes hold the cores.
    constexpr std::int64_t kInlineWork = std::int64_t(1) << 20;
    if (work < kInlineWork) {
        for (std::int64_t i = 0; i < n; ++i)
            body(i);
        return;
    }
    parallelFor(n, body);
}

} // namespace attnscope
