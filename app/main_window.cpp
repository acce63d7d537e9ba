// MainWindow: page construction and signal wiring.
#include "main_window.h"
#include "model_paths.h"

#include "models/heatmap_model.h"
#include "views/heatmap_view.h"
#include "widgets/inference_worker.h"

#include <QActionGroup>
#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QShortcut>
#include <QSpinBox>
#include <QStatusBar>
#include <QVBoxLayout>

namespace attnscope {

MainWindow::MainWindow(Options options, QWidget *parent) : QMainWindow(parent), m_options(std::move(options)) {
    m_service = new InferenceService(this);
    m_heatmapModel = new HeatmapModel(this);
    buildUi();
    buildMenus();

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(m_options.debounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &MainWindow::requestAnalysis);
    connect(m_text, &QPlainTextEdit::textChanged, &m_debounce, qOverload<>(&QTimer::start));
    connect(m_service, &InferenceService::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(m_service, &InferenceService::modelFailed, this, [this](const QString &message) {
        showError(
            m_service->engine()
                ? tr("%1 — still using %2.").arg(message, QString::fromStdString(m_service->engine()->info().name))
                : message);
    });
    connect(m_service, &InferenceService::resultReady, this, &MainWindow::showResult);
    connect(m_service, &InferenceService::analysisFailed, this, &MainWindow::showError);
    connect(m_service, &InferenceService::busyChanged, m_busy, &QLabel::setVisible);

    const QString initial = m_options.initialText.isEmpty() ? builtInExamples().front().text : m_options.initialText;
    {
        const QSignalBlocker block(m_text); // the model is not loaded yet; analyse once it is
        m_text->setPlainText(initial);
    }

    QString modelPath = m_options.modelPath, tokenizerPath = m_options.tokenizerPath;
    if (modelPath.isEmpty()) {
        const ModelEntry def = defaultModel(m_options.models);
        modelPath = QString::fromStdString(def.modelPath);
        tokenizerPath = QString::fromStdString(def.tokenizerPath);
    }
    if (modelPath.isEmpty())
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

    auto *controls = new QHBoxLayout;
    m_layer = new QSpinBox(central);
    m_layer->setPrefix(tr("Layer "));
    m_layer->setToolTip(tr("Which transformer layer to show (0 = closest to the input)."));
    m_head = new QSpinBox(central);
    m_head->setPrefix(tr("Head "));
    m_head->setToolTip(tr("Which attention head of the layer to show."));
    m_layer->setEnabled(false);
    m_head->setEnabled(false);
    controls->addWidget(m_layer);
    controls->addWidget(m_head);
    controls->addStretch(1);
    m_busy = new QLabel(tr("computing…"), central);
    m_busy->setVisible(false);
    controls->addWidget(m_busy);
    layout->addLayout(controls);

    m_banner = new QLabel(central);
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fdecea; color: #611a15; border: 1px solid #f5c2c0; "
                                           "border-radius: 4px; padding: 6px; }"));
    m_banner->setVisible(false);
    layout->addWidget(m_banner);

    m_heatmap = new HeatmapView(central);
    m_heatmap->setModel(m_heatmapModel);
    layout->addWidget(m_heatmap, 1);
    setCentralWidget(central);

    auto selectHead = [this] { m_heatmapModel->setLayerHead(m_layer->value(), m_head->value()); };
    // Keyboard navigation while the heatmap has focus: PgUp/PgDn change the layer, Left/Right the head
    // (the text box keeps its arrows for the cursor).
    auto step = [this](QSpinBox *box, int delta, const QKeySequence &key) {
        auto *shortcut = new QShortcut(key, m_heatmap);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, box, [box, delta] { box->setValue(box->value() + delta); });
    };
    step(m_layer, -1, QKeySequence(Qt::Key_PageUp));
    step(m_layer, +1, QKeySequence(Qt::Key_PageDown));
    step(m_head, -1, QKeySequence(Qt::Key_Left));
    step(m_head, +1, QKeySequence(Qt::Key_Right));
    m_heatmap->setToolTip(tr("PgUp/PgDn: previous/next layer · Left/Right: previous/next head"));
    connect(m_layer, qOverload<int>(&QSpinBox::valueChanged), this, selectHead);
    connect(m_head, qOverload<int>(&QSpinBox::valueChanged), this, selectHead);
    connect(m_heatmap, &HeatmapView::cellHovered, this, [this](int query, int key) {
        if (query < 0)
            statusBar()->clearMessage();
        else
            statusBar()->showMessage(m_heatmapModel->cellDescription(query, key));
    });

    m_modelLabel = new QLabel(tr("no model"), this);
    m_tokensLabel = new QLabel(this);
    m_timeLabel = new QLabel(this);
    statusBar()->addPermanentWidget(m_modelLabel);
    statusBar()->addPermanentWidget(m_tokensLabel);
    statusBar()->addPermanentWidget(m_timeLabel);

    setWindowTitle(tr("AttnScope"));
    resize(1000, 820);
}

void MainWindow::buildMenus() {
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Model…"), this, &MainWindow::openModelDialog);
    open->setShortcut(QKeySequence::Open);
    m_modelsMenu = file->addMenu(tr("&Models"));
    auto *group = new QActionGroup(m_modelsMenu);
    for (const ModelEntry &m : m_options.models) {
        const QString path = QString::fromStdString(m.modelPath);
        const QString tokenizer = QString::fromStdString(m.tokenizerPath);
        QAction *a = m_modelsMenu->addAction(QString::fromStdString(m.name), this,
                                             [this, path, tokenizer] { openModel(path, tokenizer); });
        a->setToolTip(QStringLiteral("%1 (%2)").arg(QDir::toNativeSeparators(path), QString::fromStdString(m.source)));
        a->setStatusTip(a->toolTip());
        a->setCheckable(true);
        a->setData(path);
        group->addAction(a);
    }
    if (m_options.models.empty())
        m_modelsMenu->addAction(tr("(none found)"))->setEnabled(false);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *examples = menuBar()->addMenu(tr("&Examples"));
    for (const Example &e : builtInExamples()) {
        QAction *a = examples->addAction(e.text, this, [this, text = e.text] { m_text->setPlainText(text); });
        a->setStatusTip(e.note);
        a->setToolTip(e.note);
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About AttnScope"), this, [this] {
        QString facts = tr("No model loaded.");
        if (const auto &engine = m_service->engine()) {
            const EngineInfo &i = engine->info();
            const ModelConfig &c = i.config;
            facts = tr("<b>%1</b> (%2)<br>%3 layers, %4 heads (%5 key/value heads), width %6, FFN %7<br>"
                       "vocabulary %8, context %9 tokens")
                        .arg(QString::fromStdString(i.name), QString::fromStdString(i.format))
                        .arg(c.layers)
                        .arg(c.heads)
                        .arg(c.kvHeads)
                        .arg(c.dim)
                        .arg(c.hiddenDim)
                        .arg(c.vocabSize)
                        .arg(c.contextLength);
        }
        QMessageBox::about(
            this, tr("About AttnScope"),
            tr("<h3>AttnScope %1</h3><p>See the attention of real language models, offline.</p><p>%2</p>")
                .arg(QStringLiteral(ATTNSCOPE_VERSION), facts));
    });
}

void MainWindow::openModelDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), userModelDir(),
                                                      tr("llama2.c checkpoints (*.bin);;All files (*)"));
    if (!path.isEmpty())
        openModel(path);
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
    m_layer->setEnabled(true);
    m_head->setEnabled(true);
    requestAnalysis();
}

void MainWindow::requestAnalysis() {
    m_debounce.stop();
    if (m_service->engine())
        m_service->analyze(m_text->toPlainText());
}

void MainWindow::showResult(const ResultPtr &result) {
    clearError();
    m_heatmapModel->setResult(result);
    m_heatmapModel->setLayerHead(m_layer->value(), m_head->value());
    m_tokensLabel->setText(tr("%n token(s)", nullptr, result->seqLen()));
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

QString MainWindow::errorText() const {
    return m_banner->isVisible() ? m_banner->text() : QString();
}

} // namespace attnscope
