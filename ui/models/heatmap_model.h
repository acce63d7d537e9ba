// Table model of what the views show: rows = query tokens, columns = key tokens of one head or an aggregate
// (core's attentionMatrix), with special tokens optionally hidden. Holds an immutable snapshot of the result;
// every view (heatmap, arcs, grid, token strip) reads it and shares one QItemSelectionModel over it.
#pragma once

#include "attention_snapshot.h"

#include <attnscope/attention_view.h>

#include <QAbstractTableModel>

namespace attnscope {

class HeatmapModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Roles {
        WeightRole = Qt::UserRole + 1, // float: the weight shown (0 where masked)
        MaskedRole,                    // bool: above the diagonal of a causal model
        PositionRole,                  // header: int, the token's index in the full sequence
    };

    explicit HeatmapModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setResult(ResultPtr result); // resets; keeps the view parameters, clamped to the new result
    void setLayerHead(int layer, int head);
    void setAggregation(Aggregation aggregation);
    void setHideSpecial(bool hide); // resets: the visible tokens change

    const ResultPtr &result() const { return m_result; }
    const ViewParams &params() const { return m_params; }
    int layer() const { return m_params.layer; }
    int head() const { return m_params.head; }
    int layers() const { return m_result ? m_result->layers : 0; }
    int heads() const { return m_result ? m_result->heads : 0; }
    int tokenCount() const { return m_matrix.size; } // visible tokens
    // The (n, n) matrix shown: the selected head or aggregate.
    const AttentionMatrix &matrix() const { return m_matrix; }
    // One head of the current layer, with the same hidden tokens (cached per layer, for the arcs view).
    const AttentionMatrix &headMatrix(int head) const;
    // Row -> index into result()->tokens.
    int position(int row) const;
    // Index into result()->tokens -> row, or -1 when that token is hidden.
    int rowOfPosition(int position) const;
    const Token *token(int row) const;
    QString tokenText(int row) const;
    // "layer 1 · head 3", "layer 1 · mean of 8 heads", "mean of all 40 heads", plus "· special tokens hidden".
    QString viewTitle() const;
    // "▁Lily -> ▁saw: 0.4123"
    QString cellDescription(int query, int key) const;

signals:
    // The weights shown changed (layer, head or aggregation), or anything did (reset). Views rebuild.
    void viewChanged();
    void layerHeadChanged(int layer, int head);

private:
    void recompute();
    void weightsChanged(); // same tokens, other weights: recompute and tell the views

    ResultPtr m_result;
    ViewParams m_params;
    AttentionMatrix m_matrix;
    std::vector<int> m_rowOfPosition;
    mutable int m_cachedLayer = -1;
    mutable std::vector<AttentionMatrix> m_layerHeads; // (heads) of m_cachedLayer
};

} // namespace attnscope
