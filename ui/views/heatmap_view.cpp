// HeatmapView: rebuilds its cell image when the model changes, relayouts on resize, and only draws in paintEvent.
#include "views/heatmap_view.h"
#include "models/heatmap_model.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace attnscope {

HeatmapView::HeatmapView(QWidget *parent) : QWidget(parent) {
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setFocusPolicy(Qt::StrongFocus);
    setAccessibleName(tr("Attention heatmap"));
}

void HeatmapView::setModel(HeatmapModel *model) {
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    if (m_model) {
        connect(m_model, &QAbstractItemModel::modelReset, this, &HeatmapView::rebuildScene);
        connect(m_model, &QAbstractItemModel::dataChanged, this, &HeatmapView::rebuildScene);
    }
    rebuildScene();
}

void HeatmapView::setModelName(const QString &name) {
    m_modelName = name;
    rebuildScene();
}

void HeatmapView::rebuildScene() {
    m_scene = m_model ? makeHeatmapScene(*m_model, m_modelName, ColorMap::viridis(), m_colors) : HeatmapScene{};
    m_hover = {-1, -1};
    relayout();
}

void HeatmapView::relayout() {
    m_geometry = layoutHeatmap(size(), m_scene, font());
    update();
}

void HeatmapView::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    relayout();
}

void HeatmapView::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.fillRect(rect(), m_colors.background);
    if (m_scene.cells.isNull()) {
        p.setPen(m_colors.text);
        p.drawText(rect(), Qt::AlignCenter, tr("Type a sentence above to see its attention."));
        return;
    }
    paintHeatmap(p, m_geometry, m_scene, font(), ColorMap::viridis(), m_colors, m_hover);
}

void HeatmapView::setHover(QPoint cell, const QPoint &globalPos) {
    if (cell == m_hover)
        return;
    m_hover = cell;
    update();
    emit cellHovered(cell.x(), cell.y());
    if (cell.x() < 0 || !m_model)
        QToolTip::hideText();
    else
        QToolTip::showText(globalPos, m_model->index(cell.x(), cell.y()).data(Qt::ToolTipRole).toString(), this);
}

void HeatmapView::mouseMoveEvent(QMouseEvent *event) {
    setHover(cellAt(m_geometry, event->position()), event->globalPosition().toPoint());
}

void HeatmapView::leaveEvent(QEvent *event) {
    QWidget::leaveEvent(event);
    setHover({-1, -1}, {});
}

bool HeatmapView::event(QEvent *event) {
    // Tooltips follow the hovered cell (see setHover); a help event elsewhere must not pop a stale one.
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QPoint cell = cellAt(m_geometry, help->pos());
        if (cell.x() >= 0 && m_model)
            QToolTip::showText(help->globalPos(), m_model->index(cell.x(), cell.y()).data(Qt::ToolTipRole).toString(),
                               this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

} // namespace attnscope
