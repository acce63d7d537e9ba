// MainWindow: page construction and signal wiring.
#include "main_window.h"
#include "about.h"
#include "model_paths.h"

#include "models/focus.h"
#include "models/head_grid_model.h"
#include "models/heatmap_model.h"
#include "models/insights_model.h"
#include "models/playback.h"
#include "views/arcs_view.h"
#include "views/head_grid_view.h"
#include "views/heatmap_view.h"
#include "views/token_strip_view.h"
#include "widgets/export_dialog.h"
#include "widgets/get_models_dialog.h"
#include "widgets/busy_bar.h"
#include "widgets/compare_window.h"
#include "widgets/examples_panel.h"
#include "widgets/error_banner.h"
#include "widgets/inference_worker.h"
#include "export/export_files.h"
#include "widgets/insights_panel.h"
#include "widgets/playback_bar.h"
#include "widgets/presentation.h"
#include "widgets/step_panel.h"
#include "widgets/tour.h"
#include "widgets/window_fit.h"
#include "views/step_view.h"

#include <attnscope/measures.h>

#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QSettings>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace attnscope {

MainWindow::MainWindow(Options options, QWidget *parent) : QMainWindow(parent), m_options(std::move(options)) {
    m_service = new InferenceService(this);
    m_heatmapModel = new HeatmapModel(this);
    m_selection = new QItemSelectionModel(m_heatmapModel, this);
    m_gridModel = new HeadGridModel(this);
    m_gridModel->setSourceModel(m_heatmapModel);
    m_insights = new InsightsModel(this);
    // Both exist before the layer and head boxes, whose signals they follow; the view tabs adopt them.
    m_stepPanel = new StepPanel(m_service);
    m_playbackBar = new PlaybackBar;
    m_playback = m_playbackBar->playback();
    buildUi();
    buildMenus();

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(m_options.debounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &MainWindow::requestAnalysis);
    connect(m_text, &QPlainTextEdit::textChanged, &m_debounce, qOverload<>(&QTimer::start));
    connect(m_text, &QPlainTextEdit::textChanged, this, &MainWindow::showExampleNote);
    connect(m_service, &InferenceService::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(m_service, &InferenceService::modelFailed, this, [this](const QString &message) {
        showError(
            m_service->engine()
                ? tr("%1 — still using %2.").arg(message, QString::fromStdString(m_service->engine()->info().name))
                : message);
    });
    connect(m_service, &InferenceService::resultReady, this, &MainWindow::showResult);
    connect(m_service, &InferenceService::analysisFailed, this, &MainWindow::showError);
    connect(m_busy, &BusyBar::runAgainRequested, this, &MainWindow::requestAnalysis);
    connect(m_service, &InferenceService::cancelled, this, [this] {
        const auto &engine = m_service->engine(); // a cancelled load leaves the model that was there
        m_modelLabel->setText(engine ? QString::fromStdString(engine->info().name) : tr("no model"));
    });

    setAcceptDrops(true); // a model or session file dropped anywhere on the window opens it
    QSettings settings;
    if (m_options.useSettings)
        m_recent = settings.value(QStringLiteral("recentModels")).toStringList();
    rebuildRecentMenu();
    // Inside the screen it opens on, whatever size it had on another one; the docks where they were left.
    if (m_options.useSettings) {
        restoreFitted(this, settings.value(QStringLiteral("geometry")).toByteArray(), kPreferredSize);
        restoreState(settings.value(QStringLiteral("windowState")).toByteArray());
    } else {
        fitToScreen(this, kPreferredSize);
    }
    // Started without a model or a text: the last session comes back whole (model, text, head, measure, view, pin).
    std::optional<Session> last;
    if (m_options.useSettings && m_options.modelPath.isEmpty() && m_options.initialText.isEmpty()) {
        Session s;
        if (sessionFromJson(settings.value(QStringLiteral("lastSession")).toByteArray(), &s).isEmpty() &&
            QFileInfo::exists(s.modelPath))
            last = s;
    }
    QString initial = m_options.initialText;
    if (last)
        initial = last->text;
    else if (initial.isEmpty() && m_options.useSettings && settings.contains(QStringLiteral("lastText")))
        initial = settings.value(QStringLiteral("lastText")).toString();
    else if (initial.isEmpty())
        initial = m_examples->examples().front().text;
    if (initial == m_examples->examples().front().text)
        m_pendingExample = m_examples->examples().front(); // open on the head and token its note talks about
    {
        const QSignalBlocker block(m_text); // the model is not loaded yet; analyse once it is
        m_text->setPlainText(initial);
    }
    showExampleNote();

    QString modelPath = m_options.modelPath, tokenizerPath = m_options.tokenizerPath;
    if (last) {
        m_pendingExample.reset();
        m_pendingSession = last;
        applySessionView(*last);
        modelPath = last->modelPath;
        tokenizerPath = last->tokenizerPath;
    } else if (modelPath.isEmpty() && m_options.useSettings) { // the model of the last session, if it is still there
        const QString last = settings.value(QStringLiteral("lastModel")).toString();
        if (!last.isEmpty() && QFileInfo::exists(last)) {
            modelPath = last;
            tokenizerPath = settings.value(QStringLiteral("lastTokenizer")).toString();
        }
    }
    if (modelPath.isEmpty()) {
        const ModelEntry def = defaultModel(m_options.models);
        modelPath = QString::fromStdString(def.modelPath);
        tokenizerPath = QString::fromStdString(def.tokenizerPath);
    }
    m_noModel = modelPath.isEmpty();
    if (m_noModel)
        showError(noModelHelp());
    else
        openModel(modelPath, tokenizerPath);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildUi() {
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);

    m_text = new QPlainTextEdit(central);
    m_text->setPlaceholderText(tr("Type a sentence; its attention appears below as you type."));
    m_text->setToolTip(tr("The text to analyse. Every edit re-runs the model (after a short pause)."));
    m_text->setTabChangesFocus(true);
    const QFontMetrics fm(m_text->font());
    m_text->setFixedHeight(fm.lineSpacing() * 3 + 14);
    layout->addWidget(m_text);

    m_strip = new TokenStripView;
    m_strip->setModel(m_heatmapModel);
    m_strip->setSelectionModel(m_selection);
    m_strip->setToolTip(tr("How the tokenizer split the text. Click a token to focus it in every view."));
    auto *stripScroll = new QScrollArea(central);
    stripScroll->setWidget(m_strip);
    stripScroll->setWidgetResizable(true);
    stripScroll->setFrameShape(QFrame::NoFrame);
    stripScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // As tall as the chips need, up to about four lines; longer texts scroll.
    const int stripMax = fm.height() * 8 + 24;
    connect(m_strip, &TokenStripView::contentHeightChanged, stripScroll,
            [stripScroll, stripMax](int h) { stripScroll->setFixedHeight(std::min(h, stripMax)); });
    stripScroll->setFixedHeight(fm.height() * 2 + 16);
    layout->addWidget(stripScroll);

    m_note = new QLabel(central); // what to look at, while the text is one of the examples
    m_note->setWordWrap(true);
    m_note->setToolTip(tr("The example's note: what to look at in this sentence."));
    m_note->setVisible(false);
    layout->addWidget(m_note);

    layout->addWidget(buildControls(central));

    m_banner = makeErrorBanner(central);
    layout->addWidget(m_banner);

    m_heatmap = new HeatmapView;
    m_heatmap->setModel(m_heatmapModel);
    m_heatmap->setSelectionModel(m_selection);
    m_heatmap->setToolTip(tr("Click a cell to select it · Ctrl+wheel or +/- zoom, 0 fits · "
                             "PgUp/PgDn or Up/Down: layer · Left/Right: head"));
    auto *right = new QSplitter(Qt::Vertical);
    right->addWidget(buildArcsPane(right));
    right->addWidget(buildGridPane(right));
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 1);
    m_viewTabs = new QTabWidget;
    m_viewTabs->setDocumentMode(true);
    m_viewTabs->addTab(m_heatmap, tr("Heatmap"));
    m_viewTabs->addTab(m_stepPanel, tr("Step by step"));
    m_viewTabs->setTabToolTip(0, tr("The attention of the chosen head: one row per query token, one column per key."));
    m_viewTabs->setCornerWidget(m_playbackBar, Qt::TopRightCorner);
    connect(m_playbackBar, &PlaybackBar::aboutToPlay, this, [this](Playback::Mode mode) {
        // A mean over every layer has no layers to step through; head by head needs one head shown.
        const auto aggregation = Aggregation(m_aggregation->currentData().toInt());
        if (aggregation == Aggregation::MeanOfAll || mode == Playback::Mode::Heads)
            m_aggregation->setCurrentIndex(0);
        m_playback->setPosition(m_layer->value(), m_head->value());
    });
    connect(m_playback, &Playback::moveTo, this, [this](int layer, int head) {
        m_layer->setValue(layer);
        m_head->setValue(head);
    });
    m_viewTabs->setTabToolTip(1, tr("How the chosen head computes the focused token's row: query·key scores, "
                                    "÷√d, softmax and the weighted sum of values, with this model's numbers."));
    auto *split = new QSplitter(Qt::Horizontal, central);
    split->addWidget(m_viewTabs);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({640, 600});
    right->setSizes({360, 340});
    // The worked example needs the width of the window; the arcs and the grid come back with the heatmap.
    connect(m_viewTabs, &QTabWidget::currentChanged, right, [right](int index) { right->setVisible(index == 0); });
    layout->addWidget(split, 1);
    setCentralWidget(central);

    m_insightsPanel = new InsightsPanel(m_insights, this);
    auto *dock = new QDockWidget(tr("Insights"), this);
    dock->setObjectName(QStringLiteral("insights"));
    dock->setWidget(m_insightsPanel);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    resizeDocks({dock}, {420}, Qt::Horizontal);
    m_insightsDock = dock;
    m_examples = new ExamplesPanel(builtInExamples(), this);
    m_examplesDock = new QDockWidget(tr("Examples"), this);
    m_examplesDock->setObjectName(QStringLiteral("examples"));
    m_examplesDock->setWidget(m_examples);
    m_examplesDock->setFeatures(dock->features());
    addDockWidget(Qt::RightDockWidgetArea, m_examplesDock);
    tabifyDockWidget(m_examplesDock, dock);
    dock->raise();
    connect(m_examples, &ExamplesPanel::exampleChosen, this, &MainWindow::openExample);
    connect(m_insightsPanel, &InsightsPanel::headChosen, this, [this](int layer, int head) {
        if (m_analysis && m_analysis->shown && m_analysis->shown->measure == Measure::Rollout)
            head = 0; // rollout has one matrix per layer
        m_aggregation->setCurrentIndex(0);
        m_layer->setValue(layer);
        m_head->setValue(head);
    });
    connect(m_selection, &QItemSelectionModel::selectionChanged, this, &MainWindow::syncInsightsFocus);
    connect(m_stepPanel, &StepPanel::cellChosen, this, [this](int query, int key) {
        const int row = rowOfToken(query), column = rowOfToken(key);
        if (row >= 0 && column >= 0) // a hidden special token has no cell to select
            focusCell(m_selection, row, column);
    });

    for (QWidget *view : {static_cast<QWidget *>(m_heatmap), static_cast<QWidget *>(m_arcs),
                          static_cast<QWidget *>(m_grid), static_cast<QWidget *>(m_strip)}) {
        addNavigationKeys(view);
        view->installEventFilter(this); // remembers the view last used, for export
    }
    addNavigationKeys(m_stepPanel); // the same layer and head keys on the step page
    m_stepPanel->view()->setFocusPolicy(Qt::StrongFocus);
    m_currentView = m_heatmap;
    m_exportDir = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    if (m_exportDir.isEmpty() || !QDir(m_exportDir).exists())
        m_exportDir = QDir::homePath();
    connect(m_heatmap, &HeatmapView::cellHovered, this, [this](int query, int key) {
        if (query < 0)
            statusBar()->clearMessage();
        else
            statusBar()->showMessage(m_heatmapModel->cellDescription(query, key));
    });
    connect(m_arcs, &ArcsView::tokenHovered, this, [this](int row) {
        if (const Token *t = m_heatmapModel->token(row))
            statusBar()->showMessage(tokenDescription(*t));
        else
            statusBar()->clearMessage();
    });
    connect(m_grid, &HeadGridView::headClicked, this, [this](int layer, int head) {
        m_aggregation->setCurrentIndex(0); // one head
        m_layer->setValue(layer);
        m_head->setValue(head);
    });

    m_modelLabel = new QLabel(tr("no model"), this);
    m_tokensLabel = new QLabel(this);
    m_timeLabel = new QLabel(this);
    statusBar()->addPermanentWidget(m_modelLabel);
    statusBar()->addPermanentWidget(m_tokensLabel);
    statusBar()->addPermanentWidget(m_timeLabel);

    m_tour = new Tour(this, {
        {m_text, tr("Type here"),
         tr("Type any sentence. The model reads it as you type and every view below follows.")},
        {m_grid, tr("These are the heads"),
         tr("Each small square is one attention head, a row of them per layer. Click one to see it large; a thick "
            "frame marks a head with a clear job (previous token, first token, induction).")},
        {m_strip, tr("Click a token"),
         tr("Click a piece of the sentence: every view shows where it looks, and <b>Insights</b> what the model "
            "predicts next. <b>Words</b> merges pieces such as “▁Li” “ly” into “Lily”.")},
        {m_insightsDock, tr("Try the Examples"),
         tr("The <b>Examples</b> tab holds sentences chosen to show one behaviour each, with a note on what to look "
            "at. Ctrl+] goes to the next one; F11 presents full screen.")},
    });
    connect(m_tour, &Tour::finished, this, [this] {
        if (m_options.useSettings)
            QSettings().setValue(QStringLiteral("tourDone"), true);
    });
    applyStyle();
    setWindowTitle(tr("AttnScope"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/attnscope.svg")));
}

QWidget *MainWindow::buildControls(QWidget *parent) {
    auto *row = new QWidget(parent);
    auto *controls = new QHBoxLayout(row);
    controls->setContentsMargins(0, 0, 0, 0);
    m_layer = new QSpinBox(row);
    m_layer->setPrefix(tr("Layer "));
    m_layer->setToolTip(tr("Which transformer layer to show (0 = closest to the input). Keys: PgUp/PgDn."));
    m_head = new QSpinBox(row);
    m_head->setPrefix(tr("Head "));
    m_head->setToolTip(tr("Which attention head of the layer to show. Keys: Left/Right."));
    m_layer->setEnabled(false);
    m_head->setEnabled(false);
    m_aggregation = new QComboBox(row);
    m_aggregation->addItem(tr("One head"), int(Aggregation::Head));
    m_aggregation->addItem(tr("Mean of the layer's heads"), int(Aggregation::MeanOfHeads));
    m_aggregation->addItem(tr("Max of the layer's heads"), int(Aggregation::MaxOfHeads));
    m_aggregation->addItem(tr("Mean of all layers"), int(Aggregation::MeanOfAll));
    m_aggregation->setToolTip(tr("Show one head, or combine the heads of the layer or of the whole model."));
    m_hideSpecial = new QCheckBox(tr("Hide special tokens"), row);
    m_hideSpecial->setToolTip(tr("Hide special tokens (<s>, BERT's [CLS] and [SEP]) and renormalise "
                                 "each row to sum 1. Many heads park most of their attention on <s> (an "
                                 "“attention sink”), which washes out everything else."));
    m_words = new QCheckBox(tr("Words"), row);
    m_words->setToolTip(tr("Merge sub-word pieces into words in every view (“▁Li” + “ly” → “Lily”): the attention "
                           "from word A to word B is the mean over A's tokens of the sum over B's tokens, so each "
                           "row still sums to 1."));
    m_scale = new QComboBox(row);
    m_scale->addItem(tr("Linear"), int(ColorScale::Kind::Linear));
    m_scale->addItem(tr("Log"), int(ColorScale::Kind::Log));
    m_scale->addItem(tr("Square root"), int(ColorScale::Kind::Power));
    m_scale->setToolTip(tr("Colour scale. Log and square root make small weights visible next to large ones."));
    m_colorMap = new QComboBox(row);
    for (const ColorMap *map : ColorMap::all())
        m_colorMap->addItem(map->displayName(), map->id());
    m_colorMap->setToolTip(tr("Colour map for weights in every view."));
    m_measure = new QComboBox(row);
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
    m_busy = new BusyBar(m_service, row);
    controls->addWidget(m_busy);

    auto selectHead = [this] {
        m_heatmapModel->setLayerHead(m_layer->value(), m_head->value());
        m_playback->setPosition(m_layer->value(), m_head->value()); // a change it did not make stops it
        syncStep();
    };
    connect(m_layer, qOverload<int>(&QSpinBox::valueChanged), this, selectHead);
    connect(m_head, qOverload<int>(&QSpinBox::valueChanged), this, selectHead);
    connect(m_aggregation, qOverload<int>(&QComboBox::currentIndexChanged), this, &MainWindow::applyAggregation);
    connect(m_measure, qOverload<int>(&QComboBox::currentIndexChanged), this, &MainWindow::applyMeasure);
    connect(m_hideSpecial, &QCheckBox::toggled, this, &MainWindow::applyHideSpecial);
    connect(m_words, &QCheckBox::toggled, this, &MainWindow::applyWords);
    connect(m_scale, qOverload<int>(&QComboBox::currentIndexChanged), this, &MainWindow::applyStyle);
    connect(m_colorMap, qOverload<int>(&QComboBox::currentIndexChanged), this, &MainWindow::applyStyle);
    return row;
}

QWidget *MainWindow::buildArcsPane(QWidget *parent) {
    auto *pane = new QWidget(parent);
    auto *v = new QVBoxLayout(pane);
    v->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    m_arcsLayout = new QComboBox(pane);
    m_arcsLayout->addItem(tr("Arcs: two columns"), int(ArcsLayout::Columns));
    m_arcsLayout->addItem(tr("Arcs: one line"), int(ArcsLayout::Line));
    m_arcsLayout->setToolTip(tr("Queries left and keys right, or the sentence in reading order with arcs above."));
    m_threshold = new QDoubleSpinBox(pane);
    m_threshold->setPrefix(tr("≥ "));
    m_threshold->setRange(0.0, 1.0);
    m_threshold->setDecimals(2);
    m_threshold->setSingleStep(0.01);
    m_threshold->setValue(0.05);
    m_threshold->setToolTip(tr("Draw a line only for weights at least this large."));
    m_topK = new QSpinBox(pane);
    m_topK->setRange(0, 64);
    m_topK->setPrefix(tr("top "));
    m_topK->setSpecialValueText(tr("all keys"));
    m_topK->setValue(0);
    m_topK->setToolTip(tr("Draw at most this many lines per token, the strongest first (all keys = no limit)."));
    bar->addWidget(m_arcsLayout);
    bar->addWidget(m_threshold);
    bar->addWidget(m_topK);
    bar->addStretch(1);
    v->addLayout(bar);
    m_arcs = new ArcsView(pane);
    m_arcs->setModel(m_heatmapModel);
    m_arcs->setSelectionModel(m_selection);
    m_arcs->setThreshold(float(m_threshold->value()));
    m_arcs->setToolTip(tr("Hover a token to see its lines and weights; click to pin it. Click a head in the legend "
                          "to add or remove its lines."));
    v->addWidget(m_arcs, 1);
    connect(m_arcsLayout, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this] { m_arcs->setArcsLayout(ArcsLayout(m_arcsLayout->currentData().toInt())); });
    connect(m_threshold, qOverload<double>(&QDoubleSpinBox::valueChanged), this,
            [this](double v) { m_arcs->setThreshold(float(v)); });
    connect(m_topK, qOverload<int>(&QSpinBox::valueChanged), m_arcs, &ArcsView::setTopK);
    return pane;
}

QWidget *MainWindow::buildGridPane(QWidget *parent) {
    auto *pane = new QWidget(parent);
    auto *v = new QVBoxLayout(pane);
    v->setContentsMargins(0, 0, 0, 0);
    m_gridHighlight = new QComboBox(pane);
    m_gridHighlight->addItem(tr("Grid: pattern labels"), int(HeadGridModel::Highlight::Labels));
    m_gridHighlight->addItem(tr("Grid: previous-token score"), int(HeadGridModel::Highlight::PreviousToken));
    m_gridHighlight->addItem(tr("Grid: self score"), int(HeadGridModel::Highlight::Self));
    m_gridHighlight->addItem(tr("Grid: first-token (sink) score"), int(HeadGridModel::Highlight::FirstToken));
    m_gridHighlight->addItem(tr("Grid: induction score"), int(HeadGridModel::Highlight::Induction));
    m_gridHighlight->setToolTip(tr("Mark every head in the grid by one role score of the raw attention: a thicker "
                                   "frame and the number mean a higher score."));
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_gridHighlight);
    bar->addStretch(1);
    v->addLayout(bar);
    m_grid = new HeadGridView(pane);
    m_grid->setModel(m_gridModel);
    v->addWidget(m_grid, 1);
    connect(m_gridHighlight, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        m_gridModel->setHighlight(HeadGridModel::Highlight(m_gridHighlight->currentData().toInt()));
    });
    return pane;
}

void MainWindow::applyMeasure() {
    requestAnalysis(); // value-weighted needs the value norms captured; every measure comes back off this thread
}

int MainWindow::tokenPosition(int row, bool last) const {
    const int position = row >= 0 ? m_heatmapModel->position(row) : -1;
    if (position < 0 || !m_analysis || m_heatmapModel->result() != m_analysis->shownWords) // the rows are tokens
        return position;
    const std::vector<Word> &words = m_analysis->words; // a word's prediction is made at its last token
    return std::size_t(position) < words.size() ? (last ? words[std::size_t(position)].tokens.back()
                                                        : words[std::size_t(position)].tokens.front())
                                                : -1;
}

int MainWindow::rowOfToken(int position) const {
    if (position >= 0 && wordsShown()) {
        const std::vector<int> of = wordOfToken(m_analysis->words, m_analysis->shown->seqLen());
        position = std::size_t(position) < of.size() ? of[std::size_t(position)] : -1;
    }
    return m_heatmapModel->rowOfPosition(position);
}

bool MainWindow::wordsShown() const {
    return m_words->isChecked() && m_analysis && m_analysis->shownWords;
}

void MainWindow::syncInsightsFocus() {
    const Focus f = focusOf(m_selection);
    m_insights->setFocus(tokenPosition(f.query, true), tokenPosition(f.key, false));
    syncStep();
}

void MainWindow::syncStep() {
    const Focus f = focusOf(m_selection);
    m_stepPanel->setQuery(tokenPosition(f.query, true));
    m_stepPanel->setFocusedKey(tokenPosition(f.key, false));
    const bool rollout = m_analysis && m_analysis->shown && m_analysis->shown->measure == Measure::Rollout;
    const bool oneHead = Aggregation(m_aggregation->currentData().toInt()) == Aggregation::Head && !rollout;
    m_stepPanel->setHead(m_layer->value(), m_head->value(), oneHead);
    m_stepPanel->setMeasure(m_analysis && m_analysis->shown ? m_analysis->shown->measure : Measure::Raw);
}

void MainWindow::addNavigationKeys(QWidget *view) {
    // While a view has focus: PgUp/PgDn and Up/Down change the layer, Left/Right the head (the text box keeps
    // its arrows for the cursor).
    auto step = [this, view](QSpinBox *box, int delta, const QKeySequence &key) {
        auto *shortcut = new QShortcut(key, view);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, box, [box, delta] {
            if (box->isEnabled())
                box->setValue(box->value() + delta);
        });
    };
    step(m_layer, -1, QKeySequence(Qt::Key_PageUp));
    step(m_layer, +1, QKeySequence(Qt::Key_PageDown));
    step(m_layer, -1, QKeySequence(Qt::Key_Up));
    step(m_layer, +1, QKeySequence(Qt::Key_Down));
    step(m_head, -1, QKeySequence(Qt::Key_Left));
    step(m_head, +1, QKeySequence(Qt::Key_Right));
}

void MainWindow::applyStyle() {
    ViewStyle style;
    style.map = &ColorMap::byId(m_colorMap->currentData().toString());
    style.scale.kind = ColorScale::Kind(m_scale->currentData().toInt());
    style.lineScale = presentation() ? 2.0 : 1.0;
    m_heatmap->setStyle(style);
    m_arcs->setStyle(style);
    m_grid->setStyle(style);
    m_strip->setStyle(style);
    m_stepPanel->setStyle(style);
    if (m_compare)
        m_compare->setStyle(style);
}

void MainWindow::setPresentation(bool on) {
    if (on == presentation())
        return;
    m_presentationAction->setChecked(on);
    if (on) // Ctrl+] / Ctrl+[ still go through the examples and their note stays on the page, F11/Esc still leave
        m_presentationMode.enter(this, {m_insightsDock, m_examplesDock});
    else
        m_presentationMode.leave();
    const QFontMetrics fm(font()); // the text box keeps room for three lines at the new size
    m_text->setFixedHeight(fm.lineSpacing() * 3 + 14);
    applyStyle();
}

void MainWindow::applyAggregation() {
    const auto aggregation = Aggregation(m_aggregation->currentData().toInt());
    const bool loaded = m_service->engine() != nullptr;
    const bool rollout = m_analysis && m_analysis->shown && m_analysis->shown->measure == Measure::Rollout;
    m_head->setEnabled(loaded && aggregation == Aggregation::Head && !rollout);
    m_layer->setEnabled(loaded && aggregation != Aggregation::MeanOfAll);
    m_heatmapModel->setAggregation(aggregation);
    syncStep();
}

void MainWindow::applyHideSpecial(bool hide) {
    // Hiding tokens renumbers rows; keep the focused token (and key) focused across the change.
    const Focus before = focusOf(m_selection);
    const int query = m_heatmapModel->position(before.query);
    const int key = m_heatmapModel->position(before.key);
    m_heatmapModel->setHideSpecial(hide);
    const int row = m_heatmapModel->rowOfPosition(query);
    const int column = m_heatmapModel->rowOfPosition(key);
    if (row >= 0 && before.isToken())
        focusToken(m_selection, row);
    else if (row >= 0 && column >= 0)
        focusCell(m_selection, row, column);
}

void MainWindow::applyWords() {
    if (!m_analysis)
        return;
    // The focused token's word (or a word's last token) stays focused across the change.
    const Focus before = focusOf(m_selection);
    const int query = tokenPosition(before.query, true), key = tokenPosition(before.key, true); // of what is shown
    m_heatmapModel->setResult(wordsShown() ? m_analysis->shownWords : m_analysis->shown);
    m_heatmapModel->setLayerHead(m_layer->value(), m_head->value());
    const int row = rowOfToken(query), column = rowOfToken(key);
    if (row >= 0 && before.isToken())
        focusToken(m_selection, row);
    else if (row >= 0 && column >= 0)
        focusCell(m_selection, row, column);
    else
        attnscope::clearFocus(m_selection);
    syncInsightsFocus();
}

void MainWindow::buildMenus() {
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open…"), this, &MainWindow::openModelDialog);
    open->setShortcut(QKeySequence::Open);
    open->setStatusTip(tr("Open a model (GGUF, llama2.c .bin) or a saved session (.attnscope). Dropping the file "
                          "on the window does the same."));
    QAction *openFolder = file->addAction(tr("Open Model &Folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a Hugging Face model folder"), userModelDir());
        if (!dir.isEmpty())
            openModel(dir);
    });
    openFolder->setStatusTip(tr("A folder with config.json and model.safetensors (Llama, Mistral, Qwen2)."));
    m_recentMenu = file->addMenu(tr("&Recent Models"));
    rebuildRecentMenu();
    m_modelsMenu = file->addMenu(tr("&Models"));
    rebuildModelsMenu();
    QAction *getModels = file->addAction(tr("&Get Models…"), this, &MainWindow::openGetModelsDialog);
    getModels->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
    getModels->setStatusTip(tr("Every model on this computer (Hugging Face cache, Ollama, LM Studio, llama.cpp) and "
                               "small models of every family to download from the Hugging Face Hub."));
    file->addSeparator();
    QAction *save = file->addAction(tr("&Save Session…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save Session"),
                                                          QDir(m_exportDir).filePath(QStringLiteral("lesson.attnscope")),
                                                          tr("AttnScope sessions (*.attnscope)"));
        if (!path.isEmpty())
            saveSession(path.endsWith(QStringLiteral(".attnscope")) ? path : path + QStringLiteral(".attnscope"));
    });
    save->setShortcut(QKeySequence::Save);
    save->setStatusTip(tr("Save the model, the text, the head shown, the measure, the pinned token and the colours "
                          "to a .attnscope file, to open the same view later."));
    file->addSeparator();
    QAction *exportAction = file->addAction(tr("&Export…"), this, &MainWindow::openExportDialog);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    exportAction->setStatusTip(tr("Save a view as PNG, SVG or PDF, or the numbers as CSV, NPY or JSON."));
    QAction *copy = file->addAction(tr("&Copy Image"), this, &MainWindow::copyImage);
    copy->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    copy->setStatusTip(tr("Copy the view you last used, as it is on screen, to the clipboard."));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_insightsDock->toggleViewAction());
    m_insightsDock->toggleViewAction()->setStatusTip(tr("Show or hide the head table and next-token predictions."));
    m_presentationAction = view->addAction(tr("&Presentation"), this, [this](bool on) { setPresentation(on); });
    m_presentationAction->setCheckable(true);
    // F11 and the platform's full-screen keys, each once: a key listed twice is an ambiguous shortcut that Qt
    // refuses to trigger (where the platform's own full-screen key is F11, as on Linux).
    QList<QKeySequence> presentKeys{QKeySequence(Qt::Key_F11)};
    for (const QKeySequence &k : QKeySequence::keyBindings(QKeySequence::FullScreen))
        if (!presentKeys.contains(k))
            presentKeys << k;
    m_presentationAction->setShortcuts(presentKeys);
    m_presentationAction->setStatusTip(tr("Full screen with large type and thick lines, for a projector. F11 or Esc "
                                          "returns."));
    addAction(m_presentationAction); // F11 still works while the menu bar is hidden
    auto *leave = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    connect(leave, &QShortcut::activated, this, [this] {
        if (presentation())
            setPresentation(false);
    });
    view->addSeparator();
    // Zoom acts on the page shown: the heatmap's cells, or the step-by-step page's text.
    auto zoom = [this](double factor) {
        if (m_viewTabs->currentWidget() == m_stepPanel)
            m_stepPanel->view()->setZoom(factor == 0 ? m_stepPanel->view()->fitZoom(m_stepPanel->viewportSize())
                                                     : m_stepPanel->view()->zoom() * factor);
        else if (factor == 0)
            m_heatmap->fitToWindow();
        else
            m_heatmap->zoomBy(factor);
    };
    QAction *zoomIn = view->addAction(tr("Zoom &In"), this, [zoom] { zoom(1.25); });
    zoomIn->setShortcuts({QKeySequence::ZoomIn, QKeySequence(Qt::CTRL | Qt::Key_Equal)});
    zoomIn->setStatusTip(tr("Larger cells in the heatmap, or larger text on the step-by-step page."));
    QAction *zoomOut = view->addAction(tr("Zoom &Out"), this, [zoom] { zoom(0.8); });
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    zoomOut->setStatusTip(tr("Smaller cells in the heatmap, or smaller text on the step-by-step page."));
    QAction *zoomFit = view->addAction(tr("&Fit"), this, [zoom] { zoom(0); });
    zoomFit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    zoomFit->setStatusTip(tr("The whole heatmap in the window, or the step-by-step page as large as fits."));
    addActions({zoomIn, zoomOut, zoomFit}); // also in presentation mode
    view->addSeparator();
    QAction *play = view->addAction(tr("Play Step-&Through"), m_playbackBar, &PlaybackBar::toggle);
    play->setShortcut(QKeySequence(Qt::Key_F5));
    play->setStatusTip(tr("Start or stop stepping through the layers or heads (the ▶ Play button above the views)."));
    addAction(play); // F5 also works in presentation mode
    QAction *compare = view->addAction(tr("&Compare Two Sentences…"), this, &MainWindow::openCompare);
    compare->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    compare->setStatusTip(tr("Two sentences side by side, aligned on a shared token, with the heads that change most."));

    QMenu *examples = menuBar()->addMenu(tr("&Examples"));
    for (int i = 0; i < m_examples->examples().size(); ++i) {
        const Example &e = m_examples->examples()[i];
        QAction *a = examples->addAction(e.text, this, [this, i] { openExample(i); });
        a->setStatusTip(e.note);
        a->setToolTip(e.note);
    }
    examples->addSeparator();
    auto step = [this](int delta) {
        const int n = int(m_examples->examples().size());
        const int at = m_examples->indexOfText(m_text->toPlainText());
        openExample(at < 0 ? (delta > 0 ? 0 : n - 1) : (at + delta + n) % n);
    };
    QAction *next = examples->addAction(tr("&Next Example"), this, [step] { step(+1); });
    next->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_BracketRight));
    next->setStatusTip(tr("Open the next example of the list (also in presentation mode)."));
    QAction *previous = examples->addAction(tr("&Previous Example"), this, [step] { step(-1); });
    previous->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_BracketLeft));
    previous->setStatusTip(tr("Open the previous example of the list."));
    addActions({next, previous}); // the shortcuts work while presentation mode hides the menu bar
    view->addAction(m_examplesDock->toggleViewAction());
    m_examplesDock->toggleViewAction()->setStatusTip(tr("Show or hide the example library."));

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *tour = help->addAction(tr("Show &Tour"), this, [this] { m_tour->start(); });
    tour->setStatusTip(tr("The four callouts of the first start: where to type, the heads, the tokens, the examples."));
    help->addAction(tr("&About AttnScope"), this, [this] {
        const auto &engine = m_service->engine();
        QMessageBox::about(this, tr("About AttnScope"), aboutHtml(engine ? &engine->info() : nullptr));
    });
}

void MainWindow::openModelDialog() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Model or Session"), userModelDir(),
        tr("Models and sessions (*.gguf *.bin *.attnscope);;GGUF (*.gguf);;llama2.c checkpoints (*.bin);;"
           "AttnScope sessions (*.attnscope);;All files (*)"));
    if (!path.isEmpty())
        openFile(path);
}

void MainWindow::openFile(const QString &path) {
    if (path.endsWith(QStringLiteral(".attnscope"), Qt::CaseInsensitive))
        openSession(path);
    else
        openModel(path);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.front().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() != 1 || !urls.front().isLocalFile())
        return;
    event->acceptProposedAction();
    openFile(urls.front().toLocalFile()); // a file that is no model reports why and keeps the current one
}

void MainWindow::rebuildModelsMenu() {
    m_modelsMenu->clear();
    auto *group = new QActionGroup(m_modelsMenu);
    int shown = 0;
    for (const ModelEntry &m : m_options.models) {
        if (!m.ready())
            continue; // unsupported ones are listed, with the reason, in File > Get Models
        const QString path = QString::fromStdString(m.modelPath);
        const QString tokenizer = QString::fromStdString(m.tokenizerPath);
        const QString where = QString::fromStdString(m.repo.empty() ? m.source : m.source + " · " + m.repo);
        QAction *a = m_modelsMenu->addAction(QStringLiteral("%1  (%2)").arg(QString::fromStdString(m.name), where), this,
                                             [this, path, tokenizer] { openModel(path, tokenizer); });
        a->setToolTip(QDir::toNativeSeparators(path));
        a->setStatusTip(a->toolTip());
        a->setCheckable(true);
        a->setData(path);
        a->setChecked(m_service && m_service->engine() &&
                      QString::fromStdString(m_service->engine()->info().modelPath) == path);
        group->addAction(a);
        ++shown;
    }
    if (shown == 0)
        m_modelsMenu->addAction(tr("(none found: File > Get Models…)"))->setEnabled(false);
}

GetModelsDialog *MainWindow::openGetModelsDialog() {
    if (!m_getModels) {
        GetModelsSetup setup;
        if (m_getModelsSetup) {
            setup = m_getModelsSetup();
        } else {
            setup.roots = allModelRoots();
            setup.hub = hub::HubSettings::fromEnvironment(storeLocations());
            setup.catalog = builtInCatalog();
        }
        m_getModels = new GetModelsDialog(std::move(setup), this);
        connect(m_getModels, &GetModelsDialog::openModelRequested, this, [this](const QString &path) { openModel(path); });
        connect(m_getModels, &GetModelsDialog::modelsChanged, this, [this](const std::vector<ModelEntry> &models) {
            m_options.models = models;
            rebuildModelsMenu();
        });
    }
    m_getModels->show();
    m_getModels->raise();
    m_getModels->activateWindow();
    return m_getModels;
}

void MainWindow::openModel(const QString &modelPath, const QString &tokenizerPath) {
    m_loadingPath = modelPath;
    m_modelLabel->setText(tr("loading %1…").arg(QFileInfo(modelPath).fileName()));
    m_service->loadModel(modelPath, tokenizerPath);
}

void MainWindow::onModelLoaded(const EnginePtr &engine) {
    clearError();
    const EngineInfo &info = engine->info();
    const QString name = QString::fromStdString(info.name);
    m_modelLabel->setText(name);
    m_modelLabel->setToolTip(QString::fromStdString(info.modelPath));
    m_heatmap->setModelName(name);
    setWindowTitle(tr("AttnScope — %1").arg(name));
    for (QAction *a : m_modelsMenu->actions())
        a->setChecked(a->data().toString() == QString::fromStdString(info.modelPath));
    m_layer->setRange(0, info.config.layers - 1);
    m_head->setRange(0, info.config.heads - 1);
    m_playback->setShape(info.config.layers, info.config.heads);
    rememberModel(QFileInfo(QString::fromStdString(info.modelPath)).absoluteFilePath());
    if (m_compare)
        m_compare->setEngine(engine); // the compare window follows the model
    applyAggregation(); // enables the selectors that apply
    showExampleNote();
    requestAnalysis();
}

void MainWindow::requestAnalysis() {
    m_debounce.stop();
    if (m_service->engine())
        m_service->analyze(m_text->toPlainText(), Measure(m_measure->currentData().toInt()));
}

void MainWindow::showResult(const AnalysisPtr &analysis) {
    clearError();
    // The same tokens again (another measure, or an edit after them): keep the focused token or cell.
    const ResultPtr before = m_heatmapModel->result();
    const Focus focus = focusOf(m_selection);
    const int query = m_heatmapModel->position(focus.query), key = m_heatmapModel->position(focus.key);
    m_analysis = analysis;
    const ResultPtr &result = wordsShown() ? analysis->shownWords : analysis->shown;
    auto sameToken = [&](int position) {
        return position >= 0 && before && position < result->seqLen() && position < before->seqLen() &&
               before->tokens[std::size_t(position)].id == result->tokens[std::size_t(position)].id &&
               before->tokens[std::size_t(position)].piece == result->tokens[std::size_t(position)].piece &&
               before->tokens[std::size_t(position)].byteBegin == result->tokens[std::size_t(position)].byteBegin;
    };
    m_head->setRange(0, std::max(0, result->heads - 1)); // rollout: one matrix per layer
    m_playback->setShape(result->layers, result->heads);
    m_heatmapModel->setResult(result);
    if (sameToken(query) && (focus.isToken() || sameToken(key))) {
        const int row = m_heatmapModel->rowOfPosition(query), column = m_heatmapModel->rowOfPosition(key);
        if (row >= 0 && focus.isToken())
            focusToken(m_selection, row);
        else if (row >= 0 && column >= 0)
            focusCell(m_selection, row, column);
    }
    m_heatmapModel->setLayerHead(m_layer->value(), m_head->value());
    m_gridModel->setRoles(analysis->roles); // ignored by the grid under rollout (one matrix per layer)
    m_insights->setAnalysis(analysis, m_service->engine());
    m_stepPanel->setAnalysis(analysis);
    syncInsightsFocus();
    applyAggregation();
    applyPendingSession();
    applyPendingExample();
    if (!m_pendingSession)
        rememberState(); // once the pending session (if any) is applied: what is on screen is what comes back
    if (m_options.useSettings && !m_tourOffered) { // a first start: the tour once there is something to point at
        m_tourOffered = true;
        if (!QSettings().value(QStringLiteral("tourDone"), false).toBool())
            QTimer::singleShot(0, m_tour, &Tour::start);
    }
    m_tokensLabel->setText(wordsShown() ? tr("%n word(s)", nullptr, result->seqLen()) + tr(" · %n token(s)", nullptr, analysis->shown->seqLen())
                                        : tr("%n token(s)", nullptr, result->seqLen()));
    m_timeLabel->setText(tr("computed in %1 ms").arg(result->computeMs, 0, 'f', 1));
}

void MainWindow::showError(const QString &message) {
    // The previous result stays on screen; the text box keeps what the user typed.
    m_banner->setText(message);
    m_banner->setVisible(true);
}

void MainWindow::clearError() {
    m_banner->clear();
    m_banner->setVisible(false);
}

void MainWindow::resizeEvent(QResizeEvent *event) {
    QMainWindow::resizeEvent(event);
    // A longer label or a larger model can raise the views' minimum width; the main window's layout then widens the
    // window (keeping the docks' widths) past the screen's edge. The docks give way instead: back inside the screen.
    if (!isFullScreen() && !isMaximized())
        QTimer::singleShot(0, this, [this] { keepOnScreen(this); });
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event) {
    if (event->type() == QEvent::FocusIn || event->type() == QEvent::MouseButtonPress)
        m_currentView = qobject_cast<QWidget *>(watched);
    return QMainWindow::eventFilter(watched, event);
}

CompareWindow *MainWindow::openCompare() {
    if (!m_compare) {
        m_compare = new CompareWindow(this);
        m_compare->setWindowFlag(Qt::Window);
        m_compare->setStyle(m_heatmap->viewStyle());
        fitToScreen(m_compare, CompareWindow::kPreferredSize);
    }
    m_compare->setEngine(m_service->engine());
    m_compare->show();
    m_compare->raise();
    m_compare->activateWindow();
    return m_compare;
}

QString MainWindow::errorText() const {
    return m_banner->isVisible() ? m_banner->text() : QString();
}

} // namespace attnscope
