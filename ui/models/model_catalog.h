// The models AttnScope offers to download (resources/model_catalog.json: small models of every family that run well
// on a laptop, each with its repo, files, size, licence, gated flag and what it is good for in a lesson), and the
// two tables of File > Get Models: the catalog, marked with what is already in the cache, and the models found on
// this computer.
#pragma once

#include <attnscope/model_locator.h>

#include <QAbstractTableModel>
#include <QList>
#include <QString>
#include <QStringList>

#include <vector>

namespace attnscope {

struct CatalogModel {
    QString name;
    QString family;      // GGUF architecture: llama, qwen3, gemma3, ...
    qint64 parameters = 0;
    QString repo;
    QString revision = QStringLiteral("main");
    QStringList files;   // every file to download
    QString open;        // the file to open when done; empty = the snapshot folder (a Hugging Face folder)
    QString format;      // gguf | safetensors
    QString weights;     // Q8_0, BF16, ...
    qint64 sizeBytes = 0;
    bool sizeApprox = false;
    QString licence;
    bool gated = false;
    QString lesson;
};

// Entries without a valid repo id, files or name are skipped; `error` (if given) names the first problem.
QList<CatalogModel> parseCatalog(const QByteArray &json, QString *error = nullptr);
QList<CatalogModel> builtInCatalog(); // :/model_catalog.json

// Where a catalog entry's model is in the hub cache when every file of it has been downloaded; empty otherwise.
QString cachedModelPath(const QString &hubCacheDir, const CatalogModel &m);

QString formatBytes(qint64 bytes);       // "145 MB", "1.3 GB"
QString formatParameters(qint64 count);  // "135M", "1.2B"

class CatalogTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Family, Parameters, Size, Licence, Access, ColumnCount };
    CatalogTableModel(QList<CatalogModel> catalog, QString hubCacheDir, QObject *parent = nullptr);
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    const CatalogModel &entry(int row) const { return m_catalog.at(row); }
    QString cachedPath(int row) const { return m_cached.at(row); }
    void refresh(); // looks in the cache again (after a download)

private:
    QList<CatalogModel> m_catalog;
    QString m_cacheDir;
    QStringList m_cached; // (rows) the cached path or empty
};

class LocalModelsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Family, Parameters, Weights, Size, Source, Status, ColumnCount };
    explicit LocalModelsModel(QObject *parent = nullptr);
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void setModels(std::vector<ModelEntry> models);
    const std::vector<ModelEntry> &models() const { return m_models; }
    const ModelEntry &entry(int row) const { return m_models.at(std::size_t(row)); }

private:
    std::vector<ModelEntry> m_models;
};

} // namespace attnscope
