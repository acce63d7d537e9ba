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
    m_cancel = true;
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

void ModelFetcher::lookUp(const QString &repo) {
    m_cancel = false;
    run([this, repo, settings = m_settings] { // a copy: the token may change while this runs
        auto listing = hub::listFiles(settings, repo.toStdString(), "main",
                                      [this](const hub::DownloadProgress &) { return !m_cancel.load(); });
        if (listing)
            QMetaObject::invokeMethod(this, [this, repo, l = listing.value()] { emit listed(repo, l); },
                                      Qt::QueuedConnection);
        else if (!listing.error().cancelled)
            QMetaObject::invokeMethod(this, [this, m = QString::fromStdString(listing.error().message)] { emit failed(m); },
                                      Qt::QueuedConnection);
    });
}

void ModelFetcher::download(hub::DownloadRequest request, const QString &open) {
    if (m_downloading)
        return;
    m_downloading = true;
    m_cancel = false;
    run([this, request = std::move(request), open, settings = m_settings] {
        auto result = hub::download(settings, request, [this](const hub::DownloadProgress &p) {
            QMetaObject::invokeMethod(this, [this, p] { emit progress(p); }, Qt::QueuedConnection);
            return !m_cancel.load();
        });
        QMetaObject::invokeMethod(
            this,
            [this, result = std::move(result), open]() {
                m_downloading = false;
                if (!result) {
                    if (result.error().cancelled)
                        emit cancelled();
                    else
                        emit failed(QString::fromStdString(result.error().message));
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
    m_cancel = true;
}

} // namespace attnscope
