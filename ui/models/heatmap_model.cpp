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
    const float w = masked ? 0.0f : weightAt(index.row(), index.column());
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
    m_job.cancel();
    m_detailJob.cancel();
    m_overview = {};
    m_detail = {};
    m_detailAsked = {};
    m_cachedRow = -1;
    m_matrix = {};
    m_waiting = false;
    if (!m_result)
        return;
    m_params.layer = std::clamp(m_params.layer, 0, std::max(0, m_result->layers - 1));
    m_params.head = std::clamp(m_params.head, 0, std::max(0, m_result->heads - 1));
    m_matrix.causal = m_result->causal;
    m_matrix.positions = visiblePositions(*m_result, m_params.hideSpecial);
    m_matrix.size = m_result->layers > 0 && m_result->heads > 0 ? static_cast<int>(m_matrix.positions.size()) : 0;
    m_matrix.window = aggregateWindow(*m_result, m_params);
    const int n = m_matrix.size;
    if (n == 0)
        return;
    const ResultPtr result = m_result;
    const ViewParams params = m_params;
    const std::vector<int> positions = m_matrix.positions;
    if (large()) { // the overview, a block of rows at a time
        AttentionRegion region{0, n, 0, n, kOverviewSide, kOverviewSide, {}};
        if (!m_background) {
            poolAttention(*result, params, positions, region);
            m_overview = std::move(region);
            return;
        }
        m_waiting = true;
        m_job.start(1, [this, result, params, positions, region](int, const Background::Cancelled &cancelled,
                                                                  const Background::Deliver &deliver) mutable {
            if (poolAttention(*result, params, positions, region, cancelled))
                deliver([this, region = std::move(region)]() mutable {
                    m_overview = std::move(region);
                    weightsArrived();
                });
        });
        return;
    }
    const double cells = static_cast<double>(n) * n * aggregatedHeads(*result, params);
    if (!m_background || cells <= kForegroundCells) {
        m_matrix.weights = attentionMatrix(*result, params).weights;
        return;
    }
    m_waiting = true;
    m_job.start(1, [this, result, params, positions, n](int, const Background::Cancelled &cancelled,
                                                         const Background::Deliver &deliver) {
        std::vector<float> weights(static_cast<std::size_t>(n) * n);
        for (int r0 = 0; r0 < n; r0 += 64) {
            if (cancelled())
                return;
            attentionMatrixRows(*result, params, positions, r0, std::min(64, n - r0),
                                weights.data() + static_cast<std::size_t>(r0) * n);
        }
        deliver([this, weights = std::move(weights)]() mutable {
            m_matrix.weights = std::move(weights);
            weightsArrived();
        });
    });
}

void HeatmapModel::weightsArrived() {
    m_waiting = false;
    m_cachedRow = -1;
    notifyViews();
}

void HeatmapModel::notifyViews() {
    if (tokenCount() > 0)
        emit dataChanged(index(0, 0), index(tokenCount() - 1, tokenCount() - 1));
    emit viewChanged();
}

void HeatmapModel::requestDetail(int row0, int row1, int col0, int col1, int outRows, int outCols) {
    const int n = m_matrix.size;
    if (!m_result || !large())
        return;
    AttentionRegion want{std::clamp(row0, 0, n), std::clamp(row1, 0, n), std::clamp(col0, 0, n), std::clamp(col1, 0, n),
                         0, 0, {}};
    if (want.rows() <= 0 || want.cols() <= 0)
        return;
    want.outRows = std::clamp(outRows, 1, want.rows());
    want.outCols = std::clamp(outCols, 1, want.cols());
    const auto covers = [&](const AttentionRegion &d) {
        return d.outRows > 0 && d.row0 <= want.row0 && d.row1 >= want.row1 && d.col0 <= want.col0 &&
               d.col1 >= want.col1 &&
               static_cast<double>(d.outRows) / d.rows() >= 0.999 * want.outRows / want.rows() &&
               static_cast<double>(d.outCols) / d.cols() >= 0.999 * want.outCols / want.cols();
    };
    if (covers(m_detailAsked))
        return;
    m_detailAsked = want;
    m_detailAsked.cells.clear();
    const ResultPtr result = m_result;
    const ViewParams params = m_params;
    const std::vector<int> positions = m_matrix.positions;
    if (!m_background) {
        poolAttention(*result, params, positions, want);
        m_detail = std::move(want);
        emit detailChanged();
        return;
    }
    m_detailJob.start(1, [this, result, params, positions, want](int, const Background::Cancelled &cancelled,
                                                                  const Background::Deliver &deliver) mutable {
        if (poolAttention(*result, params, positions, want, cancelled))
            deliver([this, want = std::move(want)]() mutable {
                m_detail = std::move(want);
                emit detailChanged();
            });
    });
}

const std::vector<float> &HeatmapModel::rowWeights(int query) const {
    static const std::vector<float> empty;
    if (!m_result || query < 0 || query >= m_matrix.size)
        return empty;
    if (query == m_cachedRow)
        return m_row;
    m_row.resize(static_cast<std::size_t>(m_matrix.size));
    if (complete())
        std::copy(m_matrix.row(query), m_matrix.row(query) + m_matrix.size, m_row.begin());
    else
        attentionMatrixRows(*m_result, m_params, m_matrix.positions, query, 1, m_row.data());
    m_cachedRow = query;
    return m_row;
}

float HeatmapModel::weightAt(int query, int key) const {
    if (query < 0 || key < 0 || query >= m_matrix.size || key >= m_matrix.size)
        return 0.0f;
    return complete() ? m_matrix.at(query, key) : rowWeights(query)[static_cast<std::size_t>(key)];
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
    notifyViews();
}

void HeatmapModel::setHideSpecial(bool hide) {
    if (hide == m_params.hideSpecial)
        return;
    m_params.hideSpecial = hide;
    setResult(m_result); // the visible rows change: a reset
}

const AttentionMatrix &HeatmapModel::headMatrix(int head) const {
    static const AttentionMatrix empty;
    if (!m_result || head < 0 || head >= m_result->heads || large())
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
                       .arg(static_cast<double>(weightAt(query, key)), 0, 'f', 4);
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

void HeatmapModel::setEmptyText(const QString &text) {
    if (text == m_emptyText)
        return;
    m_emptyText = text;
    if (!m_result)
        emit viewChanged(); // only an empty view shows it
}

} // namespace attnscope
