// InsightsModel: head roles as a sortable table, "find heads" and next-token predictions.
#include "models/insights_model.h"

#include <cmath>

namespace attnscope {

InsightsModel::InsightsModel(QObject *parent) : QAbstractTableModel(parent) {}

int InsightsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() || !m_analysis ? 0 : static_cast<int>(m_analysis->roles.size());
}

int InsightsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

int InsightsModel::layerHead(int row, int *head) const {
    if (!m_analysis || row < 0 || row >= rowCount()) {
        if (head)
            *head = -1;
        return -1;
    }
    const HeadRoles &r = m_analysis->roles[static_cast<std::size_t>(row)];
    if (head)
        *head = r.head;
    return r.layer;
}

QVariant InsightsModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || !m_analysis || index.row() >= rowCount())
        return {};
    const HeadRoles &r = m_analysis->roles[static_cast<std::size_t>(index.row())];
    const std::size_t lh = static_cast<std::size_t>(index.row());
    double value = 0;
    switch (index.column()) {
    case Layer: value = r.layer; break;
    case Head: value = r.head; break;
    case Role: value = r.label.empty() ? 0 : 1; break;
    case PairWeight: value = lh < m_pairByHead.size() ? m_pairByHead[lh] : -1; break;
    case Previous: value = r.previousToken; break;
    case Self: value = r.self; break;
    case First: value = r.firstToken; break;
    case Entropy: value = r.entropy; break;
    case Distance: value = r.distance; break;
    case Induction: value = r.induction ? *r.induction : -1; break;
    default: return {};
    }
    if (role == SortRole)
        return index.column() == Role ? QVariant(QString::fromStdString(r.label)) : QVariant(value);
    if (role == Qt::TextAlignmentRole)
        return index.column() == Role ? int(Qt::AlignLeft | Qt::AlignVCenter) : int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Layer:
    case Head: return static_cast<int>(value);
    case Role: return QString::fromStdString(r.label);
    case PairWeight: return value < 0 ? QStringLiteral("—") : QString::number(value, 'f', 3);
    case Induction: return value < 0 ? QStringLiteral("—") : QString::number(value, 'f', 3);
    case Entropy: return QString::number(value, 'f', 2);
    case Distance: return QString::number(value, 'f', 1);
    default: return QString::number(value, 'f', 3);
    }
}

QVariant InsightsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    static const char *const names[ColumnCount] = {"Layer", "Head", "Role", "Query → key", "Previous", "Self",
                                                   "First token", "Entropy", "Distance", "Induction"};
    static const char *const tips[ColumnCount] = {
        "Layer (0 = closest to the input)",
        "Head within the layer",
        "A short label when one score is at least 0.5 and beats the next by 0.2",
        "Find heads: how strongly the chosen query token attends to the chosen key token (click a token in the "
        "strip, then Shift+click another, or click a heatmap cell)",
        "Mean weight on the token just before (i - 1)",
        "Mean weight on the token itself",
        "Mean weight on the first token (an attention sink when large)",
        "Mean entropy of the rows in nats (0 = all on one token; ln(n) = spread evenly over n)",
        "Mean distance looked back, in tokens",
        "Weight from a repeated token to what followed its earlier occurrence (— when the text repeats no token)"};
    if (section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::DisplayRole) {
        if (section == PairWeight && hasPair())
            return tr("%1 → %2").arg(tokenText(m_query), tokenText(m_key));
        return tr(names[section]);
    }
    if (role == Qt::ToolTipRole)
        return tr(tips[section]);
    return {};
}

void InsightsModel::setAnalysis(AnalysisPtr analysis, EnginePtr engine) {
    beginResetModel();
    m_analysis = std::move(analysis);
    m_engine = std::move(engine);
    const int T = m_analysis && m_analysis->raw ? m_analysis->raw->seqLen() : 0;
    if (m_query >= T || m_key >= T)
        m_query = m_key = -1;
    recompute();
    endResetModel();
    emit insightsChanged();
}

void InsightsModel::setFocus(int query, int key) {
    if (query == m_query && key == m_key)
        return;
    m_query = query;
    m_key = query >= 0 ? key : -1;
    recompute();
    if (rowCount() > 0)
        emit dataChanged(index(0, PairWeight), index(rowCount() - 1, PairWeight));
    emit headerDataChanged(Qt::Horizontal, PairWeight, PairWeight);
    emit insightsChanged();
}

int InsightsModel::predictionPosition() const {
    if (!m_analysis || !m_analysis->raw)
        return -1;
    return m_query >= 0 ? m_query : m_analysis->raw->seqLen() - 1;
}

QString InsightsModel::tokenText(int position) const {
    if (!m_analysis || !m_analysis->raw || position < 0 || position >= m_analysis->raw->seqLen())
        return {};
    return tokenLabel(m_analysis->raw->tokens[static_cast<std::size_t>(position)]);
}

void InsightsModel::recompute() {
    m_predictions.clear();
    m_pair.clear();
    m_pairByHead.clear();
    if (!m_analysis || !m_analysis->raw || !m_engine)
        return;
    const AttentionResult &r = *m_analysis->raw;
    m_predictions = nextTokenPredictions(r, m_engine->tokenizer(), predictionPosition(), 10);
    if (m_query >= 0 && m_key >= 0) {
        m_pair = findHeads(r, m_query, m_key);
        m_pairByHead.assign(static_cast<std::size_t>(r.layers) * r.heads, -1.0);
        for (const HeadScore &s : m_pair)
            m_pairByHead[static_cast<std::size_t>(s.layer) * r.heads + s.head] = s.score;
    }
}

} // namespace attnscope
