// ArcsView: the scene follows the model (and which heads are toggled on); paintEvent only draws.
#include "views/arcs_view.h"
#include "models/heatmap_model.h"

#include <QHelpEvent>
#include <QItemSelectionModel>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace attnscope {

ArcsView::ArcsView(QWidget *parent) : ModelView(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    setAccessibleName(tr("Attention arcs"));
}

void ArcsView::setArcsLayout(ArcsLayout layout) {
    m_layout = layout;
    m_marks.hoverToken = -1;
    relayout();
}

void ArcsView::setThreshold(float threshold) {
    m_threshold = std::clamp(threshold, 0.0f, 1.0f);
    rebuild();
}

void ArcsView::setTopK(int topK) {
    m_topK = std::max(0, topK);
    rebuild();
}

void ArcsView::setHeadEnabled(int head, bool enabled) {
    if (head < 0)
        return;
    if (head >= static_cast<int>(m_enabled.size()))
        m_enabled.resize(static_cast<std::size_t>(head) + 1, false);
    m_enabled[static_cast<std::size_t>(head)] = enabled;
    rebuild();
}

void ArcsView::syncHeads() {
    // The head chosen in the selectors is always shown; other heads stay as the legend left them. A new head
    // choice replaces the previous chosen one, so stepping through heads does not pile them up.
    if (!m_model)
        return;
    const int heads = m_model->heads();
    m_enabled.resize(static_cast<std::size_t>(std::max(heads, 0)), false);
    const int head = m_model->head();
    if (head != m_syncedHead && head < heads) {
        if (m_syncedHead >= 0 && m_syncedHead < heads)
            m_enabled[static_cast<std::size_t>(m_syncedHead)] = false;
        m_enabled[static_cast<std::size_t>(head)] = true;
        m_syncedHead = head;
    }
}

void ArcsView::rebuild() {
    syncHeads();
    m_scene = m_model ? makeArcsScene(*m_model, m_enabled, m_threshold, m_topK, m_style) : ArcsScene{};
    if (m_marks.hoverToken >= m_scene.tokens)
        m_marks.hoverToken = -1;
    relayout();
}

void ArcsView::relayout() {
    m_geometry = layoutArcs(size(), m_scene, font(), m_layout);
    update();
}

ViewState ArcsView::exportState() const {
    ViewState state;
    state.focus = focus();
    state.enabledHeads = m_enabled;
    return state;
}

void ArcsView::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    relayout();
}

void ArcsView::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.fillRect(rect(), m_style.background);
    if (m_scene.tokens == 0) {
        p.setPen(m_style.text);
        p.drawText(rect().adjusted(12, 0, -12, 0), Qt::AlignCenter | Qt::TextWordWrap,
                   m_model && !m_model->emptyText().isEmpty() ? m_model->emptyText()
                                                              : tr("Type a sentence above to see its attention."));
        return;
    }
    ArcsMarks marks = m_marks;
    marks.focus = focus();
    paintArcs(p, m_geometry, m_scene, font(), marks);
}

void ArcsView::mouseMoveEvent(QMouseEvent *event) {
    const ArcsHit hit = arcsHitTest(m_geometry, event->position());
    setCursor(hit.legend >= 0 || hit.token >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
    if (hit.token == m_marks.hoverToken && hit.isKey == m_marks.hoverIsKey)
        return;
    m_marks.hoverToken = hit.token;
    m_marks.hoverIsKey = hit.isKey;
    update();
    emit tokenHovered(hit.token);
}

void ArcsView::mousePressEvent(QMouseEvent *event) {
    if (event->button() != Qt::LeftButton)
        return QWidget::mousePressEvent(event);
    const ArcsHit hit = arcsHitTest(m_geometry, event->position());
    if (hit.legend >= 0) {
        const ArcSeries &s = m_scene.series[static_cast<std::size_t>(hit.legend)];
        if (s.head >= 0)
            setHeadEnabled(s.head, !s.enabled);
        return;
    }
    if (hit.token < 0)
        return;
    // Clicking a token pins it (in every view); clicking the pinned token again unpins it.
    const Focus current = focus();
    if (current.isToken() && current.query == hit.token)
        attnscope::clearFocus(m_selection);
    else
        focusToken(m_selection, hit.token);
}

void ArcsView::leaveEvent(QEvent *event) {
    QWidget::leaveEvent(event);
    if (m_marks.hoverToken >= 0) {
        m_marks.hoverToken = -1;
        update();
        emit tokenHovered(-1);
    }
}

bool ArcsView::event(QEvent *event) {
    if (event->type() == QEvent::ToolTip && m_model) {
        auto *help = static_cast<QHelpEvent *>(event);
        const ArcsHit hit = arcsHitTest(m_geometry, help->pos());
        QString tip;
        if (hit.legend >= 0)
            tip = tr("Click to show or hide this head's lines");
        else if (hit.token >= 0)
            tip = tr("%1 — %2 · click to pin")
                      .arg(hit.isKey ? tr("key") : tr("query"), tokenDescription(*m_model->token(hit.token)));
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace attnscope
