// Custom-painted heatmap of one head over a HeatmapModel: labels, colour bar, hover tooltip.
#pragma once

#include "views/heatmap_renderer.h"

#include <QPointer>
#include <QWidget>

namespace attnscope {

class HeatmapModel;

class HeatmapView : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapView(QWidget *parent = nullptr);

    void setModel(HeatmapModel *model);
    void setModelName(const QString &name);
    QPoint hoveredCell() const { return m_hover; }
    const HeatmapGeometry &geometry() const { return m_geometry; }
    QSize sizeHint() const override { return {640, 560}; }
    QSize minimumSizeHint() const override { return {240, 200}; }

signals:
    void cellHovered(int query, int key); // (-1, -1) when the pointer leaves the grid

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    bool event(QEvent *event) override;

private:
    void rebuildScene();
    void relayout();
    void setHover(QPoint cell, const QPoint &globalPos);

    QPointer<HeatmapModel> m_model;
    QString m_modelName;
    HeatmapScene m_scene;
    HeatmapGeometry m_geometry;
    HeatmapColors m_colors;
    QPoint m_hover{-1, -1};
};

} // namespace attnscope
