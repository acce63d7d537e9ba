// MainWindow: page construction and signal wiring.
#include "main_window.h"
#include "model_paths.h"

#include "models/heatmap_model.h"
#include "presenters/analysis_presenter.h"
#include "presenters/compare_presenter.h"
#include "presenters/export_requests.h"
#include "presenters/playback.h"
#include "presenters/settings_store.h"
#include "views/arcs_view.h"
#include "views/head_grid_view.h"
#include "views/heatmap_view.h"
#include "views/step_view.h"
#include "views/token_strip_view.h"
#include "widgets/compare_window.h"
#include "widgets/control_bar.h"
#include "widgets/error_banner.h"
#include "widgets/examples_panel.h"
#include "widgets/inference_worker.h"
#include "widgets/insights_panel.h"
#include "widgets/playback_bar.h"
#include "widgets/step_panel.h"
#include "widgets/tour.h"
#include "widgets/view_panes.h"
#include "widgets/window_fit.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QIcon>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace attnscope {

MainWindow::MainWindow(Options options, QWidget *parent) : QMainWindow(parent), m_options(std::move(options)) {
    m_settings = m_options.settings;
    if (!m_settings) {
        m_ownSettings = std::make_unique<SettingsStore>();
        m_settings = m_ownSettings.get();
    }
    m_presenter = m_options.presenter ? m_options.presenter : new AnalysisPresenter(m_options.debounceMs);
    m_presenter->setParent(this);
    // Both exist before the selectors, whose signals they follow; the view tabs adopt them.
    m_stepPanel = new StepPanel(m_presenter->service());
    m_playbackBar = new PlaybackBar;
    m_playback = m_playbackBar->playback();
    buildUi();
    buildDocks();
    buildMenus();
    buildTour();
    wirePresenter();
    setAcceptDrops(true); // a model or session file dropped anywhere on the window opens it
    // Inside the screen it opens on, whatever size it had on another one; the docks where they were left.
    restoreFitted(this, m_settings->geometry(), kPreferredSize);
    restoreState(m_settings->windowState());
    openInitialModel();
}

MainWindow::~MainWindow() = default;

void MainWindow::openInitialModel() {
    const Example &first = m_examples->examples().front();
    const ModelEntry found = defaultModel(m_options.models);
    const SettingsStore::Start start = m_settings->start(
        {m_options.modelPath, m_options.tokenizerPath}, m_options.initialText, first.text,
        {QString::fromStdString(found.modelPath), QString::fromStdString(found.tokenizerPath)});
    m_noModel = start.model.model.isEmpty();
    if (start.session) // the last session whole: model, text, head, measure, view, pin
        m_presenter->applySession(*start.session);
    else if (start.text == first.text)
        m_presenter->showExample(first); // on the head and token its note talks about
    else
        m_presenter->showText(start.text);
    if (m_noModel)
        m_presenter->setError(noModelHelp());
    else if (!start.session)
        openModel(start.model.model, start.model.tokenizer);
}

void MainWindow::buildUi() {
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    m_text = new QPlainTextEdit(central);
    m_text->setObjectName(QStringLiteral("text"));
    m_text->setPlaceholderText(tr("Type a sentence; its attention appears below as you type."));
    m_text->setToolTip(tr("The text to analyse. Every edit re-runs the model (after a short pause)."));
    m_text->setTabChangesFocus(true);
    const QFontMetrics fm(m_text->font());
    m_text->setFixedHeight(fm.lineSpacing() * 3 + 14);
    layout->addWidget(m_text);

    m_strip = new TokenStripView;
    m_strip->setObjectName(QStringLiteral("tokens"));
    m_strip->setModel(m_presenter->heatmapModel());
    m_strip->setSelectionModel(m_presenter->selection());
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
    m_note->setObjectName(QStringLiteral("exampleNote"));
    m_note->setWordWrap(true);
    m_note->setToolTip(tr("The example's note: what to look at in this sentence."));
    m_note->setVisible(false);
    layout->addWidget(m_note);
    m_controls = new ControlBar(m_presenter, central);
    layout->addWidget(m_controls);
    m_banner = makeErrorBanner(central);
    layout->addWidget(m_banner);

    m_heatmap = new HeatmapView;
    m_heatmap->setObjectName(QStringLiteral("heatmap"));
    m_heatmap->setModel(m_presenter->heatmapModel());
    m_heatmap->setSelectionModel(m_presenter->selection());
    m_heatmap->setToolTip(tr("Click a cell to select it · Ctrl+wheel or +/- zoom, 0 fits · "
                             "PgUp/PgDn or Up/Down: layer · Left/Right: head"));
    auto *right = new QSplitter(Qt::Vertical);
    m_arcs = new ArcsPane(right);
    m_arcs->view()->setModel(m_presenter->heatmapModel());
    m_arcs->view()->setSelectionModel(m_presenter->selection());
    m_grid = new GridPane(m_presenter->gridModel(), right);
    right->addWidget(m_arcs);
    right->addWidget(m_grid);
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 1);
    m_viewTabs = new QTabWidget;
    m_viewTabs->setObjectName(QStringLiteral("viewTabs"));
    m_viewTabs->setDocumentMode(true);
    m_viewTabs->addTab(m_heatmap, tr("Heatmap"));
    m_viewTabs->addTab(m_stepPanel, tr("Step by step"));
    m_viewTabs->setTabToolTip(0, tr("The attention of the chosen head: one row per query token, one column per key."));
    m_viewTabs->setTabToolTip(1, tr("How the chosen head computes the focused token's row: query·key scores, "
                                    "÷√d, softmax and the weighted sum of values, with this model's numbers."));
    m_viewTabs->setCornerWidget(m_playbackBar, Qt::TopRightCorner);
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

    for (QWidget *view : std::initializer_list<QWidget *>{m_heatmap, m_arcs->view(), m_grid->view(), m_strip}) {
        m_controls->addNavigationKeys(view);
        view->installEventFilter(this); // remembers the view last used, for export
    }
    m_controls->addNavigationKeys(m_stepPanel); // the same layer and head keys on the step page
    m_stepPanel->view()->setFocusPolicy(Qt::StrongFocus);
    m_exports = new ExportRequests({}, this);
    connect(m_exports, &ExportRequests::message, statusBar(), &QStatusBar::showMessage);

    m_modelLabel = new QLabel(tr("no model"), this);
    m_tokensLabel = new QLabel(this);
    m_timeLabel = new QLabel(this);
    for (QLabel *label : {m_modelLabel, m_tokensLabel, m_timeLabel})
        statusBar()->addPermanentWidget(label);
    applyStyle();
    setWindowTitle(tr("AttnScope"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/attnscope.svg")));
}

void MainWindow::buildDocks() {
    m_insightsPanel = new InsightsPanel(m_presenter->insightsModel(), this);
    m_insightsDock = new QDockWidget(tr("Insights"), this);
    m_insightsDock->setObjectName(QStringLiteral("insights"));
    m_insightsDock->setWidget(m_insightsPanel);
    m_insightsDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                                QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::RightDockWidgetArea, m_insightsDock);
    resizeDocks({m_insightsDock}, {420}, Qt::Horizontal);
    m_examples = new ExamplesPanel(builtInExamples(), this);
    m_examplesDock = new QDockWidget(tr("Examples"), this);
    m_examplesDock->setObjectName(QStringLiteral("examples"));
    m_examplesDock->setWidget(m_examples);
    m_examplesDock->setFeatures(m_insightsDock->features());
    addDockWidget(Qt::RightDockWidgetArea, m_examplesDock);
    tabifyDockWidget(m_examplesDock, m_insightsDock);
    m_insightsDock->raise();
}

void MainWindow::buildTour() {
    m_tour = Tour::firstStart(this, {m_text, m_grid->view(), m_strip, m_insightsDock});
    connect(m_tour, &Tour::finished, this, [this] { m_settings->setTourDone(); });
}

void MainWindow::wirePresenter() {
    AnalysisPresenter *p = m_presenter;
    connect(m_text, &QPlainTextEdit::textChanged, p, [this] { m_presenter->setText(m_text->toPlainText()); });
    connect(m_text, &QPlainTextEdit::textChanged, this, &MainWindow::showExampleNote);
    connect(p, &AnalysisPresenter::textReplaced, this, [this](const QString &text) {
        const QSignalBlocker block(m_text); // the presenter already has it
        m_text->setPlainText(text);
        showExampleNote();
    });
    connect(p, &AnalysisPresenter::modelLoading, m_modelLabel,
            [this](const QString &file) { m_modelLabel->setText(tr("loading %1…").arg(file)); });
    connect(p, &AnalysisPresenter::loadCancelled, this, [this] { // the model that was there stays
        m_modelLabel->setText(m_presenter->engine() ? m_presenter->modelName() : tr("no model"));
    });
    connect(p, &AnalysisPresenter::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(p, &AnalysisPresenter::errorChanged, this, [this](const QString &message) {
        m_banner->setText(message);
        m_banner->setVisible(!message.isEmpty());
    });
    connect(p, &AnalysisPresenter::stateChanged, this, [this] {
        m_playback->setPosition(m_presenter->layer(), m_presenter->head()); // a change it did not make stops it
        m_stepPanel->follow(*m_presenter);
    });
    connect(p, &AnalysisPresenter::focusChanged, m_stepPanel, [this] { m_stepPanel->follow(*m_presenter); });
    connect(p, &AnalysisPresenter::resultShown, this, &MainWindow::showResult);
    connect(p, &AnalysisPresenter::sessionLookRequested, this, &MainWindow::applySessionLook);
    connect(p, &AnalysisPresenter::compareRequested, this,
            [this](const QString &a, const QString &b) { openCompare()->setTexts(a, b); });
    connect(p, &AnalysisPresenter::wordsChanged, this, [this](bool on) {
        if (m_compare)
            m_compare->presenter()->setWords(on);
    });
    connect(m_controls, &ControlBar::styleChanged, this, &MainWindow::applyStyle);
    connect(m_playbackBar, &PlaybackBar::aboutToPlay, this, [this](Playback::Mode mode) {
        // A mean over every layer has no layers to step through; head by head needs one head shown.
        if (m_presenter->aggregation() == Aggregation::MeanOfAll || mode == Playback::Mode::Heads)
            m_presenter->setAggregation(Aggregation::Head);
        m_playback->setPosition(m_presenter->layer(), m_presenter->head());
    });
    connect(m_playback, &Playback::moveTo, p, &AnalysisPresenter::selectHead);
    connect(m_examples, &ExamplesPanel::exampleChosen, this, &MainWindow::openExample);
    connect(m_insightsPanel, &InsightsPanel::headChosen, p, &AnalysisPresenter::showHead);
    connect(m_grid->view(), &HeadGridView::headClicked, p, &AnalysisPresenter::showHead);
    connect(m_stepPanel, &StepPanel::cellChosen, p, &AnalysisPresenter::focusCell);
    connect(m_heatmap, &HeatmapView::cellHovered, this, [this](int query, int key) {
        if (query < 0)
            statusBar()->clearMessage();
        else
            statusBar()->showMessage(m_presenter->heatmapModel()->cellDescription(query, key));
    });
    connect(m_arcs->view(), &ArcsView::tokenHovered, this, [this](int row) {
        if (const Token *t = m_presenter->heatmapModel()->token(row))
            statusBar()->showMessage(tokenDescription(*t));
        else
            statusBar()->clearMessage();
    });
}

void MainWindow::applyStyle() {
    const ViewStyle style = m_controls->style(presentation() ? 2.0 : 1.0);
    m_heatmap->setStyle(style);
    m_arcs->view()->setStyle(style);
    m_grid->view()->setStyle(style);
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

void MainWindow::openModel(const QString &modelPath, const QString &tokenizerPath) {
    m_presenter->openModel(modelPath, tokenizerPath);
}

void MainWindow::onModelLoaded() {
    const EnginePtr &engine = m_presenter->engine();
    const EngineInfo &info = engine->info();
    const QString name = m_presenter->modelName();
    m_modelLabel->setText(name);
    m_modelLabel->setToolTip(QString::fromStdString(info.modelPath));
    m_heatmap->setModelName(name);
    setWindowTitle(tr("AttnScope — %1").arg(name));
    for (QAction *a : m_modelsMenu->actions())
        a->setChecked(a->data().toString() == QString::fromStdString(info.modelPath));
    m_playback->setShape(info.config.layers, info.config.heads);
    m_settings->addRecentModel(QFileInfo(QString::fromStdString(info.modelPath)).absoluteFilePath());
    rebuildRecentMenu();
    if (m_compare)
        m_compare->setEngine(engine); // the compare window follows the model
    showExampleNote();
}

void MainWindow::showResult() {
    const AnalysisPtr &analysis = m_presenter->analysis();
    const ResultPtr &result = m_presenter->heatmapModel()->result();
    m_playback->setShape(result->layers, result->heads);
    m_stepPanel->setAnalysis(analysis);
    m_stepPanel->follow(*m_presenter);
    rememberState(); // what is on screen is what comes back
    keepInside();    // the busy bar may have widened the window while it ran
    if (m_settings->remembers() && !m_tourOffered) { // a first start: the tour once there is something to point at
        m_tourOffered = true;
        if (!m_settings->tourDone())
            QTimer::singleShot(0, m_tour, &Tour::start);
    }
    m_tokensLabel->setText(m_presenter->wordsShown()
                               ? tr("%n word(s)", nullptr, result->seqLen()) +
                                     tr(" · %n token(s)", nullptr, analysis->shown->seqLen())
                               : tr("%n token(s)", nullptr, result->seqLen()));
    m_timeLabel->setText(tr("computed in %1 ms").arg(result->computeMs, 0, 'f', 1));
}

void MainWindow::resizeEvent(QResizeEvent *event) {
    QMainWindow::resizeEvent(event);
    // A longer label or a larger model can raise the views' minimum width; the main window's layout then widens the
    // window (keeping the docks' widths) past the screen's edge. The docks give way instead: back inside the screen.
    keepInside();
}

void MainWindow::keepInside() {
    if (!isFullScreen() && !isMaximized())
        QTimer::singleShot(0, this, [this] { keepOnScreen(this); });
}

void MainWindow::closeEvent(QCloseEvent *event) {
    rememberState();
    QMainWindow::closeEvent(event);
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event) {
    if (event->type() == QEvent::FocusIn || event->type() == QEvent::MouseButtonPress) // the view last used
        m_exports->setCurrentView(watched == m_arcs->view()  ? ExportView::Arcs
                                  : watched == m_grid->view() ? ExportView::Grid
                                  : watched == m_strip       ? ExportView::Tokens
                                                             : ExportView::Heatmap);
    return QMainWindow::eventFilter(watched, event);
}

CompareWindow *MainWindow::openCompare() {
    if (!m_compare) {
        m_compare = new CompareWindow(nullptr, this);
        m_compare->setWindowFlag(Qt::Window);
        m_compare->setStyle(m_heatmap->viewStyle());
        m_compare->presenter()->setWords(m_presenter->words());
        fitToScreen(m_compare, CompareWindow::kPreferredSize);
    }
    m_compare->setEngine(m_presenter->engine());
    m_compare->show();
    m_compare->raise();
    m_compare->activateWindow();
    return m_compare;
}

} // namespace attnscope
