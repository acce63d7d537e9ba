// ArcsPane and GridPane: the views' own controls and their tooltips.
#include "widgets/view_panes.h"

#include "models/head_grid_model.h"
#include "views/arcs_view.h"
#include "views/head_grid_view.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QSpinBox>
#include <QVBoxLayout>

namespace attnscope {

ArcsPane::ArcsPane(QWidget *parent) : QWidget(parent) {
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    m_layout = new QComboBox(this);
    m_layout->setObjectName(QStringLiteral("arcsLayout"));
    m_layout->addItem(tr("Arcs: two columns"), int(ArcsLayout::Columns));
    m_layout->addItem(tr("Arcs: one line"), int(ArcsLayout::Line));
    m_layout->setToolTip(tr("Queries left and keys right, or the sentence in reading order with arcs above."));
    m_threshold = new QDoubleSpinBox(this);
    m_threshold->setObjectName(QStringLiteral("threshold"));
    m_threshold->setPrefix(tr("≥ "));
    m_threshold->setRange(0.0, 1.0);
    m_threshold->setDecimals(2);
    m_threshold->setSingleStep(0.01);
    m_threshold->setValue(0.05);
    m_threshold->setToolTip(tr("Draw a line only for weights at least this large."));
    m_topK = new QSpinBox(this);
    m_topK->setObjectName(QStringLiteral("topK"));
    m_topK->setRange(0, 64);
    m_topK->setPrefix(tr("top "));
    m_topK->setSpecialValueText(tr("all keys"));
    m_topK->setValue(0);
    m_topK->setToolTip(tr("Draw at most this many lines per token, the strongest first (all keys = no limit)."));
    bar->addWidget(m_layout);
    bar->addWidget(m_threshold);
    bar->addWidget(m_topK);
    bar->addStretch(1);
    v->addLayout(bar);
    m_arcs = new ArcsView(this);
    m_arcs->setObjectName(QStringLiteral("arcs"));
    m_arcs->setThreshold(float(m_threshold->value()));
    m_arcs->setToolTip(tr("Hover a token to see its lines and weights; click to pin it. Click a head in the legend "
                          "to add or remove its lines."));
    v->addWidget(m_arcs, 1);
    connect(m_layout, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this] { m_arcs->setArcsLayout(ArcsLayout(m_layout->currentData().toInt())); });
    connect(m_threshold, qOverload<double>(&QDoubleSpinBox::valueChanged), this,
            [this](double v) { m_arcs->setThreshold(float(v)); });
    connect(m_topK, qOverload<int>(&QSpinBox::valueChanged), m_arcs, &ArcsView::setTopK);
}

QString ArcsPane::layoutKey() const {
    return m_layout->currentIndex() == 1 ? QStringLiteral("line") : QStringLiteral("columns");
}

void ArcsPane::setLayoutKey(const QString &key) {
    m_layout->setCurrentIndex(key == QLatin1String("line") ? 1 : 0);
}

double ArcsPane::threshold() const {
    return m_threshold->value();
}

void ArcsPane::setThreshold(double threshold) {
    m_threshold->setValue(threshold);
}

int ArcsPane::topK() const {
    return m_topK->value();
}

void ArcsPane::setTopK(int k) {
    m_topK->setValue(k);
}

GridPane::GridPane(HeadGridModel *model, QWidget *parent) : QWidget(parent) {
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    m_highlight = new QComboBox(this);
    m_highlight->setObjectName(QStringLiteral("gridHighlight"));
    m_highlight->addItem(tr("Grid: pattern labels"), int(HeadGridModel::Highlight::Labels));
    m_highlight->addItem(tr("Grid: previous-token score"), int(HeadGridModel::Highlight::PreviousToken));
    m_highlight->addItem(tr("Grid: self score"), int(HeadGridModel::Highlight::Self));
    m_highlight->addItem(tr("Grid: first-token (sink) score"), int(HeadGridModel::Highlight::FirstToken));
    m_highlight->addItem(tr("Grid: induction score"), int(HeadGridModel::Highlight::Induction));
    m_highlight->setToolTip(tr("Mark every head in the grid by one role score of the raw attention: a thicker "
                               "frame and the number mean a higher score."));
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_highlight);
    bar->addStretch(1);
    v->addLayout(bar);
    m_grid = new HeadGridView(this);
    m_grid->setObjectName(QStringLiteral("grid"));
    m_grid->setModel(model);
    v->addWidget(m_grid, 1);
    connect(m_highlight, qOverload<int>(&QComboBox::currentIndexChanged), this, [this, model] {
        model->setHighlight(HeadGridModel::Highlight(m_highlight->currentData().toInt()));
    });
}

} // namespace attnscope
