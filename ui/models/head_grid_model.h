// Table model of every head: rows = layers, columns = heads. Per head: a max-pooled thumbnail of its matrix
// (as the source HeatmapModel shows it, special tokens hidden or not) and its pattern scores (previous token,
// self, first token) with a short label when one clearly dominates. Recomputed when the result or the hidden
// tokens change, not when the selected head does.
#pragma once

#include "models/heatmap_model.h"

#include <QAbstractTableModel>
#include <QPointer>

namespace attnscope {

class HeadGridModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Roles {
        PatternLabelRole = Qt::UserRole + 1, // QString: "previous token", "self", "first token" or empty
        PreviousTokenRole,                   // float
        SelfRole,                            // float
        FirstTokenRole,                      // float
    };
    static constexpr int kMaxThumbnail = 96; // thumbnail side in cells

    explicit HeadGridModel(QObject *parent = nullptr);
    void setSourceModel(HeatmapModel *source);
    HeatmapModel *sourceModel() const { return m_source; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    int thumbnailSide() const { return m_side; }
    bool causal() const { return m_causal; }
    // (side, side) max-pooled weights, -1 where masked.
    const std::vector<float> &thumbnail(int layer, int head) const;
    const HeadPattern &pattern(int layer, int head) const;

signals:
    void thumbnailsChanged();

private:
    void refresh();

    QPointer<HeatmapModel> m_source;
    ResultPtr m_result;
    bool m_hideSpecial = false;
    int m_layers = 0;
    int m_heads = 0;
    int m_side = 0;
    bool m_causal = true;
    std::vector<std::vector<float>> m_thumbnails; // (layers * heads)
    std::vector<HeadPattern> m_patterns;          // (layers * heads)
};

} // namespace attnscope
