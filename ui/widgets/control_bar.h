// The row of selectors under the text: layer, head, how heads combine, the measure, hidden special tokens, words,
// and the colour scale and map. The analysis selectors follow an AnalysisPresenter both ways (a change here is
// handed to it; its state, as a session or an example sets it, shows here); the colour controls report a style.
#pragma once

#include "views/view_style.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QSpinBox;

namespace attnscope {

class AnalysisPresenter;
class BusyBar;

class ControlBar : public QWidget {
    Q_OBJECT
public:
    explicit ControlBar(AnalysisPresenter *presenter, QWidget *parent = nullptr);

    ViewStyle style(double lineScale) const; // the colour map and scale chosen
    QString colorMap() const;                // its id, as a session stores it
    QString colorScale() const;              // linear | log | sqrt
    void setColorMap(const QString &id);
    void setColorScale(const QString &key);
    BusyBar *busyBar() const { return m_busy; }
    // Steps the layer or head by `delta`, when the selector applies (the views' arrow and page keys).
    void stepLayer(int delta);
    void stepHead(int delta);
    // While `view` has focus: PgUp/PgDn and Up/Down step the layer, Left/Right the head.
    void addNavigationKeys(QWidget *view);

signals:
    void styleChanged();
    void runAgainRequested();

private:
    void sync(); // the presenter's state into the controls, without echoing it back

    AnalysisPresenter *m_presenter = nullptr;
    QSpinBox *m_layer = nullptr;
    QSpinBox *m_head = nullptr;
    QComboBox *m_aggregation = nullptr;
    QComboBox *m_measure = nullptr;
    QCheckBox *m_hideSpecial = nullptr;
    QCheckBox *m_words = nullptr;
    QComboBox *m_scale = nullptr;
    QComboBox *m_colorMap = nullptr;
    BusyBar *m_busy = nullptr;
};

} // namespace attnscope
