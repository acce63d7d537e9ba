// Background: runs tagged with a shared Run that cancellation and delivery both lock.
#include "models/background.h"

#include <QMetaObject>

namespace attnscope {

Background::Background(QObject *receiver, QThreadPool *pool)
    : m_receiver(receiver), m_pool(pool ? pool : QThreadPool::globalInstance()) {}

Background::~Background() {
    if (!m_run)
        return;
    std::unique_lock lock(m_run->mutex);
    m_run->cancelled = true;
    m_run->finished.wait(lock, [&] { return m_run->left == 0; });
}

void Background::cancel() {
    if (!m_run)
        return;
    std::lock_guard lock(m_run->mutex);
    m_run->cancelled = true;
}

void Background::start(int tasks, Work work) {
    cancel();
    auto run = std::make_shared<Run>();
    run->left = tasks;
    m_run = run;
    QObject *receiver = m_receiver;
    for (int t = 0; t < tasks; ++t)
        m_pool->start([run, receiver, work, t] {
            const Cancelled cancelled = [run] {
                std::lock_guard lock(run->mutex);
                return run->cancelled;
            };
            // Under the run's lock: the receiver cannot be destroyed (its Background waits for this lock) while the
            // call is queued; Qt drops queued calls to an object destroyed later.
            const Deliver deliver = [run, receiver](std::function<void()> fn) {
                std::lock_guard lock(run->mutex);
                if (!run->cancelled)
                    QMetaObject::invokeMethod(
                        receiver,
                        [run, fn = std::move(fn)] {
                            if (!run->cancelled) // read on the receiver's thread, where cancel() is called
                                fn();
                        },
                        Qt::QueuedConnection);
            };
            if (!cancelled())
                work(t, cancelled, deliver);
            std::lock_guard lock(run->mutex);
            if (--run->left == 0)
                run->finished.notify_all();
        });
}

} // namespace attnscope
