// Tokenizers rebuilt from GGUF metadata against llama.cpp's own tokenizer test vectors (vocab/*.inp / *.out:
// ids without BOS, special tokens not parsed), and stories260K.gguf's vocabulary against tok512.model.
#include "test_support.h"

#include <attnscope/gguf.h>
#include <attnscope/gguf_tokenizer.h>
#include <attnscope/gguf_writer.h>
#include <attnscope/hf_tokenizer.h>

#include <QtTest>

using namespace attnscope;

namespace {

struct Case {
    QByteArray text;
    std::vector<int> ids;
};

std::vector<Case> vectors(const QString &vocab) {
    QFile inp(testsupport::sharedPath("gguf/vocab/ggml-vocab-" + vocab + ".gguf.inp"));
    QFile out(testsupport::sharedPath("gguf/vocab/ggml-vocab-" + vocab + ".gguf.out"));
    if (!inp.open(QIODevice::ReadOnly) || !out.open(QIODevice::ReadOnly))
        return {};
    const QList<QByteArray> texts = inp.readAll().split('\n');
    // Cases are separated by a line "__ggml_vocab_test__"; rebuild them with their inner newlines.
    std::vector<QByteArray> cases(1);
    for (qsizetype i = 0; i < texts.size(); ++i) {
        if (texts[i] == "__ggml_vocab_test__") {
            cases.back().chop(1); // the newline before the separator
            cases.emplace_back();
            continue;
        }
        cases.back() += texts[i] + '\n';
    }
    cases.pop_back(); // after the last separator
    const QList<QByteArray> lines = out.readAll().split('\n');
    std::vector<Case> result;
    for (std::size_t i = 0; i < cases.size() && qsizetype(i) < lines.size(); ++i) {
        Case c{cases[i], {}};
        for (const QByteArray &id : lines[qsizetype(i)].split(' '))
            if (!id.isEmpty())
                c.ids.push_back(id.toInt());
        result.push_back(std::move(c));
    }
    return result;
}

// The tokenizer of the vocabulary `b` holds, written as `name` and read back as any GGUF is.
Result<std::shared_ptr<const Tokenizer>> tokenizerWritten(const GgufBuilder &b, const QString &name) {
    QTemporaryDir dir;
    const std::string path = dir.filePath(name).toStdString();
    if (auto written = b.write(path); !written)
        return written.error();
    const auto file = gguf::File::open(path);
    if (!file)
        return file.error();
    return tokenizerFromGguf(*file.value());
}

} // namespace

class TestGgufTokenizer : public QObject {
    Q_OBJECT
private slots:
    void llamaCppVectors_data();
    void llamaCppVectors();
    void stories260KMatchesItsModelFile();
    void spansMapBackToTheText();
    void addBosTokenFromMetadata();
    void unsupportedTypesSayWhich();
    void referenceFamilies_data();
    void referenceFamilies();
};

void TestGgufTokenizer::llamaCppVectors_data() {
    QTest::addColumn<QString>("vocab");
    for (const char *vocab : {"llama-spm", "phi-3", "gpt-2", "mpt", "falcon", "refact", "starcoder", "deepseek-coder",
                              "deepseek-llm", "bert-bge"})
        QTest::newRow(vocab) << vocab;
}

void TestGgufTokenizer::llamaCppVectors() {
    QFETCH(QString, vocab);
    const auto file = gguf::File::open(testsupport::sharedStd("gguf/vocab/ggml-vocab-" + vocab + ".gguf"));
    QVERIFY(file.ok());
    const auto tokenizer = tokenizerFromGguf(*file.value());
    QVERIFY2(tokenizer.ok(), tokenizer.ok() ? "" : tokenizer.error().message.c_str());
    const std::vector<Case> cases = vectors(vocab);
    QVERIFY(cases.size() > 40);
    int passed = 0;
    QStringList failures;
    for (const Case &c : cases) {
        const auto tokens = tokenizer.value()->encode(std::string_view(c.text.constData(), std::size_t(c.text.size())), false);
        QVERIFY(tokens.ok());
        std::vector<int> ids;
        for (const Token &t : tokens.value())
            ids.push_back(t.id);
        if (ids == c.ids) {
            ++passed;
        } else {
            QStringList got, want;
            for (int id : ids)
                got << QString::number(id);
            for (int id : c.ids)
                want << QString::number(id);
            failures << QString("%1: got [%2] want [%3]").arg(QString::fromUtf8(c.text.left(40)).toHtmlEscaped(),
                                                             got.join(' '), want.join(' '));
        }
    }
    qInfo("%s: %d of %d llama.cpp cases", qPrintable(vocab), passed, int(cases.size()));
    QVERIFY2(passed == int(cases.size()), qPrintable(failures.mid(0, 6).join('\n')));
}

void TestGgufTokenizer::stories260KMatchesItsModelFile() {
    const auto file = gguf::File::open(testsupport::sharedStd("gguf/stories260K.gguf"));
    QVERIFY(file.ok());
    const auto fromGguf = tokenizerFromGguf(*file.value());
    QVERIFY2(fromGguf.ok(), fromGguf.ok() ? "" : fromGguf.error().message.c_str());
    const auto fromFile = Tokenizer::loadSentencePiece(testsupport::tok512());
    QVERIFY(fromFile.ok());
    QCOMPARE(fromGguf.value()->vocabSize(), 512);
    QCOMPARE(fromGguf.value()->bosId(), 1);
    for (const QJsonValue &c : testsupport::referenceCases().value("cases").toArray()) {
        const std::string text = c.toObject().value("text").toString().toStdString();
        const auto a = fromGguf.value()->encode(text, true), b = fromFile.value()->encode(text, true);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(a->size(), b->size());
        for (std::size_t i = 0; i < a->size(); ++i) {
            QCOMPARE((*a)[i].id, (*b)[i].id);
            QCOMPARE((*a)[i].byteBegin, (*b)[i].byteBegin);
            QCOMPARE((*a)[i].special, (*b)[i].special);
        }
    }
}

void TestGgufTokenizer::spansMapBackToTheText() {
    const std::string text = "Hello, Wörld! naïve café 3.14159 — “quotes” 😀 \xff end";
    for (const char *vocab : {"gpt-2", "llama-bpe", "deepseek-llm", "bert-bge"}) {
        const std::string path = testsupport::sharedStd(QString("gguf/vocab/ggml-vocab-%1.gguf").arg(vocab));
        if (!QFileInfo::exists(QString::fromStdString(path)))
            continue; // llama-bpe has test vectors but no vocabulary file here
        const auto file = gguf::File::open(path);
        QVERIFY(file.ok());
        const auto t = tokenizerFromGguf(*file.value());
        QVERIFY(t.ok());
        const auto tokens = t.value()->encode(text, true);
        QVERIFY(tokens.ok());
        // Every token's span lies in the text and spans go left to right. A token that is part of a character (a
        // byte-level piece of "😀", or of U+FFFD, which the invalid byte \xff reads as, as in llama.cpp) stands for
        // the whole character, so neighbours may share bytes: what they cover together is counted once.
        int previousBegin = 0, previousEnd = 0;
        std::string covered;
        for (const Token &tok : tokens.value()) {
            QVERIFY(tok.byteBegin >= previousBegin && tok.byteEnd >= tok.byteBegin && tok.byteEnd <= int(text.size()));
            const int from = std::max(tok.byteBegin, previousEnd);
            if (tok.byteEnd > from)
                covered += text.substr(std::size_t(from), std::size_t(tok.byteEnd - from));
            previousBegin = tok.byteBegin;
            previousEnd = std::max(previousEnd, tok.byteEnd);
        }
        if (QString(vocab) == "bert-bge") { // [CLS] ... [SEP]; spaces belong to no token
            QCOMPARE(QString::fromStdString(tokens->front().piece), QStringLiteral("[CLS]"));
            QCOMPARE(QString::fromStdString(tokens->back().piece), QStringLiteral("[SEP]"));
            QVERIFY(tokens->front().special && tokens->back().special);
            std::string noSpaces;
            for (const char c : text)
                if (c != ' ')
                    noSpaces += c;
            QCOMPARE(covered.size(), noSpaces.size() - 1); // the invalid byte \xff is dropped, as llama.cpp does
        } else { // byte-level BPE: every byte in exactly one token, in order
            QCOMPARE(covered, text);
        }
    }
}

void TestGgufTokenizer::addBosTokenFromMetadata() {
    const auto source = gguf::File::open(testsupport::sharedStd("gguf/stories260K.gguf"));
    QVERIFY(source.ok());
    const gguf::File &f = *source.value();
    for (const bool addBos : {true, false}) {
        GgufBuilder b;
        b.setString("tokenizer.ggml.model", "llama");
        const gguf::Array *tokens = f.getArray("tokenizer.ggml.tokens");
        std::vector<std::string> pieces(tokens->strings.begin(), tokens->strings.end());
        std::vector<float> scores;
        std::vector<std::int32_t> types;
        for (std::uint64_t i = 0; i < tokens->count; ++i) {
            scores.push_back(float(f.getArray("tokenizer.ggml.scores")->number(i)));
            types.push_back(std::int32_t(f.getArray("tokenizer.ggml.token_type")->integer(i)));
        }
        b.setStringArray("tokenizer.ggml.tokens", pieces);
        b.setF32Array("tokenizer.ggml.scores", scores);
        b.setI32Array("tokenizer.ggml.token_type", types);
        b.setU32("tokenizer.ggml.bos_token_id", 1);
        b.setBool("tokenizer.ggml.add_bos_token", addBos);
        const auto t = tokenizerWritten(b, "v.gguf");
        QVERIFY(t.ok());
        const auto encoded = t.value()->encode("Lily", true);
        QVERIFY(encoded.ok());
        QCOMPARE(encoded->front().id == 1, addBos);
    }
    // An empty piece: named by its index in tokenizer.ggml.tokens, not sentencepiece's "piece must not be empty".
    GgufBuilder b;
    b.setString("tokenizer.ggml.model", "llama");
    b.setStringArray("tokenizer.ggml.tokens", {"<unk>", "<s>", "", "a"});
    const auto t = tokenizerWritten(b, "empty.gguf");
    QVERIFY(!t.ok());
    QVERIFY2(t.error().message == "empty.gguf: tokenizer.ggml.tokens[2] is empty; a sentencepiece vocabulary has no "
                                  "empty pieces",
             t.error().message.c_str());
}

void TestGgufTokenizer::unsupportedTypesSayWhich() {
    // A vocabulary type we do not read: the message names it.
    QTemporaryDir dir;
    QFile whole(testsupport::sharedPath("gguf/vocab/ggml-vocab-bert-bge.gguf"));
    QVERIFY(whole.open(QIODevice::ReadOnly));
    QByteArray bytes = whole.readAll();
    const qsizetype at = bytes.indexOf(QByteArray("tokenizer.ggml.model"));
    QVERIFY(at > 0);
    const qsizetype value = bytes.indexOf("bert", at + 20);
    QVERIFY(value > at && value < at + 40);
    bytes.replace(value, 4, "rwkv"); // same length, another tokenizer family
    const auto f = gguf::File::parse(reinterpret_cast<const unsigned char *>(bytes.constData()), std::size_t(bytes.size()),
                                     "x.gguf");
    QVERIFY(f.ok());
    const auto t = tokenizerFromGguf(*f.value());
    QVERIFY(!t.ok());
    QVERIFY2(t.error().message.find("\"rwkv\" is not supported") != std::string::npos, t.error().message.c_str());
}

void TestGgufTokenizer::referenceFamilies_data() {
    QTest::addColumn<QString>("family");
    for (const char *f : {"gemma", "gemma2", "gemma3", "qwen3", "phi3", "gptneox"})
        QTest::newRow(f) << f;
}

// The ids llama.cpp gave each reference text with the model file's own vocabulary (BOS as the vocabulary says), from
// the GGUF and, where ../shared has one, from the same model's Hugging Face folder (tokenizer.json or .model).
// gptneox's vocabulary has no tokenizer.ggml.pre: llama.cpp's default pre-tokenizer.
void TestGgufTokenizer::referenceFamilies() {
    QFETCH(QString, family);
    const QJsonArray cases = testsupport::familyCases(family);
    QVERIFY(cases.size() >= 3); // also fails when cases.json cannot be read
    const auto file = gguf::File::open(testsupport::sharedStd("reference/" + family + "/model.gguf"));
    QVERIFY(file.ok());
    std::vector<std::shared_ptr<const Tokenizer>> tokenizers;
    const auto fromGguf = tokenizerFromGguf(*file.value());
    QVERIFY2(fromGguf.ok(), fromGguf.ok() ? "" : fromGguf.error().message.c_str());
    tokenizers.push_back(fromGguf.value());
    const QString hf = testsupport::sharedPath("reference/" + family + "/hf");
    if (QFileInfo(hf).isDir()) {
        const auto fromFolder = tokenizerFromHfFolder(hf.toStdString());
        QVERIFY2(fromFolder.ok(), fromFolder.ok() ? "" : fromFolder.error().message.c_str());
        tokenizers.push_back(fromFolder.value());
    }
    for (const auto &t : tokenizers)
        for (const QJsonValue &c : cases) {
            const QByteArray text = c.toObject().value("text").toString().toUtf8();
            const auto tokens = t->encode(std::string_view(text.constData(), std::size_t(text.size())), true);
            QVERIFY(tokens.ok());
            QList<int> got, want;
            for (const Token &tok : tokens.value())
                got << tok.id;
            for (const QJsonValue &id : c.toObject().value("ids").toArray())
                want << id.toInt();
            QVERIFY2(got == want, qPrintable(QString("%1 (%2): got %3 ids, want %4").arg(c.toObject().value("name").toString(),
                                                                                    QString::fromStdString(t->kind())).arg(got.size()).arg(want.size())));
        }
}

QTEST_GUILESS_MAIN(TestGgufTokenizer)
#include "tst_gguf_tokenizer.moc"
