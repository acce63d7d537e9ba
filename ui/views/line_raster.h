// A fast antialiased stroke rasteriser for the thousands of translucent lines of an arc diagram. QPainter's
// antialiased wide strokes cost about 0.3 ms per long line (2,700 lines took 300 ms); this draws curves that
// are monotonic in x (straight query->key lines and the arcs of the line layout) column by column into an
// ARGB32 premultiplied image, with fractional coverage at the edges, about 50x faster. Vector export keeps
// using QPainter paths.
#pragma once

#include <QImage>
#include <QRgb>

#include <functional>

namespace attnscope {

// Blends a stroke of `width` pixels along y = curve(x) for x in [x0, x1] (x0 < x1, image pixel coordinates)
// over `image` (Format_ARGB32_Premultiplied) in `colour` at opacity `alpha`.
void blendStroke(QImage &image, double x0, double x1, const std::function<double(double)> &curve, double width,
                 QRgb colour, double alpha);

// A straight segment; vertical or backwards segments are handled.
void blendLine(QImage &image, QPointF a, QPointF b, double width, QRgb colour, double alpha);

} // namespace attnscope
