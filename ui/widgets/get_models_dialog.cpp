// File > Get Models: the two lists, the repo box and the download strip; the work is ModelFetcher's.
#include "get_models_dialog.h"

#include "error_banner.h"
#include "model_fetcher.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace attnscope {

namespace {

QTableView *makeTable(QAbstractItemModel *model, QWidget *parent) {
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setStretchLastSection(true);
    return view;
}

QString duration(double seconds) {
    const qint64 s = qint64(seconds + 0.5);
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

// The files a Hugging Face model folder needs, of everything a repo holds.
QStringList folderFiles(const hub::RepoListing &listing, qint64 *bytes) {
    static const QRegularExpression wanted(QStringLiteral(
        R"(^(config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|)"
        R"(tokenizer\.model|vocab\.txt|vocab\.json|merges\.txt|model\.safetensors|model\.safetensors\.index\.json|)"
        R"(model-\d+-of-\d+\.safetensors)$)"));
    QStringList files;
    bool weights = false, config = false;
    *bytes = 0;
    for (const hub::RepoEntry &e : listing.files) {
        const QString path = QString::fromStdString(e.path);
        if (!wanted.match(path).hasMatch())
            continue;
        files.append(path);
        *bytes += qint64(e.size);
        weights |= path.endsWith(QLatin1String(".safetensors"));
        config |= path == QLatin1String("config.json");
    }
    return weights && config ? files : QStringList();
}

} // namespace

GetModelsDialog::GetModelsDialog(GetModelsSetup setup, QWidget *parent)
    : QDialog(parent), m_setup(std::move(setup)) {
    setWindowTitle(tr("Get Models"));
    m_fetcher = new ModelFetcher(m_setup.hub, this);
    m_localModels = new LocalModelsModel(this);
    m_catalogModel = new CatalogTableModel(m_setup.catalog, QString::fromStdString(m_setup.hub.cacheDir), this);

    m_tabs = new QTabWidget(this);
    auto *local = new QWidget;
    auto *download = new QWidget;
    buildLocalPage(local);
    buildDownloadPage(download);
    m_tabs->addTab(local, tr("On this computer"));
    m_tabs->addTab(download, tr("Download"));

    // The download strip stays visible on both pages: a download goes on while the user looks at the other list.
    m_progress = new QProgressBar(this);
    m_progress->setTextVisible(false);
    m_progress->setMaximumHeight(10);
    m_progressLabel = new QLabel(this);
    m_progressLabel->setWordWrap(true);
    m_cancel = new QPushButton(tr("Cancel Download"), this);
    m_cancel->setToolTip(tr("Stop the download; what has arrived is kept and the next download of it resumes."));
    connect(m_cancel, &QPushButton::clicked, this, &GetModelsDialog::cancelDownload);
    auto *strip = new QHBoxLayout;
    auto *stripText = new QVBoxLayout;
    stripText->addWidget(m_progressLabel);
    stripText->addWidget(m_progress);
    strip->addLayout(stripText, 1);
    strip->addWidget(m_cancel);
    m_error = makeErrorBanner(this);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_error);
    layout->addLayout(strip);
    layout->addWidget(buttons);
    setDownloading(false);
    m_progressLabel->setVisible(false);

    connect(m_fetcher, &ModelFetcher::scanned, this, [this](const std::vector<ModelEntry> &models) {
        m_localModels->setModels(models);
        m_localView->resizeColumnsToContents();
        m_localView->setColumnWidth(LocalModelsModel::Source, qMin(m_localView->columnWidth(LocalModelsModel::Source), 330));
        int ready = 0;
        for (const ModelEntry &m : models)
            ready += m.ready() ? 1 : 0;
        m_scanState->setText((models.size() == 1 ? tr("1 model found") : tr("%1 models found").arg(models.size())) +
                             tr(", %1 ready to open. Double-click one to open it.").arg(ready));
        m_tabs->setTabText(LocalPage, tr("On this computer (%1)").arg(models.size()));
        m_rescan->setEnabled(true);
        if (!models.empty() && !m_localView->currentIndex().isValid())
            m_localView->selectRow(0);
        updateDetails();
        emit modelsChanged(models);
    });
    connect(m_fetcher, &ModelFetcher::listed, this, &GetModelsDialog::onListed);
    connect(m_fetcher, &ModelFetcher::progress, this, &GetModelsDialog::onProgress);
    const auto withTokenHint = [this](const QString &message) {
        return message.contains(QLatin1String("HF_TOKEN"))
                   ? message + tr(" Here: paste the token with Access Token…, then Download again.")
                   : message;
    };
    connect(m_fetcher, &ModelFetcher::downloadFailed, this, [this, withTokenHint](const QString &message) {
        setDownloading(false);
        m_progressLabel->setVisible(false);
        showError(withTokenHint(message));
    });
    connect(m_fetcher, &ModelFetcher::lookUpFailed, this, [this, withTokenHint](int id, const QString &message) {
        if (id != m_lookUpId)
            return; // an answer to a look-up the user has moved on from
        m_lookUp->setEnabled(true);
        if (!m_fetcher->busy()) // the strip belongs to a running download otherwise
            m_progressLabel->setVisible(false);
        showError(withTokenHint(message));
    });
    connect(m_fetcher, &ModelFetcher::cancelled, this, [this] {
        setDownloading(false);
        m_progressLabel->setText(tr("Cancelled %1. What arrived is kept: download it again to resume.").arg(m_downloadName));
        m_progressLabel->setVisible(true);
    });
    connect(m_fetcher, &ModelFetcher::downloaded, this,
            [this](const QString &openPath, const QStringList &, const QStringList &notes) {
                setDownloading(false);
                m_catalogModel->refresh();
                updateDetails();
                m_progressLabel->setText(tr("Downloaded %1; opening it.").arg(m_downloadName) +
                                         (notes.isEmpty() ? QString() : QStringLiteral(" ") + notes.join(QStringLiteral(" "))));
                m_progressLabel->setVisible(true);
                rescan();
                emit openModelRequested(openPath);
                hide(); // the model it was for is what to see now; File > Get Models shows this again
            });

    resize(1000, 600);
    rescan();
}

GetModelsDialog::~GetModelsDialog() = default;

bool GetModelsDialog::downloading() const {
    return m_fetcher->busy();
}

void GetModelsDialog::buildLocalPage(QWidget *page) {
    m_localView = makeTable(m_localModels, page);
    m_localView->setSortingEnabled(false);
    m_scanState = new QLabel(tr("Looking for models…"), page);
    m_localDetails = new QLabel(page);
    m_localDetails->setWordWrap(true);
    m_localDetails->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_localDetails->setMinimumHeight(m_localDetails->fontMetrics().lineSpacing() * 3);
    m_localDetails->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_rescan = new QPushButton(tr("Look Again"), page);
    m_rescan->setToolTip(tr("Scan every store again (after a download by another program)."));
    m_openLocal = new QPushButton(tr("Open"), page);
    m_openLocal->setDefault(true);
    connect(m_rescan, &QPushButton::clicked, this, &GetModelsDialog::rescan);
    connect(m_openLocal, &QPushButton::clicked, this, &GetModelsDialog::openSelectedLocal);
    connect(m_localView, &QTableView::doubleClicked, this, &GetModelsDialog::openSelectedLocal);
    connect(m_localView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &GetModelsDialog::updateDetails);

    QStringList where;
    for (const SearchRoot &r : m_setup.roots)
        where.append(QStringLiteral("%1 (%2)").arg(QString::fromStdString(r.label), QDir::toNativeSeparators(QString::fromStdString(r.dir))));
    m_scanState->setToolTip(tr("Searched:\n%1").arg(where.join(QLatin1Char('\n'))));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_scanState, 1);
    buttons->addWidget(m_rescan);
    buttons->addWidget(m_openLocal);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(m_localView, 1);
    layout->addWidget(m_localDetails);
    layout->addLayout(buttons);
}

void GetModelsDialog::buildDownloadPage(QWidget *page) {
    m_catalogView = makeTable(m_catalogModel, page);
    m_catalogView->resizeColumnsToContents();
    m_catalogDetails = new QLabel(page);
    m_catalogDetails->setWordWrap(true);
    m_catalogDetails->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_catalogDetails->setMinimumHeight(m_catalogDetails->fontMetrics().lineSpacing() * 4);
    m_catalogDetails->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
    m_catalogDetails->setOpenExternalLinks(true);
    m_download = new QPushButton(tr("Download"), page);
    connect(m_download, &QPushButton::clicked, this, [this] {
        const QModelIndex current = m_catalogView->currentIndex();
        if (current.isValid())
            downloadCatalogEntry(current.row());
    });
    connect(m_catalogView, &QTableView::doubleClicked, this, [this](const QModelIndex &i) { downloadCatalogEntry(i.row()); });
    connect(m_catalogView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &GetModelsDialog::updateDetails);

    m_repoEdit = new QLineEdit(page);
    m_repoEdit->setPlaceholderText(tr("any repo on the Hub, e.g. Qwen/Qwen3-0.6B-GGUF"));
    m_repoEdit->setClearButtonEnabled(true);
    m_lookUp = new QPushButton(tr("Look Up"), page);
    m_repoFiles = new QComboBox(page);
    m_repoFiles->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_repoFiles->setMinimumContentsLength(28);
    m_repoFiles->setEnabled(false);
    m_downloadRepo = new QPushButton(tr("Download"), page);
    m_downloadRepo->setEnabled(false);
    connect(m_lookUp, &QPushButton::clicked, this, [this] { lookUpRepo(m_repoEdit->text().trimmed()); });
    connect(m_repoEdit, &QLineEdit::returnPressed, this, [this] { lookUpRepo(m_repoEdit->text().trimmed()); });
    connect(m_repoEdit, &QLineEdit::textChanged, this, [this] {
        ++m_lookUpId; // what is being looked up no longer matches the box
        m_lookUp->setEnabled(true);
        m_repoFiles->clear();
        m_repoFiles->setEnabled(false);
        m_downloadRepo->setEnabled(false);
    });
    connect(m_downloadRepo, &QPushButton::clicked, this, [this] {
        const QStringList files = m_repoFiles->currentData().toStringList();
        if (!files.isEmpty())
            downloadRepo(m_listedRepo, files.size() == 1 ? files.front() : QString());
    });

    m_token = new QPushButton(tr("Access Token…"), page);
    m_token->setToolTip(tr("Gated models (Llama, Gemma from Google) need a Hugging Face access token of an account that "
                           "accepted the licence. It is kept where huggingface-cli login keeps it: %1")
                            .arg(QDir::toNativeSeparators(QString::fromStdString(m_setup.hub.tokenFile))));
    connect(m_token, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString token = QInputDialog::getText(
            this, tr("Hugging Face Access Token"),
            tr("Paste an access token from https://huggingface.co/settings/tokens (read access is enough).\n"
               "Gated models also need the licence accepted on their page, with the same account."),
            QLineEdit::Password, {}, &ok);
        if (ok && !token.trimmed().isEmpty())
            setAccessToken(token);
    });
    auto *row = new QHBoxLayout;
    row->addWidget(m_download);
    row->addStretch(1);
    row->addWidget(m_token);
    auto *repoRow = new QHBoxLayout;
    repoRow->addWidget(new QLabel(tr("Or any repo:"), page));
    repoRow->addWidget(m_repoEdit, 2);
    repoRow->addWidget(m_lookUp);
    repoRow->addWidget(m_repoFiles, 2);
    repoRow->addWidget(m_downloadRepo);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(m_catalogView, 1);
    layout->addWidget(m_catalogDetails);
    layout->addLayout(row);
    layout->addLayout(repoRow);
    if (m_catalogModel->rowCount() > 0)
        m_catalogView->selectRow(0);
}

void GetModelsDialog::showPage(Page page) {
    m_tabs->setCurrentIndex(page);
}

void GetModelsDialog::rescan() {
    m_rescan->setEnabled(false);
    m_scanState->setText(tr("Looking for models…"));
    m_fetcher->scan(m_setup.roots);
}

void GetModelsDialog::showError(const QString &message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void GetModelsDialog::setDownloading(bool on, const QString &what) {
    if (on) {
        m_downloadName = what;
        m_progress->setRange(0, 0); // busy until the first bytes say how much
        m_progressLabel->setText(tr("Starting the download of %1…").arg(what));
        m_progressLabel->setVisible(true);
        showError({});
    }
    m_progress->setVisible(on);
    m_cancel->setVisible(on);
    m_download->setEnabled(!on);
    m_downloadRepo->setEnabled(!on && m_repoFiles->count() > 0);
    updateDetails();
}

void GetModelsDialog::onProgress(const hub::DownloadProgress &p) {
    if (!m_fetcher->busy() || p.file.empty())
        return;
    if (p.total > 0) {
        m_progress->setRange(0, 1000);
        m_progress->setValue(int(1000.0 * double(p.done) / double(p.total)));
    }
    QString text = tr("Downloading %1: %2 of %3").arg(m_downloadName, formatBytes(qint64(p.done)), formatBytes(qint64(p.total)));
    if (p.fileCount > 1)
        text += tr(" (file %1 of %2, %3)").arg(p.fileIndex + 1).arg(p.fileCount).arg(QString::fromStdString(p.file));
    if (p.bytesPerSecond > 0) {
        text += QStringLiteral(" · %1/s").arg(formatBytes(qint64(p.bytesPerSecond)));
        if (p.total > p.done)
            text += tr(" · %1 left").arg(duration(double(p.total - p.done) / p.bytesPerSecond));
    }
    m_progressLabel->setText(text);
}

void GetModelsDialog::updateDetails() {
    const QModelIndex local = m_localView->currentIndex();
    if (local.isValid() && local.row() < m_localModels->rowCount()) {
        const ModelEntry &m = m_localModels->entry(local.row());
        QString text = QDir::toNativeSeparators(QString::fromStdString(m.modelPath));
        text += QStringLiteral("\n") + (m.ready() ? tr("%1, %2 parameters, %3 weights.")
                                                         .arg(QString::fromStdString(m.format),
                                                              formatParameters(m.parameters),
                                                              QString::fromStdString(m.weightType))
                                                   : QString::fromStdString(m.reason));
        m_localDetails->setText(text);
        m_openLocal->setEnabled(m.ready());
    } else {
        m_localDetails->clear();
        m_openLocal->setEnabled(false);
    }
    const QModelIndex current = m_catalogView->currentIndex();
    if (current.isValid()) {
        const CatalogModel &m = m_catalogModel->entry(current.row());
        const bool cached = !m_catalogModel->cachedPath(current.row()).isEmpty();
        const QString page = QString::fromStdString(m_setup.hub.endpoint) + QLatin1Char('/') + m.repo;
        QString text = QStringLiteral("<b>%1</b> · <a href=\"%2\">%3</a> · %4 · %5<br>%6")
                           .arg(m.name.toHtmlEscaped(), page.toHtmlEscaped(), m.repo.toHtmlEscaped(),
                                m.files.join(QStringLiteral(", ")).toHtmlEscaped(), m.weights.toHtmlEscaped(),
                                m.lesson.toHtmlEscaped());
        if (m.gated && !cached)
            text += tr("<br><i>Gated: accept the licence on the model page, then give a token of that account with "
                       "Access Token… (or start AttnScope with HF_TOKEN set).</i>");
        m_catalogDetails->setText(text);
        m_download->setText(cached ? tr("Open") : tr("Download %1").arg(formatBytes(m.sizeBytes)));
    }
}

void GetModelsDialog::openSelectedLocal() {
    const QModelIndex current = m_localView->currentIndex();
    if (!current.isValid())
        return;
    const ModelEntry &m = m_localModels->entry(current.row());
    if (!m.ready()) {
        showError(tr("%1 cannot be opened: %2").arg(QString::fromStdString(m.name), QString::fromStdString(m.reason)));
        return;
    }
    showError({});
    emit openModelRequested(QString::fromStdString(m.modelPath));
    hide();
}

void GetModelsDialog::downloadCatalogEntry(int row) {
    if (row < 0 || row >= m_catalogModel->rowCount() || m_fetcher->busy())
        return;
    const QString cached = m_catalogModel->cachedPath(row);
    if (!cached.isEmpty()) { // already here: open it
        emit openModelRequested(cached);
        hide();
        return;
    }
    const CatalogModel &m = m_catalogModel->entry(row);
    hub::DownloadRequest request;
    request.repo = m.repo.toStdString();
    request.revision = m.revision.toStdString();
    for (const QString &f : m.files)
        request.files.push_back(f.toStdString());
    setDownloading(true, m.name);
    m_fetcher->download(request, m.open);
}

void GetModelsDialog::lookUpRepo(const QString &repo) {
    if (!hub::validRepoId(repo.toStdString())) {
        showError(tr("\"%1\" is not a repo id: type it as on the model's page, e.g. Qwen/Qwen3-0.6B-GGUF.").arg(repo));
        return;
    }
    showError({});
    m_lookUp->setEnabled(false);
    if (!m_fetcher->busy()) { // a running download keeps the strip
        m_progressLabel->setText(tr("Looking up %1…").arg(repo));
        m_progressLabel->setVisible(true);
    }
    m_fetcher->lookUp(++m_lookUpId, repo);
}

void GetModelsDialog::onListed(int id, const QString &repo, const hub::RepoListing &listing) {
    if (id != m_lookUpId)
        return; // an answer to a look-up the user has moved on from
    m_lookUp->setEnabled(true);
    if (!m_fetcher->busy())
        m_progressLabel->setVisible(false);
    m_listedRepo = repo;
    m_repoFiles->clear();
    int preferred = -1;
    static const QRegularExpression laterPart(QStringLiteral(R"(-0000[2-9]-of-\d{5}\.gguf$|-000[1-9]\d-of-\d{5}\.gguf$)"));
    for (const hub::RepoEntry &e : listing.files) {
        const QString path = QString::fromStdString(e.path);
        if (!path.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive) || laterPart.match(path).hasMatch())
            continue;
        m_repoFiles->addItem(QStringLiteral("%1 (%2)").arg(path, formatBytes(qint64(e.size))), QStringList{path});
        if (preferred < 0 && path.contains(QLatin1String("q8_0"), Qt::CaseInsensitive))
            preferred = m_repoFiles->count() - 1;
    }
    qint64 bytes = 0;
    const QStringList folder = folderFiles(listing, &bytes);
    if (!folder.isEmpty())
        m_repoFiles->addItem(tr("the model folder: %1 files (%2)").arg(folder.size()).arg(formatBytes(bytes)), folder);
    if (m_repoFiles->count() == 0) {
        showError(tr("%1 has no GGUF file and no safetensors model folder that AttnScope can open.").arg(repo));
        return;
    }
    m_repoFiles->setCurrentIndex(qMax(preferred, 0));
    m_repoFiles->setEnabled(true);
    m_downloadRepo->setEnabled(!m_fetcher->busy());
}

void GetModelsDialog::downloadRepo(const QString &repo, const QString &file) {
    if (m_fetcher->busy())
        return;
    hub::DownloadRequest request;
    request.repo = repo.toStdString();
    QStringList files = file.isEmpty() ? m_repoFiles->currentData().toStringList() : QStringList{file};
    for (const QString &f : files)
        request.files.push_back(f.toStdString());
    setDownloading(true, file.isEmpty() ? repo : QFileInfo(file).fileName());
    m_fetcher->download(request, files.size() == 1 && files.front().endsWith(QLatin1String(".gguf")) ? files.front() : QString());
}

bool GetModelsDialog::setAccessToken(const QString &token) {
    const std::string path = m_setup.hub.tokenFile;
    if (path.empty()) {
        showError(tr("No place to keep a token: set HF_HOME or HF_TOKEN_PATH."));
        return false;
    }
    if (auto saved = hub::saveToken(path, token.toStdString()); !saved) {
        showError(QString::fromStdString(saved.error().message));
        return false;
    }
    m_setup.hub.token = token.trimmed().toStdString();
    m_fetcher->setToken(m_setup.hub.token);
    showError({});
    m_progressLabel->setText(tr("Access token saved to %1; gated downloads use it now.")
                                 .arg(QDir::toNativeSeparators(QString::fromStdString(path))));
    m_progressLabel->setVisible(true);
    return true;
}

void GetModelsDialog::cancelDownload() {
    m_fetcher->cancel();
}

} // namespace attnscope
