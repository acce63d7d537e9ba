// Labels for weights.
#include "views/view_style.h"

#include <cmath>

namespace attnscope {

QString weightLabel(float w) {
    if (w < 0) // differences
        return QStringLiteral("−") + weightLabel(-w);
    if (w == 0)
        return QStringLiteral("0");
    if (w >= 0.01f)
        return QString::number(static_cast<double>(w), 'f', 2);
    const double exponent = std::log10(static_cast<double>(w));
    if (std::abs(exponent - std::round(exponent)) < 1e-3)
        return QStringLiteral("1e%1").arg(static_cast<int>(std::round(exponent)));
    return QString::number(static_cast<double>(w), 'g', 2);
}

} // namespace attnscope
