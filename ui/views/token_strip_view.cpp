// TokenStripView: chip layout on data change and resize; paint draws chips and tints.
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

namespace {
constexpr double kMargin = 6;
constexpr double kPadding = 6;
const QString kWordMark = QString::fromUtf8("\xE2\x96\x81"); // sentencepiece's "▁"

bool isDark(QRgb c) {
    return qRed(c) * 0.299 + qGreen(c) * 0.587 + qBlue(c) * 0.114 < 140;
}
} // namespace

TokenStripView::TokenStripView(QWidget *parent) : ModelView(parent) {
    setAccessibleName(tr("Tokens"));
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
}

double TokenStripView::layoutChips(double width, std::vector<Chip> *chips, std::vector<Caption> *captions) const {
    chips->clear();
    captions->clear();
    const ResultPtr r = m_model ? m_model->result() : nullptr;
    if (!r)
        return 0;
    const QFontMetricsF fm(font());
    const double chipH = fm.height() + 8;
    bool anyBytes = false;
    for (const Token &t : r->tokens)
        anyBytes = anyBytes || t.byte;
    const double lineH = chipH + (anyBytes ? fm.height() + 2 : 0) + 6;
    double x = kMargin, y = kMargin;
    for (int p = 0; p < r->seqLen(); ++p) {
        const Token &t = r->tokens[static_cast<std::size_t>(p)];
        Chip c;
        c.position = p;
        c.row = m_model->rowOfPosition(p);
        c.special = t.special;
        c.byte = t.byte;
        QString text = tokenLabel(t);
        bool wordStart = t.special || p == 0;
        if (text.startsWith(kWordMark)) {
            wordStart = true;
            if (text.size() > kWordMark.size())
                text = text.mid(kWordMark.size());
        }
        if (t.byte && text.startsWith(QStringLiteral("<0x")) && text.endsWith(QLatin1Char('>')))
            text = text.mid(3, text.size() - 4);
        if (p > 0 && r->tokens[static_cast<std::size_t>(p - 1)].special)
            wordStart = true;
        c.text = text;
        const double w = fm.horizontalAdvance(text) + 2 * kPadding;
        const double gap = p == 0 ? 0 : (wordStart ? 10 : 2);
        if (x + gap + w > width - kMargin && x > kMargin) {
            x = kMargin;
            y += lineH;
        } else {
            x += gap;
        }
        c.rect = QRectF(x, y, w, chipH);
        x += w;
        chips->push_back(c);
    }
    // Runs of byte pieces: the text they decode to, under the run (per line, if a run wraps).
    for (std::size_t i = 0; i < chips->size();) {
        if (!(*chips)[i].byte) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j + 1 < chips->size() && (*chips)[j + 1].byte && (*chips)[j + 1].rect.top() == (*chips)[i].rect.top())
            ++j;
        const Token &a = r->tokens[static_cast<std::size_t>((*chips)[i].position)];
        const Token &b = r->tokens[static_cast<std::size_t>((*chips)[j].position)];
        const int begin = std::clamp(a.byteBegin, 0, static_cast<int>(r->text.size()));
        const int end = std::clamp(b.byteEnd, begin, static_cast<int>(r->text.size()));
        const QString spelled = QString::fromUtf8(r->text.data() + begin, end - begin);
        const QRectF span((*chips)[i].rect.left(), (*chips)[i].rect.bottom() + 1,
                          (*chips)[j].rect.right() - (*chips)[i].rect.left(), fm.height() + 1);
        captions->push_back({spelled, span});
        i = j + 1;
    }
    return y + lineH + kMargin - 6;
}

void TokenStripView::rebuild() {
    const double h = layoutChips(width(), &m_chips, &m_captions);
    m_hover = -1;
    updateGeometry();
    update();
    emit contentHeightChanged(std::max(36, static_cast<int>(std::ceil(h))));
}

int TokenStripView::heightForWidth(int width) const {
    std::vector<Chip> chips;
    std::vector<Caption> captions;
    const double h = layoutChips(width, &chips, &captions);
    return std::max(36, static_cast<int>(std::ceil(h)));
}

QSize TokenStripView::sizeHint() const {
    return {600, heightForWidth(std::max(width(), 600))};
}

void TokenStripView::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    const double h = layoutChips(width(), &m_chips, &m_captions);
    emit contentHeightChanged(std::max(36, static_cast<int>(std::ceil(h))));
}

int TokenStripView::chipAt(const QPointF &pos) const {
    for (std::size_t i = 0; i < m_chips.size(); ++i)
        if (m_chips[i].rect.contains(pos))
            return static_cast<int>(i);
    return -1;
}

void TokenStripView::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), m_style.background);
    if (m_chips.empty()) {
        p.setPen(m_style.muted);
        p.drawText(rect().adjusted(8, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, tr("Tokens appear here."));
        return;
    }
    const Focus focus = ModelView::focus();
    const AttentionMatrix &m = m_model->matrix();
    QFont italic = font();
    italic.setItalic(true);
    for (std::size_t i = 0; i < m_chips.size(); ++i) {
        const Chip &c = m_chips[i];
        const QRectF r = c.rect.adjusted(0.5, 0.5, -0.5, -0.5);
        QColor fill = c.special ? QColor(0xee, 0xee, 0xee) : m_style.background;
        QColor textColour = c.row < 0 ? m_style.muted : m_style.text;
        // Tint: how much the focused token attends to this one.
        if (focus.query >= 0 && c.row >= 0 && focus.query < m.size && !m.masked(focus.query, c.row)) {
            const QRgb rgb = m_style.rgb(m.at(focus.query, c.row));
            fill = QColor::fromRgb(rgb);
            textColour = isDark(rgb) ? Qt::white : Qt::black;
        }
        QPen border(QColor(0xb0, 0xb0, 0xb0), 1);
        if (c.byte || c.row < 0)
            border.setStyle(Qt::DashLine);
        if (c.row >= 0 && c.row == focus.query)
            border = QPen(m_style.selection, 3);
        else if (c.row >= 0 && focus.isCell() && c.row == focus.key)
            border = QPen(m_style.selection, 2, Qt::DashLine);
        else if (static_cast<int>(i) == m_hover)
            border = QPen(m_style.hover, 2);
        p.setPen(border);
        p.setBrush(fill);
        p.drawRoundedRect(r, 5, 5);
        p.setFont(c.special ? italic : font());
        p.setPen(textColour);
        p.drawText(c.rect, Qt::AlignCenter, c.text);
    }
    p.setFont(font());
    p.setPen(m_style.muted);
    for (const Caption &cap : m_captions) {
        p.drawLine(QPointF(cap.rect.left() + 2, cap.rect.top() + 2), QPointF(cap.rect.right() - 2, cap.rect.top() + 2));
        p.setPen(m_style.text);
        p.drawText(cap.rect.adjusted(0, 3, 0, 3), Qt::AlignHCenter | Qt::AlignTop, cap.text);
        p.setPen(m_style.muted);
    }
}

void TokenStripView::mouseMoveEvent(QMouseEvent *event) {
    const int hit = chipAt(event->position());
    setCursor(hit >= 0 && m_chips[static_cast<std::size_t>(hit)].row >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
    if (hit != m_hover) {
        m_hover = hit;
        update();
    }
}

void TokenStripView::mousePressEvent(QMouseEvent *event) {
    const int hit = chipAt(event->position());
    if (event->button() != Qt::LeftButton || hit < 0)
        return QWidget::mousePressEvent(event);
    const int row = m_chips[static_cast<std::size_t>(hit)].row;
    if (row < 0)
        return; // hidden token: nothing to focus
    const Focus current = focus();
    if (current.isToken() && current.query == row)
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
        const Chip &c = m_chips[static_cast<std::size_t>(hit)];
        QString tip = tokenDescription(m_model->result()->tokens[static_cast<std::size_t>(c.position)]);
        const Focus focus = ModelView::focus();
        if (c.row < 0)
            tip += tr("\nhidden (special tokens are hidden)");
        else if (focus.query >= 0 && !m_model->matrix().masked(focus.query, c.row))
            tip += tr("\n%1 attends to it with %2")
                       .arg(m_model->tokenText(focus.query))
                       .arg(double(m_model->matrix().at(focus.query, c.row)), 0, 'f', 4);
        else
            tip += tr("\nclick to focus it in every view");
        QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace attnscope
