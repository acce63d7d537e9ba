// Words instead of tokens: where words start for each kind of tokenizer, and word-level attention against the
// formula (mean over A's query tokens of the sum over B's key tokens) computed here from the token-level weights.
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/head_roles.h>
#include <attnscope/insights.h>
#include <attnscope/measures.h>
#include <attnscope/numbers_export.h>
#include <attnscope/words.h>

#include <QtTest>

#include <cmath>
#include <map>

using namespace attnscope;

namespace {

Token tok(const char *piece, int begin, int end, bool special = false) {
    Token t;
    t.piece = piece;
    t.byteBegin = begin;
    t.byteEnd = end;
    t.special = special;
    return t;
}

QStringList texts(const std::vector<Word> &words) {
    QStringList out;
    for (const Word &w : words)
        out << QString::fromStdString(w.text);
    return out;
}

// The formula, in double, from the token result's own rows.
std::vector<double> expectedWords(const AttentionResult &r, const std::vector<Word> &words, int layer, int head) {
    const HeadMatrix m = r.head(layer, head);
    const std::size_t W = words.size();
    std::vector<double> out(W * W, 0.0);
    for (std::size_t a = 0; a < W; ++a)
        for (std::size_t b = 0; b < W; ++b) {
            double sum = 0;
            for (int q : words[a].tokens)
                for (int k : words[b].tokens)
                    sum += m(q, k);
            out[a * W + b] = sum / static_cast<double>(words[a].tokens.size());
        }
    return out;
}

} // namespace

class TestWords : public QObject {
    Q_OBJECT
private slots:
    void sentencepieceStarts();
    void wordPieceStarts();
    void byteLevelStarts();
    void specialTokensAreWordsOfTheirOwn();
    void emptyAndSingle();
    void stories260KMatchesTheFormula();
    void everyMeasure();
    void wordPieceTokenizerOfAGguf();
    void wordPieceTokenizerJson();
    void json();
    void mismatchedWordsAreRefused();
    void sentencesShareWordsByTheirLetters();
};

void TestWords::sentencepieceStarts() {
    const std::string text = "Lily saw a ball, then played.";
    const std::vector<Token> tokens = {tok("<s>", 0, 0, true), tok("\xE2\x96\x81Li", 0, 2), tok("ly", 2, 4),
                                       tok("\xE2\x96\x81saw", 4, 8), tok("\xE2\x96\x81" "a", 8, 10),
                                       tok("\xE2\x96\x81" "ball", 10, 15), tok(",", 15, 16),
                                       tok("\xE2\x96\x81then", 16, 21), tok("\xE2\x96\x81play", 21, 26),
                                       tok("ed", 26, 28), tok(".", 28, 29)};
    const std::vector<Word> words = groupWords(tokens, text, false);
    QCOMPARE(texts(words), (QStringList{"<s>", "Lily", "saw", "a", "ball,", "then", "played."}));
    QCOMPARE(words[1].tokens, (std::vector<int>{1, 2}));
    QCOMPARE(words[4].tokens, (std::vector<int>{5, 6}));
    QCOMPARE(words[6].tokens, (std::vector<int>{8, 9, 10}));
    QCOMPARE(words[1].byteBegin, 0);
    QCOMPARE(words[1].byteEnd, 4);
    QCOMPARE(words[2].byteBegin, 5); // the space before "saw" is not part of the word
    QCOMPARE(words[2].byteEnd, 8);
    QVERIFY(words[0].special);
    QVERIFY(!words[1].special);
    QCOMPARE(wordOfToken(words, 11), (std::vector<int>{0, 1, 1, 2, 3, 4, 4, 5, 6, 6, 6}));
}

void TestWords::wordPieceStarts() {
    const std::string text = "playing football";
    const std::vector<Token> tokens = {tok("[CLS]", 0, 0, true), tok("play", 0, 4), tok("##ing", 4, 7),
                                       tok("foot", 8, 12), tok("##ball", 12, 16), tok("[SEP]", 16, 16, true)};
    const std::vector<Word> words = groupWords(tokens, text, true);
    QCOMPARE(texts(words), (QStringList{"[CLS]", "playing", "football", "[SEP]"}));
    QCOMPARE(words[2].tokens, (std::vector<int>{3, 4}));
    QVERIFY(words[3].special);
    // Without continuation marks "##ing" would be a piece that does not start with a space marker: the same words.
    QVERIFY(marksContinuations("WordPiece"));
    QVERIFY(marksContinuations("WordPiece (tokenizer.json)"));
    QVERIFY(!marksContinuations("sentencepiece (tok512.model)"));
    QVERIFY(!marksContinuations("byte-level BPE (gpt-2)"));
}

void TestWords::byteLevelStarts() {
    const std::string text = "The quickly fox";
    const std::vector<Token> tokens = {tok("The", 0, 3), tok("\xC4\xA0quick", 3, 9), tok("ly", 9, 11),
                                       tok(" fox", 11, 15)};
    const std::vector<Word> words = groupWords(tokens, text, false);
    QCOMPARE(texts(words), (QStringList{"The", "quickly", "fox"}));
    QCOMPARE(words[0].tokens, (std::vector<int>{0})); // the first token always starts a word
}

void TestWords::specialTokensAreWordsOfTheirOwn() {
    const std::string text = "ab<|x|>cd";
    const std::vector<Token> tokens = {tok("a", 0, 1), tok("b", 1, 2), tok("<|x|>", 2, 7, true), tok("c", 7, 8),
                                       tok("d", 8, 9)};
    const std::vector<Word> words = groupWords(tokens, text, false);
    QCOMPARE(texts(words), (QStringList{"ab", "<|x|>", "cd"})); // "c" starts a word: it follows a special token
    QCOMPARE(words[1].tokens, (std::vector<int>{2}));
    QCOMPARE(words[2].tokens, (std::vector<int>{3, 4}));
}

void TestWords::emptyAndSingle() {
    QVERIFY(groupWords({}, "", false).empty());
    const std::vector<Word> one = groupWords({tok("\xE2\x96\x81", 0, 1)}, " ", false);
    QCOMPARE(one.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(one[0].text), QStringLiteral("\u2581")); // a lone space says what it is
}

void TestWords::stories260KMatchesTheFormula() {
    auto engine = Engine::load(testsupport::stories260K());
    QVERIFY2(engine, engine ? "" : engine.error().message.c_str());
    auto analysed = engine.value()->analyze("Lily and Ben played with a big red ballooning kite. Lily smiled.");
    QVERIFY(analysed);
    auto tokens = std::make_shared<const AttentionResult>(std::move(analysed).value());
    const std::vector<Word> words = groupWords(tokens->tokens, tokens->text, false);
    QVERIFY(words.size() < tokens->tokens.size()); // some words are several pieces
    QCOMPARE(words.size(), std::size_t(13));     // <s> and the twelve words of the sentence
    const AttentionResult w = wordLevel(tokens, words);
    QCOMPARE(w.seqLen(), int(words.size()));
    QCOMPARE(w.layers, tokens->layers);
    QCOMPARE(w.heads, tokens->heads);
    QCOMPARE(QString::fromStdString(w.tokens[1].piece), QStringLiteral("Lily"));
    QVERIFY(w.tokens[1].word);
    QCOMPARE(w.tokens[11].id, w.tokens[1].id); // "Lily" again: the same word id (induction over words)
    QCOMPARE(w.tokens[1].id, 1);
    QVERIFY(w.tokens[2].id != w.tokens[1].id);
    const int W = w.seqLen();
    for (int l = 0; l < w.layers; ++l)
        for (int h = 0; h < w.heads; ++h) {
            const std::vector<double> want = expectedWords(*tokens, words, l, h);
            const HeadMatrix got = w.head(l, h);
            for (int a = 0; a < W; ++a) {
                double sum = 0;
                for (int b = 0; b < W; ++b) {
                    QVERIFY2(std::abs(got(a, b) - want[std::size_t(a * W + b)]) < 1e-6,
                             qPrintable(QStringLiteral("L%1 H%2 (%3, %4): %5 vs %6").arg(l).arg(h).arg(a).arg(b)
                                            .arg(got(a, b)).arg(want[std::size_t(a * W + b)])));
                    if (b > a)
                        QCOMPARE(got(a, b), 0.0f); // a word never sees a later word
                    sum += got(a, b);
                }
                QVERIFY(std::abs(sum - 1.0) < 1e-5);
            }
            // A few rows at a time give the same numbers as the whole head.
            std::vector<float> rows(std::size_t(3 * W));
            w.rows(l, h, 4, 3, rows.data());
            for (int i = 0; i < 3 * W; ++i)
                QCOMPARE(rows[std::size_t(i)], got(4 + i / W, i % W));
        }
    // The logits at a word are its last token's; the head roles are scored from the word matrices.
    const std::vector<float> last = w.logitsAt(W - 1);
    const std::vector<float> lastToken = tokens->logitsAt(tokens->seqLen() - 1);
    QCOMPARE(last, lastToken);
    QCOMPARE(w.logitsAt(2), tokens->logitsAt(words[2].tokens.back()));
    const std::vector<HeadRoles> roles = allHeadRoles(w);
    QCOMPARE(int(roles.size()), w.layers * w.heads);
    for (const HeadRoles &r : roles)
        QVERIFY(r.entropy >= 0 && std::isfinite(r.entropy));
}

void TestWords::everyMeasure() {
    auto engine = Engine::load(testsupport::stories260K());
    QVERIFY(engine);
    AnalyzeParams params;
    params.valueNorms = true;
    auto analysed = engine.value()->analyze("Tom gave the ballooning ball to Lily.", params);
    QVERIFY(analysed);
    for (const Measure m : {Measure::Value, Measure::Rollout}) {
        auto measured = withMeasure(AttentionResult(analysed.value()), m);
        QVERIFY2(measured, measured ? "" : measured.error().message.c_str());
        auto tokens = std::make_shared<const AttentionResult>(std::move(measured).value());
        const std::vector<Word> words = groupWords(tokens->tokens, tokens->text, false);
        const AttentionResult w = wordLevel(tokens, words);
        QCOMPARE(w.measure, m);
        QCOMPARE(w.heads, tokens->heads);
        const int W = w.seqLen();
        for (int l = 0; l < w.layers; ++l) {
            const std::vector<double> want = expectedWords(*tokens, words, l, 0);
            const HeadMatrix got = w.head(l, 0);
            for (int i = 0; i < W * W; ++i)
                QVERIFY(std::abs(got.data()[i] - want[std::size_t(i)]) < 1e-6);
        }
    }
}

void TestWords::wordPieceTokenizerOfAGguf() {
    auto tokenizer = Engine::loadTokenizer(testsupport::sharedStd(QStringLiteral("gguf/vocab/ggml-vocab-bert-bge.gguf")));
    QVERIFY2(tokenizer, tokenizer ? "" : tokenizer.error().message.c_str());
    const std::string text = "The unbelievably tokenized sentence";
    auto encoded = tokenizer.value()->encode(text, true);
    QVERIFY(encoded);
    // A GGUF "bert" vocabulary stores WordPiece sentencepiece-style ("▁the", "bel"): read by its word-start marks.
    QVERIFY(marksContinuations(tokenizer.value()->kind()));
    QVERIFY(!marksContinuations(*tokenizer.value()));
    const std::vector<Word> words = groupWords(encoded.value(), text, marksContinuations(*tokenizer.value()));
    QCOMPARE(texts(words), (QStringList{"[CLS]", "The", "unbelievably", "tokenized", "sentence", "[SEP]"}));
    QVERIFY(words[2].tokens.size() > 1 || words[3].tokens.size() > 1); // some word is several pieces
}

void TestWords::wordPieceTokenizerJson() {
    auto tokenizer = Engine::loadTokenizer({}, ATTNSCOPE_TEST_DATA_DIR "/tokenizers/wordpiece-bert.json");
    QVERIFY2(tokenizer, tokenizer ? "" : tokenizer.error().message.c_str());
    QVERIFY(marksContinuations(*tokenizer.value())); // "##ing" and the like
    const std::string text = "Playing footballers smiled unbelievably";
    auto encoded = tokenizer.value()->encode(text, true);
    QVERIFY(encoded);
    bool continued = false;
    for (const Token &t : encoded.value())
        continued = continued || t.piece.rfind("##", 0) == 0;
    QVERIFY(continued);
    const std::vector<Word> words = groupWords(encoded.value(), text, true);
    QCOMPARE(texts(words), (QStringList{"[CLS]", "Playing", "footballers", "smiled", "unbelievably", "[SEP]"}));
}

void TestWords::json() {
    const std::vector<Token> tokens = {tok("<s>", 0, 0, true), tok("\xE2\x96\x81Li", 0, 2), tok("ly", 2, 4),
                                       tok("\xE2\x96\x81\"ok\"", 4, 9)};
    const std::string text = "Lily \"ok\"";
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(wordsJson(groupWords(tokens, text, false))));
    QVERIFY(doc.isArray());
    const QJsonArray a = doc.array();
    QCOMPARE(a.size(), 3);
    QCOMPARE(a[1].toObject()[QStringLiteral("text")].toString(), QStringLiteral("Lily"));
    QCOMPARE(a[1].toObject()[QStringLiteral("tokens")].toArray(), (QJsonArray{1, 2}));
    QCOMPARE(a[1].toObject()[QStringLiteral("begin")].toInt(), 0);
    QCOMPARE(a[1].toObject()[QStringLiteral("end")].toInt(), 4);
    QCOMPARE(a[2].toObject()[QStringLiteral("text")].toString(), QStringLiteral("\"ok\""));
    QCOMPARE(a[0].toObject()[QStringLiteral("special")].toBool(), true);
}

void TestWords::mismatchedWordsAreRefused() {
    auto r = std::make_shared<AttentionResult>();
    r->tokens = {tok("a", 0, 1), tok("b", 1, 2)};
    std::vector<Word> words(1);
    words[0].tokens = {0};
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, wordLevel(r, words));
    words[0].tokens = {1, 0};
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, wordLevel(r, words));
}

void TestWords::sentencesShareWordsByTheirLetters() {
    QCOMPARE(matchingForm("bat!"), std::string("bat"));
    QCOMPARE(matchingForm("The"), std::string("the"));
    QCOMPARE(matchingForm("▁Lily,"), std::string("lily"));
    QCOMPARE(matchingForm("«Über»"), std::string("über"));
    QCOMPARE(matchingForm("don't"), std::string("don't")); // inside a word punctuation stays
    QCOMPARE(matchingForm("..."), std::string());
    QCOMPARE(matchingForm("ΣΟΦΙΑ."), std::string("σοφια"));
    // Two sentences of stories260K between words: "bat!" / "bat" and "The" / "the" are the same words.
    auto engine = Engine::load(testsupport::stories260K());
    QVERIFY(engine);
    auto word = [&](const char *text) {
        auto r = engine.value()->analyze(text);
        auto tokens = std::make_shared<const AttentionResult>(std::move(r).value());
        return wordLevel(tokens, groupWords(tokens->tokens, tokens->text, false));
    };
    const AttentionResult a = word("Swing the bat!"), b = word("The bat flew at night.");
    const auto shared = sharedWords(a, b);
    QCOMPARE(shared.size(), std::size_t(2));
    QCOMPARE(a.tokens[std::size_t(shared[0].first)].piece, std::string("the"));
    QCOMPARE(b.tokens[std::size_t(shared[0].second)].piece, std::string("The"));
    QCOMPARE(a.tokens[std::size_t(shared[1].first)].piece, std::string("bat!"));
    QCOMPARE(b.tokens[std::size_t(shared[1].second)].piece, std::string("bat"));
    QVERIFY(sharedTokens(a, b).empty()); // the exact pieces share nothing; <s> is never an anchor
    // The ranking compares the anchor's attention over keys matched the same way: a head that puts all of "bat!"'s
    // weight on itself and one that puts all of "bat"'s on itself do not change, whatever the punctuation.
    const auto changes = headChanges(a, shared[1].first, b, shared[1].second);
    QCOMPARE(changes.size(), std::size_t(5 * 8));
    for (const HeadScore &c : changes) {
        double tv = 0; // by hand: "<s>", "swing", "the", "bat", "flew", "at", "night" as keys
        std::map<std::string, double> p;
        std::vector<float> rowA(std::size_t(a.seqLen())), rowB(std::size_t(b.seqLen()));
        a.rows(c.layer, c.head, shared[1].first, 1, rowA.data());
        b.rows(c.layer, c.head, shared[1].second, 1, rowB.data());
        for (int j = 0; j < a.seqLen(); ++j)
            p[j == 0 ? "<s>" : matchingForm(a.tokens[std::size_t(j)].piece)] += rowA[std::size_t(j)];
        for (int j = 0; j < b.seqLen(); ++j)
            p[j == 0 ? "<s>" : matchingForm(b.tokens[std::size_t(j)].piece)] -= rowB[std::size_t(j)];
        for (const auto &[key, d] : p)
            tv += std::abs(d);
        QVERIFY2(std::abs(c.score - 0.5 * tv) < 1e-5, qPrintable(QStringLiteral("%1 vs %2").arg(c.score).arg(0.5 * tv)));
    }
}

QTEST_GUILESS_MAIN(TestWords)
#include "tst_words.moc"
