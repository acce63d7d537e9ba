// Head role scores on synthetic attention with known answers, and on stories260K's reference text.
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/head_roles.h>

#include <QtTest>

#include <cmath>
#include <functional>

using namespace attnscope;

namespace {
std::vector<float> matrix(int T, const std::function<float(int, int)> &f) {
    std::vector<float> m(std::size_t(T * T), 0.0f);
    for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j)
            m[std::size_t(i * T + j)] = f(i, j);
    return m;
}
std::vector<int> distinctIds(int T) {
    std::vector<int> ids(static_cast<std::size_t>(T));
    for (int i = 0; i < T; ++i)
        ids[std::size_t(i)] = 100 + i;
    return ids;
}
} // namespace

class TestHeadRoles : public QObject {
    Q_OBJECT
private slots:
    void knownAnswers();
    void induction();
    void stories260KPreviousTokenHead();
};

void TestHeadRoles::knownAnswers() {
    const int T = 9;
    const auto ids = distinctIds(T);
    const HeadRoles self = headRoles(matrix(T, [](int i, int j) { return i == j ? 1.0f : 0.0f; }).data(), ids);
    QCOMPARE(self.self, 1.0);
    QCOMPARE(self.entropy, 0.0);
    QCOMPARE(self.distance, 0.0);
    QCOMPARE(QString::fromStdString(self.label), QStringLiteral("self"));
    QVERIFY(!self.induction); // no repeated token

    const HeadRoles prev = headRoles(matrix(T, [](int i, int j) { return j == std::max(0, i - 1) ? 1.0f : 0.0f; }).data(), ids);
    QCOMPARE(prev.previousToken, 1.0);
    QCOMPARE(prev.distance, 1.0);
    QCOMPARE(QString::fromStdString(prev.label), QStringLiteral("previous token"));

    const HeadRoles sink = headRoles(matrix(T, [](int, int j) { return j == 0 ? 1.0f : 0.0f; }).data(), ids);
    QCOMPARE(sink.firstToken, 1.0);
    QCOMPARE(sink.distance, T / 2.0); // mean of i over rows 1..T-1
    QCOMPARE(QString::fromStdString(sink.label), QStringLiteral("first-token sink"));

    const HeadRoles uniform = headRoles(matrix(T, [](int i, int j) { return j <= i ? 1.0f / float(i + 1) : 0.0f; }).data(), ids);
    double expected = 0;
    for (int i = 1; i < T; ++i)
        expected += std::log(double(i + 1)) / (T - 1);
    QVERIFY(std::abs(uniform.entropy - expected) < 1e-6);
    QVERIFY(uniform.label.empty()); // nothing dominates
}

void TestHeadRoles::induction() {
    // "A B C A B C": each repeat attends to the token that followed its earlier occurrence.
    const std::vector<int> ids = {5, 7, 9, 5, 7, 9};
    const int T = 6;
    const auto m = matrix(T, [](int i, int j) { return i >= 3 ? (j == i - 2 ? 1.0f : 0.0f) : (j == i ? 1.0f : 0.0f); });
    const HeadRoles r = headRoles(m.data(), ids);
    QVERIFY(r.induction);
    QCOMPARE(*r.induction, 1.0);
    QCOMPARE(QString::fromStdString(r.label), QStringLiteral("induction"));
    // The same matrix on text without repeats has no induction score.
    QVERIFY(!headRoles(m.data(), distinctIds(T)).induction);
}

void TestHeadRoles::stories260KPreviousTokenHead() {
    const auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY(engine.ok());
    QString text;
    for (const QJsonValue &c : testsupport::referenceCases().value("cases").toArray())
        if (c.toObject().value("name").toString() == "lily")
            text = c.toObject().value("text").toString();
    QVERIFY(!text.isEmpty());
    const auto r = engine.value()->analyze(text.toStdString());
    QVERIFY(r.ok());
    const std::vector<HeadRoles> roles = allHeadRoles(r.value());
    QCOMPARE(int(roles.size()), 40);
    const auto best = std::max_element(roles.begin(), roles.end(),
                                       [](const HeadRoles &a, const HeadRoles &b) { return a.previousToken < b.previousToken; });
    qInfo("strongest previous-token head: layer %d head %d, score %.3f, label \"%s\"", best->layer, best->head,
          best->previousToken, best->label.c_str());
    QCOMPARE(QString::fromStdString(best->label), QStringLiteral("previous token"));
    for (const HeadRoles &h : roles) // scores are means of probabilities
        QVERIFY(h.previousToken >= 0 && h.previousToken <= 1 && h.entropy >= 0 && h.distance >= 0);
}

QTEST_GUILESS_MAIN(TestHeadRoles)
#include "tst_head_roles.moc"
