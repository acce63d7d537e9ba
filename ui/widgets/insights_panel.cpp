// InsightsPanel: a tab widget over InsightsModel.
#include "widgets/insights_panel.h"
#include "models/insights_model.h"
#include "views/predictions_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace attnscope {

InsightsPanel::InsightsPanel(InsightsModel *model, QWidget *parent) : QWidget(parent), m_model(model) {
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tabs = new QTabWidget(this);
    layout->addWidget(m_tabs);

    auto *heads = new QWidget(m_tabs);
    auto *v = new QVBoxLayout(heads);
    v->setContentsMargins(4, 4, 4, 4);
    m_hint = new QLabel(heads);
    m_hint->setWordWrap(true);
    v->addWidget(m_hint);
    m_sorted = new QSortFilterProxyModel(this);
    m_sorted->setSourceModel(model);
    m_sorted->setSortRole(InsightsModel::SortRole);
    m_table = new QTableView(heads);
    m_table->setModel(m_sorted);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(InsightsModel::Layer, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSortIndicatorShown(true);
    m_table->setAlternatingRowColors(true);
    m_table->setToolTip(tr("Every head's role scores for this text (raw attention). Click a column to sort; click a "
                           "row to show that head."));
    v->addWidget(m_table, 1);
    m_tabs->addTab(heads, tr("Heads"));

    m_predictions = new PredictionsView(m_tabs);
    m_predictions->setModel(model);
    m_predictions->setToolTip(tr("The model's ten most likely next tokens after the focused token (softmax of its "
                                 "logits)."));
    m_tabs->addTab(m_predictions, tr("Next token"));

    connect(m_table, &QTableView::clicked, this, [this](const QModelIndex &index) {
        int head = -1;
        const int layer = m_model->layerHead(m_sorted->mapToSource(index).row(), &head);
        if (layer >= 0)
            emit headChosen(layer, head);
    });
    connect(model, &InsightsModel::insightsChanged, this, &InsightsPanel::updateHint);
    updateHint();
}

QSize InsightsPanel::sizeHint() const {
    const QFontMetrics fm(font()); // layer, head, role and the find-heads column without scrolling
    return {fm.horizontalAdvance(QLatin1Char('x')) * 60, 600};
}

void InsightsPanel::updateHint() {
    const bool pair = m_model->hasPair();
    if (pair) {
        m_hint->setText(tr("<b>Find heads:</b> sorted by how strongly “%1” attends to “%2”.")
                            .arg(m_model->tokenText(m_model->query()).toHtmlEscaped(),
                                 m_model->tokenText(m_model->key()).toHtmlEscaped()));
        if (!m_hadPair) // a new search: strongest heads first
            m_table->sortByColumn(InsightsModel::PairWeight, Qt::DescendingOrder);
    } else {
        m_hint->setText(tr("<b>Find heads:</b> click a query token in the strip, then Shift+click a key token (or "
                           "click a heatmap cell) to rank every head by that link."));
    }
    m_hadPair = pair;
}

} // namespace attnscope
