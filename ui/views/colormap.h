// Colour maps for weights in [0, 1]: a 256-entry lookup table per map.
#pragma once

#include <QColor>
#include <QRgb>
#include <QString>

#include <array>

namespace attnscope {

class ColorMap {
public:
    static const ColorMap &viridis();

    QRgb rgb(float t) const {
        const float c = t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t);
        return m_table[static_cast<std::size_t>(c * 255.0f + 0.5f)];
    }
    QColor color(float t) const { return QColor::fromRgb(rgb(t)); }
    const QString &name() const { return m_name; }

private:
    ColorMap(QString name, const std::array<QRgb, 256> &table) : m_name(std::move(name)), m_table(table) {}
    QString m_name;
    std::array<QRgb, 256> m_table;
};

} // namespace attnscope
