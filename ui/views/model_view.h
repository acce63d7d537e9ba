// What the heatmap, arcs and token strip views share: a HeatmapModel to draw, the one selection model all views
// use, and the style. rebuild() runs when the model's view or the style changes; selection changes repaint.
#pragma once

#include "models/focus.h"
#include "views/view_style.h"

#include <QPointer>
#include <QWidget>

class QItemSelectionModel;

namespace attnscope {

class HeatmapModel;

class ModelView : public QWidget {
    Q_OBJECT
public:
    explicit ModelView(QWidget *parent = nullptr);

    void setModel(HeatmapModel *model);
    void setSelectionModel(QItemSelectionModel *selection);
    void setStyle(const ViewStyle &style);
    const ViewStyle &viewStyle() const { return m_style; }

protected:
    virtual void rebuild() = 0;
    // The model's zoomed-in detail of a long text arrived (only the heatmap shows it).
    virtual void detailArrived() {}
    Focus focus() const { return focusOf(m_selection); }

    QPointer<HeatmapModel> m_model;
    QPointer<QItemSelectionModel> m_selection;
    ViewStyle m_style;
};

} // namespace attnscope
