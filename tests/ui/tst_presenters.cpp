// The presenters without a window: AnalysisPresenter on the real stories260K model (focus kept in token positions
// across hidden tokens, words, measures and new results; sessions and examples applied once their result is in;
// the selectors it offers) and SettingsStore on a temporary settings file.
#include "random_llama.h"
#include "test_support.h"

#include "models/focus.h"
#include "models/heatmap_model.h"
#include "models/insights_model.h"
#include "presenters/analysis_presenter.h"
#include "presenters/compare_presenter.h"
#include "presenters/export_requests.h"
#include "presenters/settings_store.h"

#include <attnscope/engine.h>

#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnscope;

namespace {
const QString kText = QStringLiteral("Lily and Ben liked the big red ball. Lily said hi.");

bool waitForText(AnalysisPresenter &p, const QString &text) {
    return QTest::qWaitFor([&] { return p.analysis() && p.analysis()->raw->text == text.toStdString(); },
                           testsupport::waitMs(10000));
}

// The presenter on stories260K with `text` analysed.
std::unique_ptr<AnalysisPresenter> loaded(const QString &text = kText) {
    auto p = std::make_unique<AnalysisPresenter>(0);
    p->setText(text);
    p->openModel(QString::fromStdString(testsupport::stories260K()));
    if (!waitForText(*p, text))
        return nullptr;
    return p;
}

int positionOf(const AnalysisPresenter &p, const std::string &piece, int from = 0) {
    const auto &tokens = p.analysis()->raw->tokens;
    for (int i = from; i < int(tokens.size()); ++i)
        if (tokens[std::size_t(i)].piece == piece)
            return i;
    return -1;
}
} // namespace

class TestPresenters : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void analysesTheTextOnItsModel();
    void selectorsFollowTheModelAndMeasure();
    void focusSurvivesHiddenTokensAndWords();
    void focusSurvivesAnEditAfterIt();
    void sessionRoundTrip();
    void badSessionChangesNothing();
    void exampleOpensItsHeadAndToken();
    void settingsStoreRemembers();
    void storeWithoutSettingsForgets();
    void exportRequestsRememberTheFolder();
    void compareSharesWordsByTheirLetters();
};

void TestPresenters::analysesTheTextOnItsModel() {
    auto p = std::make_unique<AnalysisPresenter>(0);
    QSignalSpy loadedSpy(p.get(), &AnalysisPresenter::modelLoaded);
    QSignalSpy shown(p.get(), &AnalysisPresenter::resultShown);
    // Until there is a result the views say what to do next, or what is under way.
    QVERIFY2(p->heatmapModel()->emptyText().contains(QStringLiteral("Get Models")), qPrintable(p->heatmapModel()->emptyText()));
    p->setText(kText);
    QVERIFY(!p->layerSelectable()); // nothing to select before a model
    p->openModel(QString::fromStdString(testsupport::stories260K()));
    QCOMPARE(p->heatmapModel()->emptyText(), QStringLiteral("Loading the model…"));
    QVERIFY(waitForText(*p, kText));
    QCOMPARE(loadedSpy.count(), 1);
    QVERIFY(shown.count() >= 1);
    QCOMPARE(p->heatmapModel()->tokenCount(), p->analysis()->raw->seqLen());
    QCOMPARE(p->modelName(), QStringLiteral("stories260K"));
    QVERIFY(p->errorText().isEmpty());
    // A file that is no model: one message naming it, and the model stays.
    QTemporaryDir dir;
    QFile notes(dir.filePath(QStringLiteral("notes.txt")));
    QVERIFY(notes.open(QIODevice::WriteOnly));
    notes.write("lecture notes\n");
    notes.close();
    const EnginePtr before = p->engine();
    p->openModel(notes.fileName());
    QTRY_VERIFY_WITH_TIMEOUT(!p->errorText().isEmpty(), testsupport::waitMs(10000));
    QVERIFY2(p->errorText().contains(QStringLiteral("notes.txt")) && p->errorText().contains(QStringLiteral("still using")),
             qPrintable(p->errorText()));
    QCOMPARE(p->engine(), before);
    p->setText(QStringLiteral("  "));
    QCOMPARE(p->heatmapModel()->emptyText(), QStringLiteral("Type a sentence above to see its attention."));
    p->setText(QStringLiteral("Tom ran."));
    QVERIFY(p->heatmapModel()->emptyText().startsWith(QStringLiteral("Computing")));
}

void TestPresenters::selectorsFollowTheModelAndMeasure() {
    auto p = loaded();
    QVERIFY(p);
    QCOMPARE(p->layers(), 5);
    QCOMPARE(p->heads(), 8);
    p->selectHead(9, -3); // clamped to the model
    QCOMPARE(p->layer(), 4);
    QCOMPARE(p->head(), 0);
    p->selectHead(2, 5);
    QCOMPARE(p->heatmapModel()->params().layer, 2);
    QCOMPARE(p->heatmapModel()->params().head, 5);
    QVERIFY(p->headSelectable() && p->oneHeadShown());
    p->setAggregation(Aggregation::MeanOfAll);
    QVERIFY(!p->layerSelectable() && !p->headSelectable());
    p->showHead(3, 6); // a click on a head: one head again
    QCOMPARE(p->aggregation(), Aggregation::Head);
    QCOMPARE(p->layer(), 3);
    QCOMPARE(p->head(), 6);
    // Rollout has one matrix per layer: one "head", and a click on any head shows that layer's.
    p->setMeasure(Measure::Rollout);
    QTRY_VERIFY_WITH_TIMEOUT(p->analysis()->shown->measure == Measure::Rollout, testsupport::waitMs(10000));
    QCOMPARE(p->heads(), 1);
    QCOMPARE(p->head(), 0);
    QVERIFY(!p->headSelectable() && !p->oneHeadShown());
    p->showHead(1, 7);
    QCOMPARE(p->layer(), 1);
    QCOMPARE(p->head(), 0);
    p->setMeasure(Measure::Raw);
    QTRY_VERIFY_WITH_TIMEOUT(p->analysis()->shown->measure == Measure::Raw, testsupport::waitMs(10000));
    QCOMPARE(p->heads(), 8);
}

void TestPresenters::focusSurvivesHiddenTokensAndWords() {
    auto p = loaded();
    QVERIFY(p);
    QSignalSpy focusSpy(p.get(), &AnalysisPresenter::focusChanged);
    const int ben = positionOf(*p, "▁B") /* "▁B" "en" */;
    QVERIFY(ben > 0);
    p->focusToken(ben);
    QCOMPARE(p->tokenFocus().query, ben);
    QVERIFY(focusSpy.count() >= 1);
    QCOMPARE(p->insightsModel()->predictionPosition(), ben); // the next-token list follows the focus
    // Hiding <s> renumbers the rows: the same token stays focused.
    p->setHideSpecial(true);
    QCOMPARE(p->heatmapModel()->tokenCount(), p->analysis()->raw->seqLen() - 1);
    QCOMPARE(p->tokenFocus().query, ben);
    QCOMPARE(focusOf(p->selection()).query, ben - 1);
    p->setHideSpecial(false);
    QCOMPARE(p->tokenFocus().query, ben);
    // A cell (query, key) in words: the rows are words, the focus still names token positions.
    const int said = positionOf(*p, "▁said");
    QVERIFY(said > ben);
    p->focusCell(said, ben);
    p->setWords(true);
    QVERIFY(p->wordsShown());
    const std::vector<Word> &words = p->analysis()->words;
    QCOMPARE(p->heatmapModel()->tokenCount(), int(words.size()));
    const std::vector<int> of = wordOfToken(words, p->analysis()->raw->seqLen());
    QCOMPARE(focusOf(p->selection()).query, of[std::size_t(said)]);
    QCOMPARE(focusOf(p->selection()).key, of[std::size_t(ben)]);
    QCOMPARE(p->tokenFocus().query, words[std::size_t(of[std::size_t(said)])].tokens.back());
    QCOMPARE(p->tokenFocus().key, words[std::size_t(of[std::size_t(ben)])].tokens.front());
    QCOMPARE(p->rowOfToken(said), of[std::size_t(said)]);
    p->setWords(false);
    QCOMPARE(p->heatmapModel()->tokenCount(), p->analysis()->raw->seqLen());
    QCOMPARE(p->tokenFocus().query, said);
}

void TestPresenters::focusSurvivesAnEditAfterIt() {
    auto p = loaded();
    QVERIFY(p);
    const int ball = positionOf(*p, "▁b") /* "▁b" "all" */;
    QVERIFY(ball > 0);
    p->focusToken(ball);
    const QString longer = kText + QStringLiteral(" Ben ran.");
    p->setText(longer);
    QVERIFY(waitForText(*p, longer));
    QCOMPARE(p->tokenFocus().query, ball); // the tokens up to it did not change
    p->focusToken(p->analysis()->raw->seqLen() - 1);
    p->setText(QStringLiteral("Tom"));
    QVERIFY(waitForText(*p, QStringLiteral("Tom")));
    QCOMPARE(p->tokenFocus().query, -1); // that token is gone: nothing focused rather than another one
}

void TestPresenters::sessionRoundTrip() {
    auto p = loaded();
    QVERIFY(p);
    p->selectHead(3, 2);
    p->setAggregation(Aggregation::MaxOfHeads);
    p->setWords(true);
    const int ben = positionOf(*p, "▁B") /* "▁B" "en" */;
    p->focusToken(ben);
    Session look;
    look.colorMap = QStringLiteral("magma");
    const Session saved = p->session(look);
    QCOMPARE(saved.layer, 3);
    QCOMPARE(saved.head, 2);
    QCOMPARE(saved.aggregation, QStringLiteral("max"));
    QCOMPARE(saved.pinnedQuery, ben + 1); // a token position though words are shown: the word's last, "en"
    QVERIFY(saved.words);
    QCOMPARE(saved.colorMap, QStringLiteral("magma")); // the window's part is kept
    QCOMPARE(saved.text, kText);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("lesson.attnscope"));
    QCOMPARE(p->saveSession(path, look), QString());

    AnalysisPresenter fresh(0);
    QSignalSpy lookSpy(&fresh, &AnalysisPresenter::sessionLookRequested);
    QSignalSpy textSpy(&fresh, &AnalysisPresenter::textReplaced);
    QCOMPARE(fresh.openSession(path), QString());
    QCOMPARE(lookSpy.count(), 1);
    QCOMPARE(lookSpy.front().front().value<Session>().colorMap, QStringLiteral("magma"));
    QCOMPARE(textSpy.front().front().toString(), kText);
    QVERIFY(waitForText(fresh, kText));
    QCOMPARE(fresh.layer(), 3);
    QCOMPARE(fresh.head(), 2);
    QCOMPARE(fresh.aggregation(), Aggregation::MaxOfHeads);
    QVERIFY(fresh.wordsShown());
    QCOMPARE(fresh.tokenFocus().query, ben + 1);
    QCOMPARE(focusOf(fresh.selection()).query, wordOfToken(fresh.analysis()->words, fresh.analysis()->raw->seqLen())[3]);
}

void TestPresenters::badSessionChangesNothing() {
    auto p = loaded();
    QVERIFY(p);
    p->selectHead(1, 1);
    QTemporaryDir dir;
    QFile bad(dir.filePath(QStringLiteral("bad.attnscope")));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{\"attnscope-session\": 1, \"model\": \"/m.gguf\", \"text\": \"x\", \"layer\": \"three\"}");
    bad.close();
    const QString message = p->openSession(bad.fileName());
    QVERIFY2(message.contains(QStringLiteral("bad.attnscope")) && message.contains(QStringLiteral("nothing was changed")),
             qPrintable(message));
    QCOMPARE(p->errorText(), message);
    QCOMPARE(p->layer(), 1);
    QCOMPARE(p->text(), kText);
    QVERIFY(!p->openSession(dir.filePath(QStringLiteral("missing.attnscope"))).isEmpty());
}

void TestPresenters::exampleOpensItsHeadAndToken() {
    auto p = loaded();
    QVERIFY(p);
    Example e;
    e.text = QStringLiteral("Tom had a cat. Tom loved the cat.");
    e.model = QStringLiteral("stories260K");
    e.layer = 2;
    e.head = 4;
    e.focus = QStringLiteral("▁c"); // "▁c" "at"
    QSignalSpy textSpy(p.get(), &AnalysisPresenter::textReplaced);
    p->showExample(e);
    QCOMPARE(textSpy.count(), 1);
    QVERIFY(waitForText(*p, e.text));
    QTRY_COMPARE_WITH_TIMEOUT(p->layer(), 2, testsupport::waitMs(5000));
    QCOMPARE(p->head(), 4);
    const int firstCat = positionOf(*p, "▁c"), lastCat = positionOf(*p, "▁c", firstCat + 1);
    QVERIFY(firstCat > 0 && lastCat > firstCat);
    QCOMPARE(p->tokenFocus().query, lastCat); // the last occurrence: where an induction head looks back
    // An example measured on another model keeps the head the user has.
    p->selectHead(0, 0);
    e.text = QStringLiteral("Sam had a dog.");
    e.model = QStringLiteral("some-other-model");
    p->showExample(e);
    QVERIFY(waitForText(*p, e.text));
    QTest::qWait(20);
    QCOMPARE(p->layer(), 0);
    QCOMPARE(p->head(), 0);
}

void TestPresenters::settingsStoreRemembers() {
    QTemporaryDir dir;
    const QString ini = dir.filePath(QStringLiteral("settings.ini"));
    const QString model = QFileInfo(QString::fromStdString(testsupport::stories260K())).absoluteFilePath();
    {
        QSettings settings(ini, QSettings::IniFormat);
        SettingsStore store(&settings);
        QVERIFY(store.remembers());
        QVERIFY(!store.lastSession() && !store.lastText() && !store.lastModel() && !store.tourDone());
        for (int i = 0; i < 10; ++i)
            store.addRecentModel(QStringLiteral("/models/m%1.gguf").arg(i));
        store.addRecentModel(QStringLiteral("/models/m5.gguf")); // again: to the front, once
        const QStringList recent = store.recentModels();
        QCOMPARE(recent.size(), SettingsStore::kRecentModels);
        QCOMPARE(recent.front(), QStringLiteral("/models/m5.gguf"));
        QCOMPARE(recent.count(QStringLiteral("/models/m5.gguf")), 1);
        QCOMPARE(recent.at(1), QStringLiteral("/models/m9.gguf"));
        Session s;
        s.modelPath = model;
        s.text = QStringLiteral("Ben ran.");
        s.layer = 4;
        store.rememberSession(s);
        Session noModel; // nothing loaded: the text is kept, the session with a model stays
        noModel.text = QStringLiteral("typed before any model");
        store.rememberSession(noModel);
        store.rememberWindow(QByteArray("geometry"), QByteArray("docks"));
        store.setTourDone();
    }
    QSettings settings(ini, QSettings::IniFormat);
    SettingsStore store(&settings);
    QCOMPARE(store.recentModels().front(), QStringLiteral("/models/m5.gguf"));
    QVERIFY(store.lastSession());
    QCOMPARE(store.lastSession()->layer, 4);
    QCOMPARE(store.lastSession()->text, QStringLiteral("Ben ran."));
    QCOMPARE(store.lastText().value_or(QString()), QStringLiteral("typed before any model"));
    QCOMPARE(store.lastModel()->model, model);
    QCOMPARE(store.geometry(), QByteArray("geometry"));
    QCOMPARE(store.windowState(), QByteArray("docks"));
    QVERIFY(store.tourDone());
    // A session whose model was deleted does not come back.
    Session gone;
    gone.modelPath = dir.filePath(QStringLiteral("deleted.gguf"));
    store.rememberSession(gone);
    QVERIFY(!store.lastSession());
    QVERIFY(!store.lastModel());
}

void TestPresenters::storeWithoutSettingsForgets() {
    SettingsStore store;
    QVERIFY(!store.remembers());
    store.addRecentModel(QStringLiteral("/models/a.gguf")); // kept for this run's Recent menu
    QCOMPARE(store.recentModels(), QStringList{QStringLiteral("/models/a.gguf")});
    Session s;
    s.modelPath = QString::fromStdString(testsupport::stories260K());
    store.rememberSession(s);
    store.setTourDone();
    QVERIFY(!store.lastSession() && !store.tourDone() && store.geometry().isEmpty());
}

void TestPresenters::exportRequestsRememberTheFolder() {
    QTemporaryDir start, elsewhere;
    ExportRequests requests(start.path());
    QCOMPARE(requests.directory(), start.path());
    QCOMPARE(requests.currentView(), ExportView::Heatmap);
    requests.setCurrentView(ExportView::Grid);
    QCOMPARE(requests.currentView(), ExportView::Grid);
    QFile png(elsewhere.filePath(QStringLiteral("grid.png")));
    QVERIFY(png.open(QIODevice::WriteOnly));
    png.write(QByteArray(3000, 'x'));
    png.close();
    QSignalSpy message(&requests, &ExportRequests::message);
    requests.exported({png.fileName()});
    QCOMPARE(requests.directory(), elsewhere.path()); // the next dialog opens where this export went
    QCOMPARE(message.count(), 1);
    const QString text = message.front().front().toString();
    QVERIFY2(text.contains(QStringLiteral("grid.png (3 KB)")) && text.contains(QDir::toNativeSeparators(elsewhere.path())),
             qPrintable(text));
    ExportRequests fallback(QStringLiteral("/no/such/folder"));
    QVERIFY(QDir(fallback.directory()).exists()); // a folder that is gone: Pictures or home instead
}

void TestPresenters::compareSharesWordsByTheirLetters() {
    auto engine = Engine::load(testsupport::stories260K());
    QVERIFY(engine);
    ComparePresenter p(0);
    QSignalSpy compared(&p, &ComparePresenter::compared);
    p.setEngine(engine.value());
    p.setTexts(QStringLiteral("Swing the bat!"), QStringLiteral("The bat flew at night."));
    QTRY_VERIFY_WITH_TIMEOUT(p.resultA() && p.resultB() && p.resultA()->text == "Swing the bat!" &&
                                 p.resultB()->text == "The bat flew at night.", testsupport::waitMs(10000));
    QCOMPARE(p.anchors()[std::size_t(p.anchorIndex())].label, QStringLiteral("at")); // tokens: "▁b" "at" in both
    p.setWords(true);
    QCOMPARE(p.resultA()->seqLen(), 4); // <s> Swing the bat!
    QCOMPARE(int(p.anchors().size()), 2); // "the" / "The" and "bat!" / "bat"
    const ComparePresenter::Anchor &anchor = p.anchors()[std::size_t(p.anchorIndex())];
    QCOMPARE(anchor.label, QStringLiteral("bat!"));
    QCOMPARE(p.modelB()->tokenText(anchor.rowB), QStringLiteral("bat"));
    QCOMPARE(int(p.ranking().size()), 5 * 8);
    p.selectHead(9, 9); // clamped
    QCOMPARE(p.layer(), 4);
    QCOMPARE(p.head(), 7);
    QCOMPARE(p.modelA()->params().layer, 4);
    // Words switched while no model is there: the state says so at once, the results follow.
    ComparePresenter idle(0);
    QSignalSpy state(&idle, &ComparePresenter::stateChanged);
    idle.setWords(true);
    QVERIFY(idle.words() && state.count() == 1);
    // Another model with fewer layers and heads: the head shown stays inside it.
    QTemporaryDir dir;
    const std::string small = dir.filePath(QStringLiteral("small.gguf")).toStdString();
    testsupport::RandomLlama spec;
    spec.layers = 2;
    spec.dim = 64;
    spec.heads = 2;
    spec.hidden = 128;
    QVERIFY(testsupport::writeRandomLlama(testsupport::sharedStd(QStringLiteral("gguf/stories260K.gguf")), small, spec));
    auto smallEngine = Engine::load(small);
    QVERIFY2(smallEngine, smallEngine ? "" : smallEngine.error().message.c_str());
    p.setEngine(smallEngine.value());
    QCOMPARE(p.layer(), 1);
    QCOMPARE(p.head(), 1);
}

QTEST_MAIN(TestPresenters)
#include "tst_presenters.moc"
