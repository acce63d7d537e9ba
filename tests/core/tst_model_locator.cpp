// Model discovery: lookup order and scanning find real checkpoints and skip everything else.
#include "test_support.h"

#include <attnscope/model_locator.h>

#include <QtTest>

#include <set>

using namespace attnscope;

class TestModelLocator : public QObject {
    Q_OBJECT
private slots:
    void findsSharedModelsFromInsideTheCheckout();
    void lookupOrderAndScanning();
    void nothingFound();
    void storesListEveryModelOnceWithWhatItIs();
    void rootsFollowTheEnvironment();
};

void TestModelLocator::findsSharedModelsFromInsideTheCheckout() {
    // starting anywhere below the folder that holds shared/ finds shared/models
    const QString start = testsupport::sharedDir() + "/../main/build/somewhere/deep";
    const auto roots = modelSearchRoots("", {start.toStdString()}, "");
    QCOMPARE(roots.size(), std::size_t(1));
    QCOMPARE(QDir(QString::fromStdString(roots[0].dir)).canonicalPath(),
             QDir(testsupport::sharedPath("models")).canonicalPath());
    const auto models = findModels(roots);
    const ModelEntry def = defaultModel(models);
    QCOMPARE(def.name, std::string("stories260K"));
    QVERIFY(QString::fromStdString(def.tokenizerPath).endsWith("tok512.model"));
}

void TestModelLocator::lookupOrderAndScanning() {
    QTemporaryDir envDir, userDir;
    QDir(envDir.path()).mkpath("mine");
    QVERIFY(QFile::copy(QString::fromStdString(testsupport::stories260K()), envDir.filePath("mine/custom.bin")));
    QVERIFY(QFile::copy(QString::fromStdString(testsupport::tok512()), envDir.filePath("mine/tok512.model")));
    QFile junk(envDir.filePath("mine/notes.bin"));
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("not a model");
    junk.close();
    QDir(userDir.path()).mkpath("models");

    const auto roots = modelSearchRoots(envDir.path().toStdString(), {testsupport::sharedDir().toStdString()},
                                        userDir.path().toStdString());
    QCOMPARE(roots.size(), std::size_t(3));
    QCOMPARE(roots[0].label, std::string("ATTNSCOPE_MODEL_DIR"));
    QCOMPARE(roots[2].label, std::string("user data"));
    const auto models = findModels(roots);
    QVERIFY(models.size() >= 2);
    QCOMPARE(models[0].name, std::string("custom")); // the environment comes first
    for (const ModelEntry &m : models)
        QVERIFY(m.name != "notes");
    // the bundled default wins over order when it is present
    QCOMPARE(defaultModel(models).name, std::string("stories260K"));
}

void TestModelLocator::nothingFound() {
    QTemporaryDir empty;
    const auto roots = modelSearchRoots(empty.path().toStdString(), {}, "");
    QVERIFY(findModels(roots).empty());
    QVERIFY(defaultModel({}).modelPath.empty());
}

namespace {
bool copyTo(const QString &from, const QString &to) {
    QDir().mkpath(QFileInfo(to).path());
    return QFile::copy(from, to);
}
void writeTo(const QString &path, const QByteArray &bytes) {
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}
const ModelEntry *byPath(const std::vector<ModelEntry> &models, const QString &path) {
    for (const ModelEntry &m : models)
        if (QString::fromStdString(m.modelPath) == path)
            return &m;
    return nullptr;
}
} // namespace

void TestModelLocator::storesListEveryModelOnceWithWhatItIs() {
    QTemporaryDir tmp;
    const QString hf = tmp.filePath("hub"), ollama = tmp.filePath("ollama"), lms = tmp.filePath("lms");
    const QString repo = hf + "/models--org--Mixed";
    const QString snapA = repo + "/snapshots/1111111111111111111111111111111111111111";
    const QString snapB = repo + "/snapshots/2222222222222222222222222222222222222222";
    QVERIFY(copyTo(testsupport::sharedPath("reference/qwen3/model.gguf"), repo + "/blobs/q"));
    QDir().mkpath(snapA + "/sub");
    QDir().mkpath(snapB);
    QVERIFY(QFile::link("../../blobs/q", snapA + "/qwen3.gguf"));
    QVERIFY(QFile::link("../../blobs/q", snapB + "/qwen3.gguf"));       // the same blob in two snapshots: once
    writeTo(repo + "/refs/main", "2222222222222222222222222222222222222222"); // ... from the one main names
    QVERIFY(QFile::link("../../blobs/gone", snapA + "/broken.gguf"));   // an interrupted download: not listed
    QVERIFY(copyTo(testsupport::sharedPath("reference/gemma3/model.gguf"), snapA + "/sub/g-00002-of-00002.gguf"));
    QVERIFY(copyTo(testsupport::sharedPath("reference/gemma3/model.gguf"), snapA + "/sub/g-00001-of-00002.gguf"));
    QVERIFY(copyTo(testsupport::sharedPath("gguf/vocab/ggml-vocab-llama-spm.gguf"), snapA + "/vocab.gguf"));
    writeTo(snapA + "/notes.txt", "hello");
    // a Hugging Face folder with safetensors and a sentencepiece tokenizer, and one with only a pickle
    const QString gemmaHf = hf + "/models--google--gemma-tiny/snapshots/3333333333333333333333333333333333333333";
    for (const char *f : {"config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json"})
        QVERIFY(copyTo(testsupport::sharedPath(QStringLiteral("reference/gemma/hf/") + f), gemmaHf + "/" + f));
    const QString pickled = hf + "/models--old--pickled/snapshots/4444444444444444444444444444444444444444";
    writeTo(pickled + "/config.json", R"({"architectures": ["LlamaForCausalLM"]})");
    writeTo(pickled + "/pytorch_model.bin", QByteArray("PK\x03\x04", 4) + QByteArray(100, 'x'));
    // Ollama: one good manifest, one whose digest tries to leave the store
    const QString digest = QString(64, 'b');
    QVERIFY(copyTo(testsupport::sharedPath("reference/phi3/model.gguf"), ollama + "/blobs/sha256-" + digest));
    writeTo(ollama + "/manifests/registry.ollama.ai/library/phi3/mini",
            R"({"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" + digest.toLatin1() + "\"}]}");
    writeTo(ollama + "/manifests/hf.co/bartowski/some-GGUF/Q8_0",
            R"({"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:../../../../etc/passwd"}]})");
    // LM Studio: an unsupported architecture is listed with the reason
    QVERIFY(copyTo(testsupport::sharedPath("gguf/vocab/ggml-vocab-baichuan.gguf"), lms + "/pub/Baichuan-GGUF/b.gguf"));

    const std::vector<SearchRoot> roots{{hf.toStdString(), "Hugging Face cache", StoreKind::HuggingFace},
                                        {ollama.toStdString(), "Ollama", StoreKind::Ollama},
                                        {lms.toStdString(), "LM Studio", StoreKind::LmStudio}};
    const auto models = findModels(roots);

    const ModelEntry *q = byPath(models, snapB + "/qwen3.gguf");
    QVERIFY(q);
    QCOMPARE(q->repo, std::string("org/Mixed"));
    QCOMPARE(q->revision, std::string("2222222222222222222222222222222222222222"));
    QCOMPARE(q->family, std::string("Qwen 3"));
    QCOMPARE(q->format, std::string("GGUF"));
    QVERIFY(q->supported && q->ready());
    QVERIFY(!byPath(models, snapA + "/qwen3.gguf"));
    QVERIFY(!byPath(models, snapA + "/broken.gguf"));
    QVERIFY(!byPath(models, snapA + "/notes.txt"));
    QVERIFY(!byPath(models, snapA + "/sub/g-00002-of-00002.gguf"));
    const ModelEntry *split = byPath(models, snapA + "/sub/g-00001-of-00002.gguf");
    QVERIFY(split && !split->supported);
    QVERIFY2(split->reason.find("llama-gguf-split") != std::string::npos, split->reason.c_str());
    const ModelEntry *vocab = byPath(models, snapA + "/vocab.gguf");
    QVERIFY(vocab && !vocab->supported);
    QVERIFY2(vocab->reason.find("vocabulary-only") != std::string::npos, vocab->reason.c_str());

    const ModelEntry *gemma = byPath(models, gemmaHf);
    QVERIFY(gemma);
    QCOMPARE(gemma->format, std::string("safetensors"));
    QCOMPARE(gemma->family, std::string("Gemma"));
    QCOMPARE(gemma->name, std::string("gemma-tiny"));
    QVERIFY2(gemma->ready(), gemma->reason.c_str());
    QVERIFY(gemma->parameters > 1000000);
    const ModelEntry *pickle = byPath(models, pickled);
    QVERIFY(pickle && !pickle->supported);
    QVERIFY2(pickle->reason.find("pickle") != std::string::npos, pickle->reason.c_str());

    const ModelEntry *phi = byPath(models, ollama + "/blobs/sha256-" + digest);
    QVERIFY(phi);
    QCOMPARE(phi->repo, std::string("phi3:mini"));
    QCOMPARE(phi->store, StoreKind::Ollama);
    QVERIFY(phi->ready());
    for (const ModelEntry &m : models)
        QVERIFY2(m.repo.find("some-GGUF") == std::string::npos, m.modelPath.c_str());

    const ModelEntry *baichuan = byPath(models, lms + "/pub/Baichuan-GGUF/b.gguf");
    QVERIFY(baichuan && !baichuan->supported);
    QCOMPARE(baichuan->repo, std::string("pub/Baichuan-GGUF"));
    QVERIFY2(baichuan->reason.find("baichuan") != std::string::npos, baichuan->reason.c_str());
}

void TestModelLocator::rootsFollowTheEnvironment() {
    StoreLocations w;
    w.home = "/home/u";
    QCOMPARE(hfHubCacheDir(w), std::string("/home/u/.cache/huggingface/hub"));
    w.xdgCache = "/x";
    QCOMPARE(hfHubCacheDir(w), std::string("/x/huggingface/hub"));
    w.hfHome = "/hf";
    QCOMPARE(hfHubCacheDir(w), std::string("/hf/hub"));
    w.hfHubCache = "/cache";
    QCOMPARE(hfHubCacheDir(w), std::string("/cache"));
    w.ollamaModels = "/srv/ollama";
    w.llamaCache = "/srv/llama";
    std::set<std::string> dirs;
    for (const SearchRoot &r : allSearchRoots(w))
        dirs.insert(r.dir);
    for (const char *d : {"/cache", "/srv/ollama", "/home/u/.ollama/models", "/usr/share/ollama/.ollama/models",
                          "/home/u/.lmstudio/models", "/home/u/.cache/lm-studio/models", "/srv/llama",
                          "/home/u/.cache/llama.cpp"})
        QVERIFY2(dirs.count(d), d);
    QCOMPARE(repoFromHfCacheFolder("models--Qwen--Qwen3-0.6B"), std::string("Qwen/Qwen3-0.6B"));
    QCOMPARE(repoFromHfCacheFolder("datasets--a--b"), std::string());
    QCOMPARE(hfCacheFolderName("Qwen/Qwen3-0.6B"), std::string("models--Qwen--Qwen3-0.6B"));
}

QTEST_GUILESS_MAIN(TestModelLocator)
#include "tst_model_locator.moc"
