// InferenceWorker / InferenceService: queued calls into a worker thread, immutable results back.
#include "widgets/inference_worker.h"

#include <attnscope/measures.h>

#include <exception>
#include <new>

namespace attnscope {

namespace {
// Runs one piece of the worker's work; an exception (memory running out between the estimate and the allocation,
// say) becomes the message `fail` is called with, instead of escaping into Qt's event loop, which would abort.
template <typename Work, typename Fail>
void guarded(Work &&work, Fail &&fail) {
    try {
        work();
    } catch (const std::bad_alloc &) {
        fail(QStringLiteral("ran out of memory; try a shorter text or a smaller model"));
    } catch (const std::exception &e) {
        fail(QStringLiteral("failed: %1").arg(QString::fromUtf8(e.what())));
    }
}
} // namespace

InferenceWorker::InferenceWorker(std::shared_ptr<std::atomic<quint64>> latestAnalysis,
                                 std::shared_ptr<std::atomic<quint64>> latestTrace)
    : m_latest(std::move(latestAnalysis)), m_latestTrace(std::move(latestTrace)) {}

void InferenceWorker::loadModel(quint64 request, const QString &modelPath, const QString &tokenizerPath) {
    guarded(
        [&] {
            auto engine = Engine::load(modelPath.toStdString(), tokenizerPath.toStdString());
            if (!engine)
                emit modelFailed(request, QString::fromStdString(engine.error().message));
            else
                emit modelLoaded(request, engine.value());
        },
        [&](const QString &message) { emit modelFailed(request, message); });
}

void InferenceWorker::analyze(quint64 request, EnginePtr engine, const QString &text, Measure measure) {
    guarded([&] { analyzeNow(request, engine, text, measure); },
            [&](const QString &message) { emit analysisFailed(request, message); });
}

void InferenceWorker::analyzeNow(quint64 request, const EnginePtr &engine, const QString &text, Measure measure) {
    if (m_latest->load() != request || !engine)
        return; // a newer request is queued behind this one
    const QByteArray utf8 = text.toUtf8();
    AnalyzeParams params;
    params.valueNorms = measure == Measure::Value;
    if (m_previous && m_previousEngine == engine)
        params.previous = m_previous.get();
    auto result = engine->analyze(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())), params,
                                  [this, request](float fraction) {
                                      emit progressed(request, fraction);
                                      return m_latest->load() == request;
                                  });
    if (!result) {
        if (!result.error().cancelled)
            emit analysisFailed(request, QString::fromStdString(result.error().message));
        return;
    }
    auto analysis = std::make_shared<Analysis>();
    analysis->raw = std::make_shared<const AttentionResult>(std::move(result).value());
    m_previous = analysis->raw;
    m_previousEngine = engine;
    analysis->roles = allHeadRoles(*analysis->raw);
    if (measure == Measure::Raw) {
        analysis->shown = analysis->raw;
    } else {
        auto measured = withMeasure(*analysis->raw, measure);
        if (!measured) {
            emit analysisFailed(request, QString::fromStdString(measured.error().message));
            return;
        }
        analysis->shown = std::make_shared<const AttentionResult>(std::move(measured).value());
    }
    if (m_wordsEngine != engine) { // a WordPiece vocabulary is scanned for "##" once per model, not per keystroke
        m_wordsEngine = engine;
        m_continuationMarks = marksContinuations(engine->tokenizer());
    }
    analysis->words = groupWords(analysis->raw->tokens, analysis->raw->text, m_continuationMarks);
    analysis->shownWords = std::make_shared<const AttentionResult>(wordLevel(analysis->shown, analysis->words));
    emit resultReady(request, std::move(analysis));
}

void InferenceWorker::traceLayer(quint64 request, EnginePtr engine, ResultPtr result, int layer) {
    guarded([&] { traceNow(request, engine, result, layer); },
            [&](const QString &message) { emit traceFailed(request, message); });
}

void InferenceWorker::traceNow(quint64 request, const EnginePtr &engine, const ResultPtr &result, int layer) {
    if (m_latestTrace->load() != request || !engine || !result)
        return;
    auto trace = engine->traceLayer(result->tokens, layer, [this, request](float fraction) {
        emit progressed(request, fraction);
        return m_latestTrace->load() == request;
    });
    if (!trace) {
        if (!trace.error().cancelled)
            emit traceFailed(request, QString::fromStdString(trace.error().message));
        return;
    }
    emit traceReady(request, std::make_shared<const LayerTrace>(std::move(trace).value()));
}

template <typename Payload>
std::function<void(quint64, Payload)> InferenceService::onlyLatest(quint64 &pending,
                                                                   std::function<void(const Payload &)> deliver) {
    // Answers to superseded requests are dropped; the newest one clears the pending slot and is delivered.
    return [this, &pending, deliver = std::move(deliver)](quint64 request, Payload payload) {
        if (request != pending)
            return;
        pending = 0;
        emit busyChanged(busy());
        deliver(payload);
    };
}

InferenceService::InferenceService(QObject *parent) : QObject(parent) {
    registerMetaTypes();
    m_thread.setObjectName(QStringLiteral("inference"));
    m_worker = new InferenceWorker(m_latestAnalysis, m_latestTrace);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &InferenceWorker::modelLoaded, this,
            onlyLatest<EnginePtr>(m_pendingLoad, [this](const EnginePtr &engine) {
                m_engine = engine;
                emit modelLoaded(engine);
            }));
    connect(m_worker, &InferenceWorker::modelFailed, this,
            onlyLatest<QString>(m_pendingLoad, [this](const QString &message) { emit modelFailed(message); }));
    connect(m_worker, &InferenceWorker::resultReady, this,
            onlyLatest<AnalysisPtr>(m_pendingAnalysis,
                                    [this](const AnalysisPtr &analysis) { emit resultReady(analysis); }));
    connect(m_worker, &InferenceWorker::analysisFailed, this,
            onlyLatest<QString>(m_pendingAnalysis, [this](const QString &message) { emit analysisFailed(message); }));
    connect(m_worker, &InferenceWorker::traceReady, this,
            onlyLatest<TracePtr>(m_pendingTrace, [this](const TracePtr &trace) { emit traceReady(trace); }));
    connect(m_worker, &InferenceWorker::traceFailed, this,
            onlyLatest<QString>(m_pendingTrace, [this](const QString &message) { emit traceFailed(message); }));
    connect(m_worker, &InferenceWorker::progressed, this, [this](quint64 request, float fraction) {
        if (request == m_pendingAnalysis || request == m_pendingTrace)
            emit progress(fraction);
    });
    m_thread.start();
}

InferenceService::~InferenceService() {
    m_latestAnalysis->store(0); // cancels a running forward pass at its next layer
    m_latestTrace->store(0);
    m_thread.quit();
    m_thread.wait();
}

quint64 InferenceService::post(quint64 &pending, std::atomic<quint64> *latest,
                               std::function<void(InferenceWorker *, quint64)> work) {
    pending = ++m_next;
    if (latest)
        latest->store(pending); // a running forward pass of the same kind stops at its next layer
    emit busyChanged(true);
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, request = pending, work = std::move(work)] { work(worker, request); },
        Qt::QueuedConnection);
    return pending;
}

quint64 InferenceService::loadModel(const QString &modelPath, const QString &tokenizerPath) {
    return post(m_pendingLoad, nullptr, [modelPath, tokenizerPath](InferenceWorker *worker, quint64 request) {
        worker->loadModel(request, modelPath, tokenizerPath);
    });
}

quint64 InferenceService::analyze(const QString &text, Measure measure) {
    if (!m_engine) {
        emit analysisFailed(tr("No model is loaded; open one with File > Open Model."));
        return 0;
    }
    return post(m_pendingAnalysis, m_latestAnalysis.get(),
                [engine = m_engine, text, measure](InferenceWorker *worker, quint64 request) {
                    worker->analyze(request, engine, text, measure);
                });
}

quint64 InferenceService::traceLayer(const ResultPtr &result, int layer) {
    if (!m_engine || !result)
        return 0;
    return post(m_pendingTrace, m_latestTrace.get(),
                [engine = m_engine, result, layer](InferenceWorker *worker, quint64 request) {
                    worker->traceLayer(request, engine, result, layer);
                });
}

void InferenceService::cancel() {
    if (!busy())
        return;
    m_latestAnalysis->store(0);
    m_latestTrace->store(0);
    m_pendingAnalysis = m_pendingLoad = m_pendingTrace = 0;
    emit busyChanged(false);
    emit cancelled();
}

} // namespace attnscope
