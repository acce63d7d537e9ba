// Tokenizer edge cases a user will hit: empty text, emoji through byte fallback, odd unicode, too-long text.
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/tokenizer.h>

#include <QtTest>

using namespace attnscope;

class TestTokenizer : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void emptyTextIsBosOnly();
    void spansPointIntoTheText();
    void emojiBecomesFourBytePieces();
    void invalidUtf8DoesNotCrash();
    void textLongerThanContextIsAnError();
    void truncationWhenAsked();
    void missingAndBogusTokenizerFiles();
    void mismatchedTokenizerIsRefused();

private:
    std::shared_ptr<const Engine> m_engine;
};

void TestTokenizer::initTestCase() {
    auto engine = Engine::load(testsupport::stories260K()); // tokenizer found beside the checkpoint
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    m_engine = engine.value();
    QVERIFY(m_engine->info().tokenizerPath.ends_with("tok512.model"));
}

void TestTokenizer::emptyTextIsBosOnly() {
    const auto tokens = m_engine->tokenizer().encode("");
    QVERIFY(tokens.ok());
    QCOMPARE(tokens->size(), std::size_t(1));
    QCOMPARE(tokens->front().id, 1);
    QVERIFY(tokens->front().special);
    const auto result = m_engine->analyze("");
    QVERIFY(result.ok());
    QCOMPARE(result->seqLen(), 1);
    QCOMPARE(result->weight(0, 0, 0, 0), 1.0f);
}

void TestTokenizer::spansPointIntoTheText() {
    const std::string text = "Once upon a time, there was a little girl named Lily.";
    const auto tokens = m_engine->tokenizer().encode(text);
    QVERIFY(tokens.ok());
    std::string rebuilt;
    for (std::size_t i = 1; i < tokens->size(); ++i) {
        const Token &t = (*tokens)[i];
        QVERIFY(t.byteBegin >= 0 && t.byteBegin <= t.byteEnd && t.byteEnd <= int(text.size()));
        rebuilt += text.substr(std::size_t(t.byteBegin), std::size_t(t.byteEnd - t.byteBegin));
    }
    QCOMPARE(QString::fromStdString(rebuilt), QString::fromStdString(text));
    // "▁time" covers " time" in the input
    QCOMPARE((*tokens)[4].piece, std::string("▁time"));
    QCOMPARE(text.substr(std::size_t((*tokens)[4].byteBegin), 5), std::string(" time"));
}

void TestTokenizer::emojiBecomesFourBytePieces() {
    const std::string text = "I love \xF0\x9F\x98\x80!"; // U+1F600
    const auto tokens = m_engine->tokenizer().encode(text);
    QVERIFY(tokens.ok());
    std::vector<const Token *> bytes;
    for (const Token &t : *tokens)
        if (t.byte)
            bytes.push_back(&t);
    QCOMPARE(bytes.size(), std::size_t(4));
    const char *expected[] = {"<0xF0>", "<0x9F>", "<0x98>", "<0x80>"};
    const int emojiStart = int(text.find('\xF0'));
    for (int k = 0; k < 4; ++k) {
        QCOMPARE(bytes[std::size_t(k)]->piece, std::string(expected[k]));
        QCOMPARE(bytes[std::size_t(k)]->byteBegin, emojiStart + k);
        QCOMPARE(bytes[std::size_t(k)]->byteEnd, emojiStart + k + 1);
    }
    QVERIFY(m_engine->analyze(text).ok());
}

void TestTokenizer::invalidUtf8DoesNotCrash() {
    const std::string text = std::string("bad \xC3\x28 bytes \xFF\xFE and \0 nul", 26);
    const auto result = m_engine->analyze(text);
    QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
    QVERIFY(result->seqLen() > 1);
    for (const Token &t : result->tokens)
        QVERIFY(t.byteEnd <= int(text.size()));
    // right-to-left and combining marks
    QVERIFY(m_engine->analyze("\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D e\xCC\x81").ok());
}

void TestTokenizer::textLongerThanContextIsAnError() {
    std::string text;
    for (int i = 0; i < 200; ++i)
        text += "Lily saw a big red ball. ";
    const auto result = m_engine->analyze(text);
    QVERIFY(!result.ok());
    QVERIFY2(result.error().message.find("context") != std::string::npos, result.error().message.c_str());
    QVERIFY(result.error().message.find("512") != std::string::npos);
}

void TestTokenizer::truncationWhenAsked() {
    std::string text;
    for (int i = 0; i < 200; ++i)
        text += "Lily saw a big red ball. ";
    AnalyzeParams params;
    params.truncateToContext = true;
    const auto result = m_engine->analyze(text, params);
    QVERIFY(result.ok());
    QCOMPARE(result->seqLen(), 512);
    QVERIFY(result->truncated);
    QVERIFY(result->text.size() < text.size());
    QCOMPARE(int(result->text.size()), result->tokens.back().byteEnd);
}

void TestTokenizer::missingAndBogusTokenizerFiles() {
    const auto missing = Tokenizer::loadSentencePiece("/nonexistent/tok.model");
    QVERIFY(!missing.ok());
    QVERIFY(missing.error().message.find("tok.model") != std::string::npos);

    const auto dir = Tokenizer::loadSentencePiece(QDir::tempPath().toStdString());
    QVERIFY(!dir.ok());
    QVERIFY(dir.error().message.find("directory") != std::string::npos);

    QTemporaryDir tmp;
    const QString empty = tmp.filePath("empty.model");
    QFile(empty).open(QIODevice::WriteOnly);
    const auto emptyResult = Tokenizer::loadSentencePiece(empty.toStdString());
    QVERIFY(!emptyResult.ok());
    QVERIFY(emptyResult.error().message.find("empty") != std::string::npos);

    // the first 3000 bytes of a real model: a broken protobuf
    QFile real(QString::fromStdString(testsupport::tok512()));
    QVERIFY(real.open(QIODevice::ReadOnly));
    const QString cut = tmp.filePath("cut.model");
    QFile out(cut);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(real.read(3000));
    out.close();
    const auto cutResult = Tokenizer::loadSentencePiece(cut.toStdString());
    QVERIFY(!cutResult.ok());
    QVERIFY2(cutResult.error().message.find("not a sentencepiece model") != std::string::npos,
             cutResult.error().message.c_str());

    // a checkpoint is not a tokenizer
    const auto wrong = Tokenizer::loadSentencePiece(testsupport::stories260K());
    QVERIFY(!wrong.ok());
}

void TestTokenizer::mismatchedTokenizerIsRefused() {
    const auto engine =
        Engine::load(testsupport::stories260K(), testsupport::sharedStd("models/llama2-tokenizer/tokenizer.model"));
    QVERIFY(!engine.ok());
    QVERIFY2(engine.error().message.find("32000") != std::string::npos, engine.error().message.c_str());
    QVERIFY(engine.error().message.find("512") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestTokenizer)
#include "tst_tokenizer.moc"
