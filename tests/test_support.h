// Helpers shared by the tests: where ../shared lives, and reading its reference cases.
#pragma once

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QtGlobal>
#include <QtTest>

#include <string>
#include <vector>

namespace testsupport {

// The logits of every position (T, vocab) of a result, each row through AttentionResult::logitsAt: the stored last
// row and the others recomputed from the kept hidden state, as the views ask for them.
template <typename Result> std::vector<float> allLogits(const Result &r) {
    std::vector<float> out;
    for (int t = 0; t < r.seqLen(); ++t) {
        const std::vector<float> row = r.logitsAt(t);
        out.insert(out.end(), row.begin(), row.end());
    }
    return out;
}

// ../shared next to the checkout; ATTNSCOPE_SHARED_DIR in the environment overrides the build-time path.
inline QString sharedDir() {
    const QByteArray env = qgetenv("ATTNSCOPE_SHARED_DIR");
    return QDir::cleanPath(env.isEmpty() ? QStringLiteral(ATTNSCOPE_SHARED_DIR) : QString::fromLocal8Bit(env));
}
// How long to wait for the app's worker threads, in ms: the sanitizers slow the engine 3-5x, so waits stretch
// under them (GCC and Clang define __SANITIZE_ADDRESS__ with -fsanitize=address).
constexpr int waitMs(int ms) {
#if defined(__SANITIZE_ADDRESS__)
    return ms * 6;
#else
    return ms;
#endif
}

inline QString sharedPath(const QString &relative) {
    return sharedDir() + QLatin1Char('/') + relative;
}
inline std::string sharedStd(const QString &relative) {
    return sharedPath(relative).toStdString();
}

inline std::string stories260K() {
    return sharedStd(QStringLiteral("models/stories260K/stories260K.bin"));
}
inline std::string tok512() {
    return sharedStd(QStringLiteral("models/stories260K/tok512.model"));
}

// The cases of one family's reference folder (../shared/reference/<family>/cases.json): text, ids, name.
inline QJsonArray familyCases(const QString &family) {
    QFile f(sharedPath("reference/" + family + "/cases.json"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object().value("cases").toArray();
}

// A case's ids as tokens (no pieces or offsets), for analyzeTokens. Token is attnscope::Token.
template <typename Token> std::vector<Token> caseTokens(const QJsonObject &c) {
    std::vector<Token> tokens;
    for (const QJsonValue &id : c.value("ids").toArray())
        tokens.push_back(Token{id.toInt(), {}, 0, 0});
    return tokens;
}

inline QJsonObject referenceCases() {
    QFile f(sharedPath(QStringLiteral("reference/stories260K/cases.json")));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

// QTest data rows (name, text, ids) for every reference case, for tests that run each case.
inline void addReferenceCaseRows() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("ids");
    for (const QJsonValue &c : referenceCases().value("cases").toArray()) {
        const QJsonObject o = c.toObject();
        QList<int> ids;
        for (const QJsonValue &id : o.value("ids").toArray())
            ids.append(id.toInt());
        QTest::newRow(qPrintable(o.value("name").toString())) << o.value("name").toString() << o.value("text").toString() << ids;
    }
}

} // namespace testsupport
