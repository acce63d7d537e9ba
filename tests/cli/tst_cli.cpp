// The attnscope-cli contract: dump writes run.c-equal numbers; heatmap writes a PNG; errors are one line + exit != 0.
#include "test_support.h"

#include <attnscope/npy.h>

#include <QImage>
#include <QProcess>
#include <QtTest>

#include <cmath>

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void dumpMatchesReference_data();
    void dumpMatchesReference();
    void dumpTextFile();
    void heatmapWritesPng();
    void errors_data();
    void errors();
    void failedDumpLeavesNothingBehind();

private:
    struct Run {
        int code;
        QString out;
        QString err;
    };
    static Run cli(const QStringList &args) {
        QProcess p;
        p.start(QStringLiteral(ATTNSCOPE_CLI), args);
        if (!p.waitForFinished(60000))
            return {-1, {}, QStringLiteral("timed out")};
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
                QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
    }
    static QString model() { return QString::fromStdString(testsupport::stories260K()); }
};

void TestCli::dumpMatchesReference_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("ids");
    for (const QJsonValue &c : testsupport::referenceCases().value("cases").toArray()) {
        const QJsonObject o = c.toObject();
        QList<int> ids;
        for (const QJsonValue &id : o.value("ids").toArray())
            ids.append(id.toInt());
        QTest::newRow(qPrintable(o.value("name").toString()))
            << o.value("name").toString() << o.value("text").toString() << ids;
    }
}

void TestCli::dumpMatchesReference() {
    QFETCH(QString, name);
    QFETCH(QString, text);
    QFETCH(QList<int>, ids);
    QTemporaryDir out;
    const Run r = cli({"dump", "--model", model(), "--text", text, "--out", out.path()});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("attention.npy"));

    QFile tokensFile(out.filePath("tokens.json"));
    QVERIFY(tokensFile.open(QIODevice::ReadOnly));
    const QJsonArray tokens = QJsonDocument::fromJson(tokensFile.readAll()).array();
    QList<int> got;
    for (const QJsonValue &t : tokens) {
        got.append(t.toObject().value("id").toInt());
        QVERIFY(t.toObject().contains("piece"));
    }
    QCOMPARE(got, ids);

    const auto attention = attnscope::readNpy(out.filePath("attention.npy").toStdString());
    const auto ref =
        attnscope::readNpy(testsupport::sharedStd(QString("reference/stories260K/%1.attention.npy").arg(name)));
    QVERIFY(attention.ok() && ref.ok());
    QCOMPARE(attention->shape, ref->shape);
    float maxDiff = 0;
    for (std::size_t i = 0; i < ref->data.size(); ++i)
        maxDiff = std::max(maxDiff, std::abs(attention->data[i] - ref->data[i]));
    QVERIFY2(maxDiff <= 5e-5f, qPrintable(QString::number(maxDiff)));

    const auto logits = attnscope::readNpy(out.filePath("last_logits.npy").toStdString());
    const auto refLogits =
        attnscope::readNpy(testsupport::sharedStd(QString("reference/stories260K/%1.last_logits.npy").arg(name)));
    QVERIFY(logits.ok() && refLogits.ok());
    QCOMPARE(logits->shape, (std::vector<std::int64_t>{512}));
    for (std::size_t i = 0; i < refLogits->data.size(); ++i)
        QVERIFY(std::abs(logits->data[i] - refLogits->data[i]) <= 5e-4f);
}

void TestCli::dumpTextFile() {
    QTemporaryDir out;
    QFile text(out.filePath("in.txt"));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("The bat flew at night.");
    text.close();
    // --tokenizer defaults to the .model beside the checkpoint; here it is also given explicitly
    const Run r = cli({"dump", "--model", model(), "--tokenizer", QString::fromStdString(testsupport::tok512()),
                       "--text-file", text.fileName(), "--out", out.filePath("o")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto attention = attnscope::readNpy(out.filePath("o/attention.npy").toStdString());
    QVERIFY(attention.ok());
    QCOMPARE(attention->shape, (std::vector<std::int64_t>{5, 8, 14, 14}));
}

void TestCli::heatmapWritesPng() {
    QTemporaryDir out;
    const QString png = out.filePath("h.png");
    const Run r = cli({"heatmap", "--model", model(), "--text", "Lily saw a big red ball.", "--layer", "1", "--head",
                       "2", "--width", "900", "--out", png});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.err.isEmpty());
    QImage image(png);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), QSize(900, 900));
    // not blank: the colour map paints many distinct colours
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7)
            colours.insert(image.pixel(x, y));
    QVERIFY(colours.size() > 20);
}

void TestCli::errors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTemporaryDir dir;
    QTest::newRow("missing model") << QStringList{"dump",  "--model", "/nonexistent/m.bin", "--text", "x",
                                                  "--out", "/tmp/x"}
                                   << "m.bin";
    QTest::newRow("model is a directory")
        << QStringList{"dump", "--model", "/tmp", "--text", "x", "--out", "/tmp/x"} << "directory";
    QTest::newRow("tokenizer is the model")
        << QStringList{"dump", "--model", model(), "--tokenizer", model(), "--text", "x", "--out", "/tmp/x"}
        << "not a sentencepiece model";
    QTest::newRow("no text") << QStringList{"dump", "--model", model(), "--out", "/tmp/x"} << "--text";
    QTest::newRow("missing text file") << QStringList{"dump",  "--model", model(), "--text-file", "/nonexistent/t.txt",
                                                      "--out", "/tmp/x"}
                                       << "t.txt";
    QTest::newRow("layer out of range") << QStringList{"heatmap", "--model", model(), "--text", "x",         "--layer",
                                                       "5",       "--head",  "0",     "--out",  "/tmp/x.png"}
                                        << "--layer";
    QTest::newRow("unknown command") << QStringList{"explode"} << "unknown command";
    QString longText;
    for (int i = 0; i < 200; ++i)
        longText += "Lily saw a big red ball. ";
    QTest::newRow("text longer than context")
        << QStringList{"dump", "--model", model(), "--text", longText, "--out", "/tmp/x"} << "context";
}

void TestCli::errors() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const Run r = cli(args);
    QVERIFY(r.code != 0);
    QVERIFY(r.code > 0); // an exit, not a crash
    const QStringList lines = r.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.front().startsWith("attnscope-cli: ") && lines.front().contains(expected), qPrintable(r.err));
}

void TestCli::failedDumpLeavesNothingBehind() {
    QTemporaryDir dir;
    QFile blocker(dir.filePath("taken"));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const Run r = cli({"dump", "--model", model(), "--text", "x", "--out", blocker.fileName()});
    QVERIFY(r.code != 0);
    QVERIFY(r.err.contains("not a directory"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries), QStringList{"taken"});
    // a good run with a model that fails leaves no output directory content either
    const Run bad = cli({"dump", "--model", "/nonexistent.bin", "--text", "x", "--out", dir.filePath("out")});
    QVERIFY(bad.code != 0);
    QVERIFY(!QFileInfo::exists(dir.filePath("out")));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
