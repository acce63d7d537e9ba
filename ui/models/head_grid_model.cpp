// HeadGridModel: thumbnails and pattern scores of every head, from core.
#include "models/head_grid_model.h"

namespace attnscope {

HeadGridModel::HeadGridModel(QObject *parent) : QAbstractTableModel(parent) {}

void HeadGridModel::setSourceModel(HeatmapModel *source) {
    if (m_source)
        disconnect(m_source, nullptr, this, nullptr);
    m_source = source;
    if (m_source)
        connect(m_source, &HeatmapModel::viewChanged, this, &HeadGridModel::refresh);
    refresh();
}

void HeadGridModel::refresh() {
    const ResultPtr result = m_source ? m_source->result() : nullptr;
    const bool hide = m_source && m_source->params().hideSpecial;
    if (result == m_result && hide == m_hideSpecial && (result || m_layers == 0))
        return; // only the selected head or the aggregation changed: nothing here depends on it
    beginResetModel();
    m_result = result;
    m_hideSpecial = hide;
    m_layers = result ? result->layers : 0;
    m_heads = result ? result->heads : 0;
    m_thumbnails.assign(static_cast<std::size_t>(m_layers) * m_heads, {});
    m_patterns.assign(static_cast<std::size_t>(m_layers) * m_heads, {});
    m_side = 0;
    m_done = 0;
    m_causal = result ? result->causal : true;
    m_job.cancel();
    const std::vector<int> positions = result ? visiblePositions(*result, hide) : std::vector<int>{};
    const int n = m_layers > 0 && m_heads > 0 ? static_cast<int>(positions.size()) : 0;
    m_side = std::min(n, kMaxThumbnail);
    const auto thumbnailOf = [result, positions, hide, n, side = m_side](int l, int h, const Background::Cancelled &cancelled,
                                                                          std::vector<float> &cells, HeadPattern &pattern) {
        AttentionRegion region{0, n, 0, n, side, side, {}};
        if (!poolAttention(*result, {l, h, Aggregation::Head, hide}, positions, region, cancelled, &pattern))
            return false;
        cells = std::move(region.cells);
        return true;
    };
    const double cells = static_cast<double>(n) * n * m_layers * m_heads;
    if (n > 0 && (!m_source->background() || cells <= 4 * HeatmapModel::kForegroundCells)) {
        for (int l = 0; l < m_layers; ++l)
            for (int h = 0; h < m_heads; ++h) {
                const std::size_t k = static_cast<std::size_t>(l) * m_heads + h;
                thumbnailOf(l, h, {}, m_thumbnails[k], m_patterns[k]);
            }
        m_done = m_layers * m_heads;
    } else if (n > 0) { // a task per layer; each hands over its thumbnails a few heads at a time
        const int heads = m_heads;
        m_job.start(m_layers, [this, thumbnailOf, heads](int l, const Background::Cancelled &cancelled,
                                                           const Background::Deliver &deliver) {
            constexpr int kBatch = 4;
            for (int h0 = 0; h0 < heads; h0 += kBatch) {
                const int count = std::min(kBatch, heads - h0);
                std::vector<std::vector<float>> thumbs(static_cast<std::size_t>(count));
                std::vector<HeadPattern> patterns(static_cast<std::size_t>(count));
                for (int i = 0; i < count; ++i)
                    if (!thumbnailOf(l, h0 + i, cancelled, thumbs[static_cast<std::size_t>(i)],
                                     patterns[static_cast<std::size_t>(i)]))
                        return;
                deliver([this, l, h0, thumbs = std::move(thumbs), patterns = std::move(patterns)]() mutable {
                    for (std::size_t i = 0; i < thumbs.size(); ++i) {
                        const std::size_t k = static_cast<std::size_t>(l) * m_heads + h0 + i;
                        m_thumbnails[k] = std::move(thumbs[i]);
                        m_patterns[k] = std::move(patterns[i]);
                        ++m_done;
                    }
                    emit thumbnailsChanged();
                });
            }
        });
    } else {
        m_done = m_layers * m_heads; // nothing to show
    }
    endResetModel();
    emit thumbnailsChanged();
}

void HeadGridModel::setRoles(std::vector<HeadRoles> roles) {
    m_roles = std::move(roles);
    emit thumbnailsChanged();
}

void HeadGridModel::setHighlight(Highlight highlight) {
    if (highlight == m_highlight)
        return;
    m_highlight = highlight;
    emit thumbnailsChanged();
}

float HeadGridModel::highlightScore(int layer, int head) const {
    const std::size_t k = static_cast<std::size_t>(layer) * m_heads + head;
    if (m_highlight == Highlight::Labels || layer < 0 || head < 0 || layer >= m_layers || head >= m_heads ||
        m_roles.size() != static_cast<std::size_t>(m_layers) * m_heads)
        return -1;
    const HeadRoles &r = m_roles[k];
    switch (m_highlight) {
    case Highlight::PreviousToken: return float(r.previousToken);
    case Highlight::Self: return float(r.self);
    case Highlight::FirstToken: return float(r.firstToken);
    case Highlight::Induction: return r.induction ? float(*r.induction) : -1.0f;
    case Highlight::Labels: break;
    }
    return -1;
}

QString HeadGridModel::highlightName(Highlight highlight) {
    switch (highlight) {
    case Highlight::PreviousToken: return tr("previous-token score");
    case Highlight::Self: return tr("self score");
    case Highlight::FirstToken: return tr("first-token (sink) score");
    case Highlight::Induction: return tr("induction score");
    case Highlight::Labels: break;
    }
    return tr("pattern labels");
}

int HeadGridModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : m_layers;
}
int HeadGridModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : m_heads;
}

const std::vector<float> &HeadGridModel::thumbnail(int layer, int head) const {
    static const std::vector<float> empty;
    if (layer < 0 || head < 0 || layer >= m_layers || head >= m_heads)
        return empty;
    return m_thumbnails[static_cast<std::size_t>(layer) * m_heads + head];
}

const HeadPattern &HeadGridModel::pattern(int layer, int head) const {
    static const HeadPattern empty;
    if (layer < 0 || head < 0 || layer >= m_layers || head >= m_heads)
        return empty;
    return m_patterns[static_cast<std::size_t>(layer) * m_heads + head];
}

QVariant HeadGridModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const HeadPattern &p = pattern(index.row(), index.column());
    switch (role) {
    case Qt::DisplayRole:
        return tr("L%1 H%2").arg(index.row()).arg(index.column());
    case Qt::ToolTipRole: {
        QString tip = tr("layer %1 · head %2\nmean weight on the previous token %3, on itself %4, on the first "
                         "token %5")
                          .arg(index.row())
                          .arg(index.column())
                          .arg(double(p.previousToken), 0, 'f', 2)
                          .arg(double(p.self), 0, 'f', 2)
                          .arg(double(p.firstToken), 0, 'f', 2);
        if (!p.label.empty())
            tip += tr("\nmostly attends to: %1").arg(QString::fromStdString(p.label));
        return tip + tr("\nclick to open it in the heatmap and arcs");
    }
    case PatternLabelRole:
        return QString::fromStdString(p.label);
    case PreviousTokenRole:
        return p.previousToken;
    case SelfRole:
        return p.self;
    case FirstTokenRole:
        return p.firstToken;
    default:
        return {};
    }
}

QVariant HeadGridModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole || section < 0)
        return {};
    if (orientation == Qt::Vertical)
        return section < m_layers ? QVariant(tr("L%1").arg(section)) : QVariant();
    return section < m_heads ? QVariant(tr("H%1").arg(section)) : QVariant();
}

QHash<int, QByteArray> HeadGridModel::roleNames() const {
    auto names = QAbstractTableModel::roleNames();
    names.insert(PatternLabelRole, "pattern");
    names.insert(PreviousTokenRole, "previousToken");
    names.insert(SelfRole, "self");
    names.insert(FirstTokenRole, "firstToken");
    return names;
}

} // namespace attnscope
