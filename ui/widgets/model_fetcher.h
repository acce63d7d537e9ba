// Finding and downloading models off the GUI thread: a scan of every store, a look-up of what a Hub repo holds, and
// a download with progress, each on a thread of its own. Results arrive as signals on the GUI thread; cancel() stops
// a download at once (its partial file is kept, so the next download of it resumes). The destructor cancels and waits.
#pragma once

#include <attnscope/hub.h>
#include <attnscope/model_locator.h>

#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>

#include <atomic>
#include <memory>
#include <vector>

namespace attnscope {

class ModelFetcher : public QObject {
    Q_OBJECT
public:
    explicit ModelFetcher(hub::HubSettings settings, QObject *parent = nullptr);
    ~ModelFetcher() override;

    const hub::HubSettings &settings() const { return m_settings; }
    void setToken(const std::string &token) { m_settings.token = token; } // for the jobs started after
    bool busy() const { return m_downloading; }

    void scan(std::vector<SearchRoot> roots);     // -> scanned
    // -> listed or lookUpFailed, with `id` echoed so that the caller can ignore answers it no longer waits for
    void lookUp(int id, const QString &repo);
    // Downloads `request`; when done emits downloaded with the path to open: `open` inside the snapshot (or the
    // snapshot folder when `open` is empty).
    void download(hub::DownloadRequest request, const QString &open);
    void cancel(); // the download; a look-up runs on (it is short)

signals:
    void scanned(const std::vector<attnscope::ModelEntry> &models);
    void listed(int id, const QString &repo, const attnscope::hub::RepoListing &listing);
    void lookUpFailed(int id, const QString &message);
    void progress(const attnscope::hub::DownloadProgress &progress);
    void downloaded(const QString &openPath, const QStringList &paths, const QStringList &notes);
    void downloadFailed(const QString &message);
    void cancelled();

private:
    void run(std::function<void()> work);

    hub::HubSettings m_settings;
    std::atomic<bool> m_cancelDownload{false};
    std::atomic<bool> m_closing{false}; // the destructor: every job stops
    bool m_downloading = false;
    std::vector<QThread *> m_threads;
};

} // namespace attnscope
