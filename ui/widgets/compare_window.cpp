// CompareWindow: two inference services, three heatmaps and the ranked heads.
#include "widgets/compare_window.h"
#include "models/focus.h"
#include "models/heatmap_model.h"
#include "views/heatmap_view.h"
#include "widgets/error_banner.h"
#include "widgets/inference_worker.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace attnscope {

CompareWindow::CompareWindow(QWidget *parent) : QWidget(parent) {
    setWindowTitle(tr("AttnScope — Compare two sentences"));
    auto *close = new QShortcut(QKeySequence(Qt::Key_Escape), this); // Esc closes it, as a dialog would
    connect(close, &QShortcut::activated, this, &QWidget::close);
    m_serviceA = new InferenceService(this);
    m_serviceB = new InferenceService(this);
    m_modelA = new HeatmapModel(this);
    m_modelB = new HeatmapModel(this);
    m_diffModel = new HeatmapModel(this);
    m_selectionA = new QItemSelectionModel(m_modelA, this);
    m_selectionB = new QItemSelectionModel(m_modelB, this);

    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_textA = new QLineEdit(QStringLiteral("Swing the bat!"), this);
    m_textB = new QLineEdit(QStringLiteral("The bat flew at night."), this);
    m_textA->setToolTip(tr("The first sentence (A)."));
    m_textB->setToolTip(tr("The second sentence (B), ideally differing from A in a few words around a shared one."));
    form->addRow(tr("Sentence A"), m_textA);
    form->addRow(tr("Sentence B"), m_textB);
    layout->addLayout(form);

    auto *bar = new QHBoxLayout;
    m_anchor = new QComboBox(this);
    m_anchor->setMinimumContentsLength(12);
    m_anchor->setToolTip(tr("The token both sentences share: its row is focused in both heatmaps, and the heads are "
                            "ranked by how much its attention changes."));
    m_layer = new QSpinBox(this);
    m_layer->setPrefix(tr("Layer "));
    m_layer->setToolTip(tr("The layer both heatmaps show."));
    m_head = new QSpinBox(this);
    m_head->setPrefix(tr("Head "));
    m_head->setToolTip(tr("The head both heatmaps show. Click a row of the ranking to jump to it."));
    bar->addWidget(new QLabel(tr("Align on"), this));
    bar->addWidget(m_anchor);
    bar->addWidget(m_layer);
    bar->addWidget(m_head);
    bar->addStretch(1);
    layout->addLayout(bar);

    m_error = makeErrorBanner(this);
    layout->addWidget(m_error);

    auto *views = new QSplitter(Qt::Horizontal, this);
    m_viewA = new HeatmapView(views);
    m_viewA->setModel(m_modelA);
    m_viewA->setSelectionModel(m_selectionA);
    m_viewA->setModelName(tr("A"));
    m_viewB = new HeatmapView(views);
    m_viewB->setModel(m_modelB);
    m_viewB->setSelectionModel(m_selectionB);
    m_viewB->setModelName(tr("B"));
    m_diffStack = new QStackedWidget(views);
    m_viewDiff = new HeatmapView(m_diffStack);
    m_viewDiff->setModel(m_diffModel);
    m_viewDiff->setModelName(tr("A − B"));
    m_viewDiff->setToolTip(tr("Attention of A minus attention of B, cell by cell: orange where A attends more, purple "
                              "where B does."));
    m_diffNote = new QLabel(m_diffStack);
    m_diffNote->setWordWrap(true);
    m_diffNote->setAlignment(Qt::AlignCenter);
    m_diffStack->addWidget(m_viewDiff);
    m_diffStack->addWidget(m_diffNote);
    for (QWidget *w : {static_cast<QWidget *>(m_viewA), static_cast<QWidget *>(m_viewB), static_cast<QWidget *>(m_diffStack)})
        views->addWidget(w);

    auto *lower = new QWidget(this);
    auto *lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    m_summary = new QLabel(lower);
    m_summary->setWordWrap(true);
    lowerLayout->addWidget(m_summary);
    m_ranked = new QTableWidget(0, 4, lower);
    m_ranked->setHorizontalHeaderLabels({tr("Rank"), tr("Layer"), tr("Head"), tr("Change")});
    m_ranked->setToolTip(tr("Every head, the one whose attention from the shared token changes most between the two "
                            "sentences first. Click a row to show that head above."));
    m_ranked->horizontalHeaderItem(3)->setToolTip(
        tr("Total variation between the shared token's attention in A and in B, keys matched by word: 0 = the same "
           "words in the same proportions, 1 = entirely different ones."));
    m_ranked->verticalHeader()->setVisible(false);
    m_ranked->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_ranked->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_ranked->setSelectionMode(QAbstractItemView::SingleSelection);
    m_ranked->horizontalHeader()->setStretchLastSection(true);
    lowerLayout->addWidget(m_ranked, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(views);
    split->addWidget(lower);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({520, 330});
    layout->addWidget(split, 1);
    resize(kPreferredSize);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(200);
    setStyle(ViewStyle{}); // the difference view always uses the diverging map
    connect(&m_debounce, &QTimer::timeout, this, &CompareWindow::analyze);
    connect(m_textA, &QLineEdit::textChanged, &m_debounce, qOverload<>(&QTimer::start));
    connect(m_textB, &QLineEdit::textChanged, &m_debounce, qOverload<>(&QTimer::start));
    connect(m_serviceA, &InferenceService::resultReady, this, [this](const AnalysisPtr &a) {
        m_a = a->shown;
        resultIn();
    });
    connect(m_serviceB, &InferenceService::resultReady, this, [this](const AnalysisPtr &b) {
        m_b = b->shown;
        resultIn();
    });
    auto failed = [this](const QString &message) {
        m_error->setText(message);
        m_error->setVisible(true);
        emit this->failed(message);
    };
    connect(m_serviceA, &InferenceService::analysisFailed, this, [failed](const QString &m) { failed(tr("A: %1").arg(m)); });
    connect(m_serviceB, &InferenceService::analysisFailed, this, [failed](const QString &m) { failed(tr("B: %1").arg(m)); });
    connect(m_anchor, qOverload<int>(&QComboBox::currentIndexChanged), this, &CompareWindow::rebuildComparison);
    auto layerHead = [this] {
        for (HeatmapModel *m : {m_modelA, m_modelB, m_diffModel})
            m->setLayerHead(m_layer->value(), m_head->value());
        fitDifferenceRange();
    };
    connect(m_layer, qOverload<int>(&QSpinBox::valueChanged), this, layerHead);
    connect(m_head, qOverload<int>(&QSpinBox::valueChanged), this, layerHead);
    connect(m_ranked, &QTableWidget::cellClicked, this, [this](int row, int) {
        if (row >= 0 && row < static_cast<int>(m_ranking.size()))
            selectHead(m_ranking[std::size_t(row)].layer, m_ranking[std::size_t(row)].head);
    });
}

CompareWindow::~CompareWindow() = default;

void CompareWindow::setEngine(EnginePtr engine) {
    if (engine == this->engine())
        return; // same model: the results on screen stand
    m_serviceA->setEngine(engine);
    m_serviceB->setEngine(engine);
    if (engine) {
        m_layer->setRange(0, engine->info().config.layers - 1);
        m_head->setRange(0, engine->info().config.heads - 1);
    }
    analyze();
}

EnginePtr CompareWindow::engine() const {
    return m_serviceA->engine();
}

void CompareWindow::setTexts(const QString &a, const QString &b) {
    m_textA->setText(a);
    m_textB->setText(b);
    analyze();
}

void CompareWindow::setStyle(const ViewStyle &style) {
    m_viewA->setStyle(style);
    m_viewB->setStyle(style);
    ViewStyle diverging = style;
    diverging.map = &ColorMap::purpleOrange();
    diverging.scale.kind = ColorScale::Kind::Signed;
    diverging.scale.signedRange = m_viewDiff->viewStyle().scale.signedRange;
    m_viewDiff->setStyle(diverging);
}

void CompareWindow::analyze() {
    m_debounce.stop();
    if (!engine())
        return;
    m_error->setVisible(false);
    m_a.reset();
    m_b.reset();
    m_serviceA->analyze(m_textA->text());
    m_serviceB->analyze(m_textB->text());
}

void CompareWindow::resultIn() {
    if (!m_a || !m_b)
        return; // the other sentence is still running
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
        m_diffModel->setResult(diff);
        m_diffStack->setCurrentWidget(m_viewDiff);
    } else {
        m_diffModel->setResult(nullptr);
        m_diffNote->setText(tr("A has %1 tokens and B has %2, so there is no cell-by-cell difference.\n\nThe ranking "
                               "below compares the shared token's attention word by word instead.")
                                .arg(m_a->seqLen())
                                .arg(m_b->seqLen()));
        m_diffStack->setCurrentWidget(m_diffNote);
    }
    for (HeatmapModel *m : {m_modelA, m_modelB, m_diffModel})
        m->setLayerHead(m_layer->value(), m_head->value());
    fitDifferenceRange();
    rebuildAnchors();
    rebuildComparison();
    emit compared();
}

void CompareWindow::rebuildAnchors() {
    const QString previous = m_anchor->currentText();
    const QSignalBlocker block(m_anchor);
    m_anchor->clear();
    for (const auto &[a, b] : sharedTokens(*m_a, *m_b))
        m_anchor->addItem(tokenLabel(m_a->tokens[std::size_t(a)]), QPoint(a, b));
    // Keep the chosen word when it is still shared; otherwise the last shared one with a letter in it (often the
    // word that matters, after function words such as "the"; punctuation is a poor anchor).
    int chosen = m_anchor->findText(previous);
    for (int i = m_anchor->count() - 1; chosen < 0 && i >= 0; --i) {
        const QString piece = m_anchor->itemText(i);
        if (std::any_of(piece.begin(), piece.end(), [](QChar c) { return c.isLetter(); }))
            chosen = i;
    }
    m_anchor->setCurrentIndex(chosen >= 0 ? chosen : m_anchor->count() - 1);
}

void CompareWindow::rebuildComparison() {
    m_ranking.clear();
    m_ranked->setRowCount(0);
    if (!m_a || !m_b)
        return;
    if (m_anchor->count() == 0) {
        m_summary->setText(tr("The sentences share no token: type two sentences with a word in common."));
        attnscope::clearFocus(m_selectionA);
        attnscope::clearFocus(m_selectionB);
        return;
    }
    const QPoint pair = m_anchor->currentData().toPoint();
    focusToken(m_selectionA, m_modelA->rowOfPosition(pair.x()));
    focusToken(m_selectionB, m_modelB->rowOfPosition(pair.y()));
    m_ranking = headChanges(*m_a, pair.x(), *m_b, pair.y());
    m_ranked->setRowCount(static_cast<int>(m_ranking.size()));
    for (int i = 0; i < static_cast<int>(m_ranking.size()); ++i) {
        const HeadScore &s = m_ranking[std::size_t(i)];
        const QStringList cells = {QString::number(i + 1), QString::number(s.layer), QString::number(s.head),
                                   QString::number(s.score, 'f', 3)};
        for (int c = 0; c < cells.size(); ++c) {
            auto *item = new QTableWidgetItem(cells[c]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_ranked->setItem(i, c, item);
        }
    }
    if (!m_ranking.empty()) {
        const HeadScore &top = m_ranking.front();
        m_summary->setText(tr("<b>%1</b>: the heads whose attention from this token changes most between A and B. "
                              "Largest: layer %2 head %3 (%4). Click a row to show it above.")
                               .arg(m_anchor->currentText().toHtmlEscaped())
                               .arg(top.layer)
                               .arg(top.head)
                               .arg(top.score, 0, 'f', 2));
    }
}

void CompareWindow::selectHead(int layer, int head) {
    m_layer->setValue(layer);
    m_head->setValue(head);
}

void CompareWindow::fitDifferenceRange() {
    // The colour range follows the largest difference in the head shown, rounded up to 0.1, 0.2, 0.25, 0.5 or 1,
    // so small changes stay visible; the colour bar labels the range.
    float largest = 0;
    for (const float d : m_diffModel->matrix().weights)
        largest = std::max(largest, std::abs(d));
    float range = 1;
    for (const float nice : {0.1f, 0.2f, 0.25f, 0.5f, 1.0f})
        if (largest <= nice) {
            range = nice;
            break;
        }
    ViewStyle style = m_viewDiff->viewStyle();
    if (style.scale.signedRange != range) {
        style.scale.signedRange = range;
        m_viewDiff->setStyle(style);
    }
}

bool CompareWindow::differenceShown() const {
    return m_diffStack->currentWidget() == m_viewDiff && m_diffModel->result() != nullptr;
}

} // namespace attnscope
