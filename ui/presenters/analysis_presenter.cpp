// AnalysisPresenter: what the main window shows and why, kept consistent across results, words and hidden tokens.
#include "presenters/analysis_presenter.h"

#include "export/export_files.h"
#include "models/focus.h"
#include "models/head_grid_model.h"
#include "models/heatmap_model.h"
#include "models/insights_model.h"
#include "widgets/inference_worker.h"

#include <attnscope/measures.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace attnscope {

namespace {
const char *const kAggregations[] = {"head", "mean", "max", "all"}; // Aggregation's order
} // namespace

AnalysisPresenter::AnalysisPresenter(int debounceMs, QObject *parent) : QObject(parent) {
    m_service = new InferenceService(this);
    m_heatmap = new HeatmapModel(this);
    m_selection = new QItemSelectionModel(m_heatmap, this);
    m_grid = new HeadGridModel(this);
    m_grid->setSourceModel(m_heatmap);
    m_insights = new InsightsModel(this);
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(debounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &AnalysisPresenter::analyzeNow);
    connect(m_service, &InferenceService::modelLoaded, this, &AnalysisPresenter::onModelLoaded);
    connect(m_service, &InferenceService::modelFailed, this, [this](const QString &message) {
        setError(engine() ? tr("%1 — still using %2.").arg(message, modelName()) : message);
        updateEmptyText();
    });
    connect(m_service, &InferenceService::resultReady, this, &AnalysisPresenter::showResult);
    connect(m_service, &InferenceService::analysisFailed, this, &AnalysisPresenter::setError);
    connect(m_service, &InferenceService::cancelled, this, &AnalysisPresenter::loadCancelled);
    connect(m_service, &InferenceService::cancelled, this, &AnalysisPresenter::updateEmptyText);
    connect(m_selection, &QItemSelectionModel::selectionChanged, this, [this] {
        followFocus();
        emit focusChanged();
    });
    updateEmptyText();
}

void AnalysisPresenter::updateEmptyText() {
    QString text;
    if (!engine())
        text = m_service->loading() ? tr("Loading the model…")
                                    : tr("No model yet: open one with File > Open, or get one with File > Get Models "
                                         "(Ctrl+Shift+M).");
    else if (m_text.trimmed().isEmpty())
        text = tr("Type a sentence above to see its attention.");
    else
        text = tr("Computing the attention of the text…");
    m_heatmap->setEmptyText(text);
}

AnalysisPresenter::~AnalysisPresenter() = default;

const EnginePtr &AnalysisPresenter::engine() const {
    return m_service->engine();
}

QString AnalysisPresenter::modelName() const {
    return engine() ? QString::fromStdString(engine()->info().name) : QString();
}

void AnalysisPresenter::setError(const QString &message) {
    if (message == m_error)
        return;
    m_error = message;
    emit errorChanged(message); // the previous result stays on screen; the text keeps what the user typed
}

void AnalysisPresenter::openModel(const QString &modelPath, const QString &tokenizerPath) {
    emit modelLoading(QFileInfo(modelPath).fileName());
    m_service->loadModel(modelPath, tokenizerPath);
    updateEmptyText();
}

void AnalysisPresenter::onModelLoaded(const EnginePtr &engine) {
    setError({});
    const ModelConfig &config = engine->info().config;
    m_layer = std::clamp(m_layer, 0, config.layers - 1);
    m_head = std::clamp(m_head, 0, config.heads - 1);
    emit modelLoaded(engine);
    emit stateChanged();
    analyzeNow();
    updateEmptyText();
}

void AnalysisPresenter::setText(const QString &text) {
    m_text = text;
    m_debounce.start();
    updateEmptyText();
}

void AnalysisPresenter::showText(const QString &text) {
    m_text = text;
    emit textReplaced(text);
    m_debounce.start();
    updateEmptyText();
}

void AnalysisPresenter::analyzeNow() {
    m_debounce.stop();
    if (engine())
        m_service->analyze(m_text, m_measure); // every measure is computed off this thread
}

void AnalysisPresenter::setMeasure(Measure measure) {
    if (measure == m_measure)
        return;
    m_measure = measure;
    emit stateChanged();
    analyzeNow(); // value-weighted needs the value norms captured
}

void AnalysisPresenter::selectHead(int layer, int head) {
    layer = std::clamp(layer, 0, std::max(0, layers() - 1));
    head = std::clamp(head, 0, std::max(0, heads() - 1));
    if (layer == m_layer && head == m_head)
        return;
    m_layer = layer;
    m_head = head;
    m_heatmap->setLayerHead(m_layer, m_head);
    emit stateChanged();
}

void AnalysisPresenter::showHead(int layer, int head) {
    if (m_analysis && m_analysis->shown && m_analysis->shown->measure == Measure::Rollout)
        head = 0; // rollout has one matrix per layer
    setAggregation(Aggregation::Head);
    selectHead(layer, head);
}

void AnalysisPresenter::setAggregation(Aggregation aggregation) {
    if (aggregation == m_aggregation)
        return;
    m_aggregation = aggregation;
    m_heatmap->setAggregation(aggregation);
    emit stateChanged();
}

int AnalysisPresenter::layers() const {
    if (m_analysis && m_analysis->shown && m_resultEngine == engine())
        return m_analysis->shown->layers;
    return engine() ? engine()->info().config.layers : 0; // a new model, before (or without) its first result
}

int AnalysisPresenter::heads() const {
    if (m_analysis && m_analysis->shown && m_resultEngine == engine())
        return m_analysis->shown->heads; // rollout: one
    return engine() ? engine()->info().config.heads : 0;
}

bool AnalysisPresenter::layerSelectable() const {
    return engine() && m_aggregation != Aggregation::MeanOfAll;
}

bool AnalysisPresenter::oneHeadShown() const {
    const bool rollout = m_analysis && m_analysis->shown && m_analysis->shown->measure == Measure::Rollout;
    return m_aggregation == Aggregation::Head && !rollout;
}

bool AnalysisPresenter::headSelectable() const {
    return engine() && oneHeadShown();
}

bool AnalysisPresenter::wordsShown() const {
    return m_words && m_analysis && m_analysis->shownWords;
}

bool AnalysisPresenter::rowsAreWords() const {
    return m_analysis && m_analysis->shownWords && m_heatmap->result() == m_analysis->shownWords;
}

int AnalysisPresenter::tokenPosition(int row, bool last) const {
    const int position = row >= 0 ? m_heatmap->position(row) : -1;
    if (position < 0 || !rowsAreWords())
        return position;
    const std::vector<Word> &words = m_analysis->words; // a word's prediction is made at its last token
    return std::size_t(position) < words.size() ? (last ? words[std::size_t(position)].tokens.back()
                                                        : words[std::size_t(position)].tokens.front())
                                                : -1;
}

int AnalysisPresenter::rowOfToken(int position) const {
    if (position >= 0 && rowsAreWords()) {
        const std::vector<int> of = wordOfToken(m_analysis->words, m_analysis->shown->seqLen());
        position = std::size_t(position) < of.size() ? of[std::size_t(position)] : -1;
    }
    return m_heatmap->rowOfPosition(position);
}

AnalysisPresenter::TokenFocus AnalysisPresenter::tokenFocus() const {
    const Focus f = focusOf(m_selection);
    return {tokenPosition(f.query, true), f.key >= 0 ? tokenPosition(f.key, false) : -1};
}

void AnalysisPresenter::focusToken(int position) {
    if (!focusRows(rowOfToken(position), -1, true))
        attnscope::clearFocus(m_selection);
}

void AnalysisPresenter::focusCell(int query, int key) {
    focusRows(rowOfToken(query), rowOfToken(key), false); // a hidden special token has no cell to select
}

void AnalysisPresenter::clearFocus() {
    attnscope::clearFocus(m_selection);
}

bool AnalysisPresenter::focusRows(int row, int column, bool token) {
    if (row >= 0 && token)
        attnscope::focusToken(m_selection, row);
    else if (row >= 0 && column >= 0)
        attnscope::focusCell(m_selection, row, column);
    else
        return false;
    return true;
}

void AnalysisPresenter::restoreFocus(int query, int key, bool token) {
    if (!focusRows(rowOfToken(query), rowOfToken(key), token))
        attnscope::clearFocus(m_selection);
}

void AnalysisPresenter::followFocus() {
    const TokenFocus f = tokenFocus();
    m_insights->setFocus(f.query, f.key);
}

void AnalysisPresenter::setHideSpecial(bool hide) {
    if (hide == m_hideSpecial)
        return;
    m_hideSpecial = hide;
    // Hiding tokens renumbers rows; the focused token (and key) stays focused across the change.
    const Focus before = focusOf(m_selection);
    const int query = m_heatmap->position(before.query), key = m_heatmap->position(before.key);
    m_heatmap->setHideSpecial(hide);
    focusRows(m_heatmap->rowOfPosition(query), m_heatmap->rowOfPosition(key), before.isToken());
    emit stateChanged();
}

void AnalysisPresenter::setWords(bool words) {
    if (words == m_words)
        return;
    m_words = words;
    if (m_analysis) {
        // The focused token's word (or a word's last token) stays focused across the change.
        const Focus before = focusOf(m_selection);
        const int query = tokenPosition(before.query, true), key = tokenPosition(before.key, true);
        m_heatmap->setResult(wordsShown() ? m_analysis->shownWords : m_analysis->shown);
        m_heatmap->setLayerHead(m_layer, m_head);
        restoreFocus(query, key, before.isToken());
    }
    emit wordsChanged(words);
    emit stateChanged();
}

void AnalysisPresenter::showResult(const AnalysisPtr &analysis) {
    setError({});
    // The same tokens again (another measure, or an edit after them): keep the focused token or cell.
    const ResultPtr before = m_heatmap->result();
    const Focus focus = focusOf(m_selection);
    const int query = m_heatmap->position(focus.query), key = m_heatmap->position(focus.key);
    m_analysis = analysis;
    m_resultEngine = engine();
    const ResultPtr &result = wordsShown() ? analysis->shownWords : analysis->shown;
    auto sameToken = [&](int position) {
        return position >= 0 && before && position < result->seqLen() && position < before->seqLen() &&
               before->tokens[std::size_t(position)].id == result->tokens[std::size_t(position)].id &&
               before->tokens[std::size_t(position)].piece == result->tokens[std::size_t(position)].piece &&
               before->tokens[std::size_t(position)].byteBegin == result->tokens[std::size_t(position)].byteBegin;
    };
    m_head = std::clamp(m_head, 0, std::max(0, result->heads - 1)); // rollout: one matrix per layer
    m_layer = std::clamp(m_layer, 0, std::max(0, result->layers - 1));
    m_heatmap->setResult(result);
    if (sameToken(query) && (focus.isToken() || sameToken(key)))
        focusRows(m_heatmap->rowOfPosition(query), m_heatmap->rowOfPosition(key), focus.isToken());
    m_heatmap->setLayerHead(m_layer, m_head);
    m_grid->setRoles(analysis->roles); // ignored by the grid under rollout (one matrix per layer)
    m_insights->setAnalysis(analysis, engine());
    followFocus();
    emit stateChanged();
    applyPendingSession();
    applyPendingExample();
    emit resultShown(analysis);
}

// --- sessions and examples ---------------------------------------------------------------------------------------

Session AnalysisPresenter::session(Session s) const {
    s.modelPath.clear();
    s.tokenizerPath.clear();
    if (const auto &e = engine()) {
        s.modelPath = QFileInfo(QString::fromStdString(e->info().modelPath)).absoluteFilePath();
        s.tokenizerPath = QString::fromStdString(e->info().tokenizerPath);
    }
    s.text = m_text;
    s.layer = m_layer;
    s.head = m_head;
    s.aggregation = QLatin1String(kAggregations[std::clamp(int(m_aggregation), 0, 3)]);
    s.measure = QLatin1String(measureKey(m_measure));
    const TokenFocus focus = tokenFocus(); // token positions, whether words are shown or not
    s.pinnedQuery = focus.query;
    s.pinnedKey = focus.key;
    s.hideSpecial = m_hideSpecial;
    s.words = m_words;
    return s;
}

QString AnalysisPresenter::saveSession(const QString &path, const Session &look) {
    const Session s = session(look);
    if (s.modelPath.isEmpty()) {
        setError(tr("Nothing to save yet: no model is loaded."));
        return m_error;
    }
    const QString error = writeFileAtomically(path, sessionToJson(s));
    if (!error.isEmpty())
        setError(error);
    return error;
}

QString AnalysisPresenter::openSession(const QString &path) {
    const QString shown = QDir::toNativeSeparators(path);
    auto fail = [this](const QString &message) {
        setError(message);
        return message;
    };
    // A FIFO or device would block the window (or never end): only regular files (symlinks followed) are read.
    if (QFileInfo(path).exists() && !QFileInfo(path).isFile())
        return fail(tr("%1: not a regular file; a session is a .attnscope file").arg(shown));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(tr("%1: cannot open (%2)").arg(shown, file.errorString()));
    Session s;
    const QString problem = sessionFromJson(file.read(16 << 20 | 1), &s);
    if (!problem.isEmpty())
        return fail(tr("%1: %2; nothing was changed").arg(shown, problem));
    if (!QFileInfo::exists(s.modelPath))
        return fail(tr("%1: its model %2 is not there any more; open the model with File > Open, then the session "
                       "again").arg(shown, QDir::toNativeSeparators(s.modelPath)));
    setError({});
    applySession(s, true);
    return {};
}

void AnalysisPresenter::applySession(const Session &s, bool withCompare) {
    m_pendingExample.reset();
    m_pendingSession = s;
    // Everything known without the result now; the measure must not start an analysis of its own.
    if (const auto measure = parseMeasure(s.measure.toStdString()))
        m_measure = *measure;
    setHideSpecial(s.hideSpecial);
    setWords(s.words);
    emit sessionLookRequested(s);
    m_text = s.text;
    emit textReplaced(s.text);
    if (withCompare && (!s.compareA.isEmpty() || !s.compareB.isEmpty()))
        emit compareRequested(s.compareA, s.compareB);
    emit stateChanged();
    const bool sameModel = engine() && QFileInfo(QString::fromStdString(engine()->info().modelPath)).absoluteFilePath() ==
                                           QFileInfo(s.modelPath).absoluteFilePath();
    if (sameModel)
        analyzeNow();
    else
        openModel(s.modelPath, s.tokenizerPath); // analyses once loaded
}

void AnalysisPresenter::applyPendingSession() {
    if (!m_pendingSession || !m_analysis || m_analysis->raw->text != m_pendingSession->text.toStdString())
        return;
    const Session s = *m_pendingSession;
    m_pendingSession.reset();
    for (int i = 0; i < 4; ++i)
        if (s.aggregation == QLatin1String(kAggregations[i]))
            setAggregation(Aggregation(i));
    selectHead(s.layer, s.head);
    restoreFocus(s.pinnedQuery, s.pinnedKey, s.pinnedKey < 0); // a token, a cell, or nothing pinned
}

void AnalysisPresenter::showExample(const Example &e) {
    m_pendingSession.reset();
    m_pendingExample = e;
    if (m_analysis && m_text == e.text) {
        applyPendingExample(); // already analysed: only the head and token change
        return;
    }
    m_text = e.text;
    emit textReplaced(e.text);
    if (engine())
        m_debounce.start();
}

void AnalysisPresenter::applyPendingExample() {
    if (!m_pendingExample || !m_analysis || !engine() || m_analysis->raw->text != m_pendingExample->text.toStdString())
        return;
    const Example e = *m_pendingExample;
    m_pendingExample.reset();
    // The head and token were chosen on one model; on another they would point at nothing in particular.
    if (!e.model.isEmpty() && e.model != modelName())
        return;
    if (e.layer >= 0 && e.layer < layers() && e.head < heads()) {
        setAggregation(Aggregation::Head);
        selectHead(e.layer, std::max(0, e.head));
    }
    const std::vector<Token> &tokens = m_analysis->raw->tokens;
    for (int i = int(tokens.size()) - 1; i >= 0 && !e.focus.isEmpty(); --i)
        if (QString::fromStdString(tokens[std::size_t(i)].piece) == e.focus) {
            if (rowOfToken(i) >= 0)
                focusToken(i);
            break;
        }
}

} // namespace attnscope
