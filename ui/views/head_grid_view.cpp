// HeadGridView: scene rebuilt when thumbnails or style change; repaint when the selected head changes.
#include "views/head_grid_view.h"
#include "models/head_grid_model.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace attnscope {

HeadGridView::HeadGridView(QWidget *parent) : QWidget(parent) {
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setFocusPolicy(Qt::StrongFocus);
    setAccessibleName(tr("All attention heads"));
}

void HeadGridView::setModel(HeadGridModel *model) {
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    if (m_model) {
        connect(m_model, &HeadGridModel::thumbnailsChanged, this, &HeadGridView::rebuildScene);
        if (m_model->sourceModel())
            connect(m_model->sourceModel(), &HeatmapModel::viewChanged, this, qOverload<>(&QWidget::update));
    }
    rebuildScene();
}

void HeadGridView::setStyle(const ViewStyle &style) {
    m_style = style;
    rebuildScene();
}

void HeadGridView::rebuildScene() {
    m_stale = true;
    m_hover = {-1, -1};
    update();
}

void HeadGridView::ensureScene() const {
    if (!m_stale)
        return;
    m_stale = false;
    m_scene = m_model ? makeGridScene(*m_model, m_style) : GridScene{};
    m_geometry = layoutGrid(size(), m_scene, font());
}

void HeadGridView::relayout() {
    if (!m_stale)
        m_geometry = layoutGrid(size(), m_scene, font());
    update();
}

void HeadGridView::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    relayout();
}

void HeadGridView::paintEvent(QPaintEvent *) {
    ensureScene();
    QPainter p(this);
    p.fillRect(rect(), m_style.background);
    GridMarks marks;
    marks.hoverLayer = m_hover.x();
    marks.hoverHead = m_hover.y();
    if (m_model && m_model->sourceModel()) {
        const ViewParams &params = m_model->sourceModel()->params();
        marks.layer = params.layer;
        marks.head = params.aggregation == Aggregation::Head ? params.head : -1;
        marks.allLayers = params.aggregation == Aggregation::MeanOfAll;
    }
    paintGrid(p, m_geometry, m_scene, font(), marks);
}

void HeadGridView::mouseMoveEvent(QMouseEvent *event) {
    const QPoint hit = gridHitTest(geometry(), event->position());
    setCursor(hit.x() >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
    if (hit != m_hover) {
        m_hover = hit;
        update();
    }
}

void HeadGridView::mousePressEvent(QMouseEvent *event) {
    const QPoint hit = gridHitTest(geometry(), event->position());
    if (event->button() == Qt::LeftButton && hit.x() >= 0)
        emit headClicked(hit.x(), hit.y());
    else
        QWidget::mousePressEvent(event);
}

void HeadGridView::leaveEvent(QEvent *event) {
    QWidget::leaveEvent(event);
    m_hover = {-1, -1};
    update();
}

bool HeadGridView::event(QEvent *event) {
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QPoint hit = gridHitTest(geometry(), help->pos());
        if (hit.x() >= 0 && m_model)
            QToolTip::showText(help->globalPos(), m_model->index(hit.x(), hit.y()).data(Qt::ToolTipRole).toString(),
                               this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

} // namespace attnscope
