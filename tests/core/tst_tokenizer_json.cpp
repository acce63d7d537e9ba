// tokenizer.json against Hugging Face tokenizers itself: the real Llama 3, Qwen 3 and Gemma 3 tokenizers
// (../shared/tokenizers: their vectors.json, and tests/data/tokenizers/expected.json's stress texts) and small
// tokenizer.json files that exercise every normalizer, pre-tokenizer, model, post-processor and decoder type
// (expected.json: ids with and without special tokens, byte offsets and decoded text, written by
// scripts/dev/tokenizer_vectors.js with the Rust library). Then broken files: one clear message each.
#include "test_support.h"

#include <attnscope/hf_tokenizer.h>

#include <QtTest>

using namespace attnscope;

namespace {

QString dataDir() {
    return QStringLiteral(ATTNSCOPE_TEST_DATA_DIR "/tokenizers");
}

QJsonObject readJson(const QString &path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

QString resolve(const QString &ref) {
    if (ref.startsWith(QStringLiteral("shared:")))
        return testsupport::sharedPath(ref.mid(7));
    return dataDir() + QLatin1Char('/') + ref;
}

std::vector<int> idsOf(const QJsonArray &a) {
    std::vector<int> out;
    for (const QJsonValue &v : a)
        out.push_back(v.toInt());
    return out;
}

QString list(const std::vector<int> &ids) {
    QStringList s;
    for (int id : ids)
        s << QString::number(id);
    return s.join(' ');
}

std::shared_ptr<const Tokenizer> load(const QString &path) {
    auto t = loadTokenizerJson(path.toStdString());
    if (!t) {
        qWarning("%s", t.error().message.c_str());
        return nullptr;
    }
    return t.value();
}

} // namespace

class TestTokenizerJson : public QObject {
    Q_OBJECT
private slots:
    void sharedVectors_data();
    void sharedVectors();
    void stressTexts_data();
    void stressTexts();
    void folderPrefersTokenizerJson();
    void badFilesSayWhatIsWrong_data();
    void badFilesSayWhatIsWrong();
    void byteLevelPiecesDisplayAsText();
    void byteFallbackDecodesOnlyHex();
    void vocabFilesRefuseHoles();
};

void TestTokenizerJson::sharedVectors_data() {
    QTest::addColumn<QString>("family");
    for (const char *f : {"llama3", "qwen3", "gemma3"})
        QTest::newRow(f) << f;
}

void TestTokenizerJson::sharedVectors() {
    QFETCH(QString, family);
    const auto tokenizer = load(testsupport::sharedPath("tokenizers/" + family + "/tokenizer.json"));
    QVERIFY(tokenizer);
    const QJsonObject vectors = readJson(testsupport::sharedPath("tokenizers/" + family + "/vectors.json"));
    const QJsonArray cases = vectors.value("cases").toArray();
    QVERIFY(cases.size() >= 10);
    for (const QJsonValue &c : cases) {
        const std::string text = c.toObject().value("text").toString().toStdString();
        const auto tokens = tokenizer->encode(text, false);
        QVERIFY(tokens.ok());
        std::vector<int> ids;
        for (const Token &t : tokens.value())
            ids.push_back(t.id);
        const std::vector<int> want = idsOf(c.toObject().value("ids").toArray());
        QVERIFY2(ids == want, qPrintable(QString("%1: got [%2] want [%3]").arg(QString::fromStdString(text), list(ids), list(want))));
    }
}

void TestTokenizerJson::stressTexts_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QJsonArray>("cases");
    const QJsonObject expected = readJson(dataDir() + "/expected.json");
    const QJsonArray tokenizers = expected.value("tokenizers").toArray();
    QVERIFY(tokenizers.size() > 20);
    for (const QJsonValue &t : tokenizers)
        QTest::newRow(qPrintable(t.toObject().value("name").toString()))
            << resolve(t.toObject().value("file").toString()) << t.toObject().value("cases").toArray();
}

void TestTokenizerJson::stressTexts() {
    QFETCH(QString, file);
    QFETCH(QJsonArray, cases);
    const auto tokenizer = load(file);
    QVERIFY(tokenizer);
    QVERIFY(cases.size() > 20);
    QStringList failures;
    for (const QJsonValue &value : cases) {
        const QJsonObject c = value.toObject();
        const QByteArray utf8 = c.value("text").toString().toUtf8();
        const std::string text(utf8.constData(), std::size_t(utf8.size()));
        const QString shown = QString::fromUtf8(utf8.left(30)).replace('\n', "\\n");
        const auto plain = tokenizer->encode(text, false), special = tokenizer->encode(text, true);
        QVERIFY(plain.ok() && special.ok());
        std::vector<int> ids, idsSpecial;
        for (const Token &t : plain.value())
            ids.push_back(t.id);
        for (const Token &t : special.value())
            idsSpecial.push_back(t.id);
        if (ids != idsOf(c.value("ids").toArray()))
            failures << QString("ids of \"%1\": got [%2] want [%3]").arg(shown, list(ids), list(idsOf(c.value("ids").toArray())));
        if (idsSpecial != idsOf(c.value("ids_special").toArray()))
            failures << QString("ids with special tokens of \"%1\": got [%2] want [%3]")
                            .arg(shown, list(idsSpecial), list(idsOf(c.value("ids_special").toArray())));
        // Hugging Face's bindings give character offsets, converted from its byte offsets by mapping each byte to
        // the character it falls in (BytesToCharOffsetConverter); ours are bytes, converted the same way.
        const QJsonArray offsets = c.value("char_offsets").toArray();
        std::vector<int> charOf;
        for (qsizetype b = 0, ch = 0; b < utf8.size(); ++ch) {
            const int length = (uchar(utf8[b]) < 0x80) ? 1 : (uchar(utf8[b]) >> 5) == 6 ? 2 : (uchar(utf8[b]) >> 4) == 14 ? 3 : 4;
            for (int k = 0; k < length; ++k)
                charOf.push_back(int(ch));
            b += length;
        }
        auto toChars = [&](int b, int e) {
            if (b == e && b >= int(charOf.size()))
                return std::make_pair(int(charOf.empty() ? 0 : charOf.back() + 1), int(charOf.empty() ? 0 : charOf.back() + 1));
            const int cb = b < int(charOf.size()) ? charOf[std::size_t(b)] : charOf.back() + 1;
            const int ce = e < int(charOf.size()) ? charOf[std::size_t(e)] : (e > 0 ? charOf[std::size_t(e - 1)] + 1 : 0);
            return std::make_pair(cb, ce);
        };
        if (ids == idsOf(c.value("ids").toArray()))
            for (qsizetype i = 0; i < offsets.size(); ++i) {
                const Token &t = plain.value()[std::size_t(i)];
                const QJsonArray o = offsets[i].toArray();
                const auto [cb, ce] = toChars(t.byteBegin, t.byteEnd);
                if (cb != o[0].toInt() || ce != o[1].toInt()) {
                    failures << QString("character offsets of token %1 of \"%2\": got [%3, %4) want [%5, %6)")
                                    .arg(i).arg(shown).arg(cb).arg(ce).arg(o[0].toInt()).arg(o[1].toInt());
                    break;
                }
            }
        const QString decoded = QString::fromStdString(tokenizer->decode(ids));
        if (decoded != c.value("decoded").toString())
            failures << QString("decode of \"%1\": got \"%2\" want \"%3\"").arg(shown, decoded.left(40), c.value("decoded").toString().left(40));
    }
    QVERIFY2(failures.isEmpty(), qPrintable(QString::number(failures.size()) + " differences:\n" + failures.mid(0, 8).join('\n')));
}

void TestTokenizerJson::folderPrefersTokenizerJson() {
    // A folder with tokenizer.json and a tokenizer.model: tokenizer.json wins, and the folder's
    // tokenizer_config.json can switch Gemma's BOS off as transformers does.
    QTemporaryDir dir;
    QVERIFY(QFile::copy(testsupport::sharedPath("tokenizers/gemma3/tokenizer.json"), dir.filePath("tokenizer.json")));
    QVERIFY(QFile::copy(QString::fromStdString(testsupport::tok512()), dir.filePath("tokenizer.model")));
    auto t = tokenizerFromHfFolder(dir.path().toStdString());
    QVERIFY2(t.ok(), t.ok() ? "" : t.error().message.c_str());
    QCOMPARE(t.value()->vocabSize(), 262145); // 262144 pieces and <image_soft_token>, as Hugging Face counts them
    auto withBos = t.value()->encode("Hello", true);
    QVERIFY(withBos.ok());
    QCOMPARE(withBos->front().id, 2);
    QVERIFY(withBos->front().special);
    QFile config(dir.filePath("tokenizer_config.json"));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(R"({"tokenizer_class": "GemmaTokenizer", "add_bos_token": false, "bos_token": "<bos>"})");
    config.close();
    t = tokenizerFromHfFolder(dir.path().toStdString());
    QVERIFY(t.ok());
    auto noBos = t.value()->encode("Hello", true);
    QVERIFY(noBos.ok());
    QCOMPARE(noBos->size(), withBos->size() - 1);
    QCOMPARE(t.value()->bosId(), 2);
}

void TestTokenizerJson::badFilesSayWhatIsWrong_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");
    const QByteArray base = R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}, )";
    QTest::newRow("not json") << QByteArray("{\"model\": ") << "not valid JSON";
    QTest::newRow("no model") << QByteArray("{\"normalizer\": null}") << "has no \"model\"";
    QTest::newRow("unknown pre-tokenizer") << base + R"("pre_tokenizer": {"type": "Foo"}})"
                                           << "pre_tokenizer type 'Foo' is not supported";
    QTest::newRow("unknown normalizer") << base + R"("normalizer": {"type": "Sequence", "normalizers": [{"type": "Bar"}]}})"
                                        << "normalizer.normalizers[0]: normalizer type 'Bar' is not supported";
    QTest::newRow("unknown model") << QByteArray(R"({"model": {"type": "Magic", "vocab": {}}})") << "model type 'Magic' is not supported";
    QTest::newRow("unknown decoder") << base + R"("decoder": {"type": "Baz"}})" << "decoder type 'Baz' is not supported";
    QTest::newRow("unknown post-processor") << base + R"("post_processor": {"type": "Qux"}})" << "post_processor type 'Qux' is not supported";
    QTest::newRow("merge of unknown tokens") << QByteArray(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a c"]}})")
                                             << "names \"c\", which is not in the vocabulary";
    QTest::newRow("bad regex") << base + R"("pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}})"
                               << "does not compile";
    QTest::newRow("empty vocabulary") << QByteArray(R"({"model": {"type": "BPE", "vocab": {}, "merges": []}})") << "vocabulary is empty";
    QTest::newRow("id past the vocabulary") << QByteArray(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 90000000}, "merges": []}})")
                                            << "is not a number from 0 to";
    QTest::newRow("sparse ids") << QByteArray(R"({"model": {"type": "WordLevel", "vocab": {"a": 0, "b": 5000000}}})")
                                << "ids past the vocabulary";
    QTest::newRow("added token id out of range") << base + R"("added_tokens": [{"id": 90000000, "content": "<x>"}]})"
                                                 << "outside any vocabulary";
    QTest::newRow("template id past the vocabulary")
        << base + R"("post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}], "special_tokens": {"<s>": {"id": "<s>", "ids": [70000], "tokens": ["<s>"]}}}})"
        << "past the vocabulary";
    QTest::newRow("wrong-typed field") << QByteArray(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": "yes"}})")
                                       << "wrong type";
    QTest::newRow("merges not a list") << QByteArray(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": 7}})") << "must be a list";
    QTest::newRow("bad behavior") << base + R"("pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways"}})"
                                  << "split behavior 'Sideways'";
    QTest::newRow("unigram entry") << QByteArray(R"({"model": {"type": "Unigram", "vocab": [["a", "x"]]}})") << "must be [piece, score]";
    QTest::newRow("template names an unknown token") << base + R"("post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}], "special_tokens": {}}})"
                                                     << "special token \"<s>\" is not in special_tokens";
}

void TestTokenizerJson::badFilesSayWhatIsWrong() {
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    const auto t = tokenizerFromJson(std::string_view(json.constData(), std::size_t(json.size())), {}, "tokenizer.json");
    QVERIFY(!t.ok());
    const QString got = QString::fromStdString(t.error().message);
    QVERIFY2(got.startsWith("tokenizer.json: ") && got.contains(message), qPrintable(got));
    QVERIFY2(!got.contains('\n'), qPrintable(got));
}

// The views show a byte-level piece as its text ("Ġquick" is "▁quick", the word mark the strip uses), and the bytes
// of a token that holds part of a character as <0x..>; the pieces themselves stay the vocabulary's.
void TestTokenizerJson::byteLevelPiecesDisplayAsText() {
    const auto tokenizer = load(testsupport::sharedPath("tokenizers/qwen3/tokenizer.json"));
    QVERIFY(tokenizer);
    const auto tokens = tokenizer->encode("The quick café 東京");
    QVERIFY(tokens.ok());
    QStringList pieces, shown;
    for (const Token &t : tokens.value()) {
        pieces << QString::fromStdString(t.piece);
        shown << QString::fromStdString(t.display.empty() ? t.piece : t.display);
    }
    QCOMPARE(pieces.mid(0, 2), (QStringList{"The", "Ġquick"}));
    QCOMPARE(shown.mid(0, 2), (QStringList{"The", "▁quick"}));
    QVERIFY2(!shown.join("").contains(QChar(0x0120)), qPrintable(shown.join(" | "))); // no Ġ left
    // Whatever the split, the shown pieces spell the text: whole characters as text, parts as their bytes.
    QByteArray spelled;
    for (const QString &s : shown) {
        QString rest = s;
        while (!rest.isEmpty()) {
            if (rest.startsWith("<0x") && rest.size() >= 6 && rest[5] == '>') {
                spelled += char(rest.mid(3, 2).toInt(nullptr, 16));
                rest = rest.mid(6);
            } else {
                spelled += (rest.startsWith(QChar(0x2581)) ? QString(" ") : rest.left(1)).toUtf8();
                rest = rest.mid(1);
            }
        }
    }
    QCOMPARE(QString::fromUtf8(spelled), QStringLiteral("The quick café 東京"));
}

// ByteFallback turns "<0x41>" into the byte 'A' and leaves a piece that only looks like one ("<0xZZ>", "<0x-1>")
// as it is, as Hugging Face does (std::stoi threw on it: found by fuzz_tokenizer_json).
void TestTokenizerJson::byteFallbackDecodesOnlyHex() {
    const std::string json = R"({"model": {"type": "BPE", "vocab": {"<0x41>": 0, "<0xZZ>": 1, "<0x-1>": 2, "<0x+F>": 3},
        "merges": []}, "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Fuse"}]}})";
    const auto tokenizer = tokenizerFromJson(json, {}, "tokenizer.json");
    QVERIFY2(tokenizer.ok(), tokenizer.ok() ? "" : tokenizer.error().message.c_str());
    QCOMPARE(QString::fromStdString(tokenizer.value()->decode({0, 1, 2})), QStringLiteral("A<0xZZ><0x-1>"));
    QCOMPARE(QString::fromStdString(tokenizer.value()->decode({3})), QStringLiteral("\x0f"));
}

// vocab.txt / vocab.json + merges.txt: an empty entry, an id given twice or a missing id is one clear message (an
// id with no token once became an empty piece, matched by nothing and decoded as nothing).
void TestTokenizerJson::vocabFilesRefuseHoles() {
    auto txt = [](const char *text) {
        const auto t = tokenizerFromVocabTxt(text, {}, "vocab.txt");
        return t.ok() ? QString() : QString::fromStdString(t.error().message);
    };
    QVERIFY(txt("[UNK]\n[CLS]\n[SEP]\nthe\n##s\n").isEmpty());
    QVERIFY2(txt("[UNK]\n\nthe\n").contains("vocab.txt: line 2 is empty"), qPrintable(txt("[UNK]\n\nthe\n")));
    QVERIFY(txt("").contains("has no tokens"));
    auto json = [](const char *vocab) {
        const auto t = tokenizerFromVocabMerges(vocab, "#version: 0.2\na b\n", {}, "vocab.json");
        return t.ok() ? QString() : QString::fromStdString(t.error().message);
    };
    QVERIFY2(json(R"({"a": 0, "b": 1, "ab": 2})").isEmpty(), qPrintable(json(R"({"a": 0, "b": 1, "ab": 2})")));
    QVERIFY2(json(R"({"a": 0, "b": 1, "ab": 5})").contains("no token has id 2 (ids must run from 0 to 5)"), qPrintable(json(R"({"a": 0, "b": 1, "ab": 5})")));
    QVERIFY(json(R"({"a": 0, "b": 0, "ab": 1})").contains("id 0 is given to two tokens"));
    QVERIFY(json(R"({"a": 0, "": 1, "ab": 2})").contains("token 1 is an empty string"));
    QVERIFY(json(R"({})").contains("has no tokens"));
    QVERIFY(json(R"({"a": 1e300})").contains("is not a token id"));
}

QTEST_GUILESS_MAIN(TestTokenizerJson)
#include "tst_tokenizer_json.moc"
