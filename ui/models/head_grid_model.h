// Table model of every head: rows = layers, columns = heads. Per head: a max-pooled thumbnail of its matrix
// (as the source HeatmapModel shows it, special tokens hidden or not) and its pattern scores (previous token,
// self, first token) with a short label when one clearly dominates. Recomputed when the result or the hidden
// tokens change, not when the selected head does. A long text's thumbnails are computed off the GUI thread, a few
// heads at a time (the rest are empty until then: thumbnail() returns an empty vector and pending() is true).
#pragma once

#include "models/background.h"
#include "models/heatmap_model.h"

#include <attnscope/head_roles.h>

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

    // Which role score the grid shows on every head: the short pattern labels (default), or one score of the
    // head roles, drawn as a frame as thick as the score and the number as the badge.
    enum class Highlight { Labels, PreviousToken, Self, FirstToken, Induction };
    void setRoles(std::vector<HeadRoles> roles); // from the analysis, one per head (ignored when the count differs)
    void setHighlight(Highlight highlight);
    Highlight highlight() const { return m_highlight; }
    // The chosen role's score of a head in [0, 1], or -1 (labels chosen, no roles, no induction score).
    float highlightScore(int layer, int head) const;
    static QString highlightName(Highlight highlight); // "previous-token score", ...

    int thumbnailSide() const { return m_side; }
    bool causal() const { return m_causal; }
    // (side, side) max-pooled weights, -1 where masked; empty while still being computed.
    const std::vector<float> &thumbnail(int layer, int head) const;
    bool pending() const { return m_done < m_layers * m_heads; }
    int thumbnailsDone() const { return m_done; }
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
    std::vector<HeadRoles> m_roles;               // (layers * heads) or empty
    Highlight m_highlight = Highlight::Labels;
    int m_done = 0;
    QThreadPool m_pool; // the grid's own threads: a long text's heads do not queue ahead of the heatmap's work
    Background m_job{this, &m_pool};
};

} // namespace attnscope
