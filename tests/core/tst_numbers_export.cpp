// CSV and JSON exports read back to exactly the numbers of the result (stories260K), with tokens as labels;
// strings from any file stay valid JSON and valid CSV.
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/numbers_export.h>

#include <QtTest>

#include <cstdlib>
#include <cstring>
#include <random>

using namespace attnscope;

namespace {

// RFC 4180 reader written for the test: fields, quoted fields with doubled quotes, CRLF records.
std::vector<std::vector<std::string>> parseCsv(const std::string &text) {
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false, wasQuoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"' && field.empty() && !wasQuoted) {
            quoted = wasQuoted = true;
        } else if (c == ',') {
            rows.back().push_back(field);
            field.clear();
            wasQuoted = false;
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            rows.back().push_back(field);
            field.clear();
            wasQuoted = false;
            rows.emplace_back();
            ++i;
        } else {
            field += c;
        }
    }
    if (rows.back().empty() && field.empty())
        rows.pop_back();
    return rows;
}

bool sameBits(float a, float b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

} // namespace

class TestNumbersExport : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void floatsReadBackExactly();
    void jsonStringsAreValid();
    void csvFieldsAreQuoted();
    void csvOfOneHead();
    void csvOfHiddenBosAggregate();
    void jsonOfEveryHead();

private:
    std::shared_ptr<const Engine> m_engine;
    std::shared_ptr<const AttentionResult> m_result;
};

void TestNumbersExport::initTestCase() {
    auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    m_engine = engine.value();
    // A comma and a quote in the text, so labels need CSV quoting.
    auto r = m_engine->analyze("Lily said, \"look\" at the big red ball.");
    QVERIFY(r.ok());
    m_result = std::make_shared<const AttentionResult>(std::move(r).value());
}

void TestNumbersExport::floatsReadBackExactly() {
    std::mt19937 rng(7);
    std::uniform_int_distribution<std::uint32_t> bits;
    int checked = 0;
    while (checked < 20000) {
        const std::uint32_t b = bits(rng);
        float f;
        std::memcpy(&f, &b, sizeof f);
        if (!std::isfinite(f))
            continue;
        const std::string s = formatFloat(f);
        QVERIFY2(sameBits(std::strtof(s.c_str(), nullptr), f), s.c_str());
        ++checked;
    }
    QCOMPARE(formatFloat(0.25f), std::string("0.25"));
    QCOMPARE(formatFloat(1.0f), std::string("1"));
    QCOMPARE(formatFloat(0.0f), std::string("0"));
}

void TestNumbersExport::jsonStringsAreValid() {
    QCOMPARE(jsonString("a\"b\\c\n\t"), std::string("\"a\\\"b\\\\c\\n\\t\""));
    QCOMPARE(jsonString(std::string("\x01", 1)), std::string("\"\\u0001\""));
    QCOMPARE(jsonString("\xE2\x96\x81Lily"), std::string("\"\xE2\x96\x81Lily\"")); // ▁ stays as it is
    QCOMPARE(jsonString("\xF0\x9F\x98\x80"), std::string("\"\xF0\x9F\x98\x80\""));   // an emoji (4 bytes)
    // A lone continuation byte, a truncated sequence, an overlong '/', a surrogate: each becomes U+FFFD.
    const std::string bad = "\x80x\xE2\x96y\xC0\xAFz\xED\xA0\x80";
    std::string doc = jsonString(bad);
    doc.insert(doc.begin(), '[');
    doc.push_back(']');
    QJsonParseError error;
    const QJsonDocument parsed = QJsonDocument::fromJson(QByteArray::fromStdString(doc), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    const QString back = parsed.array().at(0).toString();
    QVERIFY(back.contains(QLatin1Char('x')) && back.contains(QLatin1Char('y')) && back.contains(QLatin1Char('z')));
    QVERIFY(back.count(QChar(0xFFFD)) >= 4);
    QVERIFY(!QByteArray::fromStdString(doc).contains('\x80'));
}

void TestNumbersExport::csvFieldsAreQuoted() {
    QCOMPARE(csvField("plain"), std::string("plain"));
    QCOMPARE(csvField("a,b"), std::string("\"a,b\""));
    QCOMPARE(csvField("say \"hi\""), std::string("\"say \"\"hi\"\"\""));
    QCOMPARE(csvField(" lead"), std::string("\" lead\""));
    QCOMPARE(csvField("two\nlines"), std::string("\"two\nlines\""));
}

void TestNumbersExport::csvOfOneHead() {
    const AttentionResult &r = *m_result;
    const int T = r.seqLen();
    const AttentionMatrix m = attentionMatrix(r, ViewParams{2, 5, Aggregation::Head, false});
    const auto rows = parseCsv(attentionCsv(r, m));
    QCOMPARE(int(rows.size()), T + 1);
    QCOMPARE(rows[0][0], std::string("query\\key"));
    for (const auto &row : rows)
        QCOMPARE(int(row.size()), T + 1);
    bool sawComma = false;
    for (int j = 0; j < T; ++j) {
        QCOMPARE(rows[0][std::size_t(j + 1)], r.tokens[std::size_t(j)].piece);
        QCOMPARE(rows[std::size_t(j + 1)][0], r.tokens[std::size_t(j)].piece);
        sawComma = sawComma || r.tokens[std::size_t(j)].piece.find(',') != std::string::npos;
    }
    QVERIFY2(sawComma, "the text should produce a token with a comma, to exercise quoting");
    for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j) {
            const float v = std::strtof(rows[std::size_t(i + 1)][std::size_t(j + 1)].c_str(), nullptr);
            QVERIFY(sameBits(v, r.weight(2, 5, i, j)));
        }
}

void TestNumbersExport::csvOfHiddenBosAggregate() {
    const AttentionResult &r = *m_result;
    const AttentionMatrix m = attentionMatrix(r, ViewParams{1, 0, Aggregation::MeanOfHeads, true});
    QCOMPARE(m.size, r.seqLen() - 1);
    const auto rows = parseCsv(attentionCsv(r, m));
    QCOMPARE(int(rows.size()), m.size + 1);
    QCOMPARE(rows[0][1], r.tokens[1].piece); // BOS is gone from the header
    for (int i = 0; i < m.size; ++i) {
        double sum = 0;
        for (int j = 0; j < m.size; ++j)
            sum += std::strtod(rows[std::size_t(i + 1)][std::size_t(j + 1)].c_str(), nullptr);
        QVERIFY(std::abs(sum - 1.0) < 1e-5);
    }
}

void TestNumbersExport::jsonOfEveryHead() {
    const AttentionResult &r = *m_result;
    const int T = r.seqLen();
    const std::string json = attentionJson(r, "stories260K");
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(json), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    const QJsonObject o = doc.object();
    QCOMPARE(o.value("format").toString(), QStringLiteral("attnscope-attention"));
    QCOMPARE(o.value("model").toString(), QStringLiteral("stories260K"));
    QCOMPARE(o.value("text").toString(), QString::fromStdString(r.text));
    QCOMPARE(o.value("layers").toInt(), r.layers);
    QCOMPARE(o.value("heads").toInt(), r.heads);
    const QJsonArray tokens = o.value("tokens").toArray();
    QCOMPARE(tokens.size(), T);
    for (int p = 0; p < T; ++p) {
        QCOMPARE(tokens[p].toObject().value("id").toInt(), r.tokens[std::size_t(p)].id);
        QCOMPARE(tokens[p].toObject().value("piece").toString(), QString::fromStdString(r.tokens[std::size_t(p)].piece));
    }
    const QJsonArray attention = o.value("attention").toArray();
    QCOMPARE(attention.size(), r.layers);
    int mismatches = 0;
    for (int l = 0; l < r.layers; ++l) {
        const QJsonArray heads = attention[l].toArray();
        QCOMPARE(heads.size(), r.heads);
        for (int h = 0; h < r.heads; ++h) {
            const QJsonArray rows = heads[h].toArray();
            QCOMPARE(rows.size(), T);
            for (int i = 0; i < T; ++i) {
                const QJsonArray row = rows[i].toArray();
                QCOMPARE(row.size(), T);
                for (int j = 0; j < T; ++j)
                    mismatches += !sameBits(float(row[j].toDouble()), r.weight(l, h, i, j));
            }
        }
    }
    QCOMPARE(mismatches, 0);
    // tokens.json on its own is the same list.
    const QJsonDocument alone = QJsonDocument::fromJson(QByteArray::fromStdString(tokensJson(r)), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(alone.array(), tokens);
}

QTEST_GUILESS_MAIN(TestNumbersExport)
#include "tst_numbers_export.moc"
