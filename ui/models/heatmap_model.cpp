// HeatmapModel: a read-only view of the current snapshot for one (layer, head).
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
    const bool masked = m_result->causal && index.column() > index.row();
    const float w = m_result->weight(m_layer, m_head, index.row(), index.column());
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
    if (!m_result || section < 0 || section >= tokenCount())
        return {};
    const Token &t = m_result->tokens[static_cast<std::size_t>(section)];
    if (role == Qt::DisplayRole)
        return tokenLabel(t);
    if (role == Qt::ToolTipRole)
        return tokenDescription(t);
    return {};
}

QHash<int, QByteArray> HeatmapModel::roleNames() const {
    auto names = QAbstractTableModel::roleNames();
    names.insert(WeightRole, "weight");
    names.insert(MaskedRole, "masked");
    return names;
}

void HeatmapModel::setResult(ResultPtr result) {
    beginResetModel();
    m_result = std::move(result);
    if (m_result) {
        m_layer = std::clamp(m_layer, 0, std::max(0, m_result->layers - 1));
        m_head = std::clamp(m_head, 0, std::max(0, m_result->heads - 1));
    }
    endResetModel();
}

void HeatmapModel::setLayerHead(int layer, int head) {
    if (m_result) {
        layer = std::clamp(layer, 0, m_result->layers - 1);
        head = std::clamp(head, 0, m_result->heads - 1);
    }
    if (layer == m_layer && head == m_head)
        return;
    m_layer = layer;
    m_head = head;
    if (tokenCount() > 0)
        emit dataChanged(index(0, 0), index(tokenCount() - 1, tokenCount() - 1));
    emit layerHeadChanged(m_layer, m_head);
}

QString HeatmapModel::tokenText(int i) const {
    if (!m_result || i < 0 || i >= tokenCount())
        return {};
    return tokenLabel(m_result->tokens[static_cast<std::size_t>(i)]);
}

QString HeatmapModel::cellDescription(int query, int key) const {
    if (!m_result || query < 0 || key < 0 || query >= tokenCount() || key >= tokenCount())
        return {};
    if (m_result->causal && key > query)
        return tr("%1 -> %2: masked (a causal model cannot look ahead)").arg(tokenText(query), tokenText(key));
    return QStringLiteral("%1 -> %2: %3")
        .arg(tokenText(query), tokenText(key))
        .arg(static_cast<double>(m_result->weight(m_layer, m_head, query, key)), 0, 'f', 4);
}

} // namespace attnscope
