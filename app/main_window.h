// The main window: builds the page (text box, layer/head selectors, heatmap, status bar) and wires signals.
// No analysis logic lives here; the engine runs in InferenceService's thread.
#pragma once

#include <attnscope/model_locator.h>

#include "attention_snapshot.h"

#include <QMainWindow>
#include <QTimer>

class QLabel;
class QMenu;
class QPlainTextEdit;
class QSpinBox;

namespace attnscope {

class HeatmapModel;
class HeatmapView;
class InferenceService;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    struct Options {
        QString modelPath;              // explicit model (flag); empty = the default found by discovery
        QString tokenizerPath;          // explicit tokenizer; empty = beside the model
        QString initialText;            // empty = the first built-in example
        std::vector<ModelEntry> models; // everything discovery found, for the Models menu
        int debounceMs = 150;
    };

    explicit MainWindow(Options options, QWidget *parent = nullptr);
    ~MainWindow() override;

    QPlainTextEdit *textEdit() const { return m_text; }
    HeatmapModel *heatmapModel() const { return m_heatmapModel; }
    HeatmapView *heatmapView() const { return m_heatmap; }
    InferenceService *service() const { return m_service; }
    QSpinBox *layerBox() const { return m_layer; }
    QSpinBox *headBox() const { return m_head; }
    QString errorText() const; // the banner's text, empty when hidden

public slots:
    void openModel(const QString &modelPath, const QString &tokenizerPath = {});
    void openModelDialog();

private:
    void buildUi();
    void buildMenus();
    void requestAnalysis();
    void showResult(const ResultPtr &result);
    void showError(const QString &message);
    void clearError();
    void onModelLoaded(const EnginePtr &engine);

    Options m_options;
    InferenceService *m_service = nullptr;
    HeatmapModel *m_heatmapModel = nullptr;
    HeatmapView *m_heatmap = nullptr;
    QPlainTextEdit *m_text = nullptr;
    QSpinBox *m_layer = nullptr;
    QSpinBox *m_head = nullptr;
    QLabel *m_banner = nullptr;
    QLabel *m_busy = nullptr;
    QLabel *m_modelLabel = nullptr;
    QLabel *m_tokensLabel = nullptr;
    QLabel *m_timeLabel = nullptr;
    QMenu *m_modelsMenu = nullptr;
    QTimer m_debounce;
    QString m_loadingPath;
};

} // namespace attnscope
