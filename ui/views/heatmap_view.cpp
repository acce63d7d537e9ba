// HeatmapView: rebuilds its scene when the model or style changes, relayouts on resize, zoom or pan, and only
// draws in paintEvent.
#include "views/heatmap_view.h"
#include "models/heatmap_model.h"

#include <QGestureEvent>
#include <QHelpEvent>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QNativeGestureEvent>
#include <QPainter>
#include <QPinchGesture>
#include <QToolTip>
#include <QWheelEvent>

#include <cmath>

namespace attnscope {

namespace {
constexpr double kMaxCellPixels = 96; // zooming stops when one cell is this large
constexpr double kDragThreshold = 4;
} // namespace

HeatmapView::HeatmapView(QWidget *parent) : ModelView(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    setAccessibleName(tr("Attention heatmap"));
    grabGesture(Qt::PinchGesture);
}

void HeatmapView::setModelName(const QString &name) {
    m_modelName = name;
    rebuild();
}

void HeatmapView::rebuild() {
    const int before = m_scene.tokens;
    m_scene = m_model ? makeHeatmapScene(*m_model, m_modelName, m_style) : HeatmapScene{};
    m_hover = {-1, -1};
    if (m_scene.tokens != before) { // a different sentence: show all of it again
        m_zoom = 1;
        m_pan = {};
        emit zoomChanged(m_zoom);
    }
    relayout();
}

void HeatmapView::relayout() {
    m_geometry = layoutHeatmap(size(), m_scene, font(), {}, m_zoom, m_pan);
    m_pan = QPointF(m_geometry.viewport.left() - m_geometry.grid.left(),
                    m_geometry.viewport.top() - m_geometry.grid.top()); // clamped by the layout
    requestDetail();
    update();
}

void HeatmapView::requestDetail() {
    if (m_model)
        requestVisibleDetail(*m_model, m_geometry);
}

ViewState HeatmapView::exportState() const {
    ViewState state;
    state.focus = focus();
    state.zoom = m_zoom;
    if (m_geometry.grid.width() > 0)
        state.panFraction = QPointF((m_geometry.viewport.left() - m_geometry.grid.left()) / m_geometry.grid.width(),
                                    (m_geometry.viewport.top() - m_geometry.grid.top()) / m_geometry.grid.height());
    return state;
}

void HeatmapView::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    relayout();
}

void HeatmapView::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.fillRect(rect(), m_style.background);
    if (m_scene.levels.empty()) {
        p.setPen(m_style.text);
        p.drawText(rect(), Qt::AlignCenter,
                   m_scene.tokens > 0 ? tr("Computing the attention of %1 tokens…").arg(m_scene.tokens)
                                      : m_model && !m_model->emptyText().isEmpty() ? m_model->emptyText()
                                                                                  : tr("Type a sentence above to see its attention."));
        return;
    }
    HeatmapMarks marks;
    marks.hover = m_hover;
    marks.focus = focus();
    marks.zoom = m_zoom;
    paintHeatmap(p, m_geometry, m_scene, font(), marks);
}

void HeatmapView::zoomBy(double factor, QPointF anchor) {
    if (m_scene.tokens == 0 || m_geometry.fitCell <= 0)
        return;
    const double maxZoom = std::max(1.0, kMaxCellPixels / m_geometry.fitCell);
    const double zoom = std::clamp(m_zoom * factor, 1.0, maxZoom);
    if (zoom == m_zoom)
        return;
    if (anchor.x() < 0)
        anchor = m_geometry.viewport.center();
    // Keep the grid point under the anchor where it is.
    const QPointF inGrid = (anchor - m_geometry.grid.topLeft()) / m_geometry.cell; // in cells
    const double cell = m_geometry.fitCell * zoom;
    m_pan = QPointF(inGrid.x() * cell - (anchor.x() - m_geometry.viewport.left()),
                    inGrid.y() * cell - (anchor.y() - m_geometry.viewport.top()));
    m_zoom = zoom;
    relayout();
    emit zoomChanged(m_zoom);
}

void HeatmapView::fitToWindow() {
    m_zoom = 1;
    m_pan = {};
    relayout();
    emit zoomChanged(m_zoom);
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
        QToolTip::showText(globalPos, m_model->cellDescription(cell.x(), cell.y()), this);
}

void HeatmapView::mousePressEvent(QMouseEvent *event) {
    if (event->button() != Qt::LeftButton)
        return QWidget::mousePressEvent(event);
    m_pressed = true;
    m_dragging = false;
    m_pressPos = event->position();
    m_panAtPress = m_pan;
}

void HeatmapView::mouseMoveEvent(QMouseEvent *event) {
    if (m_pressed && m_zoom > 1.0) {
        const QPointF delta = event->position() - m_pressPos;
        if (m_dragging || delta.manhattanLength() > kDragThreshold) {
            m_dragging = true;
            setCursor(Qt::ClosedHandCursor);
            m_pan = m_panAtPress - delta;
            relayout();
            return;
        }
    }
    setHover(cellAt(m_geometry, event->position()), event->globalPosition().toPoint());
}

void HeatmapView::mouseReleaseEvent(QMouseEvent *event) {
    if (event->button() != Qt::LeftButton || !m_pressed)
        return QWidget::mouseReleaseEvent(event);
    m_pressed = false;
    if (m_dragging) {
        m_dragging = false;
        unsetCursor();
        return;
    }
    // A click focuses the cell in every view; clicking the focused cell again clears the focus.
    const QPoint cell = cellAt(m_geometry, event->position());
    if (cell.x() < 0)
        return;
    const Focus current = focus();
    if (current.isCell() && current.query == cell.x() && current.key == cell.y())
        attnscope::clearFocus(m_selection);
    else
        focusCell(m_selection, cell.x(), cell.y());
}

void HeatmapView::wheelEvent(QWheelEvent *event) {
    const QPointF steps = QPointF(event->angleDelta()) / 120.0;
    if (event->modifiers() & Qt::ControlModifier) {
        zoomBy(std::pow(1.25, steps.y()), event->position());
        event->accept();
        return;
    }
    if (m_zoom <= 1.0)
        return event->ignore();
    const QPointF pixels = event->pixelDelta().isNull() ? steps * 60.0 : QPointF(event->pixelDelta());
    m_pan -= (event->modifiers() & Qt::ShiftModifier) ? QPointF(pixels.y(), pixels.x()) : pixels;
    relayout();
    event->accept();
}

void HeatmapView::keyPressEvent(QKeyEvent *event) {
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(1.5);
        return;
    case Qt::Key_Minus:
        zoomBy(1 / 1.5);
        return;
    case Qt::Key_0:
        fitToWindow();
        return;
    case Qt::Key_Escape:
        attnscope::clearFocus(m_selection);
        return;
    default:
        QWidget::keyPressEvent(event);
    }
}

void HeatmapView::leaveEvent(QEvent *event) {
    QWidget::leaveEvent(event);
    setHover({-1, -1}, {});
}

bool HeatmapView::event(QEvent *event) {
    switch (event->type()) {
    case QEvent::ToolTip: {
        // Tooltips follow the hovered cell (see setHover); a help event elsewhere must not pop a stale one.
        auto *help = static_cast<QHelpEvent *>(event);
        const QPoint cell = cellAt(m_geometry, help->pos());
        if (cell.x() >= 0 && m_model)
            QToolTip::showText(help->globalPos(), m_model->cellDescription(cell.x(), cell.y()), this);
        else
            QToolTip::hideText();
        return true;
    }
    case QEvent::NativeGesture: { // touchpad pinch on macOS / Wayland
        auto *gesture = static_cast<QNativeGestureEvent *>(event);
        if (gesture->gestureType() == Qt::ZoomNativeGesture) {
            zoomBy(1.0 + gesture->value(), gesture->position());
            return true;
        }
        break;
    }
    case QEvent::Gesture: { // touch-screen pinch
        auto *gestures = static_cast<QGestureEvent *>(event);
        if (auto *pinch = static_cast<QPinchGesture *>(gestures->gesture(Qt::PinchGesture))) {
            if (pinch->changeFlags() & QPinchGesture::ScaleFactorChanged)
                zoomBy(pinch->scaleFactor(), mapFromGlobal(pinch->centerPoint().toPoint()));
            return true;
        }
        break;
    }
    default:
        break;
    }
    return QWidget::event(event);
}

} // namespace attnscope
