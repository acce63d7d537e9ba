// HeatmapModel: the current matrix is recomputed by core when the result or a view parameter changes; data()
// and the views only read it.
#include "heatmap_model.h"

namespace attnscope {

HeatmapModel::HeatmapModel(QObject *parent) : QAbstractTableModel(parent) {}

int HeatmapModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : tokenCount();
}
int HeatmapModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : tokenCount();
}

QVariant HeatmapModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || !m_result)
        return {};
    const bool masked = m_matrix.masked(index.row(), index.column());
    const float w = m_matrix.at(index.row(), index.column());
    switch (role) {
    case Qt::DisplayRole:
        return masked ? QString() : QString::number(w, 'f', 3);
    case Qt::ToolTipRole:
        return cellDescription(index.row(), index.column());
    case WeightRole:
        return w;
    case MaskedRole:
        return masked;
    default:
        return {};
    }
}

QVariant HeatmapModel::headerData(int section, Qt::Orientation orientation, int role) const {
    Q_UNUSED(orientation);
    const Token *t = token(section);
    if (!t)
        return {};
    if (role == Qt::DisplayRole)
        return tokenLabel(*t);
    if (role == Qt::ToolTipRole)
        return tokenDescription(*t);
    if (role == PositionRole)
        return position(section);
    return {};
}

QHash<int, QByteArray> HeatmapModel::roleNames() const {
    auto names = QAbstractTableModel::roleNames();
    names.insert(WeightRole, "weight");
    names.insert(MaskedRole, "masked");
    names.insert(PositionRole, "position");
    return names;
}

void HeatmapModel::recompute() {
    if (m_result) {
        m_params.layer = std::clamp(m_params.layer, 0, std::max(0, m_result->layers - 1));
        m_params.head = std::clamp(m_params.head, 0, std::max(0, m_result->heads - 1));
        m_matrix = attentionMatrix(*m_result, m_params);
    } else {
        m_matrix = {};
    }
}

void HeatmapModel::setResult(ResultPtr result) {
    beginResetModel();
    m_result = std::move(result);
    m_cachedLayer = -1;
    m_layerHeads.clear();
    recompute();
    m_rowOfPosition.assign(m_result ? static_cast<std::size_t>(m_result->seqLen()) : 0, -1);
    for (int r = 0; r < m_matrix.size; ++r)
        m_rowOfPosition[static_cast<std::size_t>(m_matrix.positions[static_cast<std::size_t>(r)])] = r;
    endResetModel();
    emit viewChanged();
}

void HeatmapModel::setLayerHead(int layer, int head) {
    if (m_result) {
        layer = std::clamp(layer, 0, m_result->layers - 1);
        head = std::clamp(head, 0, m_result->heads - 1);
    }
    if (layer == m_params.layer && head == m_params.head)
        return;
    m_params.layer = layer;
    m_params.head = head;
    weightsChanged();
    emit layerHeadChanged(m_params.layer, m_params.head);
}

void HeatmapModel::setAggregation(Aggregation aggregation) {
    if (aggregation == m_params.aggregation)
        return;
    m_params.aggregation = aggregation;
    weightsChanged();
}

void HeatmapModel::weightsChanged() {
    recompute();
    if (tokenCount() > 0)
        emit dataChanged(index(0, 0), index(tokenCount() - 1, tokenCount() - 1));
    emit viewChanged();
}

void HeatmapModel::setHideSpecial(bool hide) {
    if (hide == m_params.hideSpecial)
        return;
    m_params.hideSpecial = hide;
    setResult(m_result); // the visible rows change: a reset
}

const AttentionMatrix &HeatmapModel::headMatrix(int head) const {
    static const AttentionMatrix empty;
    if (!m_result || head < 0 || head >= m_result->heads)
        return empty;
    if (m_cachedLayer != m_params.layer || m_layerHeads.size() != static_cast<std::size_t>(m_result->heads)) {
        m_layerHeads.assign(static_cast<std::size_t>(m_result->heads), AttentionMatrix{});
        m_cachedLayer = m_params.layer;
    }
    AttentionMatrix &m = m_layerHeads[static_cast<std::size_t>(head)];
    if (m.size != m_matrix.size || m.weights.empty())
        m = attentionMatrix(*m_result, {m_params.layer, head, Aggregation::Head, m_params.hideSpecial});
    return m;
}

int HeatmapModel::position(int row) const {
    return row >= 0 && row < m_matrix.size ? m_matrix.positions[static_cast<std::size_t>(row)] : -1;
}

int HeatmapModel::rowOfPosition(int position) const {
    return position >= 0 && position < static_cast<int>(m_rowOfPosition.size())
               ? m_rowOfPosition[static_cast<std::size_t>(position)]
               : -1;
}

const Token *HeatmapModel::token(int row) const {
    const int p = position(row);
    return p >= 0 ? &m_result->tokens[static_cast<std::size_t>(p)] : nullptr;
}

QString HeatmapModel::tokenText(int row) const {
    const Token *t = token(row);
    return t ? tokenLabel(*t) : QString();
}

QString HeatmapModel::viewTitle() const {
    QString title;
    if (m_result && m_result->measure == Measure::Rollout) { // one matrix per layer: the heads are already mixed
        title = m_params.aggregation == Aggregation::MeanOfAll
                    ? tr("mean of the rollouts through each of %1 layers").arg(layers())
                    : tr("rollout through layers 0–%1").arg(m_params.layer);
        if (m_params.hideSpecial && m_matrix.size < m_result->seqLen())
            title += tr(" · special tokens hidden, rows renormalised");
        return title;
    }
    switch (m_params.aggregation) {
    case Aggregation::Head:
        title = tr("layer %1 · head %2").arg(m_params.layer).arg(m_params.head);
        break;
    case Aggregation::MeanOfHeads:
        title = tr("layer %1 · mean of %2 heads").arg(m_params.layer).arg(heads());
        break;
    case Aggregation::MaxOfHeads:
        title = tr("layer %1 · max of %2 heads").arg(m_params.layer).arg(heads());
        break;
    case Aggregation::MeanOfAll:
        title = tr("mean of all %1 heads (%2 layers)").arg(layers() * heads()).arg(layers());
        break;
    }
    if (m_matrix.window > 0)
        title += tr(" · sliding window of %1 keys").arg(m_matrix.window);
    else if (m_result && !m_result->windows.empty() && m_params.aggregation != Aggregation::MeanOfAll)
        title += tr(" · global layer");
    if (m_params.hideSpecial && m_result && m_matrix.size < m_result->seqLen())
        title += tr(" · special tokens hidden, rows renormalised");
    return title;
}

QString HeatmapModel::cellDescription(int query, int key) const {
    if (!m_result || query < 0 || key < 0 || query >= tokenCount() || key >= tokenCount())
        return {};
    if (m_matrix.masked(query, key))
        return tr("%1 -> %2: masked (a causal model cannot look ahead)").arg(tokenText(query), tokenText(key));
    QString text = QStringLiteral("%1 -> %2: %3")
                       .arg(tokenText(query), tokenText(key))
                       .arg(static_cast<double>(m_matrix.at(query, key)), 0, 'f', 4);
    // Value-weighted attention of one head: also the norm itself, ||alpha W_O v||, before rows were normalised.
    if (m_result->measure == Measure::Value && m_params.aggregation == Aggregation::Head && !m_params.hideSpecial &&
        !m_result->rowTotals.empty()) {
        const int q = position(query), k = position(key);
        const std::size_t row = (static_cast<std::size_t>(m_params.layer) * m_result->heads + m_params.head) *
                                    static_cast<std::size_t>(m_result->seqLen()) + static_cast<std::size_t>(q);
        const double norm = double(m_result->weight(m_params.layer, m_params.head, q, k)) * m_result->rowTotals[row];
        text += tr(" of the row · ‖α·W_O·v‖ = %1").arg(norm, 0, 'f', 4);
    }
    return text;
}

} // namespace attnscope
