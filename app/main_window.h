// The main window: builds the page (text box, layer/head selectors, heatmap, status bar) and wires signals.
// No analysis logic lives here; the engine runs in InferenceService's thread.
#pragma once

#include <attnscope/model_locator.h>

#include "attention_snapshot.h"
#include "export/image_export.h"
#include "models/examples.h"
#include "session.h"
#include "widgets/presentation.h"

#include <QMainWindow>
#include <QPointer>

#include <functional>

#include <optional>
#include <QTimer>

class QAction;
class QCheckBox;
class QComboBox;
class QDockWidget;
class QDoubleSpinBox;
class QItemSelectionModel;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QSpinBox;
class QTabWidget;

namespace attnscope {

class ArcsView;
class BusyBar;
class ExamplesPanel;
class Playback;
class PlaybackBar;
class ExportDialog;
class GetModelsDialog;
struct GetModelsSetup;
struct ExportContext;
class HeadGridModel;
class HeadGridView;
class HeatmapModel;
class HeatmapView;
class InferenceService;
class InsightsModel;
class InsightsPanel;
class StepPanel;
class CompareWindow;
class TokenStripView;
class Tour;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    static constexpr QSize kPreferredSize{1280, 900}; // opened smaller where the screen is (1366x768: 1350x728)
    struct Options {
        QString modelPath;              // explicit model (flag); empty = the default found by discovery
        QString tokenizerPath;          // explicit tokenizer; empty = beside the model
        QString initialText;            // empty = the first built-in example
        std::vector<ModelEntry> models; // everything discovery found, for the Models menu
        int debounceMs = 150;
        // Remember the last model and text (and the recent models) in QSettings and start from them. The app
        // turns it on; tests leave it off so no run depends on the one before.
        bool useSettings = false;
    };

    explicit MainWindow(Options options, QWidget *parent = nullptr);
    ~MainWindow() override;

    QPlainTextEdit *textEdit() const { return m_text; }
    HeatmapModel *heatmapModel() const { return m_heatmapModel; }
    HeatmapView *heatmapView() const { return m_heatmap; }
    ArcsView *arcsView() const { return m_arcs; }
    HeadGridModel *gridModel() const { return m_gridModel; }
    HeadGridView *gridView() const { return m_grid; }
    TokenStripView *tokenStrip() const { return m_strip; }
    QItemSelectionModel *selectionModel() const { return m_selection; }
    QComboBox *aggregationBox() const { return m_aggregation; }
    QCheckBox *hideSpecialBox() const { return m_hideSpecial; }
    QCheckBox *wordsBox() const { return m_words; }
    Tour *tour() const { return m_tour; }
    QComboBox *scaleBox() const { return m_scale; }
    QComboBox *colorMapBox() const { return m_colorMap; }
    QComboBox *arcsLayoutBox() const { return m_arcsLayout; }
    QDoubleSpinBox *thresholdBox() const { return m_threshold; }
    QSpinBox *topKBox() const { return m_topK; }
    InferenceService *service() const { return m_service; }
    QSpinBox *layerBox() const { return m_layer; }
    QSpinBox *headBox() const { return m_head; }
    QComboBox *measureBox() const { return m_measure; }
    QComboBox *gridHighlightBox() const { return m_gridHighlight; }
    InsightsModel *insightsModel() const { return m_insights; }
    InsightsPanel *insightsPanel() const { return m_insightsPanel; }
    CompareWindow *compareWindow() const { return m_compare; } // null until View > Compare is opened
    StepPanel *stepPanel() const { return m_stepPanel; }
    BusyBar *busyBar() const { return m_busy; }
    ExamplesPanel *examplesPanel() const { return m_examples; }
    PlaybackBar *playbackBar() const { return m_playbackBar; }
    QString exampleNote() const; // the note shown under the tokens, empty when the text is no example
    QTabWidget *viewTabs() const { return m_viewTabs; } // the heatmap and the step-by-step page
    const AnalysisPtr &analysis() const { return m_analysis; }
    // The state a .attnscope file stores: model, texts, layer/head, aggregation, measure, pinned token, style.
    Session currentSession() const;
    QStringList recentModels() const { return m_recent; }
    QString errorText() const; // the banner's text, empty when hidden
    // The view File > Export and Copy Image start from: the one last clicked or focused.
    ExportView currentExportView() const;
    ExportContext exportContext() const;

public slots:
    ExportDialog *openExportDialog(); // File > Export (Ctrl+Shift+E); the dialog deletes itself when closed
    // File > Get Models (Ctrl+Shift+M): the models on this computer and downloads; one dialog, kept while a
    // download runs. `setup` replaces where it looks and what it offers (tests); by default this machine's.
    GetModelsDialog *openGetModelsDialog();
    bool hasNoModel() const { return m_noModel; } // nothing was found to open at start
    void setGetModelsSetup(std::function<GetModelsSetup()> setup) { m_getModelsSetup = std::move(setup); }
    void copyImage();                 // Copy Image (Ctrl+Shift+C): the current view as on screen
    void openModel(const QString &modelPath, const QString &tokenizerPath = {});
    void openModelDialog();
    CompareWindow *openCompare(); // View > Compare Two Sentences
    // Both return an empty string on success, else the message (also shown in the banner).
    QString saveSession(const QString &path);
    QString openSession(const QString &path); // the model loads and the text runs; the view state follows
    // View > Presentation (F11; Esc leaves): full screen, fonts 1.6x, thicker arcs, a high-contrast light theme,
    // menus, status bar and the insights dock hidden.
    void setPresentation(bool on);
    bool presentation() const { return m_presentationMode.active(); }
    void openFile(const QString &path);       // a dropped or chosen file: a session or a model
    // Examples menu, side list, Ctrl+] / Ctrl+[: the text, then (on the model the example was written for) its
    // head and focused token.
    void openExample(int index);

private:
    void buildUi();
    QWidget *buildControls(QWidget *parent);
    QWidget *buildArcsPane(QWidget *parent);
    QWidget *buildGridPane(QWidget *parent);
    void applyMeasure();
    void syncInsightsFocus();
    void syncStep(); // the step page follows the head, the aggregation and the focused token
    void addNavigationKeys(QWidget *view);
    void buildMenus();
    void applyStyle();
    void applyAggregation();
    void applyHideSpecial(bool hide);
    void applyWords(); // the views between words or tokens, as the Words box says
    bool wordsShown() const;
    // The token position behind a row of the views as they are (rows of words: the word's last token when `last`, else
    // its first), and the row that shows a token position once the views follow the Words box.
    int tokenPosition(int row, bool last) const;
    int rowOfToken(int position) const;
    void requestAnalysis();
    void showResult(const AnalysisPtr &analysis);
    void showError(const QString &message);
    void clearError();
    void onModelLoaded(const EnginePtr &engine);
    bool eventFilter(QObject *watched, QEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void closeEvent(QCloseEvent *event) override;
    // What the next start without arguments restores (QSettings): the session, the window and its docks. On close,
    // and after each result, so a session that ends without closing (a killed process, a crash) is not lost.
    void rememberState();
    void applySessionView(const Session &session); // controls that need no result
    void applyPendingSession();                     // layer, head and pin, once the result is in
    void applyPendingExample();
    void showExampleNote();
    void rememberModel(const QString &path);
    void rebuildRecentMenu();
    void rebuildModelsMenu(); // the ready models of m_options.models

    Options m_options;
    InferenceService *m_service = nullptr;
    HeatmapModel *m_heatmapModel = nullptr;
    HeatmapView *m_heatmap = nullptr;
    ArcsView *m_arcs = nullptr;
    HeadGridModel *m_gridModel = nullptr;
    HeadGridView *m_grid = nullptr;
    TokenStripView *m_strip = nullptr;
    QItemSelectionModel *m_selection = nullptr;
    QPlainTextEdit *m_text = nullptr;
    QSpinBox *m_layer = nullptr;
    QSpinBox *m_head = nullptr;
    QComboBox *m_aggregation = nullptr;
    QComboBox *m_measure = nullptr;
    QComboBox *m_gridHighlight = nullptr;
    InsightsModel *m_insights = nullptr;
    InsightsPanel *m_insightsPanel = nullptr;
    StepPanel *m_stepPanel = nullptr;
    QTabWidget *m_viewTabs = nullptr;
    CompareWindow *m_compare = nullptr;
    AnalysisPtr m_analysis;
    QDockWidget *m_insightsDock = nullptr;
    QAction *m_presentationAction = nullptr;
    Presentation m_presentationMode; // what it changed, to put back
    QCheckBox *m_hideSpecial = nullptr;
    QCheckBox *m_words = nullptr;
    Tour *m_tour = nullptr;
    bool m_tourOffered = false;
    QComboBox *m_scale = nullptr;
    QComboBox *m_colorMap = nullptr;
    QComboBox *m_arcsLayout = nullptr;
    QDoubleSpinBox *m_threshold = nullptr;
    QSpinBox *m_topK = nullptr;
    QLabel *m_banner = nullptr;
    BusyBar *m_busy = nullptr;
    QLabel *m_modelLabel = nullptr;
    QLabel *m_tokensLabel = nullptr;
    QLabel *m_timeLabel = nullptr;
    QMenu *m_modelsMenu = nullptr;
    QPointer<GetModelsDialog> m_getModels;
    bool m_noModel = false;
    std::function<GetModelsSetup()> m_getModelsSetup;
    QMenu *m_recentMenu = nullptr;
    QStringList m_recent;                 // most recent first
    std::optional<Session> m_pendingSession; // waiting for its model and text
    std::optional<Example> m_pendingExample; // waiting for its text's result
    ExamplesPanel *m_examples = nullptr;
    QDockWidget *m_examplesDock = nullptr;
    QLabel *m_note = nullptr;
    PlaybackBar *m_playbackBar = nullptr; // ▶ Play in the view tabs' corner
    Playback *m_playback = nullptr;       // its timer and order
    QTimer m_debounce;
    QString m_loadingPath;
    QWidget *m_currentView = nullptr; // for export: the view last clicked or focused
    QString m_exportDir;              // where the last export went
};

} // namespace attnscope
