// The sentence printed under an exported view, and the small helpers every renderer needs to size text the
// same way (a font scaled from a base font that may be set in pixels or points).
#pragma once

#include <QFont>
#include <QFontMetricsF>
#include <QString>

namespace attnscope {

// How captions are drawn (QPainter::drawText flags), so measuring and painting agree.
constexpr int kCaptionFlags = Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap;

// “text”, wrapped to `width` and cut to at most `maxLines` lines with an ellipsis, so a long input never pushes
// the picture off the page.
QString fitCaption(const QString &text, const QFontMetricsF &fm, double width, int maxLines = 3);
// Height that fitCaption's result needs at `width` (0 for an empty caption).
double captionHeight(const QString &caption, const QFontMetricsF &fm, double width);

// `font` scaled by `factor`, whether its size was given in pixels or points.
QFont scaledFont(const QFont &font, double factor);

} // namespace attnscope
