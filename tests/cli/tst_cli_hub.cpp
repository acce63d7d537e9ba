// attnscope-cli download and models as a user runs them: against a stand-in Hub on 127.0.0.1, with HF_ENDPOINT,
// HF_HUB_CACHE, HF_HOME, HF_TOKEN and HF_HUB_OFFLINE set as huggingface_hub users set them, and discovery over fake
// stores (Hugging Face cache, Ollama, LM Studio, llama.cpp) holding real GGUF files from ../shared.
#include "hub_server.h"
#include "test_support.h"

#include <QtTest>

#include <csignal>
#include <filesystem>

namespace fs = std::filesystem;

namespace {

const std::string kCommit = "fedcba9876543210fedcba9876543210fedcba98";

QByteArray fileBytes(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestCliHub : public QObject {
    Q_OBJECT
private slots:
    void init();
    void downloadIntoTheCacheThenListIt();
    void downloadFilesIncludeAndDir();
    void gatedRepoAndTokens();
    void notFoundAndUsage();
    void offlineUsesTheCacheOnly();
    void unreachableHubFailsFast();
    void interruptLeavesAResumablePartialFile();
    void modelsFindsEveryStore();

private:
    struct Run {
        int code;
        QString out;
        QString err;
    };
    std::unique_ptr<testsupport::StandInHub> m_hub;
    std::unique_ptr<QTemporaryDir> m_home;
    std::string m_gguf;

    // A user's shell: HOME is the temporary one, no Hugging Face variable leaks in from the machine.
    QProcessEnvironment environment(const QStringList &set) const {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &name : env.keys())
            if (name.startsWith("HF_") || name.startsWith("HUGGING") || name == "XDG_CACHE_HOME" ||
                name == "OLLAMA_MODELS" || name == "LLAMA_CACHE" || name == "ATTNSCOPE_MODEL_DIR")
                env.remove(name);
        env.insert("HOME", m_home->path());
        env.insert("XDG_DATA_HOME", m_home->filePath("data"));
        for (const QString &e : set)
            env.insert(e.section('=', 0, 0), e.section('=', 1));
        return env;
    }
    Run cli(const QStringList &args, const QStringList &set = {}) const {
        QProcess p;
        p.setProcessEnvironment(environment(set));
        p.start(QStringLiteral(ATTNSCOPE_CLI), args);
        if (!p.waitForFinished(testsupport::waitMs(60000)))
            return {-1, {}, QStringLiteral("timed out")};
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
                QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
    }
    QString endpoint() const { return QString::fromStdString(m_hub->endpoint()); }
    QString cache() const { return m_home->filePath("hub"); }
};

void TestCliHub::init() {
    m_hub = std::make_unique<testsupport::StandInHub>();
    m_home = std::make_unique<QTemporaryDir>();
    m_gguf = fileBytes(testsupport::sharedPath("reference/qwen3/model.gguf")).toStdString();
    QVERIFY(!m_gguf.empty());
    m_hub->addRepo({"tiny-org/Qwen3-Tiny-GGUF",
                    kCommit,
                    {{"qwen3-tiny-f16.gguf", m_gguf, true},
                     {"README.md", "# Qwen3 tiny\n", false},
                     {".gitattributes", "*.gguf filter=lfs\n", false}},
                    false,
                    ""});
    m_hub->addRepo({"meta-llama/Gated-Tiny", kCommit, {{"model.gguf", m_gguf, true}}, true, "hf_abc123"});
}

void TestCliHub::downloadIntoTheCacheThenListIt() {
    const QStringList env{"HF_ENDPOINT=" + endpoint(), "HF_HUB_CACHE=" + cache()};
    const Run r = cli({"download", "tiny-org/Qwen3-Tiny-GGUF"}, env);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QStringList paths = r.out.split('\n', Qt::SkipEmptyParts);
    QCOMPARE(paths.size(), 3);
    const QString snapshot = cache() + "/models--tiny-org--Qwen3-Tiny-GGUF/snapshots/" + QString::fromStdString(kCommit);
    QVERIFY(paths.contains(snapshot + "/qwen3-tiny-f16.gguf"));
    QVERIFY(QFileInfo(snapshot + "/qwen3-tiny-f16.gguf").isSymLink());
    QCOMPARE(fileBytes(snapshot + "/qwen3-tiny-f16.gguf").toStdString(), m_gguf);
    QVERIFY(r.err.isEmpty() || !r.err.contains("\r")); // no progress bar when stderr is not a terminal

    // the downloaded model is listed by `models`, with its repo and what it is
    const Run list = cli({"models", "--json"}, {"HF_HUB_CACHE=" + cache()});
    QCOMPARE(list.code, 0);
    const QJsonArray models = QJsonDocument::fromJson(list.out.toUtf8()).array();
    bool found = false;
    for (const QJsonValue &v : models) {
        const QJsonObject m = v.toObject();
        if (m["repo"].toString() != "tiny-org/Qwen3-Tiny-GGUF")
            continue;
        found = true;
        QCOMPARE(m["source"].toString(), QStringLiteral("huggingface"));
        QCOMPARE(m["path"].toString(), snapshot + "/qwen3-tiny-f16.gguf");
        QCOMPARE(m["family"].toString(), QStringLiteral("Qwen 3"));
        QCOMPARE(m["weight_type"].toString(), QStringLiteral("F16"));
        QCOMPARE(m["file_size"].toDouble(), double(m_gguf.size()));
        QVERIFY(m["parameters"].toDouble() > 1e6);
        QCOMPARE(m["supported"].toBool(), true);
        QCOMPARE(m["revision"].toString(), QString::fromStdString(kCommit));
    }
    QVERIFY2(found, qPrintable(list.out));
}

void TestCliHub::downloadFilesIncludeAndDir() {
    const QStringList env{"HF_ENDPOINT=" + endpoint(), "HF_HOME=" + m_home->filePath("hfhome")};
    // HF_HOME/hub is the cache when HF_HUB_CACHE is not set
    Run r = cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "README.md"}, env);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(r.out.trimmed(), m_home->filePath("hfhome/hub/models--tiny-org--Qwen3-Tiny-GGUF/snapshots/") +
                                  QString::fromStdString(kCommit) + "/README.md");
    QVERIFY(QFile::exists(m_home->filePath("hfhome/hub/models--tiny-org--Qwen3-Tiny-GGUF/refs/main")));

    const QString dir = m_home->filePath("plain");
    r = cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "--include", "*.gguf", "--dir", dir, "--revision",
             QString::fromStdString(kCommit)},
            env);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(r.out.trimmed(), dir + "/qwen3-tiny-f16.gguf");
    QVERIFY(!QFileInfo(dir + "/qwen3-tiny-f16.gguf").isSymLink());
    QCOMPARE(fileBytes(dir + "/qwen3-tiny-f16.gguf").toStdString(), m_gguf);
    QVERIFY(!QFile::exists(dir + "/README.md"));

    // a user's file under the same name stays unless --force
    QFile mine(dir + "/README.md");
    QVERIFY(mine.open(QIODevice::WriteOnly));
    mine.write("my notes");
    mine.close();
    r = cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "README.md", "--dir", dir}, env);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("--force"), qPrintable(r.err));
    QCOMPARE(fileBytes(dir + "/README.md"), QByteArray("my notes"));
    r = cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "README.md", "--dir", dir, "--force"}, env);
    QCOMPARE(r.code, 0);
    QCOMPARE(fileBytes(dir + "/README.md"), QByteArray("# Qwen3 tiny\n"));
}

void TestCliHub::gatedRepoAndTokens() {
    const QStringList env{"HF_ENDPOINT=" + endpoint(), "HF_HUB_CACHE=" + cache()};
    Run r = cli({"download", "meta-llama/Gated-Tiny"}, env);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("licence") && r.err.contains("HF_TOKEN") && r.err.contains(endpoint() + "/meta-llama/Gated-Tiny"),
             qPrintable(r.err));
    QCOMPARE(r.err.count('\n'), 1); // one line

    r = cli({"download", "meta-llama/Gated-Tiny"}, env + QStringList{"HF_TOKEN=hf_abc123"});
    QVERIFY2(r.code == 0, qPrintable(r.err));

    // the token file huggingface-cli login writes: $HF_HOME/token
    QDir().mkpath(m_home->filePath("hfhome"));
    QFile token(m_home->filePath("hfhome/token"));
    QVERIFY(token.open(QIODevice::WriteOnly));
    token.write("hf_abc123\n");
    token.close();
    m_hub->clearRequests();
    r = cli({"download", "meta-llama/Gated-Tiny", "--force"},
            {"HF_ENDPOINT=" + endpoint(), "HF_HOME=" + m_home->filePath("hfhome")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    bool sent = false;
    for (const testsupport::HubRequest &q : m_hub->requests())
        sent |= q.headers.count("authorization") && q.headers.at("authorization") == "Bearer hf_abc123";
    QVERIFY(sent);
}

void TestCliHub::notFoundAndUsage() {
    const QStringList env{"HF_ENDPOINT=" + endpoint(), "HF_HUB_CACHE=" + cache()};
    Run r = cli({"download", "nobody/nothing"}, env);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("not found"), qPrintable(r.err));
    r = cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "missing.gguf"}, env);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("not found"), qPrintable(r.err));
    QVERIFY(!QDir(cache() + "/models--tiny-org--Qwen3-Tiny-GGUF/snapshots").exists());

    QCOMPARE(cli({"download"}, env).code, 2);
    QCOMPARE(cli({"download", "a/b/c"}, env).code, 2);
    QCOMPARE(cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "../escape"}, env).code, 2);
    QCOMPARE(cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "--revision", "a b"}, env).code, 2);
    QCOMPARE(cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "--dir", ""}, env).code, 2);
    QCOMPARE(cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "--layer", "1"}, env).code, 2);
    QCOMPARE(cli({"models", "--dir", "x"}, env).code, 2);
    QCOMPARE(cli({"info", "extra"}, env).code, 2);
}

void TestCliHub::offlineUsesTheCacheOnly() {
    const QStringList env{"HF_ENDPOINT=" + endpoint(), "HF_HUB_CACHE=" + cache()};
    QCOMPARE(cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "qwen3-tiny-f16.gguf"}, env).code, 0);
    m_hub->clearRequests();
    Run r = cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "qwen3-tiny-f16.gguf"}, env + QStringList{"HF_HUB_OFFLINE=1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.trimmed().endsWith("/qwen3-tiny-f16.gguf"));
    r = cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "README.md"}, env + QStringList{"HF_HUB_OFFLINE=1"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("HF_HUB_OFFLINE"), qPrintable(r.err));
    QVERIFY(m_hub->requests().empty());
}

void TestCliHub::unreachableHubFailsFast() {
    QElapsedTimer t;
    t.start();
    const Run r = cli({"download", "tiny-org/Qwen3-Tiny-GGUF"}, {"HF_ENDPOINT=http://127.0.0.1:1", "HF_HUB_CACHE=" + cache()});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("cannot reach http://127.0.0.1:1"), qPrintable(r.err));
}

void TestCliHub::interruptLeavesAResumablePartialFile() {
    m_hub->throttle(200000);
    QProcess p;
    p.setProcessEnvironment(environment({"HF_ENDPOINT=" + endpoint(), "HF_HUB_CACHE=" + cache()}));
    p.start(QStringLiteral(ATTNSCOPE_CLI), {"download", "tiny-org/Qwen3-Tiny-GGUF", "qwen3-tiny-f16.gguf"});
    QVERIFY(p.waitForStarted());
    const QString blobs = cache() + "/models--tiny-org--Qwen3-Tiny-GGUF/blobs/";
    const QString partial = blobs + QString::fromStdString(testsupport::StandInHub::sha256Hex(m_gguf)) + ".incomplete";
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(partial).size() > 100000, testsupport::waitMs(10000));
    ::kill(pid_t(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(testsupport::waitMs(10000)));
    QCOMPARE(p.exitCode(), 130);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("resumes"));
    const qint64 kept = QFileInfo(partial).size();
    QVERIFY(kept > 100000 && kept < qint64(m_gguf.size()));

    m_hub->throttle(0);
    m_hub->clearRequests();
    const Run r = cli({"download", "tiny-org/Qwen3-Tiny-GGUF", "qwen3-tiny-f16.gguf"},
                      {"HF_ENDPOINT=" + endpoint(), "HF_HUB_CACHE=" + cache()});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(fileBytes(r.out.trimmed()).toStdString(), m_gguf);
    bool resumed = false;
    for (const testsupport::HubRequest &q : m_hub->requests())
        resumed |= q.headers.count("range") && q.headers.at("range") == "bytes=" + std::to_string(kept) + "-";
    QVERIFY(resumed);
}

void TestCliHub::modelsFindsEveryStore() {
    const QDir home(m_home->path());
    const QString qwen3 = testsupport::sharedPath("reference/qwen3/model.gguf");
    const QString gemma3 = testsupport::sharedPath("reference/gemma3/model.gguf");
    const QString phi3 = testsupport::sharedPath("reference/phi3/model.gguf");
    const QString neox = testsupport::sharedPath("reference/gptneox/model.gguf");
    // Ollama: a manifest naming its model layer by digest
    const QString ollama = home.filePath(".ollama/models");
    const QString digest = QString::fromStdString(testsupport::StandInHub::sha256Hex(fileBytes(gemma3).toStdString()));
    QVERIFY(QDir().mkpath(ollama + "/blobs") && QDir().mkpath(ollama + "/manifests/registry.ollama.ai/library/gemma3"));
    QVERIFY(QFile::copy(gemma3, ollama + "/blobs/sha256-" + digest));
    QFile manifest(ollama + "/manifests/registry.ollama.ai/library/gemma3/1b");
    QVERIFY(manifest.open(QIODevice::WriteOnly));
    manifest.write(R"({"schemaVersion":2,"layers":[{"mediaType":"application/vnd.ollama.image.template","digest":"sha256:)" +
                   QByteArray(64, 'a') + R"(","size":1},{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" +
                   digest.toLatin1() + R"(","size":1}]})");
    manifest.close();
    // LM Studio: publisher/repo/file.gguf
    QVERIFY(QDir().mkpath(home.filePath(".lmstudio/models/lmstudio-community/Phi-3-GGUF")));
    QVERIFY(QFile::copy(phi3, home.filePath(".lmstudio/models/lmstudio-community/Phi-3-GGUF/phi3-tiny.gguf")));
    // llama.cpp: org_repo_file.gguf with the URL it came from beside it
    QVERIFY(QDir().mkpath(home.filePath(".cache/llama.cpp")));
    QVERIFY(QFile::copy(neox, home.filePath(".cache/llama.cpp/EleutherAI_pythia-GGUF_pythia-tiny.gguf")));
    QFile meta(home.filePath(".cache/llama.cpp/EleutherAI_pythia-GGUF_pythia-tiny.gguf.json"));
    QVERIFY(meta.open(QIODevice::WriteOnly));
    meta.write(R"({"url":"https://huggingface.co/EleutherAI/pythia-GGUF/resolve/main/pythia-tiny.gguf","etag":"\"x\""})");
    meta.close();
    // the Hugging Face cache at its default place, ~/.cache/huggingface/hub
    const QString snap = home.filePath(".cache/huggingface/hub/models--tiny-org--Qwen3-GGUF/snapshots/") +
                         QString::fromStdString(kCommit);
    QVERIFY(QDir().mkpath(snap) && QDir().mkpath(home.filePath(".cache/huggingface/hub/models--tiny-org--Qwen3-GGUF/blobs")));
    QVERIFY(QFile::copy(qwen3, home.filePath(".cache/huggingface/hub/models--tiny-org--Qwen3-GGUF/blobs/abc")));
    QVERIFY(QFile::link("../../blobs/abc", snap + "/qwen3.gguf"));

    const Run r = cli({"models", "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QMap<QString, QJsonObject> bySource;
    for (const QJsonValue &v : QJsonDocument::fromJson(r.out.toUtf8()).array())
        bySource.insert(v.toObject()["source"].toString() + " " + v.toObject()["repo"].toString(), v.toObject());
    QVERIFY2(bySource.contains("ollama gemma3:1b"), qPrintable(r.out));
    QCOMPARE(bySource["ollama gemma3:1b"]["family"].toString(), QStringLiteral("Gemma 3"));
    QVERIFY(bySource["ollama gemma3:1b"]["path"].toString().endsWith("/blobs/sha256-" + digest));
    QVERIFY(bySource.contains("lmstudio lmstudio-community/Phi-3-GGUF"));
    QCOMPARE(bySource["lmstudio lmstudio-community/Phi-3-GGUF"]["family"].toString(), QStringLiteral("Phi-3"));
    QVERIFY(bySource.contains("llama.cpp EleutherAI/pythia-GGUF"));
    QVERIFY(bySource.contains("huggingface tiny-org/Qwen3-GGUF"));
    for (const QJsonObject &m : bySource)
        QVERIFY2(m["supported"].toBool(), qPrintable(m["path"].toString()));

    // the human listing names where each came from
    const Run text = cli({"models"});
    QCOMPARE(text.code, 0);
    QVERIFY(text.out.contains("gemma3:1b") && text.out.contains("lmstudio-community/Phi-3-GGUF"));
}

QTEST_GUILESS_MAIN(TestCliHub)
#include "tst_cli_hub.moc"
