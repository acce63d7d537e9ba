// Work a model does off the GUI thread. Each start() cancels the previous run: its tasks see cancelled() turn true
// and stop at their next check, and nothing they deliver reaches the receiver any more. What a current run delivers
// runs on the receiver's thread, in order. The destructor cancels and waits for the run's tasks to stop, so a task
// never outlives what it delivers to.
#pragma once

#include <QObject>
#include <QThreadPool>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace attnscope {

class Background {
public:
    using Cancelled = std::function<bool()>;
    using Deliver = std::function<void(std::function<void()>)>;
    using Work = std::function<void(int task, const Cancelled &cancelled, const Deliver &deliver)>;

    explicit Background(QObject *receiver, QThreadPool *pool = nullptr);
    ~Background();
    Background(const Background &) = delete;
    Background &operator=(const Background &) = delete;

    // Runs work(0) ... work(tasks - 1) on the pool (the global one unless another was given).
    void start(int tasks, Work work);
    void cancel();

private:
    struct Run {
        std::mutex mutex;
        std::condition_variable finished;
        bool cancelled = false;
        int left = 0;
    };
    QObject *m_receiver;
    QThreadPool *m_pool;
    std::shared_ptr<Run> m_run;
};

} // namespace attnscope
