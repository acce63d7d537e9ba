// What the insights panel shows for the current analysis and focus: the head-role table (with a "find heads"
// column for a chosen query -> key pair) and the next-token predictions at the focused position. The numbers come
// from core (head roles are computed with the analysis, off the GUI thread; predictions and the pair ranking are
// a top-k over one row of logits and one weight per head).
#pragma once

#include "attention_snapshot.h"

#include <attnscope/insights.h>

#include <QAbstractTableModel>

namespace attnscope {

class InsightsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Layer, Head, Role, PairWeight, Previous, Self, First, Entropy, Distance, Induction, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1; // double: the number a column sorts by

    explicit InsightsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setAnalysis(AnalysisPtr analysis, EnginePtr engine);
    // Positions in the full token sequence; -1 = none. A query alone moves the predictions; query and key
    // together also fill the PairWeight column ("find heads").
    void setFocus(int query, int key);

    const AnalysisPtr &analysis() const { return m_analysis; }
    bool hasPair() const { return m_query >= 0 && m_key >= 0 && !m_pair.empty(); }
    int query() const { return m_query; }
    int key() const { return m_key; }
    // The position whose next token is predicted: the focused query, else the last token.
    int predictionPosition() const;
    const std::vector<Prediction> &predictions() const { return m_predictions; }
    // Every head ranked by A[query, key], strongest first; empty without a pair.
    const std::vector<HeadScore> &pairRanking() const { return m_pair; }
    QString tokenText(int position) const;
    int layerHead(int row, int *head) const; // the (layer, head) of a table row

signals:
    void insightsChanged(); // predictions or the pair changed (the table's rows also signal as usual)

private:
    void recompute();

    AnalysisPtr m_analysis;
    EnginePtr m_engine;
    int m_query = -1, m_key = -1;
    std::vector<Prediction> m_predictions;
    std::vector<HeadScore> m_pair;
    std::vector<double> m_pairByHead; // (layers * heads) A[query, key]
};

} // namespace attnscope
