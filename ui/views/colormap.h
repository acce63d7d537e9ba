// Colour maps for values in [0, 1]: a 256-entry lookup table per map, and the colour that marks masked
// (structurally empty) cells, chosen per map so it can never be mistaken for a weight.
#pragma once

#include <QColor>
#include <QRgb>
#include <QString>

#include <array>
#include <vector>

namespace attnscope {

class ColorMap {
public:
    static const ColorMap &viridis(); // perceptually uniform, dark blue -> yellow
    static const ColorMap &magma();   // perceptually uniform, black -> pale yellow
    static const ColorMap &purpleOrange(); // ColorBrewer PuOr, diverging, colour-blind safe
    static const std::vector<const ColorMap *> &all();
    static const ColorMap &byId(const QString &id); // viridis when unknown

    QRgb rgb(float t) const {
        const float c = t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t);
        return m_table[static_cast<std::size_t>(c * 255.0f + 0.5f)];
    }
    QColor color(float t) const { return QColor::fromRgb(rgb(t)); }
    const QString &id() const { return m_id; }
    const QString &displayName() const { return m_displayName; }
    QColor empty() const { return m_empty; }

private:
    ColorMap(QString id, QString displayName, const std::array<QRgb, 256> &table, QColor empty)
        : m_id(std::move(id)), m_displayName(std::move(displayName)), m_table(table), m_empty(empty) {}
    QString m_id;
    QString m_displayName;
    std::array<QRgb, 256> m_table;
    QColor m_empty;
};

} // namespace attnscope
