// File > Get Models as a user meets it: the models on this computer (a fake Ollama store and Hugging Face cache with
// real GGUF files), the catalog with what is downloaded, a download from a stand-in Hub that opens the model in the
// main window when done, a gated entry's one-line error, cancelling (the partial file kept) and resuming, and a repo
// typed into the box, looked up and downloaded. The GUI thread stays free throughout: every wait below spins the
// event loop, and the dialog's progress label changes while bytes arrive. With ATTNSCOPE_SCREENSHOT_DIR set, the
// dialog's pages are saved there as PNG.
#include "hub_server.h"
#include "test_support.h"

#include "main_window.h"
#include "models/heatmap_model.h"
#include "presenters/analysis_presenter.h"
#include "models/heatmap_model.h"
#include "widgets/get_models_dialog.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QTableView>
#include <QtTest>

using namespace attnscope;

namespace {

const std::string kCommit = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";

QByteArray fileBytes(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

CatalogModel entry(const QString &name, const QString &repo, const QString &file, bool gated = false) {
    CatalogModel m;
    m.name = name;
    m.family = QStringLiteral("qwen3");
    m.parameters = 3400000;
    m.repo = repo;
    m.files = {file};
    m.open = file;
    m.format = QStringLiteral("gguf");
    m.weights = QStringLiteral("F16");
    m.sizeBytes = 8900000;
    m.licence = QStringLiteral("Apache-2.0");
    m.gated = gated;
    m.lesson = QStringLiteral("A tiny random Qwen 3 for trying the dialog.");
    return m;
}

} // namespace

class TestGetModels : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void listsWhatIsOnThisComputer();
    void catalogDownloadOpensTheModel();
    void gatedEntryIsOneLineWithWhatToDo();
    void cancelThenResume();
    void anyRepoIsLookedUpThenDownloaded();
    void builtInCatalogIsSound();

private:
    std::unique_ptr<testsupport::StandInHub> m_hub;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::string m_gguf;
    GetModelsSetup setup() const {
        GetModelsSetup s;
        s.hub.endpoint = m_hub->endpoint();
        s.hub.cacheDir = m_dir->filePath("hub").toStdString();
        s.hub.firstBackoffSeconds = 0.02;
        s.hub.tokenFile = m_dir->filePath("hfhome/token").toStdString();
        s.roots = {{m_dir->filePath("hub").toStdString(), "Hugging Face cache", StoreKind::HuggingFace},
                   {m_dir->filePath("ollama").toStdString(), "Ollama", StoreKind::Ollama}};
        s.catalog = {entry("Tiny Qwen 3", "org/Tiny-GGUF", "tiny-f16.gguf"),
                     entry("Big Qwen 3", "org/Big-GGUF", "big-f16.gguf"),
                     entry("Gated Qwen 3", "org/Gated-GGUF", "gated.gguf", true)};
        return s;
    }
    static void screenshot(QWidget *w, const QString &name) {
        const QString dir = qEnvironmentVariable("ATTNSCOPE_SCREENSHOT_DIR");
        if (!dir.isEmpty())
            w->grab().save(QDir(dir).filePath(name));
    }
};

void TestGetModels::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setApplicationName(QStringLiteral("attnscope-test"));
    m_gguf = fileBytes(testsupport::sharedPath("reference/qwen3/model.gguf")).toStdString();
    QVERIFY(!m_gguf.empty());
}

void TestGetModels::init() {
    m_hub = std::make_unique<testsupport::StandInHub>();
    m_dir = std::make_unique<QTemporaryDir>();
    m_hub->addRepo({"org/Tiny-GGUF", kCommit, {{"tiny-f16.gguf", m_gguf, true}, {"README.md", "# tiny\n", false}}, false, ""});
    m_hub->addRepo({"org/Big-GGUF", kCommit, {{"big-f16.gguf", m_gguf + std::string(4000000, 'x'), true}}, false, ""});
    m_hub->addRepo({"org/Gated-GGUF", kCommit, {{"gated.gguf", m_gguf, true}}, true, "hf_secret"});
    // an Ollama store with one model
    const QString ollama = m_dir->filePath("ollama");
    const QString digest = QString::fromStdString(testsupport::StandInHub::sha256Hex(m_gguf));
    QDir().mkpath(ollama + "/blobs");
    QDir().mkpath(ollama + "/manifests/registry.ollama.ai/library/qwen3");
    QVERIFY(QFile::copy(testsupport::sharedPath("reference/qwen3/model.gguf"), ollama + "/blobs/sha256-" + digest));
    QFile manifest(ollama + "/manifests/registry.ollama.ai/library/qwen3/tiny");
    QVERIFY(manifest.open(QIODevice::WriteOnly));
    manifest.write(R"({"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" + digest.toLatin1() + "\"}]}");
}

void TestGetModels::listsWhatIsOnThisComputer() {
    GetModelsDialog dialog(setup());
    QAbstractItemModelTester localTester(dialog.localModels(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester catalogTester(dialog.catalogModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    dialog.show();
    QTRY_COMPARE_WITH_TIMEOUT(dialog.localModels()->rowCount(), 1, testsupport::waitMs(5000));
    const QAbstractItemModel *m = dialog.localModels();
    QCOMPARE(m->index(0, LocalModelsModel::Name).data().toString(), QStringLiteral("qwen3:tiny"));
    QCOMPARE(m->index(0, LocalModelsModel::Family).data().toString(), QStringLiteral("Qwen 3"));
    QVERIFY(m->index(0, LocalModelsModel::Source).data().toString().startsWith("Ollama"));
    QCOMPARE(m->index(0, LocalModelsModel::Status).data().toString(), QStringLiteral("Ready"));
    QCOMPARE(dialog.catalogModel()->rowCount(), 3);
    QCOMPARE(dialog.catalogModel()->index(2, CatalogTableModel::Access).data().toString(),
             QStringLiteral("Needs token (gated)"));

    // opening from the list asks the window to open that file
    QSignalSpy open(&dialog, &GetModelsDialog::openModelRequested);
    dialog.localView()->selectRow(0);
    const QPoint cell = dialog.localView()->visualRect(m->index(0, 0)).center();
    QTest::mouseClick(dialog.localView()->viewport(), Qt::LeftButton, {}, cell);
    QTest::mouseDClick(dialog.localView()->viewport(), Qt::LeftButton, {}, cell);
    QTRY_COMPARE(open.size(), 1);
    QVERIFY(open.front().front().toString().contains("/blobs/sha256-"));
    dialog.resize(1000, 600);
    screenshot(&dialog, "get_models_local.png");
}

void TestGetModels::catalogDownloadOpensTheModel() {
    MainWindow::Options options;
    options.modelPath = QString::fromStdString(testsupport::stories260K());
    MainWindow window(options);
    window.setGetModelsSetup([this] { return setup(); });
    window.resize(1366, 768);
    window.show();
    QTRY_VERIFY_WITH_TIMEOUT(window.presenter()->heatmapModel()->tokenCount() > 1, testsupport::waitMs(10000));

    GetModelsDialog *dialog = window.openGetModelsDialog();
    QVERIFY(dialog->isVisible());
    QCOMPARE(window.openGetModelsDialog(), dialog); // one dialog
    dialog->showPage(GetModelsDialog::DownloadPage);
    m_hub->throttle(4000000); // a few progress reports before it is done
    dialog->downloadCatalogEntry(0);
    QVERIFY(dialog->downloading());
    QTRY_VERIFY_WITH_TIMEOUT(dialog->progressLabel()->text().contains(" of "), testsupport::waitMs(5000));
    // done: the model opens in the window, the catalog says it is downloaded, the local list has it
    QTRY_VERIFY_WITH_TIMEOUT(window.windowTitle().contains("tiny-f16"), testsupport::waitMs(20000));
    QVERIFY(!dialog->downloading());
    QCOMPARE(dialog->catalogModel()->index(0, CatalogTableModel::Access).data().toString(), QStringLiteral("Downloaded"));
    const QString snapshot = m_dir->filePath("hub/models--org--Tiny-GGUF/snapshots/") + QString::fromStdString(kCommit);
    QCOMPARE(dialog->catalogModel()->cachedPath(0), snapshot + "/tiny-f16.gguf");
    QTRY_COMPARE_WITH_TIMEOUT(dialog->localModels()->rowCount(), 2, testsupport::waitMs(5000));
    QVERIFY(dialog->errorLabel()->isHidden());
    // the Models menu now offers it too (the dialog's scan feeds the menu)
    bool inMenu = false;
    for (QAction *a : window.findChildren<QAction *>())
        inMenu |= a->data().toString() == snapshot + "/tiny-f16.gguf";
    QVERIFY(inMenu);
    // a second Download of a downloaded entry opens it without a request
    m_hub->clearRequests();
    QSignalSpy open(dialog, &GetModelsDialog::openModelRequested);
    dialog->downloadCatalogEntry(0);
    QCOMPARE(open.size(), 1);
    QVERIFY(m_hub->requests().empty());
}

void TestGetModels::gatedEntryIsOneLineWithWhatToDo() {
    GetModelsDialog dialog(setup());
    dialog.show();
    dialog.showPage(GetModelsDialog::DownloadPage);
    dialog.downloadCatalogEntry(2);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.errorLabel()->isHidden(), testsupport::waitMs(10000));
    const QString message = dialog.errorLabel()->text();
    QVERIFY2(message.contains("licence") && message.contains("HF_TOKEN"), qPrintable(message));
    QVERIFY(!message.contains('\n'));
    QVERIFY(message.contains("Access Token"));
    QVERIFY(!dialog.downloading());
    dialog.catalogView()->selectRow(2);
    dialog.resize(1000, 600);
    screenshot(&dialog, "get_models_gated.png");

    // a token pasted in the dialog is kept where huggingface-cli keeps it, owner-only, and opens the gate
    QVERIFY(!dialog.setAccessToken("not a token"));
    QVERIFY(dialog.setAccessToken(" hf_secret\n"));
    QFile token(m_dir->filePath("hfhome/token"));
    QVERIFY(token.open(QIODevice::ReadOnly));
    QCOMPARE(token.readAll(), QByteArray("hf_secret"));
    QCOMPARE(token.permissions() & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
    QSignalSpy open(&dialog, &GetModelsDialog::openModelRequested);
    dialog.downloadCatalogEntry(2);
    QTRY_COMPARE_WITH_TIMEOUT(open.size(), 1, testsupport::waitMs(20000));
    QVERIFY(dialog.errorLabel()->isHidden());
}

void TestGetModels::cancelThenResume() {
    GetModelsDialog dialog(setup());
    dialog.show();
    dialog.showPage(GetModelsDialog::DownloadPage);
    m_hub->throttle(1000000);
    dialog.catalogView()->selectRow(1);
    dialog.downloadCatalogEntry(1);
    QTRY_VERIFY_WITH_TIMEOUT(dialog.progressBar()->value() > 50, testsupport::waitMs(10000));
    QVERIFY(dialog.progressLabel()->text().contains("/s"));
    dialog.resize(1000, 600);
    screenshot(&dialog, "get_models_downloading.png");
    // a look-up that fails meanwhile says so and leaves the download, its strip and its Cancel alone
    dialog.repoEdit()->setText("nobody/nothing");
    dialog.lookUpRepo(dialog.repoEdit()->text());
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.errorLabel()->isHidden(), testsupport::waitMs(10000));
    QVERIFY(dialog.downloading());
    QVERIFY(dialog.progressBar()->isVisible());
    QVERIFY(dialog.progressLabel()->text().contains("Downloading"));
    dialog.cancelDownload();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.downloading(), testsupport::waitMs(10000));
    QVERIFY2(dialog.progressLabel()->text().contains("Cancelled"), qPrintable(dialog.progressLabel()->text()));
    const QString blob = m_dir->filePath("hub/models--org--Big-GGUF/blobs/") +
                         QString::fromStdString(testsupport::StandInHub::sha256Hex(m_gguf + std::string(4000000, 'x')));
    const qint64 kept = QFileInfo(blob + ".incomplete").size();
    QVERIFY(kept > 0);

    m_hub->throttle(0);
    m_hub->clearRequests();
    QSignalSpy open(&dialog, &GetModelsDialog::openModelRequested);
    dialog.downloadCatalogEntry(1);
    QTRY_COMPARE_WITH_TIMEOUT(open.size(), 1, testsupport::waitMs(20000));
    QCOMPARE(fileBytes(open.front().front().toString()).size(), qsizetype(m_gguf.size() + 4000000));
    bool resumed = false;
    for (const testsupport::HubRequest &q : m_hub->requests())
        resumed |= q.headers.count("range") && q.headers.at("range") == "bytes=" + std::to_string(kept) + "-";
    QVERIFY(resumed);
}

void TestGetModels::anyRepoIsLookedUpThenDownloaded() {
    GetModelsDialog dialog(setup());
    dialog.show();
    dialog.showPage(GetModelsDialog::DownloadPage);
    dialog.repoEdit()->setText("not a repo id");
    dialog.lookUpRepo(dialog.repoEdit()->text());
    QVERIFY(!dialog.errorLabel()->isHidden());
    dialog.repoEdit()->setText("org/Tiny-GGUF");
    dialog.lookUpRepo(dialog.repoEdit()->text());
    QTRY_VERIFY_WITH_TIMEOUT(dialog.repoFiles()->count() == 1, testsupport::waitMs(10000));
    QVERIFY(dialog.repoFiles()->itemText(0).startsWith("tiny-f16.gguf"));
    QSignalSpy open(&dialog, &GetModelsDialog::openModelRequested);
    dialog.downloadRepo(QStringLiteral("org/Tiny-GGUF"), {});
    QTRY_COMPARE_WITH_TIMEOUT(open.size(), 1, testsupport::waitMs(20000));
    QVERIFY(open.front().front().toString().endsWith("/snapshots/" + QString::fromStdString(kCommit) + "/tiny-f16.gguf"));
    QTRY_VERIFY(!dialog.isVisible()); // out of the way of the model it opened
    dialog.show();

    dialog.repoEdit()->setText("org/Nothing");
    dialog.lookUpRepo(dialog.repoEdit()->text());
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.errorLabel()->isHidden(), testsupport::waitMs(10000));
    QVERIFY2(dialog.errorLabel()->text().contains("not found"), qPrintable(dialog.errorLabel()->text()));
}

void TestGetModels::builtInCatalogIsSound() {
    QString error;
    const QList<CatalogModel> catalog = parseCatalog(fileBytes(QStringLiteral(ATTNSCOPE_SOURCE_DIR "/resources/model_catalog.json")), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(catalog.size() >= 8);
    QSet<QString> families;
    for (const CatalogModel &m : catalog) {
        families.insert(m.family);
        QVERIFY2(!m.lesson.isEmpty() && !m.licence.isEmpty() && m.sizeBytes > 0, qPrintable(m.name));
        QVERIFY2(m.format == "gguf" ? m.open.endsWith(".gguf") : m.files.contains("config.json"), qPrintable(m.name));
    }
    for (const char *f : {"llama", "qwen2", "qwen3", "gemma3", "gptneox", "gpt2", "bert"})
        QVERIFY2(families.contains(f), f);
    QVERIFY(parseCatalog("{not json", &error).isEmpty());
    QVERIFY(!error.isEmpty());
}

QTEST_MAIN(TestGetModels)
#include "tst_get_models.moc"
