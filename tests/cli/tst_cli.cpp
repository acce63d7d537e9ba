// The attnscope-cli contract: dump writes run.c-equal numbers; heatmap writes a PNG; export writes one file per
// view x layer x head (or the numbers), refuses to overwrite without --force and leaves nothing behind when it
// fails; errors are one line + exit != 0.
#include "test_support.h"

#include <attnscope/npy.h>

#include <QImage>
#include <QImageReader>
#include <QProcess>
#include <QRegularExpression>
#include <QSvgRenderer>
#include <QtTest>

#include <sys/stat.h>

#include <tuple>

#include <cmath>
#include <cstring>

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void dumpMatchesReference_data();
    void dumpMatchesReference();
    void dumpTextFile();
    void dumpFamilies_data();
    void dumpFamilies();
    void heatmapWritesPng();
    void errors_data();
    void errors();
    void failedDumpLeavesNothingBehind();
    void exportAllHeadsWritesFortyFiles();
    void ggufModelDumpAndInfo();
    void convertWritesLoadableGguf();
    void headsJsonContract();
    void dumpMeasures();
    void dumpWords();
    void exportWords();
    void exportClassroomViews();
    void exportEveryViewAndFormat();
    void exportNumbers();
    void exportRefusesToOverwrite();
    void exportFailuresLeaveNothingBehind();
    void dumpAndHeatmapRefuseToOverwrite();
    void analysisBeyondMemoryIsRefused();
    void tokenizeJsonContract_data();
    void tokenizeJsonContract();
    void tokenizeLinesAndModels();
    void tokenizeBadTokenizerJson();
    void optionsAreCheckedPerCommand();
    void jsonCommandsPrintOnlyJson();
    void longTextExportsFit();
    void convertBeyondMemoryIsRefused();

private:
    struct Run {
        int code;
        QString out;
        QString err;
    };
    static Run cli(const QStringList &args, const QStringList &environment = {}) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &e : environment)
            env.insert(e.section('=', 0, 0), e.section('=', 1));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(ATTNSCOPE_CLI), args);
        if (!p.waitForFinished(60000))
            return {-1, {}, QStringLiteral("timed out")};
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
                QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
    }
    static QString model() { return QString::fromStdString(testsupport::stories260K()); }
    static QStringList exportArgs(const QString &out, const QStringList &more) {
        return QStringList{"export", "--model", model(), "--text", kText, "--out", out} + more;
    }
    static QStringList filesIn(const QString &dir) {
        return QDir(dir).entryList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name);
    }
    static inline const QString kText = QStringLiteral("Lily saw a big red ball. She said, \"Look, a ball!\"");
};

void TestCli::dumpMatchesReference_data() {
    testsupport::addReferenceCaseRows();
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

void TestCli::dumpFamilies_data() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("model"); // under ../shared/reference/<family>
    for (const char *f : {"gemma", "gemma2", "gemma3", "qwen3", "phi3", "gptneox"})
        QTest::newRow(f) << f << "model.gguf";
    QTest::newRow("qwen3 (hf folder)") << "qwen3" << "hf";
    QTest::newRow("gemma (hf folder)") << "gemma" << "hf";
}

// dump as documented, on every family from GGUF and from the Hugging Face folders: llama.cpp's ids and numbers.
void TestCli::dumpFamilies() {
    QFETCH(QString, family);
    QFETCH(QString, model);
    QFile casesFile(testsupport::sharedPath("reference/" + family + "/cases.json"));
    QVERIFY(casesFile.open(QIODevice::ReadOnly));
    const QJsonObject c = QJsonDocument::fromJson(casesFile.readAll()).object().value("cases").toArray().last().toObject();
    QTemporaryDir out;
    const Run r = cli({"dump", "--model", testsupport::sharedPath("reference/" + family + "/" + model), "--text",
                       c.value("text").toString(), "--out", out.path()});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile tokensFile(out.filePath("tokens.json"));
    QVERIFY(tokensFile.open(QIODevice::ReadOnly));
    QList<int> got, want;
    for (const QJsonValue &t : QJsonDocument::fromJson(tokensFile.readAll()).array())
        got.append(t.toObject().value("id").toInt());
    for (const QJsonValue &id : c.value("ids").toArray())
        want.append(id.toInt());
    QCOMPARE(got, want);
    const QString base = "reference/" + family + "/" + c.value("name").toString();
    for (const auto &[file, reference, tolerance] : {std::tuple{"attention.npy", ".attention.npy", 5e-5f},
                                                     std::tuple{"last_logits.npy", ".last_logits.npy", 5e-4f}}) {
        const auto mine = attnscope::readNpy(out.filePath(file).toStdString());
        const auto ref = attnscope::readNpy(testsupport::sharedStd(base + reference));
        QVERIFY(mine.ok() && ref.ok());
        QCOMPARE(mine->shape, ref->shape);
        float worst = 0;
        for (std::size_t i = 0; i < ref->data.size(); ++i)
            worst = std::max(worst, std::abs(mine->data[i] - ref->data[i]));
        QVERIFY2(worst <= tolerance, qPrintable(QString("%1 off by %2").arg(file).arg(worst)));
    }
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
        << QStringList{"dump", "--model", "/tmp", "--text", "x", "--out", "/tmp/x"} << "folder without config.json";
    QTest::newRow("tokenizer is the model")
        << QStringList{"dump", "--model", model(), "--tokenizer", model(), "--text", "x", "--out", "/tmp/x"}
        << "not a sentencepiece model";
    QTest::newRow("no text") << QStringList{"dump", "--model", model(), "--out", "/tmp/x"} << "--text";
    QTest::newRow("missing text file") << QStringList{"dump",  "--model", model(), "--text-file", "/nonexistent/t.txt",
                                                      "--out", "/tmp/x"}
                                       << "t.txt";
    // Files that are not files: a device or FIFO would block or never end; a symlink loop has its reason.
    QTest::newRow("text file is /dev/zero")
        << QStringList{"tokenize", "--model", model(), "--text-file", "/dev/zero"} << "not a regular file";
    static QTemporaryDir special;
    const QString fifo = special.filePath("fifo");
    ::mkfifo(fifo.toLocal8Bit().constData(), 0600);
    QTest::newRow("model is a FIFO") << QStringList{"info", "--model", fifo} << "not a regular file";
    QTest::newRow("tokenizer is a FIFO") << QStringList{"tokenize", "--tokenizer", fifo, "--text", "x"}
                                         << "not a regular file";
    QFile::link(special.filePath("loop-b"), special.filePath("loop-a"));
    QFile::link(special.filePath("loop-a"), special.filePath("loop-b"));
    QTest::newRow("model is a symlink loop") << QStringList{"info", "--model", special.filePath("loop-a")}
                                             << "symbolic links";
    QTest::newRow("model is a dangling link") << QStringList{"info", "--model", special.filePath("dangling")} << "cannot open";
    QFile::link(special.filePath("nowhere"), special.filePath("dangling"));
    QTest::newRow("layer out of range") << QStringList{"heatmap", "--model", model(), "--text", "x",         "--layer",
                                                       "5",       "--head",  "0",     "--out",  "/tmp/x.png"}
                                        << "--layer";
    QTest::newRow("unknown command") << QStringList{"explode"} << "unknown command";
    QTest::newRow("export without --out") << QStringList{"export", "--model", model(), "--text", "x"} << "--out";
    // export with one wrong option each: (name, option, value, expected message)
    const QList<QStringList> badExports = {
        {"unknown view", "--view", "pie", "--view"},
        {"unknown format", "--format", "gif", "--format"},
        {"layer out of range", "--layer", "5", "--layer must be 0 to 4"},
        {"bad head", "--head", "most", "--head"},
        {"scale too large", "--scale", "100", "--scale"},
        {"pin hidden BOS", "--pin", "0", "hidden"},
    };
    for (const QStringList &bad : badExports) {
        QStringList args{"export", "--model", model(), "--text", "x", "--hide-special", bad[1], bad[2], "--out", "/tmp/x"};
        QTest::newRow(qPrintable("export " + bad[0])) << args << bad[3];
    }
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

void TestCli::ggufModelDumpAndInfo() {
    const QString gguf = testsupport::sharedPath("gguf/stories260K.gguf");
    const Run info = cli({"info", "--model", gguf});
    QVERIFY2(info.code == 0, qPrintable(info.err));
    for (const char *line : {"format       GGUF v3", "architecture llama", "kv heads     4", "weights      F32",
                             "tokenizer    sentencepiece (from the GGUF vocabulary)"})
        QVERIFY2(info.out.contains(line), qPrintable(info.out));
    // The same numbers as the llama2.c checkpoint it was converted from, bit for bit.
    QTemporaryDir dir;
    QCOMPARE(cli({"dump", "--model", gguf, "--text", kText, "--out", dir.filePath("g")}).code, 0);
    QCOMPARE(cli({"dump", "--model", model(), "--text", kText, "--out", dir.filePath("b")}).code, 0);
    for (const char *name : {"attention.npy", "last_logits.npy"}) {
        QFile a(dir.filePath(QString("g/") + name)), b(dir.filePath(QString("b/") + name));
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QVERIFY2(a.readAll() == b.readAll(), name);
    }
}

void TestCli::convertWritesLoadableGguf() {
    QTemporaryDir dir;
    const QString out = dir.filePath("s.q8_0.gguf");
    Run r = cli({"convert", "--model", model(), "--type", "q8_0", "--out", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(r.out.trimmed(), out);
    r = cli({"info", "--model", out});
    QVERIFY2(r.out.contains("weights      F32, Q8_0"), qPrintable(r.out)); // ffn_down (172 columns) stays F32
    r = cli({"convert", "--model", model(), "--type", "q8_0", "--out", out});
    QVERIFY(r.code == 1 && r.err.contains("exists; pass --force"));
    r = cli({"convert", "--model", model(), "--type", "q3_k", "--out", dir.filePath("x.gguf")});
    QVERIFY(r.code == 2 && r.err.contains("--type must be"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"s.q8_0.gguf"});
}

void TestCli::headsJsonContract() {
    Run r = cli({"heads", "--model", model(), "--text", "Lily saw a big red ball.", "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QJsonParseError error;
    QJsonArray heads = QJsonDocument::fromJson(r.out.toUtf8(), &error).array();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(heads.size(), 40);
    for (const QJsonValue &h : heads) {
        const QJsonObject o = h.toObject();
        for (const char *key : {"layer", "head", "entropy", "previous_token", "self", "first_token", "distance", "label"})
            QVERIFY2(o.contains(key), key);
        QVERIFY(o.value("induction").isNull()); // no token repeats in this text
        QVERIFY(o.value("previous_token").toDouble() >= 0 && o.value("previous_token").toDouble() <= 1);
    }
    QCOMPARE(heads[11].toObject().value("layer").toInt(), 1); // layer by layer, head by head
    QCOMPARE(heads[11].toObject().value("head").toInt(), 3);
    r = cli({"heads", "--model", model(), "--text", "Lily saw a ball. Lily saw a ball.", "--json"});
    heads = QJsonDocument::fromJson(r.out.toUtf8()).array();
    QVERIFY(heads[0].toObject().value("induction").isDouble());
}

void TestCli::dumpMeasures() {
    QTemporaryDir dir;
    const Run r = cli({"dump", "--model", model(), "--text", kText, "--measure", "rollout", "--out", dir.path()});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto rollout = attnscope::readNpy(dir.filePath("attention.npy").toStdString());
    QVERIFY(rollout.ok());
    QCOMPARE(rollout->shape.size(), std::size_t(4));
    QCOMPARE(rollout->shape[0], std::int64_t(5));
    QCOMPARE(rollout->shape[1], std::int64_t(1));
    const std::int64_t T = rollout->shape[2];
    for (std::int64_t l = 0; l < 5; ++l) // every row of every layer's rollout is a distribution over the tokens
        for (std::int64_t i = 0; i < T; ++i) {
            double sum = 0;
            for (std::int64_t j = 0; j < T; ++j)
                sum += rollout->data[std::size_t((l * T + i) * T + j)];
            QVERIFY(std::abs(sum - 1.0) < 1e-4);
        }
    const Run bad = cli({"dump", "--model", model(), "--text", "x", "--measure", "magic", "--out", dir.path()});
    QVERIFY(bad.code == 2 && bad.err.contains("--measure must be"));

    // Value-weighted: [layers, heads, T, T], every row a distribution, zero exactly where raw attention is zero.
    QTemporaryDir rawDir, valueDir;
    QCOMPARE(cli({"dump", "--model", model(), "--text", kText, "--out", rawDir.path()}).code, 0);
    const Run v = cli({"dump", "--model", model(), "--text", kText, "--measure", "value", "--out", valueDir.path()});
    QVERIFY2(v.code == 0, qPrintable(v.err));
    const auto raw = attnscope::readNpy(rawDir.filePath("attention.npy").toStdString());
    const auto value = attnscope::readNpy(valueDir.filePath("attention.npy").toStdString());
    QVERIFY(raw.ok() && value.ok());
    QCOMPARE(value->shape, raw->shape);
    QCOMPARE(value->shape[1], std::int64_t(8));
    const std::int64_t rows = value->shape[0] * value->shape[1] * value->shape[2], n = value->shape[3];
    double worst = 0, changed = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
        double sum = 0;
        for (std::int64_t j = 0; j < n; ++j) {
            const float a = raw->data[std::size_t(r * n + j)], b = value->data[std::size_t(r * n + j)];
            QCOMPARE(a == 0.0f, b == 0.0f);
            sum += b;
            changed = std::max(changed, double(std::abs(a - b)));
        }
        worst = std::max(worst, std::abs(sum - 1.0));
    }
    QVERIFY(worst < 1e-5);
    QVERIFY(changed > 0.05); // not raw attention under another name

    // export names the measure in its files; rollout has one picture per layer.
    QTemporaryDir pictures;
    const Run e = cli(exportArgs(pictures.path(), {"--measure", "rollout", "--layer", "all", "--head", "all"}));
    QVERIFY2(e.code == 0, qPrintable(e.err));
    QCOMPARE(filesIn(pictures.path()), (QStringList{"heatmap_L0_rollout.png", "heatmap_L1_rollout.png",
                                                    "heatmap_L2_rollout.png", "heatmap_L3_rollout.png",
                                                    "heatmap_L4_rollout.png"}));
    const Run csv = cli(exportArgs(pictures.path(), {"--measure", "value", "--layer", "1", "--head", "3", "--format", "csv"}));
    QVERIFY2(csv.code == 0, qPrintable(csv.err));
    QVERIFY(QFileInfo::exists(pictures.filePath("attention_L1_H3_value.csv")));
}

void TestCli::dumpWords() {
    // The word-level attention.npy against the formula on the token-level dump of the same text.
    QTemporaryDir tokensDir, wordsDir;
    const Run t = cli({"dump", "--model", model(), "--text", kText, "--out", tokensDir.path()});
    QVERIFY2(t.code == 0, qPrintable(t.err));
    const Run w = cli({"dump", "--model", model(), "--text", kText, "--words", "--out", wordsDir.path()});
    QVERIFY2(w.code == 0, qPrintable(w.err));
    QCOMPARE(filesIn(wordsDir.path()), (QStringList{"attention.npy", "last_logits.npy", "tokens.json", "words.json"}));
    QFile wordsFile(wordsDir.filePath("words.json"));
    QVERIFY(wordsFile.open(QIODevice::ReadOnly));
    const QJsonArray words = QJsonDocument::fromJson(wordsFile.readAll()).array();
    QStringList texts;
    for (const QJsonValue &v : words)
        texts << v.toObject()["text"].toString();
    QCOMPARE(texts, (QStringList{"<s>", "Lily", "saw", "a", "big", "red", "ball.", "She", "said,", "\"Look,", "a", "ball!\""}));
    const QByteArray utf8 = kText.toUtf8();
    for (const QJsonValue &v : words) { // byte spans point at the word's text
        const QJsonObject o = v.toObject();
        if (!o["special"].toBool())
            QCOMPARE(QString::fromUtf8(utf8.mid(o["begin"].toInt(), o["end"].toInt() - o["begin"].toInt())), o["text"].toString());
    }
    const auto tokens = attnscope::readNpy(tokensDir.filePath("attention.npy").toStdString());
    const auto pooled = attnscope::readNpy(wordsDir.filePath("attention.npy").toStdString());
    QVERIFY(tokens.ok() && pooled.ok());
    const std::int64_t L = tokens->shape[0], H = tokens->shape[1], T = tokens->shape[2], W = words.size();
    QCOMPARE(pooled->shape, (std::vector<std::int64_t>{L, H, W, W}));
    double worst = 0;
    for (std::int64_t lh = 0; lh < L * H; ++lh)
        for (std::int64_t a = 0; a < W; ++a) {
            const QJsonArray qa = words[int(a)].toObject()["tokens"].toArray();
            for (std::int64_t b = 0; b < W; ++b) {
                const QJsonArray kb = words[int(b)].toObject()["tokens"].toArray();
                double want = 0;
                for (const QJsonValue &q : qa)
                    for (const QJsonValue &k : kb)
                        want += tokens->data[std::size_t((lh * T + q.toInt()) * T + k.toInt())];
                want /= qa.size();
                worst = std::max(worst, std::abs(want - pooled->data[std::size_t((lh * W + a) * W + b)]));
            }
        }
    QVERIFY2(worst < 1e-6, qPrintable(QString::number(worst)));
    // tokens.json stays the tokens; a --words dump refuses to replace words.json too.
    QFile tokensFile(wordsDir.filePath("tokens.json"));
    QVERIFY(tokensFile.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(tokensFile.readAll()).array().size(), int(T));
    QFile::remove(wordsDir.filePath("attention.npy"));
    QFile::remove(wordsDir.filePath("last_logits.npy"));
    QFile::remove(wordsDir.filePath("tokens.json"));
    const Run again = cli({"dump", "--model", model(), "--text", kText, "--words", "--out", wordsDir.path()});
    QVERIFY(again.code == 1 && again.err.contains("words.json exists"));
    QCOMPARE(cli({"heads", "--model", model(), "--text", kText, "--words"}).code, 2); // not an option of heads
}

void TestCli::exportWords() {
    QTemporaryDir dir;
    const Run r = cli(exportArgs(dir.path(), {"--words", "--view", "heatmap,tokens", "--format", "svg", "--layer", "1",
                                              "--head", "2", "--pin", "6"}));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(filesIn(dir.path()), (QStringList{"heatmap_L1_H2.svg", "tokens.svg", "words.json"}));
    QFile svg(dir.filePath("heatmap_L1_H2.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    const QByteArray text = svg.readAll();
    QVERIFY(text.contains(">Lily<") || text.contains(">Lily "));  // the word, not its pieces
    QVERIFY(!text.contains("\xE2\x96\x81Li<"));
    const Run pinTooFar = cli(exportArgs(dir.path(), {"--words", "--pin", "13", "--force"}));
    QCOMPARE(pinTooFar.code, 2); // 12 words: --pin counts words
    QTemporaryDir numbers;
    const Run n = cli(exportArgs(numbers.path(), {"--words", "--format", "npy"}));
    QVERIFY2(n.code == 0, qPrintable(n.err));
    QCOMPARE(filesIn(numbers.path()), (QStringList{"attention.npy", "tokens.json", "words.json"}));
    const auto a = attnscope::readNpy(numbers.filePath("attention.npy").toStdString());
    QVERIFY(a.ok());
    QCOMPARE(a->shape[3], std::int64_t(12));
}

void TestCli::exportClassroomViews() {
    QTemporaryDir dir;
    const Run r = cli(exportArgs(dir.path(), {"--view", "step,next-token", "--layer", "2", "--head", "3", "--pin", "6",
                                              "--format", "svg"}));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(filesIn(dir.path()), (QStringList{"next-token.svg", "step_L2_H3.svg"}));
    auto read = [&](const QString &name) {
        QFile f(dir.filePath(name));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    };
    // Text stays text: the title, the token, the percentages and the caption can be searched for.
    const QString step = read("step_L2_H3.svg");
    QVERIFY(step.contains("layer 2 · head 3 · step by step for"));
    QVERIFY(step.contains("softmax"));
    QVERIFY(step.contains("%"));
    QVERIFY(step.contains("Lily saw a big red ball."));
    QVERIFY(QSvgRenderer(step.toUtf8()).isValid());
    const QString next = read("next-token.svg");
    QVERIFY(next.contains("next token after"));
    QVERIFY(next.contains("(token 6)"));
    QVERIFY(next.contains(QRegularExpression(R"(\d+\.\d%)")));
    QVERIFY(QSvgRenderer(next.toUtf8()).isValid());
    // --no-caption leaves the sentence out.
    const Run bare = cli(exportArgs(dir.path(), {"--view", "next-token", "--format", "svg", "--no-caption", "--force"}));
    QVERIFY2(bare.code == 0, qPrintable(bare.err));
    QVERIFY(!read("next-token.svg").contains("Lily saw a big red ball."));

    // Compare: both sentences, the ranked heads; PNG and PDF too.
    QTemporaryDir cmp;
    const Run c = cli({"export", "--model", model(), "--text", "Swing the bat!", "--text-b", "The bat flew at night.",
                       "--view", "compare", "--layer", "1", "--head", "0", "--format", "png", "--out", cmp.path()});
    QVERIFY2(c.code == 0, qPrintable(c.err));
    QCOMPARE(filesIn(cmp.path()), (QStringList{"compare_L1_H0.png"}));
    const QImage png(cmp.filePath("compare_L1_H0.png"));
    QVERIFY(!png.isNull() && png.width() >= 1000 && png.height() >= 500);
    const Run pdf = cli({"export", "--model", model(), "--text", "Swing the bat!", "--text-b", "The bat flew at night.",
                         "--view", "compare", "--layer", "1", "--head", "0", "--format", "pdf", "--out", cmp.path()});
    QVERIFY2(pdf.code == 0, qPrintable(pdf.err));
    QFile pdfFile(cmp.filePath("compare_L1_H0.pdf"));
    QVERIFY(pdfFile.open(QIODevice::ReadOnly) && pdfFile.read(5) == "%PDF-");

    // Mistakes are usage errors, said before any work.
    QCOMPARE(cli(exportArgs(dir.path(), {"--view", "compare"})).code, 2); // no --text-b
    QCOMPARE(cli(exportArgs(dir.path(), {"--text-b", "x"})).code, 2);     // --text-b without compare
    const Run mean = cli(exportArgs(dir.path(), {"--view", "step", "--head", "mean", "--force"}));
    QVERIFY(mean.code == 2 && mean.err.contains("one head"));
}

void TestCli::exportAllHeadsWritesFortyFiles() {
    QTemporaryDir dir;
    const QString out = dir.filePath("slides");
    const Run r = cli(exportArgs(out, {"--layer", "all", "--head", "all"}));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.err.isEmpty());
    const QStringList printed = r.out.trimmed().split('\n');
    QCOMPARE(printed.size(), 40);
    QStringList expected;
    for (int l = 0; l < 5; ++l)
        for (int h = 0; h < 8; ++h)
            expected << QString("heatmap_L%1_H%2.png").arg(l).arg(h);
    QStringList names;
    for (const QString &p : printed)
        names << QFileInfo(p).fileName();
    QCOMPARE(names, expected); // printed in order, one path per line
    expected.sort();
    QCOMPARE(filesIn(out), expected);
    for (const QString &p : printed) {
        QImage image(p);
        QVERIFY2(!image.isNull(), qPrintable(p));
        QCOMPARE(image.size(), QSize(1200, 1080));
    }
}

void TestCli::exportEveryViewAndFormat() {
    QTemporaryDir dir;
    for (const QString format : {"png", "svg", "pdf"}) {
        const Run r = cli(exportArgs(dir.path(), {"--view", "heatmap,arcs,line-arcs,grid,tokens", "--layer", "1",
                                                  "--head", "mean", "--format", format, "--scale", "2", "--pin", "5"}));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.out.trimmed().split('\n').size(), 5);
    }
    QCOMPARE(filesIn(dir.path()).size(), 15);
    for (const QString &name : filesIn(dir.path())) {
        QFile f(dir.filePath(name));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray head = f.read(64);
        if (name.endsWith(".png"))
            QVERIFY2(head.startsWith("\x89PNG"), qPrintable(name));
        else if (name.endsWith(".pdf"))
            QVERIFY2(head.startsWith("%PDF-"), qPrintable(name));
        else
            QVERIFY2(head.startsWith("<?xml"), qPrintable(name));
    }
    QVERIFY(filesIn(dir.path()).contains("heatmap_L1_mean.png"));
    QVERIFY(filesIn(dir.path()).contains("grid.svg"));
    QCOMPARE(QImage(dir.filePath("heatmap_L1_mean.png")).size(), QSize(2400, 2160)); // --scale 2
}

void TestCli::exportNumbers() {
    QTemporaryDir dir;
    Run r = cli(exportArgs(dir.path(), {"--format", "csv", "--layer", "2", "--head", "all"}));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(filesIn(dir.path()).size(), 8);
    QFile csv(dir.filePath("attention_L2_H5.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().split('\n');
    r = cli({"dump", "--model", model(), "--text", kText, "--out", dir.filePath("dump")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto dumped = attnscope::readNpy(dir.filePath("dump/attention.npy").toStdString());
    QVERIFY(dumped.ok());
    const int T = int(dumped->shape[2]);
    QCOMPARE(lines.size(), T + 2); // T + 1 records, each ending in CRLF, then nothing
    QVERIFY(lines.front().startsWith("query\\key,<s>,"));

    r = cli(exportArgs(dir.filePath("n"), {"--format", "npy"}));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(filesIn(dir.filePath("n")), (QStringList{"attention.npy", "tokens.json"}));
    const auto exported = attnscope::readNpy(dir.filePath("n/attention.npy").toStdString());
    QVERIFY(exported.ok());
    QCOMPARE(exported->shape, (std::vector<std::int64_t>{5, 8, T, T}));
    QCOMPARE(std::memcmp(exported->data.data(), dumped->data.data(), dumped->data.size() * 4), 0);

    r = cli(exportArgs(dir.filePath("j"), {"--format", "json"}));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile json(dir.filePath("j/attention.json"));
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(json.readAll()).object();
    QCOMPARE(o.value("text").toString(), kText);
    QCOMPARE(o.value("attention").toArray().size(), 5);
    QCOMPARE(o.value("tokens").toArray().size(), T);
}

void TestCli::exportRefusesToOverwrite() {
    QTemporaryDir dir;
    const QStringList args = exportArgs(dir.path(), {"--layer", "0", "--head", "all"});
    QCOMPARE(cli(args).code, 0);
    QFile first(dir.filePath("heatmap_L0_H0.png"));
    QVERIFY(first.open(QIODevice::ReadOnly));
    const QByteArray before = first.readAll();
    first.close();
    const Run again = cli(args);
    QCOMPARE(again.code, 1);
    QVERIFY2(again.err.contains("heatmap_L0_H0.png and 7 more files exist; pass --force"), qPrintable(again.err));
    QVERIFY(again.out.isEmpty());
    const Run forced = cli(args + QStringList{"--force", "--colormap", "magma"});
    QVERIFY2(forced.code == 0, qPrintable(forced.err));
    QVERIFY(first.open(QIODevice::ReadOnly));
    QVERIFY(first.readAll() != before); // replaced, in the other colour map
    QCOMPARE(filesIn(dir.path()).size(), 8);
}

// dump and heatmap replace nothing without --force, refused before any work, and leave the old files as they were.
void TestCli::dumpAndHeatmapRefuseToOverwrite() {
    QTemporaryDir dir;
    const QStringList dumpArgs{"dump", "--model", model(), "--text", kText, "--out", dir.path()};
    QCOMPARE(cli(dumpArgs).code, 0);
    QFile tokens(dir.filePath("tokens.json"));
    QVERIFY(tokens.open(QIODevice::ReadOnly));
    const QByteArray before = tokens.readAll();
    tokens.close();
    const Run again = cli({"dump", "--model", model(), "--text", "Other words.", "--out", dir.path()});
    QCOMPARE(again.code, 1);
    QVERIFY2(again.err.contains("exist; pass --force"), qPrintable(again.err));
    QVERIFY(tokens.open(QIODevice::ReadOnly));
    QCOMPARE(tokens.readAll(), before);
    tokens.close();
    QCOMPARE(cli({"dump", "--model", model(), "--text", "Other words.", "--out", dir.path(), "--force"}).code, 0);
    QVERIFY(tokens.open(QIODevice::ReadOnly));
    QVERIFY(tokens.readAll() != before);

    const QString png = dir.filePath("h.png");
    const QStringList heatmapArgs{"heatmap", "--model", model(), "--text", kText, "--layer", "0", "--head", "0", "--out", png};
    QCOMPARE(cli(heatmapArgs).code, 0);
    const Run refused = cli(heatmapArgs);
    QCOMPARE(refused.code, 1);
    QVERIFY2(refused.err.contains("exists; pass --force"), qPrintable(refused.err));
    QCOMPARE(cli(heatmapArgs + QStringList{"--force"}).code, 0);
    QCOMPARE(cli({"heatmap", "--model", model(), "--text", kText, "--layer", "0", "--head", "0", "--out",
                  dir.path() + "/x.png/"}).code, 2);
}

// The memory an analysis needs is estimated before the work and checked against what the process may use (here
// lowered with ATTNSCOPE_MEMORY_BUDGET): refused with both numbers, nothing written, exit 1.
void TestCli::analysisBeyondMemoryIsRefused() {
    QTemporaryDir dir;
    const QStringList args{"dump", "--model", model(), "--text", kText, "--out", dir.filePath("out")};
    const Run refused = cli(args, {"ATTNSCOPE_MEMORY_BUDGET=50000"});
    QCOMPARE(refused.code, 1);
    QVERIFY2(refused.err.contains("of memory, more than the"), qPrintable(refused.err));
    QVERIFY(!QFileInfo::exists(dir.filePath("out")));
    QCOMPARE(cli(args, {"ATTNSCOPE_MEMORY_BUDGET=50000000"}).code, 0);
}

void TestCli::exportFailuresLeaveNothingBehind() {
    QTemporaryDir dir;
    QFile blocker(dir.filePath("taken"));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    // --out inside a file: cannot be created.
    Run r = cli(exportArgs(dir.filePath("taken/out"), {}));
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("cannot create the output directory"), qPrintable(r.err));
    // --out is a file.
    r = cli(exportArgs(blocker.fileName(), {}));
    QVERIFY2(r.code == 1 && r.err.contains("not a directory"), qPrintable(r.err));
    QCOMPARE(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries), QStringList{"taken"});

    // The disk fills up halfway: a 40 KB file-size limit lets the small files through and stops a larger one.
    // Everything this run wrote is removed again, and the folders it created.
    QProcess p;
    const QStringList shell{"-c", "trap '' XFSZ; ulimit -f 80; exec \"$0\" \"$@\"", QStringLiteral(ATTNSCOPE_CLI)};
    p.start("/bin/sh", shell + exportArgs(dir.filePath("new/deeper"), {"--view", "tokens,heatmap", "--layer", "0",
                                                                       "--head", "all", "--width", "1600", "--height",
                                                                       "1600"}));
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitCode(), 1);
    QVERIFY2(err.startsWith("attnscope-cli: ") && err.contains("write failed") && err.contains("nothing was saved"),
             qPrintable(err));
    QCOMPARE(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden), QStringList{"taken"});
}


void TestCli::tokenizeJsonContract_data() {
    QTest::addColumn<QString>("family");
    for (const char *f : {"llama3", "qwen3", "gemma3"})
        QTest::newRow(f) << f;
}

// tokenize --tokenizer tokenizer.json --json, with and without --no-special, against vectors.json (Hugging Face's ids
// without special tokens); with them, the tokenizer's own template (Gemma 3 adds <bos>, the others nothing).
void TestCli::tokenizeJsonContract() {
    QFETCH(QString, family);
    const QString tokenizer = testsupport::sharedPath("tokenizers/" + family + "/tokenizer.json");
    QFile f(testsupport::sharedPath("tokenizers/" + family + "/vectors.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonArray cases = QJsonDocument::fromJson(f.readAll()).object().value("cases").toArray();
    int checked = 0;
    for (const QJsonValue &c : cases) {
        const QString text = c.toObject().value("text").toString();
        if (text.isEmpty() || checked >= 4)
            continue;
        ++checked;
        for (const bool special : {false, true}) {
            QStringList args{"tokenize", "--tokenizer", tokenizer, "--text", text, "--json"};
            if (!special)
                args << "--no-special";
            const Run r = cli(args);
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QVERIFY(r.err.isEmpty());
            const QJsonArray tokens = QJsonDocument::fromJson(r.out.toUtf8()).array();
            QList<int> ids;
            const QByteArray utf8 = text.toUtf8();
            for (const QJsonValue &t : tokens) {
                const QJsonObject o = t.toObject();
                for (const char *key : {"id", "piece", "begin", "end", "special"})
                    QVERIFY2(o.contains(key), key);
                QVERIFY(o.value("begin").toInt() >= 0 && o.value("end").toInt() <= utf8.size() &&
                        o.value("begin").toInt() <= o.value("end").toInt());
                if (o.value("special").toBool() && special)
                    continue; // the template's BOS
                ids << o.value("id").toInt();
            }
            QList<int> want;
            for (const QJsonValue &id : c.toObject().value("ids").toArray())
                want << id.toInt();
            QCOMPARE(ids, want);
            const bool bos = special && family == "gemma3";
            QCOMPARE(tokens.size(), want.size() + (bos ? 1 : 0));
            if (bos)
                QCOMPARE(tokens.first().toObject().value("id").toInt(), 2);
        }
    }
    QCOMPARE(checked, 4);
}

void TestCli::tokenizeLinesAndModels() {
    // One line per token: id, piece, byte span; the bundled model's BOS comes first unless --no-special.
    Run r = cli({"tokenize", "--model", model(), "--text", "Lily saw a ball."});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QStringList lines = r.out.trimmed().split('\n');
    QVERIFY(lines.size() > 3);
    QVERIFY2(lines.first().startsWith("1\t<s>\t0-0\tspecial"), qPrintable(lines.first()));
    QVERIFY2(lines.at(1).split('\t').value(2) == "0-4", qPrintable(lines.at(1)));
    r = cli({"tokenize", "--model", model(), "--text", "Lily saw a ball.", "--no-special"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out.trimmed().split('\n').size(), lines.size() - 1);
    // A Hugging Face folder and a GGUF give the ids llama.cpp gave (reference/qwen3/cases.json).
    QFile f(testsupport::sharedPath("reference/qwen3/cases.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject first = QJsonDocument::fromJson(f.readAll()).object().value("cases").toArray().first().toObject();
    for (const QString &m : {testsupport::sharedPath("reference/qwen3/hf"), testsupport::sharedPath("reference/qwen3/model.gguf")}) {
        r = cli({"tokenize", "--model", m, "--text", first.value("text").toString(), "--json"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QList<int> ids, want;
        for (const QJsonValue &t : QJsonDocument::fromJson(r.out.toUtf8()).array())
            ids << t.toObject().value("id").toInt();
        for (const QJsonValue &id : first.value("ids").toArray())
            want << id.toInt();
        QCOMPARE(ids, want);
    }
    // --text-file, and a piece with a line break stays on its line.
    QTemporaryDir dir;
    QFile text(dir.filePath("t.txt"));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("one\ntwo");
    text.close();
    r = cli({"tokenize", "--tokenizer", testsupport::sharedPath("tokenizers/qwen3/tokenizer.json"), "--text-file", text.fileName()});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(r.out.trimmed().split('\n').size(), 3);
    QVERIFY(r.out.contains("\xC4\x8A")); // Ċ, the byte-level newline
}

void TestCli::tokenizeBadTokenizerJson() {
    QTemporaryDir dir;
    const QList<QPair<QByteArray, QString>> bad = {
        {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})", "not in the vocabulary"},
        {R"({"model": {"type": "BPE", "vocab": {}, "merges": []}})", "vocabulary is empty"},
        {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "[z-a]"}}})", "does not compile"},
        {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Foo"}})", "pre_tokenizer type 'Foo' is not supported"},
        {R"({"model": {"type": "BPE", "vocab": {"a": -3}, "merges": []}})", "is not a number from 0"},
        {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "fuse_unk": 3}})", "wrong type"},
        {R"({"model": )", "not valid JSON"},
    };
    int i = 0;
    for (const auto &[json, message] : bad) {
        const QString path = dir.filePath(QString("t%1.json").arg(i++));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(json);
        f.close();
        const Run r = cli({"tokenize", "--tokenizer", path, "--text", "abc"});
        QCOMPARE(r.code, 1);
        QVERIFY(r.out.isEmpty());
        const QStringList lines = r.err.trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines.first().startsWith("attnscope-cli: ") && lines.first().contains(message), qPrintable(lines.first()));
    }
}

// An option a command does not read is a usage error (exit 2), not silently ignored; values outside the model are
// refused, never clamped; defaults are what --help says.
void TestCli::optionsAreCheckedPerCommand() {
    QTemporaryDir dir;
    const QStringList text{"--model", model(), "--text", kText};
    Run r = cli(QStringList{"dump", "--layer", "1", "--out", dir.filePath("d")} + text);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("dump does not take --layer"), qPrintable(r.err));
    QVERIFY(!QFileInfo::exists(dir.filePath("d")));
    QCOMPARE(cli({"info", "--model", model(), "--text", "x"}).code, 2);
    QCOMPARE(cli(QStringList{"tokenize", "--pin", "1"} + text).code, 2);
    QCOMPARE(cli(QStringList{"heads", "--layer", "5"} + text).code, 2);
    QCOMPARE(cli(QStringList{"heads", "--head", "-1"} + text).code, 2);
    // heads --layer/--head narrow the table to those heads.
    r = cli(QStringList{"heads", "--layer", "1", "--head", "2", "--json"} + text);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonArray one = QJsonDocument::fromJson(r.out.toUtf8()).array();
    QCOMPARE(one.size(), 1);
    QCOMPARE(one[0].toObject().value("layer").toInt(), 1);
    QCOMPARE(one[0].toObject().value("head").toInt(), 2);
    QCOMPARE(QJsonDocument::fromJson(cli(QStringList{"heads", "--layer", "4", "--json"} + text).out.toUtf8()).array().size(), 8);
    // heatmap without --layer/--head draws layer 0, head 0 (once it demanded both).
    r = cli(QStringList{"heatmap", "--out", dir.filePath("h.png")} + text);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    // tokenize --truncate cuts to the model's context (512 tokens), and needs the model to know it.
    QString longText;
    for (int i = 0; i < 200; ++i)
        longText += "Lily saw a big red ball. ";
    r = cli({"tokenize", "--model", model(), "--text", longText, "--truncate", "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).array().size(), 512);
    QCOMPARE(cli({"tokenize", "--tokenizer", QString::fromStdString(testsupport::tok512()), "--text", "x", "--truncate"}).code, 2);
}

// --json prints JSON and nothing else on stdout, also when there is something to say (on stderr).
void TestCli::jsonCommandsPrintOnlyJson() {
    QString longText;
    for (int i = 0; i < 200; ++i)
        longText += "Lily saw a big red ball. ";
    const QList<QStringList> commands{
        {"heads", "--model", model(), "--text", longText, "--truncate", "--json"},
        {"tokenize", "--model", model(), "--text", longText, "--json"},
        {"info", "--model", model(), "--json"},
    };
    for (const QStringList &args : commands) {
        const Run r = cli(args);
        QVERIFY2(r.code == 0, qPrintable(args.front() + ": " + r.err));
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(args.front() + ": " + error.errorString()));
        QVERIFY(!doc.isNull());
    }
    const QJsonObject info = QJsonDocument::fromJson(cli(commands[2]).out.toUtf8()).object();
    QCOMPARE(info.value("layers").toInt(), 5);
    QCOMPARE(info.value("heads").toInt(), 8);
    QCOMPARE(info.value("vocab").toInt(), 512);
    QCOMPARE(info.value("context").toInt(), 512);
}

// A long text in a view that grows with it, at a scale that would exceed the pixel limits: the export succeeds,
// fitted, with a note on stderr; stdout is only the paths.
void TestCli::longTextExportsFit() {
    QString longText;
    for (int i = 0; i < 60; ++i)
        longText += "Lily saw a big red ball and she was happy. ";
    QTemporaryDir dir;
    const Run r = cli({"export", "--model", model(), "--text", longText, "--truncate", "--view", "arcs,tokens",
                       "--scale", "4", "--out", dir.path()});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(r.out.trimmed().split('\n').size(), 2);
    QVERIFY2(r.err.contains("attnscope-cli: note: arcs_L0_H0.png: drawn at"), qPrintable(r.err));
    QImageReader arcs(dir.filePath("arcs_L0_H0.png"));
    QVERIFY(arcs.size().height() <= 16384 && arcs.size().height() > 12000);
}

// convert assembles the file in memory: beyond the budget it is refused before the work, and nothing is written.
void TestCli::convertBeyondMemoryIsRefused() {
    QTemporaryDir dir;
    const QStringList args{"convert", "--model", model(), "--out", dir.filePath("m.gguf")};
    const Run refused = cli(args, {"ATTNSCOPE_MEMORY_BUDGET=100000"});
    QCOMPARE(refused.code, 1);
    QVERIFY2(refused.err.contains("of memory, more than the"), qPrintable(refused.err));
    QVERIFY(filesIn(dir.path()).isEmpty());
    QCOMPARE(cli(args).code, 0);
    QCOMPARE(filesIn(dir.path()), QStringList{"m.gguf"});
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
