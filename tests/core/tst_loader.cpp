// Broken and foreign checkpoints must give error values naming the file and the problem, never crash.
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/model.h>

#include <QtTest>

#include <cstdint>
#include <cstring>

using namespace attnscope;

class TestLoader : public QObject {
    Q_OBJECT
private slots:
    void loadsStories260K();
    void brokenFiles_data();
    void brokenFiles();
    void separateClassifierNeedsItsBytes();
    void noTokenizerBesideIsExplained();
    void tokenizerLargerThanEmbeddingIsRefused();

private:
    static QByteArray original();
};

QByteArray TestLoader::original() {
    QFile f(QString::fromStdString(testsupport::stories260K()));
    f.open(QIODevice::ReadOnly);
    return f.readAll();
}

void TestLoader::loadsStories260K() {
    const auto model = loadLlama2c(testsupport::stories260K());
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    const ModelConfig &c = model.value()->config();
    QCOMPARE(c.dim, 64);
    QCOMPARE(c.hiddenDim, 172);
    QCOMPARE(c.layers, 5);
    QCOMPARE(c.heads, 8);
    QCOMPARE(c.kvHeads, 4);
    QCOMPARE(c.vocabSize, 512);
    QCOMPARE(c.contextLength, 512);
    QVERIFY(c.sharedClassifier);
}

void TestLoader::brokenFiles_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected"); // a phrase the message must contain
    const QByteArray good = original();
    QTest::newRow("zero-length") << QByteArray() << "empty";
    QTest::newRow("shorter than header") << good.left(10) << "truncated";
    QTest::newRow("truncated weights") << good.left(good.size() / 2) << "truncated";
    QTest::newRow("one byte short") << good.left(good.size() - 1) << "truncated";
    QTest::newRow("trailing garbage") << good + QByteArray(100, 'x') << "larger than its header";
    QByteArray badDim = good;
    const std::int32_t minus = -64;
    std::memcpy(badDim.data(), &minus, 4);
    QTest::newRow("negative dim") << badDim << "not a llama2.c checkpoint";
    QByteArray hugeLayers = good;
    const std::int32_t huge = 0x7fffffff;
    std::memcpy(hugeLayers.data() + 8, &huge, 4);
    QTest::newRow("absurd layer count") << hugeLayers << "not a llama2.c checkpoint";
    QByteArray badHeads = good;
    const std::int32_t seven = 7;
    std::memcpy(badHeads.data() + 12, &seven, 4);
    QTest::newRow("heads do not divide dim") << badHeads << "not a llama2.c checkpoint";
    QTest::newRow("text file") << QByteArray("This is a README, not a model.\n").repeated(50)
                               << "not a llama2.c checkpoint";
    QTest::newRow("gguf magic") << QByteArray("GGUF\x03\x00\x00\x00", 8) + QByteArray(100, '\0')
                                << "not a llama2.c checkpoint";
}

void TestLoader::brokenFiles() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath("broken.bin");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
    f.close();
    const auto model = loadLlama2c(path.toStdString());
    QVERIFY(!model.ok());
    const QString message = QString::fromStdString(model.error().message);
    QVERIFY2(message.startsWith("broken.bin: "), qPrintable(message));
    QVERIFY2(message.contains(expected), qPrintable(message));
    const auto engine = Engine::load(path.toStdString());
    QVERIFY(!engine.ok());
}

void TestLoader::separateClassifierNeedsItsBytes() {
    // a negative vocab_size declares a separate classifier: the same file is then too short by vocab*dim floats
    QByteArray bytes = original();
    const std::int32_t negVocab = -512;
    std::memcpy(bytes.data() + 20, &negVocab, 4);
    QTemporaryDir dir;
    QFile f(dir.filePath("unshared.bin"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
    f.close();
    auto model = loadLlama2c(f.fileName().toStdString());
    QVERIFY(!model.ok());
    QVERIFY(QString::fromStdString(model.error().message).contains("truncated"));
    // with the classifier appended it loads and the classifier points past the embedding
    QVERIFY(f.open(QIODevice::Append));
    f.write(QByteArray(512 * 64 * 4, '\0'));
    f.close();
    model = loadLlama2c(f.fileName().toStdString());
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    QVERIFY(!model.value()->config().sharedClassifier);
    QVERIFY(model.value()->weights().classifier.data != model.value()->weights().tokenEmbedding.data);
}

void TestLoader::noTokenizerBesideIsExplained() {
    QTemporaryDir dir;
    QVERIFY(QFile::copy(QString::fromStdString(testsupport::stories260K()), dir.filePath("alone.bin")));
    const auto engine = Engine::load(dir.filePath("alone.bin").toStdString());
    QVERIFY(!engine.ok());
    QVERIFY2(engine.error().message.find("no tokenizer") != std::string::npos, engine.error().message.c_str());
    const auto missing = loadLlama2c(dir.filePath("nope.bin").toStdString());
    QVERIFY(!missing.ok());
    QVERIFY(missing.error().message.find("nope.bin") != std::string::npos);
    const auto directory = loadLlama2c(dir.path().toStdString());
    QVERIFY(!directory.ok());
    QVERIFY(directory.error().message.find("directory") != std::string::npos);
}

void TestLoader::tokenizerLargerThanEmbeddingIsRefused() {
    // stories260K cut to a 300-row embedding, with its 512-piece tokenizer: ids 300..511 would index past the table.
    // A few extra pieces are normal (Gemma 3's tokenizer has one more than its embedding); 212 more is another model.
    const QByteArray good = original();
    const int dim = 64, rows = 300;
    QByteArray cut = good.left(28);
    std::memcpy(cut.data() + 20, &rows, 4);
    cut += good.mid(28, rows * dim * 4) + good.mid(28 + 512 * dim * 4);
    QTemporaryDir dir;
    QFile f(dir.filePath("cut.bin"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(cut);
    f.close();
    QVERIFY(loadLlama2c(f.fileName().toStdString()).ok());
    const auto engine = Engine::load(f.fileName().toStdString(), testsupport::tok512());
    QVERIFY(!engine.ok());
    QVERIFY2(engine.error().message.find("has 512 pieces but cut.bin expects a vocabulary of 300") != std::string::npos,
             engine.error().message.c_str());
}

QTEST_GUILESS_MAIN(TestLoader)
#include "tst_loader.moc"
