// Column-span rasterisation with vertical coverage antialiasing.
#include "views/line_raster.h"

#include <QPointF>

#include <algorithm>
#include <cmath>

namespace attnscope {

namespace {

inline void blendPixel(QRgb &dst, QRgb colour, double a) {
    const int ai = static_cast<int>(a * 256.0 + 0.5);
    if (ai <= 0)
        return;
    const quint32 in = static_cast<quint32>(std::min(ai, 256)), inv = 256 - in;
    // colour is opaque; the result stays premultiplied: per channel (c * in + d * inv) >> 8, two channels per
    // multiply (red and blue, alpha and green: 255 * 256 fits each 16-bit lane). The arcs' hot loop.
    const quint32 src = colour | 0xff000000u, d = dst;
    const quint32 rb = (((src & 0x00ff00ffu) * in + (d & 0x00ff00ffu) * inv) >> 8) & 0x00ff00ffu;
    const quint32 ag = (((src >> 8) & 0x00ff00ffu) * in + ((d >> 8) & 0x00ff00ffu) * inv) & 0xff00ff00u;
    dst = rb | ag;
}

// The image's pixels, fetched once (QImage::scanLine() on a non-const image checks for detaching on every call).
struct Pixels {
    explicit Pixels(QImage &image)
        : bits(image.bits()), stride(image.bytesPerLine()), width(image.width()), height(image.height()) {}
    QRgb *row(int y) const { return reinterpret_cast<QRgb *>(bits + static_cast<std::ptrdiff_t>(y) * stride); }
    uchar *bits;
    qsizetype stride;
    int width;
    int height;
};

// Covers rows [top, bottom) of column x with fractional coverage at both ends; full coverage in between.
inline void span(const Pixels &px, int x, double top, double bottom, QRgb colour, double alpha, double xCoverage) {
    if (x < 0 || x >= px.width || bottom <= 0 || top >= px.height)
        return;
    const int first = std::max(0, static_cast<int>(std::floor(top)));
    const int last = std::min(px.height - 1, static_cast<int>(std::ceil(bottom)) - 1);
    const double a = alpha * xCoverage;
    if (first == last) {
        blendPixel(px.row(first)[x], colour, a * std::min(1.0, bottom - top));
        return;
    }
    blendPixel(px.row(first)[x], colour, a * (first + 1 - top));
    for (int y = first + 1; y < last; ++y)
        blendPixel(px.row(y)[x], colour, a);
    blendPixel(px.row(last)[x], colour, a * std::min(1.0, bottom - last));
}

} // namespace

void blendStroke(QImage &image, double x0, double x1, const std::function<double(double)> &curve, double width,
                 QRgb colour, double alpha) {
    if (!(x1 > x0) || alpha <= 0)
        return;
    const Pixels px(image);
    const double half = width / 2;
    const int first = static_cast<int>(std::floor(x0));
    const int last = static_cast<int>(std::ceil(x1)) - 1;
    double yPrev = curve(std::max(x0, static_cast<double>(first)));
    for (int x = first; x <= last; ++x) {
        const double left = std::max(x0, static_cast<double>(x));
        const double right = std::min(x1, static_cast<double>(x + 1));
        const double yNext = curve(right);
        const double slope = (yNext - yPrev) / std::max(1e-6, right - left);
        // A slanted stroke of width w is w*sqrt(1+slope^2) tall in one column; capped so that steep stretches
        // (which this column-wise method draws as a tall span anyway) do not balloon.
        const double pad = half * std::sqrt(1.0 + std::min(slope * slope, 4.0));
        span(px, x, std::min(yPrev, yNext) - pad, std::max(yPrev, yNext) + pad, colour, alpha, right - left);
        yPrev = yNext;
    }
}

void blendLine(QImage &image, QPointF a, QPointF b, double width, QRgb colour, double alpha) {
    if (a.x() > b.x())
        std::swap(a, b);
    if (b.x() - a.x() < 1e-3) { // vertical: one column of the given width
        const Pixels px(image);
        const double half = width / 2;
        for (int x = static_cast<int>(std::floor(a.x() - half)); x < std::ceil(a.x() + half); ++x) {
            const double cover = std::min(x + 1.0, a.x() + half) - std::max<double>(x, a.x() - half);
            span(px, x, std::min(a.y(), b.y()), std::max(a.y(), b.y()), colour, alpha, std::clamp(cover, 0.0, 1.0));
        }
        return;
    }
    const double slope = (b.y() - a.y()) / (b.x() - a.x());
    blendStroke(image, a.x(), b.x(), [&](double x) { return a.y() + (x - a.x()) * slope; }, width, colour, alpha);
}

} // namespace attnscope
