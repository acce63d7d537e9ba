// MainWindow, its menus: File (models, sessions, export), View (docks, presentation, zoom, playback, compare),
// Examples and Help, and the model lists they hold.
#include "main_window.h"
#include "about.h"
#include "model_paths.h"

#include "presenters/analysis_presenter.h"
#include "presenters/export_requests.h"
#include "views/heatmap_view.h"
#include "views/step_view.h"
#include "widgets/examples_panel.h"
#include "widgets/get_models_dialog.h"
#include "widgets/playback_bar.h"
#include "widgets/step_panel.h"
#include "widgets/tour.h"

#include <QActionGroup>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QShortcut>
#include <QTabWidget>

namespace attnscope {

void MainWindow::buildMenus() {
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open Model or Session"), userModelDir(),
            tr("Models and sessions (*.gguf *.bin *.attnscope);;GGUF (*.gguf);;llama2.c checkpoints (*.bin);;"
               "AttnScope sessions (*.attnscope);;All files (*)"));
        if (!path.isEmpty())
            openFile(path);
    });
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
                                                          QDir(m_exports->directory()).filePath(QStringLiteral("lesson.attnscope")),
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
        const int at = m_examples->indexOfText(m_presenter->text());
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
        const auto &engine = m_presenter->engine();
        QMessageBox::about(this, tr("About AttnScope"), aboutHtml(engine ? &engine->info() : nullptr));
    });
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
        a->setChecked(m_presenter->engine() &&
                      QString::fromStdString(m_presenter->engine()->info().modelPath) == path);
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

} // namespace attnscope
