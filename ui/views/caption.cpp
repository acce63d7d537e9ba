// Caption fitting by binary search on the number of characters kept.
#include "views/caption.h"

#include <QRectF>

#include <cmath>

namespace attnscope {

namespace {
double wrappedHeight(const QString &text, const QFontMetricsF &fm, double width) {
    return fm.boundingRect(QRectF(0, 0, width, 1e6), kCaptionFlags, text).height();
}
} // namespace

QString fitCaption(const QString &text, const QFontMetricsF &fm, double width, int maxLines) {
    QString flat = text.simplified(); // line breaks and tabs of the input read as spaces in one caption
    if (flat.isEmpty() || width <= 0)
        return {};
    const QString open = QString::fromUtf8("\xE2\x80\x9C"), close = QString::fromUtf8("\xE2\x80\x9D");
    const QString ellipsis = QString::fromUtf8("\xE2\x80\xA6");
    const double limit = fm.lineSpacing() * maxLines + 0.5;
    if (wrappedHeight(open + flat + close, fm, width) <= limit)
        return open + flat + close;
    int lo = 0, hi = static_cast<int>(flat.size());
    while (lo < hi) { // the most characters that still fit with the ellipsis
        const int mid = (lo + hi + 1) / 2;
        if (wrappedHeight(open + flat.left(mid) + ellipsis + close, fm, width) <= limit)
            lo = mid;
        else
            hi = mid - 1;
    }
    return open + flat.left(lo).trimmed() + ellipsis + close;
}

double captionHeight(const QString &caption, const QFontMetricsF &fm, double width) {
    return caption.isEmpty() ? 0 : std::ceil(wrappedHeight(caption, fm, width));
}

QFont scaledFont(const QFont &font, double factor) {
    QFont f = font;
    if (font.pixelSize() > 0)
        f.setPixelSize(std::max(1, static_cast<int>(std::lround(font.pixelSize() * factor))));
    else
        f.setPointSizeF(std::max(1.0, font.pointSizeF() * factor));
    return f;
}

} // namespace attnscope
