// Table model of what the views show: rows = query tokens, columns = key tokens of one head or an aggregate
// (core's attentionMatrix), with special tokens optionally hidden. Holds an immutable snapshot of the result;
// every view (heatmap, arcs, grid, token strip) reads it and shares one QItemSelectionModel over it.
// Up to kDenseTokens visible tokens it holds the whole (n, n) matrix; a longer text is shown as a max-pooled overview
// (kOverviewSide cells a side) and, when the heatmap is zoomed in, an exact or finer-pooled detail of the part in view,
// both computed a block of rows at a time. Matrices that take long are computed off the GUI thread (pending() until
// then, viewChanged() when they arrive), unless setBackground(false) (the command line, exports, tests).
#pragma once

#include "attention_snapshot.h"
#include "models/background.h"

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

    static constexpr int kDenseTokens = 2048;
    static constexpr int kOverviewSide = 1024;
    // Weights (visible tokens squared times heads aggregated) computed on the GUI thread at most; more go to a thread.
    static constexpr double kForegroundCells = 8.0 * 1024 * 1024;

    explicit HeatmapModel(QObject *parent = nullptr);
    void setBackground(bool background) { m_background = background; }
    bool background() const { return m_background; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setResult(ResultPtr result); // resets; keeps the view parameters, clamped to the new result
    void setLayerHead(int layer, int head);
    void setAggregation(Aggregation aggregation);
    void setHideSpecial(bool hide); // resets: the visible tokens change
    // What the views say while there is nothing to show: what to do next (open a model, type a sentence) or what is
    // under way. Set by the presenter, which knows; the views only paint it.
    void setEmptyText(const QString &text);
    const QString &emptyText() const { return m_emptyText; }

    const ResultPtr &result() const { return m_result; }
    const ViewParams &params() const { return m_params; }
    int layer() const { return m_params.layer; }
    int head() const { return m_params.head; }
    int layers() const { return m_result ? m_result->layers : 0; }
    int heads() const { return m_result ? m_result->heads : 0; }
    int tokenCount() const { return m_matrix.size; } // visible tokens
    // The (n, n) matrix shown: the selected head or aggregate. Its positions, causality and window are always
    // there; its weights only when complete() (a dense text whose matrix is not pending).
    const AttentionMatrix &matrix() const { return m_matrix; }
    bool large() const { return m_matrix.size > kDenseTokens; }
    bool pending() const { return m_waiting; } // weights or overview on their way from a thread
    bool complete() const { return !m_matrix.weights.empty(); }
    // A large text's overview (all rows and columns pooled), once computed; nullptr before and for dense texts.
    const AttentionRegion *overview() const { return m_overview.cells.empty() ? nullptr : &m_overview; }
    // The zoomed-in part of a large text, once computed (see requestDetail).
    const AttentionRegion *detail() const { return m_detail.cells.empty() ? nullptr : &m_detail; }
    // Asks for rows [row0, row1) x columns [col0, col1) at outRows x outCols cells (at most the region's size:
    // exact cells); does nothing for a dense text or when the detail held or coming already covers it that finely.
    // detailChanged() when it arrives.
    void requestDetail(int row0, int row1, int col0, int col1, int outRows, int outCols);
    // One weight of the matrix shown, and one row of it (visible columns), from the matrix or recomputed (the last
    // row asked for is kept).
    float weightAt(int query, int key) const;
    const std::vector<float> &rowWeights(int query) const;
    // One head of the current layer, with the same hidden tokens (cached per layer, for the arcs view); empty for a
    // large text.
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
    void detailChanged();

private:
    void recompute();
    void weightsChanged(); // same tokens, other weights: recompute and tell the views
    void weightsArrived(); // the weights (or overview) came from the thread: tell the views
    void notifyViews();

    ResultPtr m_result;
    ViewParams m_params;
    QString m_emptyText;
    AttentionMatrix m_matrix;
    AttentionRegion m_overview;
    AttentionRegion m_detail, m_detailAsked;
    bool m_background = true;
    bool m_waiting = false;
    Background m_job{this};
    Background m_detailJob{this};
    mutable int m_cachedRow = -1;
    mutable std::vector<float> m_row;
    std::vector<int> m_rowOfPosition;
    mutable int m_cachedLayer = -1;
    mutable std::vector<AttentionMatrix> m_layerHeads; // (heads) of m_cachedLayer
};

} // namespace attnscope
