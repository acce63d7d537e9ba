// File > Get Models: one dialog with two lists. "On this computer": every model discovery finds (AttnScope's
// folders, the Hugging Face cache, Ollama, LM Studio, llama.cpp's cache) with where it came from and whether it can
// be opened. "Download": the curated catalog, marked with what is already downloaded, and a box for any Hub repo id
// (looked up so that a file can be chosen). Downloads run off the GUI thread with progress, speed and time left; they
// can be cancelled and resumed, and the model opens when done. Errors are one line saying what to do.
#pragma once

#include "models/model_catalog.h"

#include <attnscope/hub.h>
#include <attnscope/model_locator.h>

#include <QDialog>
#include <QElapsedTimer>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableView;

namespace attnscope {

class ModelFetcher;

struct GetModelsSetup {
    std::vector<SearchRoot> roots;  // where to look for models on this computer
    hub::HubSettings hub;           // endpoint, token, cache
    QList<CatalogModel> catalog;    // what to offer
};

class GetModelsDialog : public QDialog {
    Q_OBJECT
public:
    explicit GetModelsDialog(GetModelsSetup setup, QWidget *parent = nullptr);
    ~GetModelsDialog() override;

    enum Page { LocalPage, DownloadPage };
    void showPage(Page page);
    void rescan();
    // Starts downloading catalog row `row` (what the Download button does for the selected row).
    void downloadCatalogEntry(int row);
    // Starts downloading `file` of `repo` (or, with no file, the Hugging Face folder files of it).
    void downloadRepo(const QString &repo, const QString &file);
    void lookUpRepo(const QString &repo);
    void cancelDownload();
    // Saves a Hugging Face access token where huggingface-cli login keeps it and uses it from now on (the
    // Access Token button asks for one); false with the error shown when it cannot.
    bool setAccessToken(const QString &token);

    QTableView *localView() const { return m_localView; }
    QTableView *catalogView() const { return m_catalogView; }
    LocalModelsModel *localModels() const { return m_localModels; }
    CatalogTableModel *catalogModel() const { return m_catalogModel; }
    QLineEdit *repoEdit() const { return m_repoEdit; }
    QComboBox *repoFiles() const { return m_repoFiles; }
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *progressLabel() const { return m_progressLabel; }
    QLabel *errorLabel() const { return m_error; }
    bool downloading() const;

signals:
    void openModelRequested(const QString &path); // a model to open: chosen from the list or just downloaded
    void modelsChanged(const std::vector<attnscope::ModelEntry> &models); // a scan found these

private:
    void buildLocalPage(QWidget *page);
    void buildDownloadPage(QWidget *page);
    void showError(const QString &message);
    void setDownloading(bool on, const QString &what = {});
    void updateDetails();
    void onProgress(const hub::DownloadProgress &p);
    void onListed(int id, const QString &repo, const hub::RepoListing &listing);
    void openSelectedLocal();

    GetModelsSetup m_setup;
    ModelFetcher *m_fetcher = nullptr;
    QTabWidget *m_tabs = nullptr;
    LocalModelsModel *m_localModels = nullptr;
    CatalogTableModel *m_catalogModel = nullptr;
    QTableView *m_localView = nullptr, *m_catalogView = nullptr;
    QLabel *m_localDetails = nullptr, *m_catalogDetails = nullptr, *m_scanState = nullptr;
    QPushButton *m_openLocal = nullptr, *m_rescan = nullptr, *m_download = nullptr, *m_cancel = nullptr;
    QLineEdit *m_repoEdit = nullptr;
    QPushButton *m_lookUp = nullptr, *m_downloadRepo = nullptr, *m_token = nullptr;
    QComboBox *m_repoFiles = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_progressLabel = nullptr, *m_error = nullptr;
    QString m_listedRepo;
    int m_lookUpId = 0; // the look-up whose answer is awaited; older answers are dropped
    QString m_downloadName;
};

} // namespace attnscope
