// Custom-painted heatmap over a HeatmapModel: labels, colour bar, hover tooltip, the shared selection,
// zoom (Ctrl+wheel, pinch, +/-) and pan (drag, wheel), fit with 0. Level of detail comes from the scene.
#pragma once

#include "export/image_export.h"
#include "views/heatmap_renderer.h"

#include "views/model_view.h"

class QItemSelectionModel;

namespace attnscope {

class HeatmapModel;

class HeatmapView : public ModelView {
    Q_OBJECT
public:
    explicit HeatmapView(QWidget *parent = nullptr);

    void setModelName(const QString &name);
    QPoint hoveredCell() const { return m_hover; }
    const HeatmapGeometry &geometry() const { return m_geometry; }
    const HeatmapScene &scene() const { return m_scene; }
    double zoom() const { return m_zoom; }
    // Zoom, pan and the shared selection, for exporting the view as it is on screen.
    ViewState exportState() const;
    QSize sizeHint() const override { return {640, 560}; }
    QSize minimumSizeHint() const override { return {240, 200}; }

public slots:
    // Zoom by a factor around a point in widget coordinates (the centre of the viewport when omitted).
    void zoomBy(double factor, QPointF anchor = {-1, -1});
    void fitToWindow();

signals:
    void cellHovered(int query, int key); // (-1, -1) when the pointer leaves the grid
    void zoomChanged(double zoom);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void leaveEvent(QEvent *event) override;
    bool event(QEvent *event) override;

private:
    void rebuild() override;
    void detailArrived() override { rebuild(); }
    void relayout();
    void requestDetail();
    void setHover(QPoint cell, const QPoint &globalPos);

    QString m_modelName;
    HeatmapScene m_scene;
    HeatmapGeometry m_geometry;
    QPoint m_hover{-1, -1};
    double m_zoom = 1;
    QPointF m_pan;
    QPointF m_pressPos;
    QPointF m_panAtPress;
    bool m_pressed = false;
    bool m_dragging = false;
};

} // namespace attnscope
