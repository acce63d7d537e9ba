// ComparePresenter: two inference services, the anchors, the ranking and the difference.
#include "presenters/compare_presenter.h"

#include "models/focus.h"
#include "models/heatmap_model.h"
#include "widgets/inference_worker.h"


#include <algorithm>
#include <cmath>

namespace attnscope {

ComparePresenter::ComparePresenter(int debounceMs, QObject *parent) : QObject(parent) {
    m_serviceA = new InferenceService(this);
    m_serviceB = new InferenceService(this);
    m_modelA = new HeatmapModel(this);
    m_modelB = new HeatmapModel(this);
    m_diff = new HeatmapModel(this);
    m_selectionA = new QItemSelectionModel(m_modelA, this);
    m_selectionB = new QItemSelectionModel(m_modelB, this);
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(debounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &ComparePresenter::analyze);
    connect(m_serviceA, &InferenceService::resultReady, this, [this](const AnalysisPtr &a) {
        m_analysisA = a;
        resultIn();
    });
    connect(m_serviceB, &InferenceService::resultReady, this, [this](const AnalysisPtr &b) {
        m_analysisB = b;
        resultIn();
    });
    connect(m_serviceA, &InferenceService::analysisFailed, this,
            [this](const QString &m) { emit failed(tr("A: %1").arg(m)); });
    connect(m_serviceB, &InferenceService::analysisFailed, this,
            [this](const QString &m) { emit failed(tr("B: %1").arg(m)); });
}

ComparePresenter::~ComparePresenter() = default;

void ComparePresenter::setEngine(EnginePtr engine) {
    if (engine == this->engine())
        return; // same model: the results on screen stand
    m_serviceA->setEngine(engine);
    m_serviceB->setEngine(engine);
    selectHead(m_layer, m_head); // inside the new model
    analyze();
}

EnginePtr ComparePresenter::engine() const {
    return m_serviceA->engine();
}

int ComparePresenter::layers() const {
    return engine() ? engine()->info().config.layers : 0;
}

int ComparePresenter::heads() const {
    return engine() ? engine()->info().config.heads : 0;
}

void ComparePresenter::setTexts(const QString &a, const QString &b) {
    m_textA = a;
    m_textB = b;
    analyze();
}

void ComparePresenter::setTextA(const QString &a) {
    m_textA = a;
    m_debounce.start();
}

void ComparePresenter::setTextB(const QString &b) {
    m_textB = b;
    m_debounce.start();
}

void ComparePresenter::setWords(bool words) {
    if (words == m_words)
        return;
    m_words = words;
    if (m_analysisA && m_analysisB)
        resultIn(); // the results stand; only what is shown of them changes
    else
        emit stateChanged(); // the box shows it; the results show it when they come
}

void ComparePresenter::selectHead(int layer, int head) {
    m_layer = std::clamp(layer, 0, std::max(0, layers() - 1));
    m_head = std::clamp(head, 0, std::max(0, heads() - 1));
    for (HeatmapModel *m : {m_modelA, m_modelB, m_diff})
        m->setLayerHead(m_layer, m_head);
    fitDifferenceRange();
    emit stateChanged();
}

void ComparePresenter::analyze() {
    m_debounce.stop();
    if (!engine())
        return;
    m_analysisA.reset();
    m_analysisB.reset();
    m_serviceA->analyze(m_textA);
    m_serviceB->analyze(m_textB);
}

void ComparePresenter::resultIn() {
    if (!m_analysisA || !m_analysisB)
        return; // the other sentence is still running
    auto shown = [this](const AnalysisPtr &a) { return m_words && a->shownWords ? a->shownWords : a->shown; };
    m_a = shown(m_analysisA);
    m_b = shown(m_analysisB);
    m_modelA->setResult(m_a);
    m_modelB->setResult(m_b);
    if (m_a->seqLen() == m_b->seqLen()) { // cell by cell
        auto diff = std::make_shared<AttentionResult>();
        diff->text = m_a->text + " − " + m_b->text;
        diff->tokens = m_a->tokens;
        for (std::size_t i = 0; i < diff->tokens.size(); ++i)
            if (m_a->tokens[i].piece != m_b->tokens[i].piece)
                diff->tokens[i].piece = m_a->tokens[i].piece + "/" + m_b->tokens[i].piece;
        diff->layers = m_a->layers;
        diff->heads = m_a->heads;
        diff->causal = m_a->causal;
        const FloatBuffer &a = m_a->dense(), &b = m_b->dense(); // two sentences: every head of each, small
        diff->attention.resize(a.size());
        for (std::size_t i = 0; i < diff->attention.size(); ++i)
            diff->attention[i] = a[i] - b[i];
        m_diff->setResult(diff);
    } else {
        m_diff->setResult(nullptr);
    }
    for (HeatmapModel *m : {m_modelA, m_modelB, m_diff})
        m->setLayerHead(m_layer, m_head);
    fitDifferenceRange();
    rebuildAnchors();
    rebuildRanking();
    emit stateChanged();
    emit compared();
}

void ComparePresenter::rebuildAnchors() {
    const QString previous = m_anchor >= 0 ? m_anchors[std::size_t(m_anchor)].label : QString();
    m_anchors.clear();
    // Words match by their letters ("bat!" and "bat", "The" and "the"): what a teacher means by the same word.
    const bool words = m_a == m_analysisA->shownWords;
    for (const auto &[a, b] : words ? sharedWords(*m_a, *m_b) : sharedTokens(*m_a, *m_b))
        m_anchors.push_back({tokenLabel(m_a->tokens[std::size_t(a)]), m_modelA->rowOfPosition(a), m_modelB->rowOfPosition(b)});
    // Keep the chosen word when it is still shared; otherwise the last shared one with a letter in it (often the
    // word that matters, after function words such as "the"; punctuation is a poor anchor).
    m_anchor = -1;
    for (int i = int(m_anchors.size()) - 1; i >= 0 && m_anchor < 0; --i)
        if (m_anchors[std::size_t(i)].label == previous)
            m_anchor = i;
    for (int i = int(m_anchors.size()) - 1; i >= 0 && m_anchor < 0; --i) {
        const QString &label = m_anchors[std::size_t(i)].label;
        if (std::any_of(label.begin(), label.end(), [](QChar c) { return c.isLetter(); }))
            m_anchor = i;
    }
    if (m_anchor < 0)
        m_anchor = int(m_anchors.size()) - 1;
}

void ComparePresenter::setAnchor(int index) {
    if (index < 0 || index >= int(m_anchors.size()) || index == m_anchor)
        return;
    m_anchor = index;
    rebuildRanking();
    emit stateChanged();
}

void ComparePresenter::rebuildRanking() {
    m_ranking.clear();
    if (!m_a || !m_b || m_anchor < 0) {
        attnscope::clearFocus(m_selectionA);
        attnscope::clearFocus(m_selectionB);
    } else {
        const Anchor &anchor = m_anchors[std::size_t(m_anchor)];
        focusToken(m_selectionA, anchor.rowA);
        focusToken(m_selectionB, anchor.rowB);
        m_ranking = headChanges(*m_a, m_modelA->position(anchor.rowA), *m_b, m_modelB->position(anchor.rowB));
    }
    emit rankingChanged();
}

bool ComparePresenter::differenceShown() const {
    return m_diff->result() != nullptr;
}

void ComparePresenter::fitDifferenceRange() {
    // The colour range follows the largest difference in the head shown, rounded up to 0.1, 0.2, 0.25, 0.5 or 1,
    // so small changes stay visible; the colour bar labels the range.
    float largest = 0;
    if (m_diff->result())
        for (const float d : m_diff->matrix().weights)
            largest = std::max(largest, std::abs(d));
    m_range = 1;
    for (const float nice : {0.1f, 0.2f, 0.25f, 0.5f, 1.0f})
        if (largest <= nice) {
            m_range = nice;
            break;
        }
}

} // namespace attnscope
