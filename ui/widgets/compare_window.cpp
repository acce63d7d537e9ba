// CompareWindow: the sentences, three heatmaps and the ranked heads, wired to a ComparePresenter.
#include "widgets/compare_window.h"
#include "models/heatmap_model.h"
#include "presenters/compare_presenter.h"
#include "views/heatmap_view.h"
#include "widgets/error_banner.h"

#include <QCheckBox>
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

CompareWindow::CompareWindow(ComparePresenter *presenter, QWidget *parent)
    : QWidget(parent), m_presenter(presenter ? presenter : new ComparePresenter) {
    m_presenter->setParent(this);
    setWindowTitle(tr("AttnScope — Compare two sentences"));
    auto *close = new QShortcut(QKeySequence(Qt::Key_Escape), this); // Esc closes it, as a dialog would
    connect(close, &QShortcut::activated, this, &QWidget::close);

    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_textA = new QLineEdit(m_presenter->textA(), this);
    m_textB = new QLineEdit(m_presenter->textB(), this);
    m_textA->setObjectName(QStringLiteral("textA"));
    m_textB->setObjectName(QStringLiteral("textB"));
    m_textA->setToolTip(tr("The first sentence (A)."));
    m_textB->setToolTip(tr("The second sentence (B), ideally differing from A in a few words around a shared one."));
    form->addRow(tr("Sentence A"), m_textA);
    form->addRow(tr("Sentence B"), m_textB);
    layout->addLayout(form);

    auto *bar = new QHBoxLayout;
    m_anchor = new QComboBox(this);
    m_anchor->setObjectName(QStringLiteral("anchor"));
    m_anchor->setMinimumContentsLength(12);
    m_anchor->setToolTip(tr("The token both sentences share: its row is focused in both heatmaps, and the heads are "
                            "ranked by how much its attention changes."));
    m_layer = new QSpinBox(this);
    m_layer->setObjectName(QStringLiteral("layer"));
    m_layer->setPrefix(tr("Layer "));
    m_layer->setToolTip(tr("The layer both heatmaps show."));
    m_head = new QSpinBox(this);
    m_head->setObjectName(QStringLiteral("head"));
    m_head->setPrefix(tr("Head "));
    m_head->setToolTip(tr("The head both heatmaps show. Click a row of the ranking to jump to it."));
    bar->addWidget(new QLabel(tr("Align on"), this));
    bar->addWidget(m_anchor);
    bar->addWidget(m_layer);
    bar->addWidget(m_head);
    m_words = new QCheckBox(tr("Words"), this);
    m_words->setObjectName(QStringLiteral("words"));
    m_words->setToolTip(tr("Both sentences between words instead of tokens (“▁Li” + “ly” → “Lily”), as in the main "
                           "window: the anchor is a shared word and the heads are ranked by its attention."));
    bar->addWidget(m_words);
    bar->addStretch(1);
    layout->addLayout(bar);

    m_error = makeErrorBanner(this);
    layout->addWidget(m_error);

    auto *views = new QSplitter(Qt::Horizontal, this);
    m_viewA = new HeatmapView(views);
    m_viewA->setModel(m_presenter->modelA());
    m_viewA->setSelectionModel(m_presenter->selectionA());
    m_viewA->setModelName(tr("A"));
    m_viewB = new HeatmapView(views);
    m_viewB->setModel(m_presenter->modelB());
    m_viewB->setSelectionModel(m_presenter->selectionB());
    m_viewB->setModelName(tr("B"));
    m_diffStack = new QStackedWidget(views);
    m_viewDiff = new HeatmapView(m_diffStack);
    m_viewDiff->setModel(m_presenter->differenceModel());
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
    m_ranked->setObjectName(QStringLiteral("rankedHeads"));
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

    setStyle(ViewStyle{}); // the difference view always uses the diverging map
    sync();
    connect(m_textA, &QLineEdit::textChanged, m_presenter, &ComparePresenter::setTextA);
    connect(m_textB, &QLineEdit::textChanged, m_presenter, &ComparePresenter::setTextB);
    connect(m_words, &QCheckBox::toggled, m_presenter, &ComparePresenter::setWords);
    connect(m_anchor, qOverload<int>(&QComboBox::currentIndexChanged), m_presenter, &ComparePresenter::setAnchor);
    auto layerHead = [this] { m_presenter->selectHead(m_layer->value(), m_head->value()); };
    connect(m_layer, qOverload<int>(&QSpinBox::valueChanged), this, layerHead);
    connect(m_head, qOverload<int>(&QSpinBox::valueChanged), this, layerHead);
    connect(m_ranked, &QTableWidget::cellClicked, this, [this](int row, int) {
        const auto &ranking = m_presenter->ranking();
        if (row >= 0 && row < int(ranking.size()))
            m_presenter->selectHead(ranking[std::size_t(row)].layer, ranking[std::size_t(row)].head);
    });
    connect(m_presenter, &ComparePresenter::stateChanged, this, &CompareWindow::sync);
    connect(m_presenter, &ComparePresenter::rankingChanged, this, &CompareWindow::showRanking);
    connect(m_presenter, &ComparePresenter::compared, this, [this] {
        m_error->setVisible(false);
        emit compared();
    });
    connect(m_presenter, &ComparePresenter::failed, this, [this](const QString &message) {
        m_error->setText(message);
        m_error->setVisible(true);
        emit failed(message);
    });
}

CompareWindow::~CompareWindow() = default;

void CompareWindow::setEngine(EnginePtr engine) {
    m_presenter->setEngine(std::move(engine));
    sync();
}

void CompareWindow::setTexts(const QString &a, const QString &b) {
    {
        const QSignalBlocker blockA(m_textA), blockB(m_textB); // the presenter gets both at once
        m_textA->setText(a);
        m_textB->setText(b);
    }
    m_presenter->setTexts(a, b);
}

void CompareWindow::setStyle(const ViewStyle &style) {
    m_viewA->setStyle(style);
    m_viewB->setStyle(style);
    ViewStyle diverging = style;
    diverging.map = &ColorMap::purpleOrange();
    diverging.scale.kind = ColorScale::Kind::Signed;
    diverging.scale.signedRange = m_presenter->differenceRange();
    m_viewDiff->setStyle(diverging);
}

void CompareWindow::sync() {
    const ComparePresenter &p = *m_presenter;
    {
        const QSignalBlocker a(m_layer), b(m_head), d(m_words);
        m_layer->setRange(0, std::max(0, p.layers() - 1));
        m_head->setRange(0, std::max(0, p.heads() - 1));
        m_layer->setValue(p.layer());
        m_head->setValue(p.head());
        m_words->setChecked(p.words());
    }
    ViewStyle style = m_viewDiff->viewStyle();
    if (style.scale.signedRange != p.differenceRange()) {
        style.scale.signedRange = p.differenceRange();
        m_viewDiff->setStyle(style);
    }
    const ResultPtr a = p.resultA(), b = p.resultB();
    if (a && b && !p.differenceShown()) {
        const QString unit = p.words() ? tr("words") : tr("tokens");
        m_diffNote->setText(tr("A has %1 %3 and B has %2, so there is no cell-by-cell difference.\n\nThe ranking "
                               "below compares the shared %4's attention word by word instead.")
                                .arg(a->seqLen())
                                .arg(b->seqLen())
                                .arg(unit, p.words() ? tr("word") : tr("token")));
        m_diffStack->setCurrentWidget(m_diffNote);
    } else {
        m_diffStack->setCurrentWidget(m_viewDiff);
    }
}

void CompareWindow::showRanking() {
    const ComparePresenter &p = *m_presenter;
    const ResultPtr a = p.resultA(), b = p.resultB();
    {
        const QSignalBlocker block(m_anchor);
        m_anchor->clear();
        for (const ComparePresenter::Anchor &anchor : p.anchors())
            m_anchor->addItem(anchor.label);
        m_anchor->setCurrentIndex(p.anchorIndex());
    }
    const auto &ranking = p.ranking();
    m_ranked->setRowCount(int(ranking.size()));
    for (int i = 0; i < int(ranking.size()); ++i) {
        const HeadScore &s = ranking[std::size_t(i)];
        const QStringList cells = {QString::number(i + 1), QString::number(s.layer), QString::number(s.head),
                                   QString::number(s.score, 'f', 3)};
        for (int c = 0; c < cells.size(); ++c) {
            auto *item = new QTableWidgetItem(cells[c]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_ranked->setItem(i, c, item);
        }
    }
    if (a && b && p.anchors().empty())
        m_summary->setText(p.words() ? tr("The sentences share no word: type two sentences with a word in common.")
                                     : tr("The sentences share no token: type two sentences with a word in common."));
    else if (!ranking.empty())
        m_summary->setText(tr("<b>%1</b>: the heads whose attention from this %5 changes most between A and B. "
                              "Largest: layer %2 head %3 (%4). Click a row to show it above.")
                               .arg(p.anchors()[std::size_t(p.anchorIndex())].label.toHtmlEscaped())
                               .arg(ranking.front().layer)
                               .arg(ranking.front().head)
                               .arg(ranking.front().score, 0, 'f', 2)
                               .arg(p.words() ? tr("word") : tr("token")));
}

} // namespace attnscope
