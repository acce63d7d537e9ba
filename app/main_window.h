// The main window: builds the page (text box, selectors, heatmap and step page, arcs, grid, docks, menus) and wires
// it to the presenters. The state and the logic live in AnalysisPresenter (what is analysed and shown) and
// SettingsStore (what is remembered); the engine runs in InferenceService's thread.
#pragma once

#include <attnscope/model_locator.h>

#include "export/image_export.h"
#include "models/examples.h"
#include "presenters/session.h"
#include "widgets/presentation.h"

#include <QMainWindow>
#include <QPointer>

#include <functional>
#include <memory>

class QDockWidget;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QTabWidget;

namespace attnscope {

class AnalysisPresenter;
class ArcsPane;
class CompareWindow;
class ControlBar;
class ExamplesPanel;
class ExportDialog;
class ExportRequests;
class GetModelsDialog;
class GridPane;
class HeatmapView;
class InsightsPanel;
class Playback;
class PlaybackBar;
class SettingsStore;
class StepPanel;
class TokenStripView;
class Tour;
struct ExportContext;
struct GetModelsSetup;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    static constexpr QSize kPreferredSize{1280, 900}; // opened smaller where the screen is (1366x768: 1350x728)
    struct Options {
        QString modelPath;              // explicit model (flag); empty = the last session's, else the default found
        QString tokenizerPath;          // explicit tokenizer; empty = beside the model
        QString initialText;            // empty = the last session's text, else the first built-in example
        std::vector<ModelEntry> models; // everything discovery found, for the Models menu
        int debounceMs = 150;
        // What is remembered between starts (the app passes its QSettings); null = nothing is (tests).
        SettingsStore *settings = nullptr;
        // The window's logic; null = the window makes its own. Either way the window owns it.
        AnalysisPresenter *presenter = nullptr;
    };

    explicit MainWindow(Options options, QWidget *parent = nullptr);
    ~MainWindow() override;

    AnalysisPresenter *presenter() const { return m_presenter; }
    // The state a .attnscope file stores: the presenter's, with the look of the views (colours, arcs, page).
    Session currentSession() const;
    // The view File > Export and Copy Image start from: the one last clicked or focused.
    ExportView currentExportView() const;
    ExportContext exportContext() const;
    bool hasNoModel() const { return m_noModel; } // nothing was found to open at start
    bool presentation() const { return m_presentationMode.active(); }
    void setGetModelsSetup(std::function<GetModelsSetup()> setup) { m_getModelsSetup = std::move(setup); }

public slots:
    ExportDialog *openExportDialog(); // File > Export (Ctrl+Shift+E); the dialog deletes itself when closed
    // File > Get Models (Ctrl+Shift+M): the models on this computer and downloads; one dialog, kept while a
    // download runs.
    GetModelsDialog *openGetModelsDialog();
    void copyImage(); // Copy Image (Ctrl+Shift+C): the current view as on screen
    void openModel(const QString &modelPath, const QString &tokenizerPath = {});
    CompareWindow *openCompare(); // View > Compare Two Sentences (Ctrl+K)
    // Both return an empty string on success, else the message (also shown in the banner).
    QString saveSession(const QString &path);
    QString openSession(const QString &path); // the model loads and the text runs; the view state follows
    // View > Presentation (F11; Esc leaves): full screen, fonts scaled to the screen, thicker arcs, a high-contrast
    // light theme, menus, status bar and the docks hidden.
    void setPresentation(bool on);
    void openFile(const QString &path); // a dropped or chosen file: a session or a model
    // Examples menu, side list, Ctrl+] / Ctrl+[: the text, then (on its model) its head and focused token.
    void openExample(int index);

private:
    void buildUi();
    void buildDocks();
    void buildTour();
    void wirePresenter();
    void buildMenus(); // main_window_menus.cpp
    void applyStyle();
    void showResult();
    void onModelLoaded();
    void openInitialModel();
    void applySessionLook(const Session &session);
    void showExampleNote();
    void rememberState(); // the session, the window and its docks: on close and after each result
    void rebuildRecentMenu();
    void rebuildModelsMenu(); // the ready models of m_options.models
    bool eventFilter(QObject *watched, QEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void keepInside(); // back inside the screen, once the layout has settled
    void closeEvent(QCloseEvent *event) override;

    Options m_options;
    std::unique_ptr<SettingsStore> m_ownSettings; // in memory, when none was passed in
    SettingsStore *m_settings = nullptr;
    AnalysisPresenter *m_presenter = nullptr;
    QPlainTextEdit *m_text = nullptr;
    TokenStripView *m_strip = nullptr;
    ControlBar *m_controls = nullptr;
    HeatmapView *m_heatmap = nullptr;
    ArcsPane *m_arcs = nullptr;
    GridPane *m_grid = nullptr;
    StepPanel *m_stepPanel = nullptr;
    QTabWidget *m_viewTabs = nullptr;
    InsightsPanel *m_insightsPanel = nullptr;
    QDockWidget *m_insightsDock = nullptr;
    ExamplesPanel *m_examples = nullptr;
    QDockWidget *m_examplesDock = nullptr;
    PlaybackBar *m_playbackBar = nullptr; // ▶ Play in the view tabs' corner
    Playback *m_playback = nullptr;       // its timer and order
    CompareWindow *m_compare = nullptr;
    Tour *m_tour = nullptr;
    bool m_tourOffered = false;
    QAction *m_presentationAction = nullptr;
    Presentation m_presentationMode; // what it changed, to put back
    QLabel *m_banner = nullptr;
    QLabel *m_note = nullptr;
    QLabel *m_modelLabel = nullptr;
    QLabel *m_tokensLabel = nullptr;
    QLabel *m_timeLabel = nullptr;
    QMenu *m_modelsMenu = nullptr;
    QMenu *m_recentMenu = nullptr;
    QPointer<GetModelsDialog> m_getModels;
    std::function<GetModelsSetup()> m_getModelsSetup;
    bool m_noModel = false;
    ExportRequests *m_exports = nullptr; // the view last used, the export folder, Copy Image
};

} // namespace attnscope
