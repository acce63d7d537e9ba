// ControlBar: the selectors, their tooltips and their two-way binding to the presenter.
#include "widgets/control_bar.h"

#include "presenters/analysis_presenter.h"
#include "views/colormap.h"
#include "widgets/busy_bar.h"

#include <attnscope/measures.h>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QShortcut>
#include <QSignalBlocker>
#include <QSpinBox>

#include <functional>

namespace attnscope {

namespace {
const char *const kScales[] = {"linear", "log", "sqrt"}; // the colour-scale box's order
} // namespace

ControlBar::ControlBar(AnalysisPresenter *presenter, QWidget *parent) : QWidget(parent), m_presenter(presenter) {
    auto *controls = new QHBoxLayout(this);
    controls->setContentsMargins(0, 0, 0, 0);
    m_layer = new QSpinBox(this);
    m_layer->setObjectName(QStringLiteral("layer"));
    m_layer->setPrefix(tr("Layer "));
    m_layer->setToolTip(tr("Which transformer layer to show (0 = closest to the input). Keys: PgUp/PgDn."));
    m_head = new QSpinBox(this);
    m_head->setObjectName(QStringLiteral("head"));
    m_head->setPrefix(tr("Head "));
    m_head->setToolTip(tr("Which attention head of the layer to show. Keys: Left/Right."));
    m_aggregation = new QComboBox(this);
    m_aggregation->setObjectName(QStringLiteral("aggregation"));
    m_aggregation->addItem(tr("One head"), int(Aggregation::Head));
    m_aggregation->addItem(tr("Mean of the layer's heads"), int(Aggregation::MeanOfHeads));
    m_aggregation->addItem(tr("Max of the layer's heads"), int(Aggregation::MaxOfHeads));
    m_aggregation->addItem(tr("Mean of all layers"), int(Aggregation::MeanOfAll));
    m_aggregation->setToolTip(tr("Show one head, or combine the heads of the layer or of the whole model."));
    m_hideSpecial = new QCheckBox(tr("Hide special tokens"), this);
    m_hideSpecial->setObjectName(QStringLiteral("hideSpecial"));
    m_hideSpecial->setToolTip(tr("Hide special tokens (<s>, BERT's [CLS] and [SEP]) and renormalise "
                                 "each row to sum 1. Many heads park most of their attention on <s> (an "
                                 "“attention sink”), which washes out everything else."));
    m_words = new QCheckBox(tr("Words"), this);
    m_words->setObjectName(QStringLiteral("words"));
    m_words->setToolTip(tr("Merge sub-word pieces into words in every view (“▁Li” + “ly” → “Lily”): the attention "
                           "from word A to word B is the mean over A's tokens of the sum over B's tokens, so each "
                           "row still sums to 1."));
    m_scale = new QComboBox(this);
    m_scale->setObjectName(QStringLiteral("colorScale"));
    m_scale->addItem(tr("Linear"), int(ColorScale::Kind::Linear));
    m_scale->addItem(tr("Log"), int(ColorScale::Kind::Log));
    m_scale->addItem(tr("Square root"), int(ColorScale::Kind::Power));
    m_scale->setToolTip(tr("Colour scale. Log and square root make small weights visible next to large ones."));
    m_colorMap = new QComboBox(this);
    m_colorMap->setObjectName(QStringLiteral("colorMap"));
    for (const ColorMap *map : ColorMap::all())
        m_colorMap->addItem(map->displayName(), map->id());
    m_colorMap->setToolTip(tr("Colour map for weights in every view."));
    m_measure = new QComboBox(this);
    m_measure->setObjectName(QStringLiteral("measure"));
    m_measure->addItem(tr("Raw attention"), int(Measure::Raw));
    m_measure->addItem(tr("Value-weighted"), int(Measure::Value));
    m_measure->addItem(tr("Rollout"), int(Measure::Rollout));
    m_measure->setToolTip(tr("What the views show. Raw attention: the softmax weights. Value-weighted (Kobayashi et "
                             "al. 2020): each weight times the size of what that token's value adds, ‖α·W_O·v‖, rows "
                             "scaled to sum 1. Rollout (Abnar & Zuidema 2020): attention traced back to the input "
                             "tokens through all layers up to this one, counting the residual connection."));
    for (QComboBox *box : {m_aggregation, m_measure, m_scale, m_colorMap}) { // narrow enough for the insights dock
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(box == m_scale ? 9 : 14);
    }
    for (QWidget *w : std::initializer_list<QWidget *>{m_layer, m_head, m_aggregation, m_measure, m_hideSpecial,
                                                       m_words, m_scale, m_colorMap})
        controls->addWidget(w);
    controls->addStretch(1);
    m_busy = new BusyBar(presenter->service(), this);
    controls->addWidget(m_busy);
    sync();

    auto selectHead = [this] { m_presenter->selectHead(m_layer->value(), m_head->value()); };
    connect(m_layer, qOverload<int>(&QSpinBox::valueChanged), this, selectHead);
    connect(m_head, qOverload<int>(&QSpinBox::valueChanged), this, selectHead);
    connect(m_aggregation, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this] { m_presenter->setAggregation(Aggregation(m_aggregation->currentData().toInt())); });
    connect(m_measure, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this] { m_presenter->setMeasure(Measure(m_measure->currentData().toInt())); });
    connect(m_hideSpecial, &QCheckBox::toggled, m_presenter, &AnalysisPresenter::setHideSpecial);
    connect(m_words, &QCheckBox::toggled, m_presenter, &AnalysisPresenter::setWords);
    connect(m_scale, qOverload<int>(&QComboBox::currentIndexChanged), this, &ControlBar::styleChanged);
    connect(m_colorMap, qOverload<int>(&QComboBox::currentIndexChanged), this, &ControlBar::styleChanged);
    connect(m_busy, &BusyBar::runAgainRequested, m_presenter, &AnalysisPresenter::analyzeNow);
    connect(m_presenter, &AnalysisPresenter::stateChanged, this, &ControlBar::sync);
}

void ControlBar::sync() {
    // Called after every result: only what changed is touched (a spin box's range or value relayouts the row).
    const QSignalBlocker a(m_layer), b(m_head), c(m_aggregation), d(m_measure), e(m_hideSpecial), f(m_words);
    auto spin = [](QSpinBox *box, int count, int value, bool enabled) {
        if (box->maximum() != std::max(0, count - 1) || box->minimum() != 0)
            box->setRange(0, std::max(0, count - 1));
        if (box->value() != value)
            box->setValue(value);
        if (box->isEnabled() != enabled)
            box->setEnabled(enabled);
    };
    spin(m_layer, m_presenter->layers(), m_presenter->layer(), m_presenter->layerSelectable());
    spin(m_head, m_presenter->heads(), m_presenter->head(), m_presenter->headSelectable());
    auto choose = [](QComboBox *box, int data) {
        if (box->currentData().toInt() != data)
            box->setCurrentIndex(box->findData(data));
    };
    choose(m_aggregation, int(m_presenter->aggregation()));
    choose(m_measure, int(m_presenter->measure()));
    if (m_hideSpecial->isChecked() != m_presenter->hideSpecial())
        m_hideSpecial->setChecked(m_presenter->hideSpecial());
    if (m_words->isChecked() != m_presenter->words())
        m_words->setChecked(m_presenter->words());
}

void ControlBar::stepLayer(int delta) {
    if (m_layer->isEnabled())
        m_layer->setValue(m_layer->value() + delta);
}

void ControlBar::stepHead(int delta) {
    if (m_head->isEnabled())
        m_head->setValue(m_head->value() + delta);
}

void ControlBar::addNavigationKeys(QWidget *view) {
    // The text box keeps its arrows for the cursor: the keys belong to the view, not the window.
    const std::pair<QKeySequence, std::function<void()>> keys[] = {
        {Qt::Key_PageUp, [this] { stepLayer(-1); }}, {Qt::Key_PageDown, [this] { stepLayer(+1); }},
        {Qt::Key_Up, [this] { stepLayer(-1); }},     {Qt::Key_Down, [this] { stepLayer(+1); }},
        {Qt::Key_Left, [this] { stepHead(-1); }},    {Qt::Key_Right, [this] { stepHead(+1); }},
    };
    for (const auto &[key, step] : keys) {
        auto *shortcut = new QShortcut(key, view);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, step);
    }
}

ViewStyle ControlBar::style(double lineScale) const {
    ViewStyle style;
    style.map = &ColorMap::byId(m_colorMap->currentData().toString());
    style.scale.kind = ColorScale::Kind(m_scale->currentData().toInt());
    style.lineScale = lineScale;
    return style;
}

QString ControlBar::colorMap() const {
    return m_colorMap->currentData().toString();
}

QString ControlBar::colorScale() const {
    return QLatin1String(kScales[std::clamp(m_scale->currentIndex(), 0, 2)]);
}

void ControlBar::setColorMap(const QString &id) {
    m_colorMap->setCurrentIndex(std::max(0, m_colorMap->findData(id)));
}

void ControlBar::setColorScale(const QString &key) {
    for (int i = 0; i < 3; ++i)
        if (key == QLatin1String(kScales[i]))
            m_scale->setCurrentIndex(i);
}

} // namespace attnscope
