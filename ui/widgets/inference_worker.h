// Runs the engine off the GUI thread. InferenceService (GUI thread) owns a QThread with an InferenceWorker in it;
// newer requests make older ones stale: a stale request is skipped or cancelled mid-forward, and cancel() makes
// every pending request stale at once.
#pragma once

#include "attention_snapshot.h"

#include <QObject>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

namespace attnscope {

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    // The ids of the newest analysis and trace requests; anything older is dropped or cancelled.
    InferenceWorker(std::shared_ptr<std::atomic<quint64>> latestAnalysis,
                    std::shared_ptr<std::atomic<quint64>> latestTrace);

public slots:
    void loadModel(quint64 request, const QString &modelPath, const QString &tokenizerPath);
    // The raw result, the chosen measure of it and the head roles, all computed here, off the GUI thread.
    void analyze(quint64 request, attnscope::EnginePtr engine, const QString &text, attnscope::Measure measure);
    // One layer's q, k and v for a result's tokens, for the step-by-step view.
    void traceLayer(quint64 request, attnscope::EnginePtr engine, attnscope::ResultPtr result, int layer);

signals:
    void modelLoaded(quint64 request, attnscope::EnginePtr engine);
    void modelFailed(quint64 request, const QString &message);
    void resultReady(quint64 request, attnscope::AnalysisPtr analysis);
    void analysisFailed(quint64 request, const QString &message);
    void traceReady(quint64 request, attnscope::TracePtr trace);
    void traceFailed(quint64 request, const QString &message);
    void progressed(quint64 request, float fraction); // of an analysis or a trace, in [0, 1]

private:
    void analyzeNow(quint64 request, const attnscope::EnginePtr &engine, const QString &text, attnscope::Measure measure);
    void traceNow(quint64 request, const attnscope::EnginePtr &engine, const attnscope::ResultPtr &result, int layer);
    std::shared_ptr<std::atomic<quint64>> m_latest;
    // The last result and its engine: a text that begins with its tokens (typing, backspace, undo) runs only
    // what changed. Read and written on the worker's thread only.
    attnscope::ResultPtr m_previous;
    attnscope::EnginePtr m_previousEngine;
    std::shared_ptr<std::atomic<quint64>> m_latestTrace;
    // Whether the last analysed engine's tokenizer marks continuations ("##", words.h); worker thread only.
    attnscope::EnginePtr m_wordsEngine;
    bool m_continuationMarks = false;
};

class InferenceService : public QObject {
    Q_OBJECT
public:
    explicit InferenceService(QObject *parent = nullptr);
    ~InferenceService() override;

    // All return the request id; results for older ids of the same kind are never delivered.
    quint64 loadModel(const QString &modelPath, const QString &tokenizerPath = {});
    quint64 analyze(const QString &text, Measure measure = Measure::Raw);
    quint64 traceLayer(const ResultPtr &result, int layer);
    // Stops what is pending: a running forward pass stops at its next layer and nothing of it is delivered; a model
    // load cannot be interrupted, but its engine is dropped when it arrives, so the current model stays.
    void cancel();
    void setEngine(EnginePtr engine) { m_engine = std::move(engine); }
    const EnginePtr &engine() const { return m_engine; }
    bool busy() const { return m_pendingAnalysis != 0 || m_pendingLoad != 0 || m_pendingTrace != 0; }
    bool loading() const { return m_pendingLoad != 0; }

signals:
    void modelLoaded(attnscope::EnginePtr engine);
    void modelFailed(const QString &message);
    void resultReady(attnscope::AnalysisPtr analysis);
    void analysisFailed(const QString &message);
    void traceReady(attnscope::TracePtr trace);
    void traceFailed(const QString &message);
    void busyChanged(bool busy);
    void progress(float fraction); // of the pending analysis or trace
    void cancelled();

private:
    // Makes a new request the pending one of its kind (and the newest for `latest`) and runs work in the worker.
    quint64 post(quint64 &pending, std::atomic<quint64> *latest, std::function<void(InferenceWorker *, quint64)> work);
    template <typename Payload>
    std::function<void(quint64, Payload)> onlyLatest(quint64 &pending, std::function<void(const Payload &)> deliver);

    QThread m_thread;
    InferenceWorker *m_worker = nullptr;
    std::shared_ptr<std::atomic<quint64>> m_latestAnalysis = std::make_shared<std::atomic<quint64>>(0);
    std::shared_ptr<std::atomic<quint64>> m_latestTrace = std::make_shared<std::atomic<quint64>>(0);
    EnginePtr m_engine;
    quint64 m_next = 0;
    quint64 m_pendingAnalysis = 0;
    quint64 m_pendingLoad = 0;
    quint64 m_pendingTrace = 0;
};

} // namespace attnscope
