// Compare two sentences (a minimal pair such as "Swing the bat!" / "The bat flew at night."): both heatmaps side
// by side for the same layer and head, aligned on a token they share (its row is focused in both), a difference
// heatmap A - B when the token counts are equal, and every head ranked by how much the shared token's attention
// changes between the sentences; all of it from a ComparePresenter, between tokens or words.
#pragma once

#include "attention_snapshot.h"
#include "views/view_style.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QStackedWidget;
class QTableWidget;

namespace attnscope {

class ComparePresenter;
class HeatmapView;

class CompareWindow : public QWidget {
    Q_OBJECT
public:
    static constexpr QSize kPreferredSize{1500, 900}; // opened smaller where the screen is (see window_fit.h)
    // `presenter` null: the window makes its own. Either way the window owns it.
    explicit CompareWindow(ComparePresenter *presenter = nullptr, QWidget *parent = nullptr);
    ~CompareWindow() override;

    ComparePresenter *presenter() const { return m_presenter; }
    void setEngine(EnginePtr engine); // another model re-runs both sentences; the same one does nothing
    void setTexts(const QString &a, const QString &b);
    void setStyle(const ViewStyle &style);

signals:
    void compared(); // both results are in and the ranking is rebuilt
    void failed(const QString &message); // a sentence could not be analysed (the window shows why)

private:
    void sync();        // the presenter's state into the controls and views
    void showRanking(); // the ranked heads and the summary above them, once per new ranking

    ComparePresenter *m_presenter = nullptr;
    QLineEdit *m_textA = nullptr;
    QLineEdit *m_textB = nullptr;
    QComboBox *m_anchor = nullptr;
    QSpinBox *m_layer = nullptr;
    QSpinBox *m_head = nullptr;
    QCheckBox *m_words = nullptr;
    HeatmapView *m_viewA = nullptr;
    HeatmapView *m_viewB = nullptr;
    HeatmapView *m_viewDiff = nullptr;
    QStackedWidget *m_diffStack = nullptr;
    QLabel *m_diffNote = nullptr;
    QLabel *m_summary = nullptr;
    QTableWidget *m_ranked = nullptr;
    QLabel *m_error = nullptr;
};

} // namespace attnscope
