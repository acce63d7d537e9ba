// Token strip layout (chip and caption rectangles) and painting.
#include "views/token_strip_renderer.h"
#include "models/heatmap_model.h"

#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>

namespace attnscope {

namespace {
constexpr double kMargin = 6;
constexpr double kPadding = 6;
const QString kWordMark = QString::fromUtf8("\xE2\x96\x81"); // sentencepiece's "▁"

bool isDark(QRgb c) {
    return qRed(c) * 0.299 + qGreen(c) * 0.587 + qBlue(c) * 0.114 < 140;
}
} // namespace

TokenStripLayout layoutTokenStrip(const HeatmapModel &model, const QFont &font, double width, QPointF origin) {
    TokenStripLayout layout;
    const ResultPtr r = model.result();
    if (!r)
        return layout;
    std::vector<TokenChip> &chips = layout.chips;
    const QFontMetricsF fm(font);
    const double chipH = fm.height() + 8;
    bool anyBytes = false;
    for (const Token &t : r->tokens)
        anyBytes = anyBytes || t.byte;
    const double lineH = chipH + (anyBytes ? fm.height() + 2 : 0) + 6;
    const double left = origin.x() + kMargin, right = origin.x() + width - kMargin;
    double x = left, y = origin.y() + kMargin;
    for (int p = 0; p < r->seqLen(); ++p) {
        const Token &t = r->tokens[static_cast<std::size_t>(p)];
        TokenChip c;
        c.position = p;
        c.row = model.rowOfPosition(p);
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
        if (x + gap + w > right && x > left) {
            x = left;
            y += lineH;
        } else {
            x += gap;
        }
        c.rect = QRectF(x, y, w, chipH);
        x += w;
        chips.push_back(c);
    }
    // Runs of byte pieces: the text they decode to, under the run (per line, if a run wraps).
    for (std::size_t i = 0; i < chips.size();) {
        if (!chips[i].byte) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j + 1 < chips.size() && chips[j + 1].byte && chips[j + 1].rect.top() == chips[i].rect.top())
            ++j;
        const Token &a = r->tokens[static_cast<std::size_t>(chips[i].position)];
        const Token &b = r->tokens[static_cast<std::size_t>(chips[j].position)];
        const int begin = std::clamp(a.byteBegin, 0, static_cast<int>(r->text.size()));
        const int end = std::clamp(b.byteEnd, begin, static_cast<int>(r->text.size()));
        const QString spelled = QString::fromUtf8(r->text.data() + begin, end - begin);
        const QRectF span(chips[i].rect.left(), chips[i].rect.bottom() + 1,
                          chips[j].rect.right() - chips[i].rect.left(), fm.height() + 1);
        layout.captions.push_back({spelled, span});
        i = j + 1;
    }
    layout.height = y - origin.y() + lineH + kMargin - 6;
    return layout;
}

void paintTokenStrip(QPainter &p, const TokenStripLayout &layout, const HeatmapModel &model, const ViewStyle &style,
                     const QFont &font, const TokenStripMarks &marks) {
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    const Focus &focus = marks.focus;
    const AttentionMatrix &m = model.matrix();
    const std::vector<float> &focusRow = model.rowWeights(focus.query); // empty without a focused token
    QFont italic = font;
    italic.setItalic(true);
    for (std::size_t i = 0; i < layout.chips.size(); ++i) {
        const TokenChip &c = layout.chips[i];
        const QRectF r = c.rect.adjusted(0.5, 0.5, -0.5, -0.5);
        QColor fill = c.special ? QColor(0xee, 0xee, 0xee) : style.background;
        QColor textColour = c.row < 0 ? style.muted : style.text;
        // Tint: how much the focused token attends to this one.
        if (c.row >= 0 && static_cast<std::size_t>(c.row) < focusRow.size() && !m.masked(focus.query, c.row)) {
            const QRgb rgb = style.rgb(focusRow[static_cast<std::size_t>(c.row)]);
            fill = QColor::fromRgb(rgb);
            textColour = isDark(rgb) ? Qt::white : Qt::black;
        }
        QPen border(QColor(0xb0, 0xb0, 0xb0), 1);
        if (c.byte || c.row < 0)
            border.setStyle(Qt::DashLine);
        if (c.row >= 0 && c.row == focus.query)
            border = QPen(style.selection, 3);
        else if (c.row >= 0 && focus.isCell() && c.row == focus.key)
            border = QPen(style.selection, 2, Qt::DashLine);
        else if (static_cast<int>(i) == marks.hover)
            border = QPen(style.hover, 2);
        p.setPen(border);
        p.setBrush(fill);
        p.drawRoundedRect(r, 5, 5);
        p.setFont(c.special ? italic : font);
        p.setPen(textColour);
        p.drawText(c.rect, Qt::AlignCenter, c.text);
    }
    p.setFont(font);
    for (const TokenCaption &cap : layout.captions) {
        p.setPen(style.muted);
        p.drawLine(QPointF(cap.rect.left() + 2, cap.rect.top() + 2), QPointF(cap.rect.right() - 2, cap.rect.top() + 2));
        p.setPen(style.text);
        p.drawText(cap.rect.adjusted(0, 3, 0, 3), Qt::AlignHCenter | Qt::AlignTop, cap.text);
    }
    p.restore();
}

} // namespace attnscope
