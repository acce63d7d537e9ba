// The download catalog and the two tables of File > Get Models.
#include "model_catalog.h"

#include <attnscope/hub.h>

#include <QBrush>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFont>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPalette>

namespace attnscope {

namespace {

// The title of a column, in Column order; nothing for rows or other roles.
QVariant columnTitle(const QStringList &titles, int section, Qt::Orientation orientation, int role) {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= titles.size())
        return {};
    return titles.at(section);
}

} // namespace

QList<CatalogModel> parseCatalog(const QByteArray &json, QString *error) {
    QList<CatalogModel> out;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    const auto problem = [&](const QString &message) {
        if (error && error->isEmpty())
            *error = message;
    };
    if (parseError.error != QJsonParseError::NoError) {
        problem(QStringLiteral("model catalog: %1").arg(parseError.errorString()));
        return out;
    }
    for (const QJsonValue &v : doc.object().value(QStringLiteral("models")).toArray()) {
        const QJsonObject o = v.toObject();
        CatalogModel m;
        m.name = o.value(QStringLiteral("name")).toString();
        m.family = o.value(QStringLiteral("family")).toString();
        m.parameters = qint64(o.value(QStringLiteral("parameters")).toDouble());
        m.repo = o.value(QStringLiteral("repo")).toString();
        m.revision = o.value(QStringLiteral("revision")).toString(QStringLiteral("main"));
        for (const QJsonValue &f : o.value(QStringLiteral("files")).toArray())
            m.files.append(f.toString());
        m.open = o.value(QStringLiteral("open")).toString();
        m.format = o.value(QStringLiteral("format")).toString();
        m.weights = o.value(QStringLiteral("weights")).toString();
        m.sizeBytes = qint64(o.value(QStringLiteral("size_bytes")).toDouble());
        m.sizeApprox = o.value(QStringLiteral("size_approx")).toBool();
        m.licence = o.value(QStringLiteral("licence")).toString();
        m.gated = o.value(QStringLiteral("gated")).toBool();
        m.lesson = o.value(QStringLiteral("lesson")).toString();
        if (m.name.isEmpty() || !hub::validRepoId(m.repo.toStdString()) || m.files.isEmpty() ||
            (!m.open.isEmpty() && !m.files.contains(m.open))) {
            problem(QStringLiteral("model catalog: entry \"%1\" has no name, a bad repo id or no files").arg(m.name));
            continue;
        }
        out.append(m);
    }
    return out;
}

QList<CatalogModel> builtInCatalog() {
    QFile f(QStringLiteral(":/model_catalog.json"));
    return f.open(QIODevice::ReadOnly) ? parseCatalog(f.readAll()) : QList<CatalogModel>();
}

QString cachedModelPath(const QString &hubCacheDir, const CatalogModel &m) {
    const QString folder = QString::fromStdString(
        hub::cachedSnapshot(hubCacheDir.toStdString(), m.repo.toStdString(), m.revision.toStdString()));
    if (folder.isEmpty())
        return {};
    const QDir snapshot(folder);
    for (const QString &f : m.files)
        if (!QFileInfo(snapshot.filePath(f)).isFile()) // follows the snapshot's link into blobs/
            return {};
    return m.open.isEmpty() ? snapshot.path() : snapshot.filePath(m.open);
}

QString formatBytes(qint64 bytes) {
    if (bytes < 0)
        return QStringLiteral("-");
    if (bytes >= 1000LL * 1000 * 1000)
        return QStringLiteral("%1 GB").arg(double(bytes) / 1e9, 0, 'f', 1);
    if (bytes >= 1000LL * 1000)
        return QStringLiteral("%1 MB").arg(double(bytes) / 1e6, 0, 'f', bytes >= 100LL * 1000 * 1000 ? 0 : 1);
    if (bytes >= 1000)
        return QStringLiteral("%1 kB").arg(double(bytes) / 1e3, 0, 'f', 0);
    return QStringLiteral("%1 B").arg(bytes);
}

QString formatParameters(qint64 n) {
    if (n <= 0)
        return QStringLiteral("-");
    const char *suffix[] = {"", "K", "M", "B", "T"};
    double v = double(n);
    int i = 0;
    // 999.9M is shown as 1.0B, not 1000M: the unit moves up when rounding reaches 1000
    while (v >= 999.5 && i < 4) {
        v /= 1000;
        ++i;
    }
    return QString::number(v, 'f', v < 9.95 && i > 0 ? 1 : 0) + QLatin1String(suffix[i]);
}

CatalogTableModel::CatalogTableModel(QList<CatalogModel> catalog, QString hubCacheDir, QObject *parent)
    : QAbstractTableModel(parent), m_catalog(std::move(catalog)), m_cacheDir(std::move(hubCacheDir)) {
    for (const CatalogModel &m : m_catalog)
        m_cached.append(cachedModelPath(m_cacheDir, m));
}

int CatalogTableModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_catalog.size());
}

int CatalogTableModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CatalogTableModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= int(m_catalog.size()))
        return {};
    const CatalogModel &m = m_catalog.at(index.row());
    const bool cached = !m_cached.at(index.row()).isEmpty();
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Name: return m.name;
        case Family: {
            const std::string title = familyTitle(m.family.toStdString());
            return title.empty() ? m.family : QString::fromStdString(title);
        }
        case Parameters: return formatParameters(m.parameters);
        case Size: return (m.sizeApprox ? QStringLiteral("≈ ") : QString()) + formatBytes(m.sizeBytes);
        case Licence: return m.licence;
        case Access:
            return cached ? tr("Downloaded") : m.gated ? tr("Needs token (gated)") : tr("No token needed");
        }
    }
    if (role == Qt::ToolTipRole)
        return QStringLiteral("%1\n%2 (%3, %4)\n\n%5").arg(m.name, m.repo, m.files.join(QStringLiteral(", ")),
                                                         m.weights, m.lesson);
    if (role == Qt::TextAlignmentRole && (index.column() == Parameters || index.column() == Size))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::FontRole && index.column() == Access && cached) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

QVariant CatalogTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    return columnTitle({tr("Model"), tr("Family"), tr("Parameters"), tr("Download"), tr("Licence"), tr("Access")}, section,
                       orientation, role);
}

void CatalogTableModel::refresh() {
    for (int i = 0; i < int(m_catalog.size()); ++i)
        m_cached[i] = cachedModelPath(m_cacheDir, m_catalog.at(i));
    if (!m_catalog.isEmpty())
        emit dataChanged(index(0, 0), index(int(m_catalog.size()) - 1, ColumnCount - 1));
}

LocalModelsModel::LocalModelsModel(QObject *parent) : QAbstractTableModel(parent) {}

int LocalModelsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_models.size());
}

int LocalModelsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LocalModelsModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const ModelEntry &m = m_models.at(std::size_t(index.row()));
    const auto s = [](const std::string &v) { return QString::fromStdString(v); };
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Name: return s(m.name);
        case Family: return s(m.family.empty() ? m.architecture : m.family);
        case Parameters: return formatParameters(m.parameters);
        case Weights: return s(m.weightType);
        case Size: return m.fileSize ? formatBytes(qint64(m.fileSize)) : QStringLiteral("-");
        case Source: return m.repo.empty() ? s(m.source) : QStringLiteral("%1 · %2").arg(s(m.source), s(m.repo));
        case Status:
            return m.ready() ? tr("Ready") : m.supported ? tr("No tokenizer") : tr("Not supported");
        }
    }
    if (role == Qt::ToolTipRole) {
        QString tip = QDir::toNativeSeparators(s(m.modelPath));
        if (!m.reason.empty())
            tip += QStringLiteral("\n") + s(m.reason);
        return tip;
    }
    if (role == Qt::ForegroundRole && !m.ready())
        return QBrush(QPalette().color(QPalette::Disabled, QPalette::Text));
    if (role == Qt::TextAlignmentRole && (index.column() == Parameters || index.column() == Size))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant LocalModelsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    return columnTitle({tr("Model"), tr("Family"), tr("Parameters"), tr("Weights"), tr("Size"), tr("Found in"), tr("Status")},
                       section, orientation, role);
}

void LocalModelsModel::setModels(std::vector<ModelEntry> models) {
    beginResetModel();
    m_models = std::move(models);
    endResetModel();
}

} // namespace attnscope
