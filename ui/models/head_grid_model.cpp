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
    m_causal = result ? result->causal : true;
    for (int l = 0; l < m_layers; ++l)
        for (int h = 0; h < m_heads; ++h) {
            const AttentionMatrix m = attentionMatrix(*result, {l, h, Aggregation::Head, hide});
            m_side = std::min(m.size, kMaxThumbnail);
            const std::size_t k = static_cast<std::size_t>(l) * m_heads + h;
            m_thumbnails[k] = downsampleMax(m, m_side);
            m_patterns[k] = headPattern(m);
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
