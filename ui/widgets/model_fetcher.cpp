// Background scans, look-ups and downloads for File > Get Models.
#include "model_fetcher.h"

#include <QDir>
#include <QMetaObject>

namespace attnscope {

ModelFetcher::ModelFetcher(hub::HubSettings settings, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)) {
    qRegisterMetaType<std::vector<attnscope::ModelEntry>>();
    qRegisterMetaType<attnscope::hub::RepoListing>();
    qRegisterMetaType<attnscope::hub::DownloadProgress>();
}

ModelFetcher::~ModelFetcher() {
    // Every step of a job asks whether to go on at least every 100 ms (a scan is short), so this wait is brief.
    m_closing = true;
    for (QThread *t : m_threads) {
        t->wait();
        delete t;
    }
}

void ModelFetcher::run(std::function<void()> work) {
    // Finished threads are reaped here rather than with deleteLater, so that the destructor can wait for the rest.
    std::erase_if(m_threads, [](QThread *t) {
        if (!t->isFinished())
            return false;
        delete t;
        return true;
    });
    QThread *t = QThread::create(std::move(work));
    m_threads.push_back(t);
    t->start();
}

void ModelFetcher::scan(std::vector<SearchRoot> roots) {
    run([this, roots = std::move(roots)] {
        std::vector<ModelEntry> found = findModels(roots);
        QMetaObject::invokeMethod(this, [this, found = std::move(found)] { emit scanned(found); }, Qt::QueuedConnection);
    });
}

void ModelFetcher::lookUp(int id, const QString &repo) {
    run([this, id, repo, settings = m_settings] { // a copy: the token may change while this runs
        auto listing = hub::listFiles(settings, repo.toStdString(), "main",
                                      [this](const hub::DownloadProgress &) { return !m_closing.load(); });
        if (listing)
            QMetaObject::invokeMethod(this, [this, id, repo, l = listing.value()] { emit listed(id, repo, l); },
                                      Qt::QueuedConnection);
        else
            QMetaObject::invokeMethod(
                this, [this, id, m = QString::fromStdString(listing.error().message)] { emit lookUpFailed(id, m); },
                Qt::QueuedConnection);
    });
}

void ModelFetcher::download(hub::DownloadRequest request, const QString &open) {
    if (m_downloading)
        return;
    m_downloading = true;
    m_cancelDownload = false;
    run([this, request = std::move(request), open, settings = m_settings] {
        auto result = hub::download(settings, request, [this](const hub::DownloadProgress &p) {
            QMetaObject::invokeMethod(this, [this, p] { emit progress(p); }, Qt::QueuedConnection);
            return !m_cancelDownload.load() && !m_closing.load();
        });
        QMetaObject::invokeMethod(
            this,
            [this, result = std::move(result), open]() {
                m_downloading = false;
                if (!result) {
                    if (result.error().cancelled)
                        emit cancelled();
                    else
                        emit downloadFailed(QString::fromStdString(result.error().message));
                    return;
                }
                QStringList paths, notes;
                for (const std::string &p : result.value().paths)
                    paths.append(QString::fromStdString(p));
                for (const std::string &n : result.value().notes)
                    notes.append(QString::fromStdString(n));
                const QDir folder(QString::fromStdString(result.value().folder));
                emit downloaded(open.isEmpty() ? folder.path() : folder.filePath(open), paths, notes);
            },
            Qt::QueuedConnection);
    });
}

void ModelFetcher::cancel() {
    m_cancelDownload = true;
}

} // namespace attnscope
