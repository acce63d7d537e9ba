// Compare two sentences (a minimal pair such as "Swing the bat!" / "The bat flew at night."): both heatmaps side
// by side for the same layer and head, aligned on a token they share (its row is focused in both), a difference
// heatmap A - B when the token counts are equal, and every head ranked by how much the shared token's attention
// changes between the sentences (core's headChanges). Each sentence runs on its own inference thread.
#pragma once

#include "attention_snapshot.h"
#include "views/view_style.h"

#include <attnscope/insights.h>

#include <QTimer>
#include <QWidget>

class QComboBox;
class QItemSelectionModel;
class QLabel;
class QLineEdit;
class QSpinBox;
class QStackedWidget;
class QTableWidget;

namespace attnscope {

class HeatmapModel;
class HeatmapView;
class InferenceService;

class CompareWindow : public QWidget {
    Q_OBJECT
public:
    static constexpr QSize kPreferredSize{1500, 900}; // opened smaller where the screen is (see window_fit.h)
    explicit CompareWindow(QWidget *parent = nullptr);
    ~CompareWindow() override;

    void setEngine(EnginePtr engine); // another model re-runs both sentences; the same one does nothing
    EnginePtr engine() const;
    void setTexts(const QString &a, const QString &b);
    void setStyle(const ViewStyle &style);

    QLineEdit *textA() const { return m_textA; }
    QLineEdit *textB() const { return m_textB; }
    QComboBox *anchorBox() const { return m_anchor; }
    QTableWidget *rankedHeads() const { return m_ranked; }
    HeatmapModel *modelA() const { return m_modelA; }
    HeatmapModel *modelB() const { return m_modelB; }
    HeatmapModel *differenceModel() const { return m_diffModel; }
    bool differenceShown() const; // false when the token counts differ
    const std::vector<HeadScore> &ranking() const { return m_ranking; }
    QSpinBox *layerBox() const { return m_layer; }
    QSpinBox *headBox() const { return m_head; }

signals:
    void compared(); // both results are in and the ranking is rebuilt
    void failed(const QString &message); // a sentence could not be analysed (the window shows why)

private:
    void analyze();
    void resultIn();
    void rebuildAnchors();
    void rebuildComparison();
    void selectHead(int layer, int head);
    void fitDifferenceRange();

    InferenceService *m_serviceA = nullptr;
    InferenceService *m_serviceB = nullptr;
    ResultPtr m_a, m_b;
    QLineEdit *m_textA = nullptr;
    QLineEdit *m_textB = nullptr;
    QComboBox *m_anchor = nullptr;
    QSpinBox *m_layer = nullptr;
    QSpinBox *m_head = nullptr;
    HeatmapModel *m_modelA = nullptr;
    HeatmapModel *m_modelB = nullptr;
    HeatmapModel *m_diffModel = nullptr;
    QItemSelectionModel *m_selectionA = nullptr;
    QItemSelectionModel *m_selectionB = nullptr;
    HeatmapView *m_viewA = nullptr;
    HeatmapView *m_viewB = nullptr;
    HeatmapView *m_viewDiff = nullptr;
    QStackedWidget *m_diffStack = nullptr;
    QLabel *m_diffNote = nullptr;
    QLabel *m_summary = nullptr;
    QTableWidget *m_ranked = nullptr;
    QLabel *m_error = nullptr;
    std::vector<HeadScore> m_ranking;
    QTimer m_debounce;
};

} // namespace attnscope
