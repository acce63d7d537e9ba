// StepPanel: keeps the step view's trace in step with the analysis and the chosen layer.
#include "widgets/step_panel.h"
#include "presenters/analysis_presenter.h"
#include "models/step_model.h"
#include "views/step_view.h"
#include "widgets/inference_worker.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QScrollBar>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace attnscope {

StepPanel::StepPanel(InferenceService *service, QWidget *parent)
    : QWidget(parent), m_service(service), m_model(new StepModel(this)), m_view(new StepView) {
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    auto *hint = m_hint = new QLabel(tr("Click a token to choose the query."), this);
    hint->setWordWrap(true);
    hint->setToolTip(tr("The layer and head are the ones chosen above, the query the token focused in the strip or the "
                        "heatmap (the last token when none is): this page shows how that row of weights is made."));
    m_order = new QComboBox(this);
    m_order->addItem(tr("Keys in sentence order"), int(StepModel::Order::Sentence));
    m_order->addItem(tr("Strongest weight first"), int(StepModel::Order::Strongest));
    m_order->setToolTip(tr("List the keys as they appear in the text, or by the weight softmax gives them."));
    bar->addWidget(hint, 1);
    bar->addWidget(m_order);
    layout->addLayout(bar);
    m_view->setModel(m_model);
    m_view->setToolTip(tr("Hover a row to see its numbers."));
    m_scroll = new QScrollArea(this);
    m_scroll->setWidget(m_view);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout->addWidget(m_scroll, 1);
    // The view's header follows the scroll position, so a scroll repaints all of it, not only the exposed strip.
    connect(m_scroll->verticalScrollBar(), &QScrollBar::valueChanged, m_view, qOverload<>(&QWidget::update));

    // A long text lists hundreds of keys: keep the one with the largest weight in sight when the step changes.
    connect(m_model, &StepModel::changed, this, [this] {
        const int strongest = m_model->strongestRow();
        if (strongest < 0)
            return;
        QTimer::singleShot(0, this, [this, strongest] {
            if (strongest < m_model->rowCount()) {
                // The height the scroll area gives the view on its next layout, now, so the row is reachable.
                m_view->resize(m_scroll->viewport()->width(),
                               std::max(m_scroll->viewport()->height(), m_view->minimumSizeHint().height()));
                const QRect r = m_view->rowRect(strongest);
                // The margin keeps the row clear of the header that stays at the top.
                m_scroll->ensureVisible(r.center().x(), r.center().y(), 0, m_view->rowRect(0).top() + r.height() * 2);
            }
        });
    });
    connect(m_view, &StepView::keyClicked, this, [this](int key) {
        if (const HeadStep *step = m_model->step())
            emit cellChosen(step->query, key);
    });
    connect(m_order, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this] { m_model->setOrder(StepModel::Order(m_order->currentData().toInt())); });
    connect(m_service, &InferenceService::traceReady, this, [this](const TracePtr &trace) {
        m_model->setTrace(trace);
        refresh();
    });
    connect(m_service, &InferenceService::traceFailed, this, [this](const QString &message) {
        m_requestedFor.reset(); // try again on the next change
        m_view->setMessage(tr("Could not trace this layer: %1").arg(message));
    });
    connect(m_service, &InferenceService::cancelled, this, [this] {
        if (!traceFits())
            m_requestedFor.reset(); // the trace asked for was dropped; ask again when next needed
    });
}

QSize StepPanel::viewportSize() const {
    return m_scroll->viewport()->size();
}

void StepPanel::setAnalysis(const AnalysisPtr &analysis) {
    m_analysis = analysis;
    refresh();
}

void StepPanel::follow(const AnalysisPresenter &p) {
    const AnalysisPresenter::TokenFocus f = p.tokenFocus();
    setQuery(f.query);
    setFocusedKey(f.key);
    setHead(p.layer(), p.head(), p.oneHeadShown());
    setMeasure(p.analysis() && p.analysis()->shown ? p.analysis()->shown->measure : Measure::Raw);
}

void StepPanel::setHead(int layer, int head, bool oneHead) {
    m_layer = layer;
    m_oneHead = oneHead;
    m_model->setHead(head);
    refresh();
}

void StepPanel::setQuery(int position) {
    m_model->setQuery(position);
}

void StepPanel::setMeasure(Measure measure) {
    m_hint->setText(measure == Measure::Value
                        ? tr("Click a token to choose the query. The other views weight each softmax weight (③) by the "
                             "size of its value, ‖W_O·v‖; this page shows the softmax itself.")
                        : tr("Click a token to choose the query."));
}

QString StepPanel::hint() const {
    return m_hint->text();
}

void StepPanel::setFocusedKey(int position) {
    m_view->setFocusedKey(position);
}

void StepPanel::setStyle(const ViewStyle &style) {
    m_view->setStyle(style);
}

void StepPanel::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    refresh();
}

void StepPanel::refresh() {
    if (!m_oneHead) {
        m_view->setMessage(tr("The step-by-step view follows one head of raw attention. Choose “One head” above "
                              "(a mean, a maximum or a rollout combines several heads, so no single softmax made it)."));
        return;
    }
    if (!m_analysis || !m_analysis->raw) {
        m_view->setMessage({});
        return;
    }
    if (traceFits()) {
        m_view->setMessage({});
        return;
    }
    // Numbers of another text or layer must not stay on screen, not even for the moment a trace takes.
    m_view->setMessage(tr("Tracing layer %1…").arg(m_layer));
    if (!isVisible() || (m_requestedFor == m_analysis->raw && m_requestedLayer == m_layer))
        return; // traced when the page is shown, or already asked for
    m_requestedFor = m_analysis->raw;
    m_requestedLayer = m_layer;
    m_service->traceLayer(m_analysis->raw, m_layer);
}

bool StepPanel::traceFits() const {
    // The held trace serves while the layer and the tokens are the same: another measure of the same text, or
    // another head or query, needs no new trace.
    const TracePtr &trace = m_model->trace();
    if (!trace || !m_analysis || !m_analysis->raw || trace->layer != m_layer)
        return false;
    const std::vector<Token> &a = trace->tokens, &b = m_analysis->raw->tokens;
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Token &x, const Token &y) { return x.id == y.id; });
}

} // namespace attnscope
