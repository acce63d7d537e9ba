// TokenStripView: chip layout on data change and resize; hover, click and tooltips.
#include "views/token_strip_view.h"
#include "models/focus.h"
#include "models/heatmap_model.h"

#include <QFontMetricsF>
#include <QHelpEvent>
#include <QItemSelectionModel>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace attnscope {

TokenStripView::TokenStripView(QWidget *parent) : ModelView(parent) {
    setAccessibleName(tr("Tokens"));
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
}

void TokenStripView::relayout() {
    m_layout = m_model ? layoutTokenStrip(*m_model, font(), width()) : TokenStripLayout{};
    emit contentHeightChanged(std::max(36, static_cast<int>(std::ceil(m_layout.height))));
}

void TokenStripView::rebuild() {
    m_hover = -1;
    relayout();
    updateGeometry();
    update();
}

int TokenStripView::heightForWidth(int width) const {
    const double h = m_model ? layoutTokenStrip(*m_model, font(), width).height : 0;
    return std::max(36, static_cast<int>(std::ceil(h)));
}

QSize TokenStripView::sizeHint() const {
    return {600, heightForWidth(std::max(width(), 600))};
}

void TokenStripView::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    relayout();
}

int TokenStripView::chipAt(const QPointF &pos) const {
    for (std::size_t i = 0; i < m_layout.chips.size(); ++i)
        if (m_layout.chips[i].rect.contains(pos))
            return static_cast<int>(i);
    return -1;
}

void TokenStripView::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), m_style.background);
    if (m_layout.chips.empty() || !m_model) {
        p.setPen(m_style.muted);
        p.drawText(rect().adjusted(8, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, tr("Tokens appear here."));
        return;
    }
    paintTokenStrip(p, m_layout, *m_model, m_style, font(), {m_hover, focus()});
}

void TokenStripView::mouseMoveEvent(QMouseEvent *event) {
    const int hit = chipAt(event->position());
    setCursor(hit >= 0 && m_layout.chips[static_cast<std::size_t>(hit)].row >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
    if (hit != m_hover) {
        m_hover = hit;
        update();
    }
}

void TokenStripView::mousePressEvent(QMouseEvent *event) {
    const int hit = chipAt(event->position());
    if (event->button() != Qt::LeftButton || hit < 0)
        return QWidget::mousePressEvent(event);
    const int row = m_layout.chips[static_cast<std::size_t>(hit)].row;
    if (row < 0)
        return; // hidden token: nothing to focus
    const Focus current = focus();
    if ((event->modifiers() & Qt::ShiftModifier) && current.query >= 0) // the key for the focused query
        focusCell(m_selection, current.query, row);
    else if (current.isToken() && current.query == row)
        attnscope::clearFocus(m_selection);
    else
        focusToken(m_selection, row);
}

void TokenStripView::leaveEvent(QEvent *event) {
    QWidget::leaveEvent(event);
    m_hover = -1;
    update();
}

bool TokenStripView::event(QEvent *event) {
    if (event->type() == QEvent::ToolTip && m_model && m_model->result()) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int hit = chipAt(help->pos());
        if (hit < 0) {
            QToolTip::hideText();
            return true;
        }
        const Chip &c = m_layout.chips[static_cast<std::size_t>(hit)];
        QString tip = tokenDescription(m_model->result()->tokens[static_cast<std::size_t>(c.position)]);
        const Focus focus = ModelView::focus();
        if (c.row < 0)
            tip += tr("\nhidden (special tokens are hidden)");
        else if (focus.query >= 0 && !m_model->matrix().masked(focus.query, c.row))
            tip += tr("\n%1 attends to it with %2")
                       .arg(m_model->tokenText(focus.query))
                       .arg(double(m_model->weightAt(focus.query, c.row)), 0, 'f', 4);
        else
            tip += tr("\nclick to focus it in every view");
        QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace attnscope
