// GUI smoke test (offscreen): the window analyses on open, re-analyses typed text in the worker, shows errors
// without losing the text or the last result, and exports (File > Export, Copy Image) what is on screen.
#include "random_llama.h"
#include "test_support.h"

#include "main_window.h"
#include "about.h"
#include "model_paths.h"
#include "models/focus.h"
#include "models/head_grid_model.h"
#include "models/heatmap_model.h"
#include "views/arcs_view.h"
#include "views/head_grid_view.h"
#include "views/heatmap_view.h"
#include "views/token_strip_view.h"
#include "models/insights_model.h"
#include "widgets/compare_window.h"
#include "widgets/export_dialog.h"
#include "widgets/get_models_dialog.h"
#include "widgets/inference_worker.h"
#include "widgets/insights_panel.h"
#include "widgets/step_panel.h"
#include "widgets/window_fit.h"
#include "widgets/tour.h"
#include "widgets/busy_bar.h"
#include "presenters/analysis_presenter.h"
#include "presenters/compare_presenter.h"
#include "presenters/playback.h"
#include "presenters/settings_store.h"
#include "widgets/playback_bar.h"
#include <QToolButton>
#include "widgets/examples_panel.h"
#include <QListWidget>
#include <QDockWidget>
#include <QScrollBar>
#include <QScrollArea>
#include <QTabBar>
#include <QHeaderView>
#include <QAbstractButton>
#include "models/step_model.h"
#include "views/step_view.h"

#include <QAction>
#include <QDropEvent>
#include <QSettings>
#include <QStandardPaths>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTableWidget>
#include <QCheckBox>
#include <QClipboard>
#include <QMenuBar>
#include <QMimeData>
#include <QRadioButton>
#include <QSvgRenderer>
#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QStatusBar>
#include <QProgressBar>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTabWidget>
#include <QtTest>

#include <sys/stat.h>

#include <attnscope/head_roles.h>
#include <attnscope/insights.h>
#include <attnscope/measures.h>
#include <attnscope/npy.h>

#include <cstring>

using namespace attnscope;

// The window is driven as a user would (through its widgets, found by object name or type) and its logic through
// its presenter; MainWindow has no accessors for tests.
namespace {
template <class T> T *child(const QObject *w, const char *name = nullptr) {
    T *c = name ? w->findChild<T *>(QString::fromLatin1(name)) : w->findChild<T *>();
    if (!c)
        qFatal("no %s %s in the window", T::staticMetaObject.className(), name ? name : "");
    return c;
}
HeatmapModel *heatmapModel(const MainWindow *w) { return w->presenter()->heatmapModel(); }
const AnalysisPtr &analysis(const MainWindow *w) { return w->presenter()->analysis(); }
QItemSelectionModel *selectionModel(const MainWindow *w) { return w->presenter()->selection(); }
InferenceService *service(const MainWindow *w) { return w->presenter()->service(); }
HeadGridModel *gridModel(const MainWindow *w) { return w->presenter()->gridModel(); }
InsightsModel *insightsModel(const MainWindow *w) { return w->presenter()->insightsModel(); }
QString errorText(const MainWindow *w) { return w->presenter()->errorText(); }
QPlainTextEdit *textEdit(const MainWindow *w) { return child<QPlainTextEdit>(w, "text"); }
QSpinBox *layerBox(const MainWindow *w) { return child<QSpinBox>(w, "layer"); }
QSpinBox *headBox(const MainWindow *w) { return child<QSpinBox>(w, "head"); }
QComboBox *measureBox(const MainWindow *w) { return child<QComboBox>(w, "measure"); }
QComboBox *aggregationBox(const MainWindow *w) { return child<QComboBox>(w, "aggregation"); }
QCheckBox *wordsBox(const MainWindow *w) { return child<QCheckBox>(w, "words"); }
QCheckBox *hideSpecialBox(const MainWindow *w) { return child<QCheckBox>(w, "hideSpecial"); }
QComboBox *scaleBox(const MainWindow *w) { return child<QComboBox>(w, "colorScale"); }
QComboBox *colorMapBox(const MainWindow *w) { return child<QComboBox>(w, "colorMap"); }
QComboBox *gridHighlightBox(const MainWindow *w) { return child<QComboBox>(w, "gridHighlight"); }
QTabWidget *viewTabs(const MainWindow *w) { return child<QTabWidget>(w, "viewTabs"); }
HeatmapView *heatmapView(const MainWindow *w) { return child<HeatmapView>(w, "heatmap"); }
ArcsView *arcsView(const MainWindow *w) { return child<ArcsView>(w, "arcs"); }
HeadGridView *gridView(const MainWindow *w) { return child<HeadGridView>(w, "grid"); }
TokenStripView *tokenStrip(const MainWindow *w) { return child<TokenStripView>(w, "tokens"); }
StepPanel *stepPanel(const MainWindow *w) { return child<StepPanel>(w); }
InsightsPanel *insightsPanel(const MainWindow *w) { return child<InsightsPanel>(w); }
BusyBar *busyBar(const MainWindow *w) { return child<BusyBar>(w); }
ExamplesPanel *examplesPanel(const MainWindow *w) { return child<ExamplesPanel>(w); }
PlaybackBar *playbackBar(const MainWindow *w) { return child<PlaybackBar>(w); }
Tour *tour(const MainWindow *w) { return child<Tour>(w); }
CompareWindow *compareWindow(const MainWindow *w) { return w->findChild<CompareWindow *>(); } // null until opened
QString exampleNote(const MainWindow *w) {
    const QLabel *note = child<QLabel>(w, "exampleNote");
    return note->isVisible() ? note->text() : QString();
}
// File > Recent Models, most recent first.
QStringList recentModels(const MainWindow *w) {
    QStringList paths;
    for (QAction *menu : w->menuBar()->actions())
        if (menu->menu())
            for (QAction *item : menu->menu()->actions())
                if (item->menu() && item->text().remove('&') == QStringLiteral("Recent Models"))
                    for (QAction *model : item->menu()->actions())
                        if (model->isEnabled())
                            paths << QDir::fromNativeSeparators(model->statusTip());
    return paths;
}
// A store on this test's QSettings, new for each window (it reads the recent models when made).
SettingsStore *remembered() {
    static QSettings settings;
    static std::vector<std::unique_ptr<SettingsStore>> stores;
    stores.push_back(std::make_unique<SettingsStore>(&settings));
    return stores.back().get();
}
} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void opensWithAnAnalysedExample();
    void typingRecomputesInTheWorker();
    void hoverShowsQueryKeyWeight();
    void keyboardMovesLayerAndHead();
    void gridClickOpensHead();
    void hideBosRenormalisesAndKeepsFocus();
    void selectionIsSharedByAllViews();
    void aggregationAndStyleControls();
    void errorsKeepTextAndResult();
    void brokenModelKeepsCurrentModel();
    void exportDialogWritesWhatIsOnScreen();
    void exportAsksBeforeReplacing();
    void exportFailureKeepsDialogOpen();
    void exportNumbersFromTheDialog();
    void copyImageToClipboard();
    void measureSwitch();
    void headTableSortsAndFindsHeads();
    void nextTokenPredictions();
    void gridFramesHeadsByRole();
    void compareTwoSentences();
    void sessionSaveAndOpen();
    void badSessionsChangeNothing();
    void dropModelFile();
    void lastModelAndTextComeBack();
    void presentationModeTogglesAndBack();
    void stepViewIsTheAttentionRow();
    void cancelKeepsThePreviousResult();
    void exampleLibraryFitsTheModel();
    void exampleOpensItsHeadAndToken();
    void stepThroughLayersAndHeads();
    void everyControlHasATooltip();
    void aboutShowsModelFacts();
    void windowsFitTheScreen();
    void wordsMergePieces();
    void wholeSessionComesBack();
    void firstStartTour();

private:
    std::unique_ptr<MainWindow> m_window;
    EnginePtr m_engine;
};

void TestMainWindow::initTestCase() {
    QStandardPaths::setTestModeEnabled(true); // QSettings and caches go to a test location, never the user's
    QApplication::setApplicationName(QStringLiteral("attnscope-test"));
    auto engine = Engine::load(testsupport::stories260K());
    QVERIFY(engine.ok());
    m_engine = engine.value();
    MainWindow::Options options;
    options.modelPath = QString::fromStdString(testsupport::stories260K());
    m_window = std::make_unique<MainWindow>(options);
    m_window->resize(900, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindow::opensWithAnAnalysedExample() {
    QTRY_VERIFY_WITH_TIMEOUT(heatmapModel(m_window.get())->tokenCount() > 1, testsupport::waitMs(10000));
    QCOMPARE(QString::fromStdString(heatmapModel(m_window.get())->result()->text), textEdit(m_window.get())->toPlainText());
    QVERIFY(!textEdit(m_window.get())->toPlainText().isEmpty());
    QCOMPARE(layerBox(m_window.get())->maximum(), 4);
    QCOMPARE(headBox(m_window.get())->maximum(), 7);
    QVERIFY(m_window->windowTitle().contains("stories260K"));
    // The app library's resources reach whoever links it: the example list and the window icon.
    QVERIFY(builtInExamples().size() >= 4);
    QVERIFY(QFile::exists(QStringLiteral(":/icons/attnscope.svg")));
    QVERIFY(!m_window->windowIcon().pixmap(32, 32).isNull());
}

void TestMainWindow::typingRecomputesInTheWorker() {
    QPlainTextEdit *edit = textEdit(m_window.get());
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Delete);
    const QString typed = QStringLiteral("The bat flew at night.");
    QTest::keyClicks(edit, typed);
    HeatmapModel *model = heatmapModel(m_window.get());
    QTRY_COMPARE_WITH_TIMEOUT(QString::fromStdString(model->result() ? model->result()->text : std::string()), typed,
                              testsupport::waitMs(10000));

    const auto expected = m_engine->analyze(typed.toStdString());
    QVERIFY(expected.ok());
    QCOMPARE(model->tokenCount(), expected->seqLen());
    for (int i = 0; i < expected->seqLen(); ++i)
        QCOMPARE(model->result()->tokens[std::size_t(i)].id, expected->tokens[std::size_t(i)].id);
    // the selectors drive the model; the weights are the core's
    layerBox(m_window.get())->setValue(3);
    headBox(m_window.get())->setValue(6);
    QCOMPARE(model->layer(), 3);
    QCOMPARE(model->head(), 6);
    for (int i = 0; i < expected->seqLen(); ++i)
        for (int j = 0; j <= i; ++j)
            QCOMPARE(model->index(i, j).data(HeatmapModel::WeightRole).toFloat(), expected->weight(3, 6, i, j));
    QVERIFY(m_window->statusBar()->findChildren<QLabel *>().size() >= 3);
}

void TestMainWindow::hoverShowsQueryKeyWeight() {
    HeatmapView *view = heatmapView(m_window.get());
    const HeatmapGeometry &g = view->geometry();
    QVERIFY(g.cell > 4);
    QSignalSpy hovered(view, &HeatmapView::cellHovered);
    const QPoint centre(int(g.grid.left() + g.cell * 1.5), int(g.grid.top() + g.cell * 4.5));
    QTest::mouseMove(view, centre);
    QTRY_VERIFY(!hovered.isEmpty());
    QCOMPARE(hovered.last().at(0).toInt(), 4);
    QCOMPARE(hovered.last().at(1).toInt(), 1);
    const QString message = m_window->statusBar()->currentMessage();
    QCOMPARE(message, heatmapModel(m_window.get())->cellDescription(4, 1));
    QVERIFY2(message.contains(QString::fromUtf8(" -> ")) && message.startsWith(QString::fromUtf8("▁f -> ▁The: ")),
             qPrintable(message));
}

void TestMainWindow::keyboardMovesLayerAndHead() {
    HeatmapView *view = heatmapView(m_window.get());
    HeatmapModel *model = heatmapModel(m_window.get());
    m_window->activateWindow();
    view->setFocus();
    QTRY_VERIFY(view->hasFocus());
    layerBox(m_window.get())->setValue(2);
    headBox(m_window.get())->setValue(3);
    QTest::keyClick(view, Qt::Key_PageDown);
    QCOMPARE(model->layer(), 3);
    QTest::keyClick(view, Qt::Key_PageUp);
    QTest::keyClick(view, Qt::Key_PageUp);
    QCOMPARE(model->layer(), 1);
    QTest::keyClick(view, Qt::Key_Right);
    QCOMPARE(model->head(), 4);
    QTest::keyClick(view, Qt::Key_Left);
    QTest::keyClick(view, Qt::Key_Left);
    QCOMPARE(model->head(), 2);
    layerBox(m_window.get())->setValue(4);
    QTest::keyClick(view, Qt::Key_PageDown); // past the last layer: stays
    QCOMPARE(model->layer(), 4);
    // arrows in the text box move the cursor, not the head
    textEdit(m_window.get())->setFocus();
    QTRY_VERIFY(textEdit(m_window.get())->hasFocus());
    QTest::keyClick(textEdit(m_window.get()), Qt::Key_Right);
    QCOMPARE(model->head(), 2);
}

void TestMainWindow::gridClickOpensHead() {
    HeadGridView *grid = gridView(m_window.get());
    QCOMPARE(gridModel(m_window.get())->rowCount(), 5);
    QCOMPARE(gridModel(m_window.get())->columnCount(), 8);
    aggregationBox(m_window.get())->setCurrentIndex(1); // a click also returns to one head
    QTest::mouseClick(grid, Qt::LeftButton, {}, grid->geometry().thumbnail(3, 5).center().toPoint());
    QCOMPARE(layerBox(m_window.get())->value(), 3);
    QCOMPARE(headBox(m_window.get())->value(), 5);
    QCOMPARE(heatmapModel(m_window.get())->layer(), 3);
    QCOMPARE(heatmapModel(m_window.get())->head(), 5);
    QCOMPARE(heatmapModel(m_window.get())->params().aggregation, Aggregation::Head);
    QVERIFY(heatmapView(m_window.get())->scene().title.contains("layer 3 · head 5"));
    // Keyboard on the grid moves layer and head too.
    m_window->activateWindow();
    grid->setFocus();
    QTRY_VERIFY(grid->hasFocus());
    QTest::keyClick(grid, Qt::Key_Up);
    QTest::keyClick(grid, Qt::Key_Right);
    QCOMPARE(heatmapModel(m_window.get())->layer(), 2);
    QCOMPARE(heatmapModel(m_window.get())->head(), 6);
}

void TestMainWindow::hideBosRenormalisesAndKeepsFocus() {
    HeatmapModel *model = heatmapModel(m_window.get());
    textEdit(m_window.get())->setPlainText(QStringLiteral("Lily saw a big red ball. Lily wanted the ball."));
    QTRY_VERIFY_WITH_TIMEOUT(model->result() && model->result()->text == "Lily saw a big red ball. Lily wanted the ball.",
                             testsupport::waitMs(10000));
    const int T = model->result()->seqLen();
    focusToken(selectionModel(m_window.get()), 5);
    const int position = model->position(5);
    hideSpecialBox(m_window.get())->setChecked(true);
    QCOMPARE(model->tokenCount(), T - 1);
    QVERIFY(model->headerData(0, Qt::Horizontal).toString() != QStringLiteral("<s>"));
    for (int i = 0; i < model->tokenCount(); ++i) {
        double sum = 0;
        for (int j = 0; j < model->tokenCount(); ++j)
            sum += model->index(i, j).data(HeatmapModel::WeightRole).toDouble();
        QVERIFY2(std::abs(sum - 1.0) < 1e-5, qPrintable(QStringLiteral("row %1 sums to %2").arg(i).arg(sum)));
    }
    // The focused token is still focused (its row moved up by one).
    QCOMPARE(model->position(focusOf(selectionModel(m_window.get())).query), position);
    hideSpecialBox(m_window.get())->setChecked(false);
    QCOMPARE(model->tokenCount(), T);
    QCOMPARE(focusOf(selectionModel(m_window.get())).query, 5);
}

void TestMainWindow::selectionIsSharedByAllViews() {
    QItemSelectionModel *selection = selectionModel(m_window.get());
    // A heatmap click selects a cell everywhere.
    HeatmapView *heatmap = heatmapView(m_window.get());
    const HeatmapGeometry &g = heatmap->geometry();
    QTest::mouseClick(heatmap, Qt::LeftButton, {},
                      QPoint(int(g.grid.left() + g.cell * 2.5), int(g.grid.top() + g.cell * 6.5)));
    QCOMPARE(focusOf(selection), (Focus{6, 2}));
    // A token-strip click focuses a token; the arcs view pins the same token.
    TokenStripView *strip = tokenStrip(m_window.get());
    QTest::mouseClick(strip, Qt::LeftButton, {}, strip->chips()[3].rect.center().toPoint());
    QCOMPARE(focusOf(selection), (Focus{3, -1}));
    // An arcs click on a query token pins it; clicking it again unpins.
    ArcsView *arcs = arcsView(m_window.get());
    const ArcsGeometry &ag = arcs->geometry();
    const QPoint left(int(ag.queryX - 20), int(ag.y[7]));
    QTest::mouseClick(arcs, Qt::LeftButton, {}, left);
    QCOMPARE(focusOf(selection), (Focus{7, -1}));
    QTest::mouseClick(arcs, Qt::LeftButton, {}, left);
    QCOMPARE(focusOf(selection).query, -1);
}

void TestMainWindow::aggregationAndStyleControls() {
    HeatmapModel *model = heatmapModel(m_window.get());
    const ResultPtr r = model->result();
    layerBox(m_window.get())->setValue(2);
    aggregationBox(m_window.get())->setCurrentIndex(1); // mean of the layer's heads
    QVERIFY(!headBox(m_window.get())->isEnabled());
    double mean = 0;
    for (int h = 0; h < r->heads; ++h)
        mean += r->weight(2, h, 9, 4);
    QVERIFY(std::abs(model->index(9, 4).data(HeatmapModel::WeightRole).toDouble() - mean / r->heads) < 1e-6);
    aggregationBox(m_window.get())->setCurrentIndex(3); // all layers
    QVERIFY(!layerBox(m_window.get())->isEnabled());
    QVERIFY(heatmapView(m_window.get())->scene().title.contains("mean of all 40 heads"));
    aggregationBox(m_window.get())->setCurrentIndex(0);
    QVERIFY(headBox(m_window.get())->isEnabled() && layerBox(m_window.get())->isEnabled());
    // Colour map and scale reach every view.
    colorMapBox(m_window.get())->setCurrentIndex(1);
    scaleBox(m_window.get())->setCurrentIndex(1);
    QCOMPARE(heatmapView(m_window.get())->scene().style.map, &ColorMap::magma());
    QCOMPARE(arcsView(m_window.get())->scene().style.scale.kind, ColorScale::Kind::Log);
    QCOMPARE(gridView(m_window.get())->scene().style.map, &ColorMap::magma());
    colorMapBox(m_window.get())->setCurrentIndex(0);
    scaleBox(m_window.get())->setCurrentIndex(0);
}

void TestMainWindow::errorsKeepTextAndResult() {
    const ResultPtr before = heatmapModel(m_window.get())->result();
    QString longText;
    for (int i = 0; i < 200; ++i)
        longText += QStringLiteral("Lily saw a big red ball. ");
    textEdit(m_window.get())->setPlainText(longText);
    QTRY_VERIFY_WITH_TIMEOUT(!errorText(m_window.get()).isEmpty(), testsupport::waitMs(10000));
    QVERIFY2(errorText(m_window.get()).contains("context"), qPrintable(errorText(m_window.get())));
    QCOMPARE(heatmapModel(m_window.get())->result(), before);    // last good result stays on screen
    QCOMPARE(textEdit(m_window.get())->toPlainText(), longText); // nothing the user typed is lost
    textEdit(m_window.get())->setPlainText(QString::fromUtf8("Emoji \xF0\x9F\x98\x80 ok"));
    QTRY_VERIFY_WITH_TIMEOUT(errorText(m_window.get()).isEmpty(), testsupport::waitMs(10000));
    QTRY_VERIFY_WITH_TIMEOUT(heatmapModel(m_window.get())->result() != before, testsupport::waitMs(10000));
}

void TestMainWindow::brokenModelKeepsCurrentModel() {
    QTemporaryDir dir;
    QFile broken(dir.filePath("broken.bin"));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("definitely not a checkpoint");
    broken.close();
    const EnginePtr current = service(m_window.get())->engine();
    m_window->openModel(broken.fileName());
    QTRY_VERIFY_WITH_TIMEOUT(!errorText(m_window.get()).isEmpty(), testsupport::waitMs(10000));
    QVERIFY2(errorText(m_window.get()).contains("broken.bin"), qPrintable(errorText(m_window.get())));
    QVERIFY(errorText(m_window.get()).contains("still using stories260K"));
    QCOMPARE(service(m_window.get())->engine(), current);
}

namespace {
QAction *menuAction(QMainWindow *window, const QString &text) {
    for (QAction *menu : window->menuBar()->actions())
        for (QAction *a : menu->menu() ? menu->menu()->actions() : QList<QAction *>{})
            if (a->text().remove('&') == text)
                return a;
    return nullptr;
}
} // namespace

void TestMainWindow::exportDialogWritesWhatIsOnScreen() {
    QTRY_VERIFY_WITH_TIMEOUT(heatmapModel(m_window.get())->tokenCount() > 3, testsupport::waitMs(10000));
    QAction *exportAction = menuAction(m_window.get(), QStringLiteral("Export…"));
    QVERIFY(exportAction);
    QCOMPARE(exportAction->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    QVERIFY(menuAction(m_window.get(), QStringLiteral("Copy Image")));
    layerBox(m_window.get())->setValue(1);
    headBox(m_window.get())->setValue(2);
    focusToken(selectionModel(m_window.get()), 2);
    // The dialog starts from the view last clicked.
    QTest::mouseClick(gridView(m_window.get()), Qt::LeftButton, {}, QPoint(2, 2));
    QCOMPARE(m_window->currentExportView(), ExportView::Grid);
    QTest::mouseClick(heatmapView(m_window.get()), Qt::LeftButton, {}, QPoint(2, 2));
    QCOMPARE(m_window->currentExportView(), ExportView::Heatmap);

    ExportDialog *dialog = m_window->openExportDialog();
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->imageSpec().view, ExportView::Heatmap);
    QCOMPARE(dialog->imageSpec().size, QSizeF(heatmapView(m_window.get())->size()));
    QCOMPARE(dialog->imageSpec().state.focus.query, 2); // as on screen: the pinned token
    QTRY_VERIFY(!dialog->previewLabel()->pixmap().isNull());
    dialog->scaleBox()->setCurrentIndex(1); // 2x
    QVERIFY(dialog->pixelsLabel()->text().contains(QString::number(heatmapView(m_window.get())->width() * 2)));
    QTemporaryDir dir;
    const QString path = dir.filePath("figure.png");
    dialog->setFilePath(path);
    QSignalSpy finished(dialog, &ExportDialog::exportFinished);
    QPointer<ExportDialog> guard(dialog);
    dialog->exportNow();
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY2(finished.front().at(0).toBool(), qPrintable(finished.front().at(1).toString()));
    QImage image(path);
    QCOMPARE(image.size(), heatmapView(m_window.get())->size() * 2);
    QTRY_VERIFY(guard.isNull()); // closed and deleted after success
    QVERIFY(m_window->statusBar()->currentMessage().contains("figure.png"));

    // Clean full view as SVG: the default size, nothing selected; text labels.
    dialog = m_window->openExportDialog();
    dialog->cleanButton()->setChecked(true);
    dialog->formatBox()->setCurrentIndex(1);
    QCOMPARE(dialog->imageSpec().state.focus.query, -1);
    QCOMPARE(dialog->imageSpec().size, defaultExportSize(ExportView::Heatmap));
    QVERIFY(dialog->filePath().endsWith("heatmap_L1_H2.svg"));
    dialog->setFilePath(dir.filePath("clean.svg"));
    QSignalSpy svgDone(dialog, &ExportDialog::exportFinished);
    dialog->exportNow();
    QTRY_COMPARE(svgDone.size(), 1);
    QVERIFY(QSvgRenderer(dir.filePath("clean.svg")).isValid());
    clearFocus(selectionModel(m_window.get()));
}

void TestMainWindow::exportAsksBeforeReplacing() {
    QTemporaryDir dir;
    const QString path = dir.filePath("taken.png");
    QFile taken(path);
    QVERIFY(taken.open(QIODevice::WriteOnly));
    taken.write("keep me");
    taken.close();
    ExportDialog *dialog = m_window->openExportDialog();
    QStringList asked;
    bool answer = false;
    dialog->setConfirmOverwrite([&](const QStringList &existing) {
        asked += existing;
        return answer;
    });
    dialog->setFilePath(path);
    QSignalSpy finished(dialog, &ExportDialog::exportFinished);
    dialog->exportNow(); // the user says no: the file stays as it was, the dialog stays open
    QCOMPARE(asked, QStringList{path});
    QVERIFY(dialog->isVisible());
    QVERIFY(taken.open(QIODevice::ReadOnly));
    QCOMPARE(taken.readAll(), QByteArray("keep me"));
    taken.close();
    answer = true;
    dialog->exportNow();
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY(finished.front().at(0).toBool());
    QVERIFY(!QImage(path).isNull());
    QCOMPARE(asked.size(), 2);
}

void TestMainWindow::exportFailureKeepsDialogOpen() {
    QTemporaryDir dir;
    ExportDialog *dialog = m_window->openExportDialog();
    dialog->setFilePath(dir.filePath("no/such/folder/x.pdf"));
    dialog->formatBox()->setCurrentIndex(2);
    QSignalSpy finished(dialog, &ExportDialog::exportFinished);
    dialog->exportNow();
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY(!finished.front().at(0).toBool());
    QVERIFY2(finished.front().at(1).toString().contains("does not exist"), qPrintable(finished.front().at(1).toString()));
    QVERIFY(dialog->isVisible()); // nothing lost: fix the path and try again
    dialog->setFilePath(dir.filePath("x.pdf"));
    dialog->exportNow();
    QTRY_COMPARE(finished.size(), 2);
    QFile pdf(dir.filePath("x.pdf"));
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(5) == "%PDF-");
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::NoDotAndDotDot), QStringList{"x.pdf"});
}

void TestMainWindow::exportNumbersFromTheDialog() {
    QTemporaryDir dir;
    const int T = heatmapModel(m_window.get())->tokenCount();
    ExportDialog *dialog = m_window->openExportDialog();
    dialog->viewBox()->setCurrentIndex(dialog->viewBox()->findText("Numbers: the matrix shown, as CSV"));
    QCOMPARE(dialog->what(), ExportDialog::What::Csv);
    QVERIFY(!dialog->formatBox()->isEnabled());
    QVERIFY(dialog->filePath().endsWith("attention_L1_H2.csv"));
    dialog->setFilePath(dir.filePath("a.csv"));
    QSignalSpy csvDone(dialog, &ExportDialog::exportFinished);
    dialog->exportNow();
    QTRY_COMPARE(csvDone.size(), 1);
    QFile csv(dir.filePath("a.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(csv.readAll().count('\n'), T + 1);

    dialog = m_window->openExportDialog();
    dialog->viewBox()->setCurrentIndex(dialog->viewBox()->findText("Numbers: every layer and head, as NPY (+ tokens.json)"));
    dialog->setFilePath(dir.filePath("all.npy"));
    QSignalSpy npyDone(dialog, &ExportDialog::exportFinished);
    dialog->exportNow();
    QTRY_COMPARE(npyDone.size(), 1);
    const auto npy = readNpy(dir.filePath("all.npy").toStdString());
    QVERIFY(npy.ok());
    const ResultPtr r = heatmapModel(m_window.get())->result();
    QCOMPARE(npy->shape, (std::vector<std::int64_t>{5, 8, T, T}));
    QCOMPARE(std::memcmp(npy->data.data(), r->dense().data(), npy->data.size() * 4), 0);
    QVERIFY(QFileInfo::exists(dir.filePath("all.tokens.json")));
}

void TestMainWindow::copyImageToClipboard() {
    QTest::mouseClick(arcsView(m_window.get()), Qt::LeftButton, {}, QPoint(2, 2));
    m_window->copyImage();
    const QMimeData *data = QGuiApplication::clipboard()->mimeData();
    QVERIFY(data && data->hasImage());
    const QImage image = qvariant_cast<QImage>(data->imageData());
    QCOMPARE(image.size(), arcsView(m_window.get())->size() * m_window->devicePixelRatioF());
    QVERIFY(data->hasFormat("image/svg+xml"));
    QVERIFY(QSvgRenderer(data->data("image/svg+xml")).isValid());
    QVERIFY(data->text().contains("stories260K"));
}

namespace {
bool waitForText(MainWindow *w, const QString &text) {
    textEdit(w)->setPlainText(text);
    return QTest::qWaitFor([&] { return analysis(w) && analysis(w)->raw->text == text.toStdString(); }, testsupport::waitMs(10000));
}
} // namespace

void TestMainWindow::measureSwitch() {
    const QString text = QStringLiteral("Lily saw a cat. The cat ran to Lily.");
    QVERIFY(waitForText(m_window.get(), text));
    HeatmapModel *model = heatmapModel(m_window.get());
    aggregationBox(m_window.get())->setCurrentIndex(0);
    layerBox(m_window.get())->setValue(1);
    headBox(m_window.get())->setValue(3);
    focusToken(selectionModel(m_window.get()), 4);
    QComboBox *measure = measureBox(m_window.get());
    measure->setCurrentIndex(measure->findData(int(Measure::Value)));
    QTRY_VERIFY_WITH_TIMEOUT(model->result() && model->result()->measure == Measure::Value, testsupport::waitMs(10000));
    QCOMPARE(focusOf(selectionModel(m_window.get())).query, 4); // same tokens: the focus stays
    // The views show core's value-weighted attention of the same text.
    AnalyzeParams params;
    params.valueNorms = true;
    const auto raw = m_engine->analyze(text.toStdString(), params);
    QVERIFY(raw.ok());
    const auto value = withMeasure(raw.value(), Measure::Value);
    QVERIFY(value.ok());
    for (int i = 0; i < model->tokenCount(); ++i) {
        double sum = 0;
        for (int j = 0; j <= i; ++j) {
            const float w = model->index(i, j).data(HeatmapModel::WeightRole).toFloat();
            QCOMPARE(w, value->weight(1, 3, i, j));
            sum += w;
        }
        QVERIFY(std::abs(sum - 1.0) < 1e-5);
    }
    QVERIFY(model->cellDescription(4, 1).contains(QString::fromUtf8("‖α·W_O·v‖")));
    ExportContext context = m_window->exportContext();
    ImageSpec spec;
    QVERIFY(exportTitle(context.sources, spec).contains("value-weighted attention"));

    measure->setCurrentIndex(measure->findData(int(Measure::Rollout)));
    QTRY_VERIFY_WITH_TIMEOUT(model->result() && model->result()->measure == Measure::Rollout, testsupport::waitMs(10000));
    QCOMPARE(model->heads(), 1);
    QCOMPARE(headBox(m_window.get())->maximum(), 0);
    QVERIFY(!headBox(m_window.get())->isEnabled());
    QCOMPARE(gridModel(m_window.get())->columnCount(), 1);
    QVERIFY(model->viewTitle().startsWith("rollout through layers 0"));
    const std::vector<float> rollout = attentionRollout(raw.value());
    const int T = model->tokenCount();
    QCOMPARE(model->index(T - 1, 0).data(HeatmapModel::WeightRole).toFloat(),
             rollout[std::size_t((1 * T + T - 1) * T + 0)]);

    measure->setCurrentIndex(measure->findData(int(Measure::Raw)));
    QTRY_VERIFY_WITH_TIMEOUT(model->result() && model->result()->measure == Measure::Raw, testsupport::waitMs(10000));
    QCOMPARE(headBox(m_window.get())->maximum(), 7);
    QVERIFY(headBox(m_window.get())->isEnabled());
}

void TestMainWindow::headTableSortsAndFindsHeads() {
    const QString text = QStringLiteral("Lily and Ben went to the park. Lily saw a big red ball.");
    QVERIFY(waitForText(m_window.get(), text));
    InsightsPanel *panel = insightsPanel(m_window.get());
    QTableView *table = panel->headsTable();
    QCOMPARE(table->model()->rowCount(), 40);
    const std::vector<HeadRoles> roles = analysis(m_window.get())->roles;
    const auto best = std::max_element(roles.begin(), roles.end(), [](const HeadRoles &a, const HeadRoles &b) {
        return a.previousToken < b.previousToken;
    });
    // Sorting by the previous-token column (a header click, descending) puts that head first.
    table->sortByColumn(InsightsModel::Previous, Qt::DescendingOrder);
    QCOMPARE(table->model()->index(0, InsightsModel::Layer).data().toInt(), best->layer);
    QCOMPARE(table->model()->index(0, InsightsModel::Head).data().toInt(), best->head);
    QCOMPARE(table->model()->index(0, InsightsModel::Role).data().toString(), QStringLiteral("previous token"));
    // A row click opens that head.
    aggregationBox(m_window.get())->setCurrentIndex(2);
    const QModelIndex first = table->model()->index(0, 0);
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(first).center());
    QCOMPARE(aggregationBox(m_window.get())->currentIndex(), 0);
    QCOMPARE(layerBox(m_window.get())->value(), best->layer);
    QCOMPARE(headBox(m_window.get())->value(), best->head);

    // Find heads: click a query token in the strip, Shift+click a key token.
    TokenStripView *strip = tokenStrip(m_window.get());
    const int queryRow = heatmapModel(m_window.get())->tokenCount() - 2, keyRow = 1; // "ball" -> "Lily"
    QTest::mouseClick(strip, Qt::LeftButton, {}, strip->chips()[std::size_t(queryRow)].rect.center().toPoint());
    QTest::mouseClick(strip, Qt::LeftButton, Qt::ShiftModifier, strip->chips()[std::size_t(keyRow)].rect.center().toPoint());
    QCOMPARE(focusOf(selectionModel(m_window.get())), (Focus{queryRow, keyRow}));
    InsightsModel *insights = insightsModel(m_window.get());
    QVERIFY(insights->hasPair());
    const auto expected = findHeads(*analysis(m_window.get())->raw, queryRow, keyRow);
    QCOMPARE(int(expected.size()), 40);
    // The table is now sorted by that link, strongest first.
    QCOMPARE(table->model()->index(0, InsightsModel::Layer).data().toInt(), expected.front().layer);
    QCOMPARE(table->model()->index(0, InsightsModel::Head).data().toInt(), expected.front().head);
    QCOMPARE(table->model()->index(0, InsightsModel::PairWeight).data(InsightsModel::SortRole).toDouble(),
             expected.front().score);
    QVERIFY(table->model()->headerData(InsightsModel::PairWeight, Qt::Horizontal).toString().contains("Lily"));
    attnscope::clearFocus(selectionModel(m_window.get()));
    QVERIFY(!insights->hasPair());
}

void TestMainWindow::nextTokenPredictions() {
    // Empty text: BOS alone, and the model predicts how TinyStories begin.
    textEdit(m_window.get())->clear();
    QTRY_VERIFY_WITH_TIMEOUT(analysis(m_window.get()) && analysis(m_window.get())->raw->seqLen() == 1, testsupport::waitMs(10000));
    InsightsModel *insights = insightsModel(m_window.get());
    QCOMPARE(insights->predictionPosition(), 0);
    QCOMPARE(int(insights->predictions().size()), 10);
    QCOMPARE(QString::fromStdString(insights->predictions().front().piece), QStringLiteral("▁Once"));
    // A focused token moves the prediction to that position.
    QVERIFY(waitForText(m_window.get(), QStringLiteral("Once upon a time")));
    focusToken(selectionModel(m_window.get()), 1);
    QCOMPARE(insights->predictionPosition(), 1);
    QCOMPARE(QString::fromStdString(insights->predictions().front().piece), QStringLiteral("▁upon"));
    attnscope::clearFocus(selectionModel(m_window.get()));
    QCOMPARE(insights->predictionPosition(), analysis(m_window.get())->raw->seqLen() - 1);
}

void TestMainWindow::gridFramesHeadsByRole() {
    QVERIFY(waitForText(m_window.get(), QStringLiteral("Lily saw a big red ball. Lily wanted the ball.")));
    HeadGridModel *grid = gridModel(m_window.get());
    QCOMPARE(grid->highlightScore(1, 3), -1.0f); // labels by default
    QComboBox *box = gridHighlightBox(m_window.get());
    box->setCurrentIndex(box->findData(int(HeadGridModel::Highlight::PreviousToken)));
    const auto &roles = analysis(m_window.get())->roles;
    for (const HeadRoles &r : roles)
        QCOMPARE(grid->highlightScore(r.layer, r.head), float(r.previousToken));
    box->setCurrentIndex(box->findData(int(HeadGridModel::Highlight::Induction))); // "Lily" and "ball" repeat
    QVERIFY(roles.front().induction);
    QCOMPARE(grid->highlightScore(0, 0), float(*roles.front().induction));
    QVERIFY(!gridView(m_window.get())->grab().isNull());
    box->setCurrentIndex(0);
}

void TestMainWindow::compareTwoSentences() {
    CompareWindow *compare = m_window->openCompare();
    QVERIFY(compare && compare->isVisible());
    ComparePresenter *p = compare->presenter();
    auto *ranked = compare->findChild<QTableWidget *>(QStringLiteral("rankedHeads"));
    auto *anchorBox = compare->findChild<QComboBox *>(QStringLiteral("anchor"));
    QVERIFY(ranked && anchorBox);
    compare->setTexts(QStringLiteral("Swing the bat!"), QStringLiteral("The bat flew at night."));
    auto shows = [p](const char *a, const char *b) {
        return p->modelA()->result() && p->modelB()->result() && p->modelA()->result()->text == a &&
               p->modelB()->result()->text == b;
    };
    QTRY_VERIFY_WITH_TIMEOUT(shows("Swing the bat!", "The bat flew at night."), testsupport::waitMs(10000));
    // Every head ranked: layers x heads rows, largest change first.
    QCOMPARE(ranked->rowCount(), 5 * 8);
    QCOMPARE(int(p->ranking().size()), 40);
    QVERIFY(p->ranking().front().score >= p->ranking().back().score);
    QCOMPARE(anchorBox->count(), int(p->anchors().size()));
    QVERIFY(anchorBox->count() >= 1);
    QVERIFY(!p->differenceShown()); // 8 and 14 tokens
    // The anchor token is focused in both heatmaps.
    const ComparePresenter::Anchor anchor = p->anchors()[std::size_t(p->anchorIndex())];
    QCOMPARE(p->modelA()->tokenText(anchor.rowA), p->modelB()->tokenText(anchor.rowB));
    QCOMPARE(focusOf(p->selectionA()).query, anchor.rowA);
    QCOMPARE(focusOf(p->selectionB()).query, anchor.rowB);
    // A row click shows that head in both.
    QTest::mouseClick(ranked->viewport(), Qt::LeftButton, {}, ranked->visualItemRect(ranked->item(0, 0)).center());
    QCOMPARE(p->modelA()->layer(), p->ranking().front().layer);
    QCOMPARE(p->modelB()->head(), p->ranking().front().head);
    QCOMPARE(compare->findChild<QSpinBox *>(QStringLiteral("head"))->value(), p->ranking().front().head);

    // Same token count: the difference heatmap is A - B cell by cell.
    compare->setTexts(QStringLiteral("The cat sat."), QStringLiteral("The dog sat."));
    QTRY_VERIFY_WITH_TIMEOUT(shows("The cat sat.", "The dog sat."), testsupport::waitMs(10000));
    QCOMPARE(p->modelA()->tokenCount(), 7); // "▁cat" and "▁dog" are single tokens of tok512
    QCOMPARE(p->modelB()->tokenCount(), 7);
    QVERIFY(p->differenceShown());
    const HeatmapModel *d = p->differenceModel();
    for (int i = 0; i < 7; ++i)
        for (int j = 0; j <= i; ++j)
            QCOMPARE(d->index(i, j).data(HeatmapModel::WeightRole).toFloat(),
                     p->modelA()->index(i, j).data(HeatmapModel::WeightRole).toFloat() -
                         p->modelB()->index(i, j).data(HeatmapModel::WeightRole).toFloat());
    QCOMPARE(ranked->rowCount(), 40);

    // Words, from the main window's switch: "▁Li" "ly" is one row in both sentences, the anchor a shared word and
    // the ranking that word's attention (rows of words sum to 1 as the tokens' do).
    compare->setTexts(QStringLiteral("Lily saw a big ball."), QStringLiteral("Lily kicked the red ball."));
    QTRY_VERIFY_WITH_TIMEOUT(shows("Lily saw a big ball.", "Lily kicked the red ball."), testsupport::waitMs(10000));
    const int tokensA = p->modelA()->tokenCount();
    wordsBox(m_window.get())->setChecked(true);
    QVERIFY(p->words());
    QVERIFY(compare->findChild<QCheckBox *>(QStringLiteral("words"))->isChecked());
    QCOMPARE(p->modelA()->tokenCount(), 6); // <s> Lily saw a big "ball."
    QVERIFY(p->modelA()->tokenCount() < tokensA);
    QCOMPARE(p->modelA()->tokenText(1), QStringLiteral("Lily"));
    QVERIFY(!p->anchors().empty());
    QCOMPARE(p->anchors()[std::size_t(p->anchorIndex())].label, QStringLiteral("ball."));
    QCOMPARE(int(p->ranking().size()), 40);
    for (int row = 0; row < p->modelB()->tokenCount(); ++row) {
        double sum = 0;
        for (int k = 0; k <= row; ++k)
            sum += p->modelB()->index(row, k).data(HeatmapModel::WeightRole).toDouble();
        QVERIFY2(std::abs(sum - 1.0) < 1e-4, qPrintable(QString::number(sum)));
    }
    wordsBox(m_window.get())->setChecked(false);
    QCOMPARE(p->modelA()->tokenCount(), tokensA);
    compare->close();
}

void TestMainWindow::sessionSaveAndOpen() {
    MainWindow *w = m_window.get();
    const QString text = QStringLiteral("Lily saw a cat. The cat ran to Lily.");
    QVERIFY(waitForText(w, text));
    aggregationBox(w)->setCurrentIndex(0);
    layerBox(w)->setValue(2);
    headBox(w)->setValue(5);
    colorMapBox(w)->setCurrentIndex(colorMapBox(w)->findData(QStringLiteral("magma")));
    measureBox(w)->setCurrentIndex(measureBox(w)->findData(int(Measure::Value)));
    QTRY_VERIFY_WITH_TIMEOUT(heatmapModel(w)->result()->measure == Measure::Value, testsupport::waitMs(10000));
    focusToken(selectionModel(w), 3);
    viewTabs(w)->setCurrentWidget(stepPanel(w)); // a lesson prepared on the step-by-step page
    stepPanel(w)->orderBox()->setCurrentIndex(1);
    const Session saved = w->currentSession();
    QCOMPARE(saved.page, QStringLiteral("step"));
    QCOMPARE(saved.stepOrder, QStringLiteral("weight"));
    QCOMPARE(saved.measure, QStringLiteral("value"));
    QCOMPARE(saved.pinnedQuery, 3);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("lesson.attnscope"));
    QCOMPARE(w->saveSession(path), QString());

    // Change everything, then open the session again.
    QVERIFY(waitForText(w, QStringLiteral("Something else entirely.")));
    measureBox(w)->setCurrentIndex(measureBox(w)->findData(int(Measure::Raw)));
    layerBox(w)->setValue(0);
    headBox(w)->setValue(0);
    colorMapBox(w)->setCurrentIndex(0);
    viewTabs(w)->setCurrentIndex(0);
    stepPanel(w)->orderBox()->setCurrentIndex(0);
    attnscope::clearFocus(selectionModel(w));
    QCOMPARE(w->openSession(path), QString());
    QTRY_VERIFY_WITH_TIMEOUT(analysis(w) && analysis(w)->raw->text == text.toStdString() &&
                                 heatmapModel(w)->result()->measure == Measure::Value && layerBox(w)->value() == 2,
                             testsupport::waitMs(10000));
    const Session restored = w->currentSession();
    QCOMPARE(restored.modelPath, saved.modelPath);
    QCOMPARE(restored.text, text);
    QCOMPARE(restored.layer, 2);
    QCOMPARE(restored.head, 5);
    QCOMPARE(heatmapModel(w)->head(), 5);
    QCOMPARE(restored.measure, QStringLiteral("value"));
    QCOMPARE(restored.pinnedQuery, 3);
    QCOMPARE(focusOf(selectionModel(w)), (Focus{3, -1}));
    QCOMPARE(restored.colorMap, QStringLiteral("magma"));
    QCOMPARE(heatmapView(w)->viewStyle().map->id(), QStringLiteral("magma"));
    QCOMPARE(viewTabs(w)->currentWidget(), static_cast<QWidget *>(stepPanel(w)));
    QCOMPARE(stepPanel(w)->orderBox()->currentIndex(), 1);
    viewTabs(w)->setCurrentIndex(0);
    stepPanel(w)->orderBox()->setCurrentIndex(0);
    measureBox(w)->setCurrentIndex(0);
    colorMapBox(w)->setCurrentIndex(0);
    QTRY_VERIFY_WITH_TIMEOUT(heatmapModel(w)->result()->measure == Measure::Raw, testsupport::waitMs(10000));
}

void TestMainWindow::badSessionsChangeNothing() {
    MainWindow *w = m_window.get();
    QVERIFY(waitForText(w, QStringLiteral("Keep this text.")));
    QTemporaryDir dir;
    auto write = [&](const QString &name, const QByteArray &bytes) {
        QFile f(dir.filePath(name));
        f.open(QIODevice::WriteOnly);
        f.write(bytes);
        return f.fileName();
    };
    const QStringList expected = {"not an AttnScope session", "not an AttnScope session", "\"layer\" must be",
                                  "is not there any more", "newer AttnScope", "\"tokenizer\" must be text",
                                  "not a regular file"};
    const QStringList paths = {
        write("garbage.attnscope", QByteArray("\x89PNG\r\n\x1a\n not json at all")),
        write("other.attnscope", QByteArray("{\"model\": \"x.gguf\"}")),
        write("typed.attnscope", QByteArray("{\"attnscope-session\": 1, \"model\": \"/m.gguf\", \"layer\": \"two\"}")),
        write("gone.attnscope", QByteArray("{\"attnscope-session\": 1, \"model\": \"/no/such/model.gguf\", \"text\": \"x\"}")),
        write("future.attnscope", QByteArray("{\"attnscope-session\": 99, \"model\": \"/m.gguf\"}")),
        // A bad number after another problem was once converted anyway (7.8e9 to int: undefined; fuzz_session).
        write("numbers.attnscope",
              QByteArray("{\"attnscope-session\": 1, \"tokenizer\": 1, \"model\": \"/m.gguf\", \"layer\": 7777773888}")),
        dir.filePath("fifo.attnscope"), // would block the window if it were opened
    };
    ::mkfifo(dir.filePath("fifo.attnscope").toLocal8Bit().constData(), 0600);
    const EnginePtr engine = service(w)->engine();
    for (int i = 0; i < paths.size(); ++i) {
        const QString message = w->openSession(paths[i]);
        QVERIFY2(message.contains(expected[i]), qPrintable(message));
        QCOMPARE(errorText(w), message);
        QCOMPARE(textEdit(w)->toPlainText(), QStringLiteral("Keep this text."));
        QCOMPARE(service(w)->engine(), engine);
    }
    QVERIFY(w->openSession(dir.filePath("missing.attnscope")).contains("cannot open"));
}

void TestMainWindow::dropModelFile() {
    MainWindow *w = m_window.get();
    auto drop = [w](const QString &path) {
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w, &enter);
        if (!enter.isAccepted())
            return false;
        QDropEvent dropEvent(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w, &dropEvent);
        return dropEvent.isAccepted();
    };
    const EnginePtr before = service(w)->engine();
    const QString gguf = testsupport::sharedPath("gguf/stories260K.gguf");
    QVERIFY(drop(gguf));
    QTRY_VERIFY_WITH_TIMEOUT(service(w)->engine() != before, testsupport::waitMs(10000));
    QCOMPARE(QString::fromStdString(service(w)->engine()->info().format).contains("GGUF", Qt::CaseInsensitive), true);
    QCOMPARE(recentModels(w).front(), QFileInfo(gguf).absoluteFilePath());
    // A file that is no model: one message, and the GGUF model stays.
    const EnginePtr current = service(w)->engine();
    QTemporaryDir dir;
    QFile notes(dir.filePath("notes.txt"));
    QVERIFY(notes.open(QIODevice::WriteOnly));
    notes.write("these are my lecture notes, not a model\n");
    notes.close();
    QVERIFY(drop(notes.fileName()));
    QTRY_VERIFY_WITH_TIMEOUT(!errorText(w).isEmpty(), testsupport::waitMs(10000));
    QVERIFY2(errorText(w).contains("notes.txt") && errorText(w).contains("still using"), qPrintable(errorText(w)));
    QCOMPARE(service(w)->engine(), current);
    // Back to the checkpoint the other tests use.
    QVERIFY(drop(QString::fromStdString(testsupport::stories260K())));
    QTRY_VERIFY_WITH_TIMEOUT(service(w)->engine() != current, testsupport::waitMs(10000));
}

void TestMainWindow::lastModelAndTextComeBack() {
    QSettings settings;
    const QString gguf = QFileInfo(testsupport::sharedPath("gguf/stories260K.gguf")).absoluteFilePath();
    settings.setValue(QStringLiteral("lastModel"), gguf);
    settings.setValue(QStringLiteral("lastText"), QStringLiteral("Ben likes his red truck."));
    settings.setValue(QStringLiteral("recentModels"), QStringList{gguf});
    {
        MainWindow::Options options;
        options.settings = remembered();
        MainWindow w(options);
        QCOMPARE(textEdit(&w)->toPlainText(), QStringLiteral("Ben likes his red truck."));
        QTRY_VERIFY_WITH_TIMEOUT(service(&w)->engine() && analysis(&w), testsupport::waitMs(10000));
        QCOMPARE(QFileInfo(QString::fromStdString(service(&w)->engine()->info().modelPath)).absoluteFilePath(), gguf);
        QCOMPARE(recentModels(&w).front(), gguf);
        textEdit(&w)->setPlainText(QStringLiteral("Ben went home."));
        w.close(); // remembers the text
    }
    QCOMPARE(QSettings().value(QStringLiteral("lastText")).toString(), QStringLiteral("Ben went home."));
    settings.remove(QStringLiteral("lastModel"));
    settings.remove(QStringLiteral("lastText"));
    settings.remove(QStringLiteral("recentModels"));
}

void TestMainWindow::presentationModeTogglesAndBack() {
    MainWindow *w = m_window.get();
    const double normal = heatmapView(w)->font().pointSizeF();
    QVERIFY(w->menuBar()->isVisible());
    w->setPresentation(true);
    QVERIFY(w->presentation());
    QVERIFY(heatmapView(w)->font().pointSizeF() >= normal * 1.25); // the views inherit the large type (less of it on
                                                                      // a 768-pixel-high screen)
    QVERIFY(!w->menuBar()->isVisible());
    QVERIFY(!w->statusBar()->isVisible());
    QCOMPARE(arcsView(w)->viewStyle().lineScale, 2.0);
    QCOMPARE(w->palette().color(QPalette::Base), QColor(Qt::white));
    // The offscreen platform leaves the closed compare window "active"; make the main window the active one, as
    // a real window manager does for a full-screen window.
    QApplication::setActiveWindow(w);
    QVERIFY(QTest::qWaitForWindowActive(w));
    QTest::keyClick(heatmapView(w), Qt::Key_Escape); // Esc leaves, also with a view focused
    QVERIFY(!w->presentation());
    QCOMPARE(heatmapView(w)->font().pointSizeF(), normal);
    QVERIFY(w->menuBar()->isVisible());
    QCOMPARE(arcsView(w)->viewStyle().lineScale, 1.0);
}

void TestMainWindow::stepViewIsTheAttentionRow() {
    MainWindow *w = m_window.get();
    const QString text = QStringLiteral("Lily saw a big red ball. Lily wanted the ball.");
    QVERIFY(waitForText(w, text));
    aggregationBox(w)->setCurrentIndex(0);
    measureBox(w)->setCurrentIndex(0);
    layerBox(w)->setValue(2);
    headBox(w)->setValue(3);
    StepPanel *panel = stepPanel(w);
    StepModel *model = panel->model();
    viewTabs(w)->setCurrentWidget(panel); // the page traces the layer once it is shown
    QVERIFY(!arcsView(w)->isVisible());   // the worked example takes the window's width
    const ResultPtr raw = analysis(w)->raw;
    const int query = 13; // "▁the" of "the ball": which earlier token it looks at
    focusToken(selectionModel(w), heatmapModel(w)->rowOfPosition(query));
    auto ready = [&](int layer, int head, int q) {
        const HeadStep *s = model->step();
        return s && s->layer == layer && s->head == head && s->query == q && panel->view()->message().isEmpty();
    };
    QTRY_VERIFY_WITH_TIMEOUT(ready(2, 3, query), testsupport::waitMs(10000));
    auto checkRow = [&](int layer, int head, int q) {
        const HeadStep *s = model->step();
        QCOMPARE(s->keys, q + 1);
        double maxDiff = 0, sum = 0;
        for (int key = 0; key <= q; ++key) {
            maxDiff = std::max(maxDiff, std::abs(s->weights[std::size_t(key)] - double(raw->weight(layer, head, q, key))));
            sum += s->weights[std::size_t(key)];
        }
        QVERIFY2(maxDiff <= 5e-5, qPrintable(QString::number(maxDiff)));
        QVERIFY(std::abs(sum - 1.0) < 1e-9);
    };
    checkRow(2, 3, query);
    // The tooltip of a row spells out its arithmetic with the same weight.
    const QString row = panel->view()->rowDescription(12);
    QVERIFY2(row.contains(QStringLiteral("q·k")) && row.contains(QStringLiteral("softmax")), qPrintable(row));
    QVERIFY(row.contains(QString::number(model->step()->weights[12] * 100.0, 'f', 2) + QLatin1Char('%')));
    // Which dimensions made each score: a row's q ⊙ k terms add up to its q·k, the strongest listed first; hovering
    // a vector says where it came from (this layer's W_Q, W_K or W_V; stories260K's 4 key/value heads serve 8
    // query heads; RoPE).
    {
        const HeadStep *s = model->step();
        for (int r = 0; r < model->rowCount(); ++r) {
            double sum = 0;
            for (int e = 0; e < s->headSize; ++e)
                sum += model->product(r)[e];
            const double dot = s->dots[model->indexOfRow(r)];
            QVERIFY2(std::abs(sum - dot) <= 1e-4 * std::max(1.0, std::abs(dot)), qPrintable(QStringLiteral("%1 vs %2").arg(sum).arg(dot)));
        }
        const std::vector<int> top = model->strongestDimensions(12, 3);
        QCOMPARE(top.size(), std::size_t(3));
        QVERIFY(std::abs(model->product(12)[top[0]]) >= std::abs(model->product(12)[top[1]]));
        QVERIFY(std::abs(model->product(12)[top[1]]) >= std::abs(model->product(12)[top[2]]));
        StepView *view = panel->view();
        int y12 = -1;
        for (int y = 0; y < view->height() && y12 < 0; ++y)
            if (view->rowAt(QPoint(10, y)) == 12)
                y12 = y + 2;
        QVERIFY(y12 >= 0);
        QString key, product, value, query, output;
        for (int x = 0; x < view->width(); x += 2) {
            const QString t = view->describeAt(QPoint(x, y12));
            if (t.startsWith(QStringLiteral("Key vector")))
                key = t;
            else if (t.startsWith(QStringLiteral("q ⊙ k")))
                product = t;
            else if (t.startsWith(QStringLiteral("Weight × value")))
                value = t;
            for (int y = 0; y < view->height(); y += 3) {
                const QString u = view->describeAt(QPoint(x, y));
                if (u.startsWith(QStringLiteral("Query vector")))
                    query = u;
                else if (u.startsWith(QStringLiteral("The head's output")))
                    output = u;
            }
        }
        QVERIFY2(key.contains(QStringLiteral("layer 2's W_K")) && key.contains(QStringLiteral("RoPE")) &&
                     key.contains(QStringLiteral("key/value head 1, shared by query heads 2–3")), qPrintable(key));
        QVERIFY2(product.contains(QStringLiteral("add up to the score")) &&
                     product.contains(QStringLiteral("dimension %1").arg(top[0])), qPrintable(product));
        QVERIFY2(value.contains(QStringLiteral("layer 2's W_V")) && !value.contains(QStringLiteral("RoPE")), qPrintable(value));
        QVERIFY2(query.contains(QStringLiteral("layer 2's W_Q")) && query.contains(QStringLiteral("head 3")), qPrintable(query));
        QVERIFY2(output.contains(QStringLiteral("W_O")), qPrintable(output));
    }
    // Clicking a key row selects that cell everywhere; the query stays, the row is marked.
    {
        StepView *view = panel->view();
        QPoint at;
        for (int y = 0; y < view->height() && at.isNull(); ++y)
            if (view->rowAt(QPoint(10, y)) == 11)
                at = QPoint(view->width() / 2, y + 2);
        QVERIFY(!at.isNull());
        QTest::mouseClick(view, Qt::LeftButton, {}, at);
        const Focus f = focusOf(selectionModel(w));
        QVERIFY(f.isCell());
        QCOMPARE(heatmapModel(w)->position(f.query), query);
        QCOMPARE(heatmapModel(w)->position(f.key), 11);
        QVERIFY(ready(2, 3, query));
        focusToken(selectionModel(w), heatmapModel(w)->rowOfPosition(query));
    }
    // Strongest first: the row order follows the weights.
    panel->orderBox()->setCurrentIndex(1);
    for (int r = 1; r < model->rowCount(); ++r)
        QVERIFY(model->step()->weights[std::size_t(model->keyOfRow(r - 1))] >=
                model->step()->weights[std::size_t(model->keyOfRow(r))]);
    panel->orderBox()->setCurrentIndex(0);
    // Another layer is traced anew; another head and query of the same layer need no trace. The layer and head
    // keys of the other views work on this page too.
    QApplication::setActiveWindow(w);
    QVERIFY(QTest::qWaitForWindowActive(w));
    panel->view()->setFocus();
    QTest::keyClick(panel->view(), Qt::Key_PageDown);
    QTest::keyClick(panel->view(), Qt::Key_Right);
    QCOMPARE(layerBox(w)->value(), 3);
    QCOMPARE(headBox(w)->value(), 4);
    layerBox(w)->setValue(4);
    headBox(w)->setValue(6);
    QTRY_VERIFY_WITH_TIMEOUT(ready(4, 6, query), testsupport::waitMs(10000));
    checkRow(4, 6, query);
    focusToken(selectionModel(w), heatmapModel(w)->rowOfPosition(5));
    QVERIFY(ready(4, 6, 5));
    checkRow(4, 6, 5);
    // Under value-weighted attention the page keeps the softmax and says what the other views add to it.
    QVERIFY(!panel->hint().contains(QStringLiteral("W_O")));
    measureBox(w)->setCurrentIndex(measureBox(w)->findData(int(Measure::Value)));
    QTRY_VERIFY_WITH_TIMEOUT(analysis(w)->shown->measure == Measure::Value, testsupport::waitMs(10000));
    QVERIFY(panel->hint().contains(QStringLiteral("W_O")));
    QVERIFY(ready(4, 6, 5)); // same tokens: the trace still serves
    checkRow(4, 6, 5);
    measureBox(w)->setCurrentIndex(0);
    QTRY_VERIFY_WITH_TIMEOUT(analysis(w)->shown->measure == Measure::Raw, testsupport::waitMs(10000));
    // A mean of heads has no single softmax: the page says so instead of showing numbers.
    aggregationBox(w)->setCurrentIndex(1);
    QVERIFY(panel->view()->message().contains(QStringLiteral("One head")));
    aggregationBox(w)->setCurrentIndex(0);
    QVERIFY(panel->view()->message().isEmpty());
    // View > Zoom In (Ctrl++) enlarges the page shown: here the step page's text, on the heatmap its cells.
    QApplication::setActiveWindow(w);
    QVERIFY(QTest::qWaitForWindowActive(w));
    const int height = panel->view()->sizeHint().height();
    QTest::keyClick(w, Qt::Key_Plus, Qt::ControlModifier);
    QCOMPARE(panel->view()->zoom(), 1.25);
    QVERIFY(panel->view()->sizeHint().height() > height);
    QTest::keyClick(w, Qt::Key_0, Qt::ControlModifier); // fit: this short sentence grows to fill the page
    QVERIFY(panel->view()->zoom() > 1.0);
    QVERIFY(panel->view()->sizeHint().height() <= panel->viewportSize().height() + 2);
    panel->view()->setZoom(1.0);
    // A long text: every key row can be scrolled to, and the strongest one is brought into sight.
    QString longText;
    while (longText.size() < 900)
        longText += QStringLiteral("Lily saw a big red ball. She wanted to play with it. ");
    QVERIFY(waitForText(w, longText));
    attnscope::clearFocus(selectionModel(w)); // the last token is the query
    QTRY_VERIFY_WITH_TIMEOUT(model->step() && model->step()->keys == analysis(w)->raw->seqLen() &&
                                 panel->view()->message().isEmpty(),
                             testsupport::waitMs(10000));
    auto *scroll = panel->findChild<QScrollArea *>();
    QVERIFY(scroll);
    QTRY_VERIFY_WITH_TIMEOUT(panel->view()->height() >= panel->view()->rowRect(model->rowCount() - 1).bottom(), testsupport::waitMs(5000));
    QVERIFY(scroll->verticalScrollBar()->maximum() > 0);
    QTRY_VERIFY_WITH_TIMEOUT(panel->view()->visibleRegion().boundingRect().contains(
                                 panel->view()->rowRect(model->strongestRow()).center()),
                             testsupport::waitMs(5000));
    viewTabs(w)->setCurrentIndex(0);
    QVERIFY(arcsView(w)->isVisible());
    QTest::keyClick(w, Qt::Key_Plus, Qt::ControlModifier);
    QCOMPARE(heatmapView(w)->zoom(), 1.25);
    QTest::keyClick(w, Qt::Key_0, Qt::ControlModifier);
    QCOMPARE(heatmapView(w)->zoom(), 1.0);
}

void TestMainWindow::cancelKeepsThePreviousResult() {
    MainWindow *w = m_window.get();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("slow-random.gguf"));
    // Deep and wide enough that about a thousand tokens take seconds; two heads keep the attention it stores
    // under 100 MB, and Q4_0 the file at 53 MB.
    testsupport::RandomLlama slow;
    slow.layers = 16;
    slow.dim = 768;
    slow.heads = 2;
    slow.hidden = 1536;
    slow.type = GgmlType::Q4_0;
    QVERIFY(testsupport::writeRandomLlama(testsupport::sharedStd(QStringLiteral("gguf/stories260K.gguf")),
                                          path.toStdString(), slow));
    auto loaded = [w](const std::string &model) {
        return service(w)->engine() && service(w)->engine()->info().modelPath == model && !service(w)->busy();
    };
    w->openModel(path);
    QTRY_VERIFY_WITH_TIMEOUT(loaded(path.toStdString()), testsupport::waitMs(20000));
    QVERIFY(waitForText(w, QStringLiteral("Lily saw a big red ball.")));
    const AnalysisPtr before = analysis(w);
    const int layer = layerBox(w)->value();

    // About a thousand tokens: seconds of work on this model (16 layers of width 768).
    QString longText;
    while (longText.size() < 3000)
        longText += QStringLiteral("Lily saw a big red ball. ");
    QElapsedTimer clock;
    clock.start();
    textEdit(w)->setPlainText(longText);
    BusyBar *bar = busyBar(w);
    QTRY_VERIFY_WITH_TIMEOUT(bar->isVisible() && bar->cancelButton()->isVisible(), testsupport::waitMs(10000));
    QVERIFY(clock.elapsed() >= BusyBar::kDelayMs); // short work never flashes a bar
    QVERIFY(bar->progressBar()->isVisible());
    QVERIFY(bar->text().contains(QStringLiteral("Computing")));
    QVERIFY(service(w)->busy());
    QTest::mouseClick(bar->cancelButton(), Qt::LeftButton);

    // At once: nothing pending, the note says what is shown, the controls work, the text is as typed.
    QVERIFY(!service(w)->busy());
    QVERIFY(bar->text().contains(QStringLiteral("previous result")));
    QVERIFY(bar->runAgainButton()->isVisible());
    QCOMPARE(textEdit(w)->toPlainText(), longText);
    QVERIFY(layerBox(w)->isEnabled());
    layerBox(w)->setValue(layer == 0 ? 1 : 0);
    QCOMPARE(heatmapModel(w)->layer(), layerBox(w)->value());
    // Nothing of the cancelled analysis arrives later; the previous result stays on screen.
    QTest::qWait(1500);
    QCOMPARE(analysis(w), before);
    QCOMPARE(heatmapModel(w)->result(), before->shown);
    // And the window goes on working: a new text is analysed as usual and the note goes away.
    QVERIFY(waitForText(w, QStringLiteral("The bat flew at night.")));
    QVERIFY(bar->text().isEmpty());

    w->openModel(QString::fromStdString(testsupport::stories260K())); // the model the other tests expect
    QTRY_VERIFY_WITH_TIMEOUT(loaded(testsupport::stories260K()), testsupport::waitMs(10000));
}

void TestMainWindow::exampleLibraryFitsTheModel() {
    // Every bundled example: a note, and for the model it names a head that exists and a token the text has.
    const QList<Example> examples = builtInExamples();
    QVERIFY(examples.size() >= 10);
    QStringList texts;
    for (const Example &e : examples) {
        texts << e.text;
        QVERIFY2(!e.note.isEmpty(), qPrintable(e.text));
        if (e.model.isEmpty())
            continue;
        QCOMPARE(e.model, QStringLiteral("stories260K"));
        QVERIFY(e.layer < m_engine->info().config.layers && e.head < m_engine->info().config.heads);
        if (e.focus.isEmpty())
            continue;
        const auto tokens = m_engine->tokenizer().encode(e.text.toStdString(), true);
        QVERIFY(tokens.ok());
        QVERIFY2(std::any_of(tokens->begin(), tokens->end(),
                             [&](const Token &t) { return QString::fromStdString(t.piece) == e.focus; }),
                 qPrintable(e.focus + QStringLiteral(" not in: ") + e.text));
    }
    for (const char *seed : {"Swing the bat!", "The bat flew at night.",
                             "Miami, coined the 'magic city,' has beautiful white-sand beaches."})
        QVERIFY(texts.contains(QString::fromUtf8(seed)));
    QVERIFY(parseExamples("not json").isEmpty());
    QCOMPARE(parseExamples(R"([{"note": "no text"}, {"text": "Hi.", "layer": 1}])").size(), 1);
    QCOMPARE(parseExamples(R"([{"text": "Hi.", "layer": 1}])").front().head, 0);
}

void TestMainWindow::exampleOpensItsHeadAndToken() {
    MainWindow *w = m_window.get();
    QVERIFY(waitForText(w, QStringLiteral("Not an example.")));
    QVERIFY(exampleNote(w).isEmpty());
    ExamplesPanel *panel = examplesPanel(w);
    int she = -1;
    for (int i = 0; i < panel->examples().size(); ++i)
        if (panel->examples()[i].focus == QStringLiteral("▁She"))
            she = i;
    QVERIFY(she >= 0);
    const Example e = panel->examples()[she];
    QListWidget *list = panel->list();
    list->scrollToItem(list->item(she));
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(list->item(she)).center());
    QCOMPARE(textEdit(w)->toPlainText(), e.text);
    QTRY_VERIFY_WITH_TIMEOUT(analysis(w) && analysis(w)->raw->text == e.text.toStdString(), testsupport::waitMs(10000));
    QTRY_COMPARE_WITH_TIMEOUT(layerBox(w)->value(), e.layer, testsupport::waitMs(5000));
    QCOMPARE(headBox(w)->value(), e.head);
    QCOMPARE(Aggregation(aggregationBox(w)->currentData().toInt()), Aggregation::Head);
    const Focus focus = focusOf(selectionModel(w));
    QVERIFY(focus.isToken());
    QCOMPARE(QString::fromStdString(analysis(w)->raw->tokens[std::size_t(heatmapModel(w)->position(focus.query))].piece),
             e.focus);
    QVERIFY(exampleNote(w).contains(QStringLiteral("Look at")));
    QVERIFY(exampleNote(w).contains(e.note.left(20).toHtmlEscaped()));
    QCOMPARE(list->currentRow(), she);
    // Ctrl+] goes on to the next example, also without the menu bar.
    QApplication::setActiveWindow(w);
    QVERIFY(QTest::qWaitForWindowActive(w));
    QTest::keyClick(w, Qt::Key_BracketRight, Qt::ControlModifier);
    QCOMPARE(textEdit(w)->toPlainText(), panel->examples()[(she + 1) % panel->examples().size()].text);
    QCOMPARE(list->currentRow(), (she + 1) % int(panel->examples().size()));
    // Editing the text away from the example removes its note.
    QVERIFY(waitForText(w, QStringLiteral("Something of my own.")));
    QVERIFY(exampleNote(w).isEmpty());
    QCOMPARE(list->currentRow(), -1);
}

void TestMainWindow::stepThroughLayersAndHeads() {
    MainWindow *w = m_window.get();
    QVERIFY(waitForText(w, QStringLiteral("The bat flew at night.")));
    measureBox(w)->setCurrentIndex(0);
    QTRY_VERIFY_WITH_TIMEOUT(analysis(w)->shown->measure == Measure::Raw && !service(w)->busy(), testsupport::waitMs(10000));
    aggregationBox(w)->setCurrentIndex(0);
    layerBox(w)->setValue(0);
    headBox(w)->setValue(3);
    PlaybackBar *bar = playbackBar(w);
    Playback *playback = bar->playback();
    playback->setInterval(20);

    // Layer by layer: the head stays, the layers go by on the timer, and the last one stays on screen.
    bar->modeBox()->setCurrentIndex(0);
    bar->playButton()->click();
    QVERIFY(playback->isRunning());
    QVERIFY(bar->playButton()->text().contains(QStringLiteral("Pause")));
    QTRY_COMPARE_WITH_TIMEOUT(layerBox(w)->value(), 4, testsupport::waitMs(5000));
    QTRY_VERIFY_WITH_TIMEOUT(!playback->isRunning(), testsupport::waitMs(5000));
    QCOMPARE(headBox(w)->value(), 3);
    QCOMPARE(heatmapModel(w)->layer(), 4);
    QVERIFY(!bar->playButton()->isChecked());

    // Head by head goes on from the head shown to the layer's last head and stops there; played again from the end
    // it starts over at layer 0 head 0: every head of a layer, then the next layer.
    playback->setInterval(60000); // steps by hand from here
    bar->modeBox()->setCurrentIndex(1);
    bar->playButton()->click();
    playback->advance();
    QCOMPARE(layerBox(w)->value(), 4);
    QCOMPARE(headBox(w)->value(), 4);
    for (int i = 0; i < 3; ++i)
        playback->advance();
    QCOMPARE(headBox(w)->value(), 7);
    QVERIFY(!playback->isRunning());
    bar->playButton()->click();
    QCOMPARE(layerBox(w)->value(), 0);
    QCOMPARE(headBox(w)->value(), 0);
    for (int i = 0; i < 8; ++i)
        playback->advance();
    QCOMPARE(layerBox(w)->value(), 1);
    QCOMPARE(headBox(w)->value(), 0);
    QCOMPARE(heatmapModel(w)->head(), 0);
    QVERIFY(playback->isRunning());

    // Choosing a layer yourself stops it, as does F5.
    layerBox(w)->setValue(3);
    QVERIFY(!playback->isRunning());
    QApplication::setActiveWindow(w);
    QVERIFY(QTest::qWaitForWindowActive(w));
    QTest::keyClick(w, Qt::Key_F5);
    QVERIFY(playback->isRunning());
    QTest::keyClick(w, Qt::Key_F5);
    QVERIFY(!playback->isRunning());
    bar->modeBox()->setCurrentIndex(0);
}

namespace {
// Controls (buttons, boxes, text fields, item views) under `root` without a tooltip of their own, skipping the
// parts Qt builds inside other controls (a spin box's line edit, a combo box's popup, scroll bars, dock buttons).
QStringList untipped(QWidget *root) {
    QStringList missing;
    for (QWidget *w : root->findChildren<QWidget *>()) {
        const bool control = qobject_cast<QAbstractButton *>(w) || qobject_cast<QComboBox *>(w) ||
                             qobject_cast<QAbstractSpinBox *>(w) || qobject_cast<QLineEdit *>(w) ||
                             qobject_cast<QPlainTextEdit *>(w) || qobject_cast<QAbstractItemView *>(w);
        if (!control || !w->toolTip().isEmpty())
            continue;
        QWidget *parent = w->parentWidget();
        bool inside = w->objectName().startsWith(QLatin1String("qt_"));
        if (qobject_cast<QHeaderView *>(w) || w->inherits("QTableCornerButton"))
            inside = true; // the headers and corner of a table, which has its own tooltip
        for (QWidget *p = parent; p && p != root && !inside; p = p->parentWidget())
            inside = qobject_cast<QAbstractSpinBox *>(p) || qobject_cast<QComboBox *>(p) ||
                     p->inherits("QComboBoxPrivateContainer") || qobject_cast<QTabBar *>(p) || qobject_cast<QScrollBar *>(w);
        if (qobject_cast<QAbstractButton *>(w) && qobject_cast<QDockWidget *>(parent))
            inside = true; // a dock's float and close buttons
        if (!inside)
            missing << QStringLiteral("%1 \"%2\"").arg(QString::fromLatin1(w->metaObject()->className()),
                                                       qobject_cast<QAbstractButton *>(w)
                                                           ? qobject_cast<QAbstractButton *>(w)->text()
                                                           : w->objectName());
    }
    return missing;
}
} // namespace

void TestMainWindow::everyControlHasATooltip() {
    MainWindow *w = m_window.get();
    QStringList missing = untipped(w);
    ExportDialog *dialog = w->openExportDialog();
    missing += untipped(dialog);
    dialog->close();
    missing += untipped(w->openCompare());
    compareWindow(w)->close();
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
}

void TestMainWindow::aboutShowsModelFacts() {
    const QString html = aboutHtml(&m_engine->info());
    for (const char *fact : {"stories260K", "5 layers", "8 heads (4 key/value heads)", "width 64", "FFN 172",
                             "vocabulary 512", "context 512 tokens", "causal (decoder)", "llama2.c"})
        QVERIFY2(html.contains(QLatin1String(fact)), fact);
    QVERIFY(!html.contains(QStringLiteral("Quantized")));
    QVERIFY(aboutHtml(nullptr).contains(QStringLiteral("No model loaded")));
}

void TestMainWindow::windowsFitTheScreen() {
    // A 1366x768 laptop with a panel: the preferred sizes are larger, the fitted ones are inside.
    const QRect laptop(0, 0, 1366, 768 - 32);
    for (const QSize preferred : {MainWindow::kPreferredSize, CompareWindow::kPreferredSize}) {
        const QRect r = fittedGeometry(preferred, laptop, QSize(10, 37));
        QVERIFY2(laptop.contains(r), qPrintable(QStringLiteral("%1x%2").arg(r.width()).arg(r.height())));
        QVERIFY(r.width() >= std::min(preferred.width() + 10, laptop.width()) - 1);
    }
    QCOMPARE(fittedGeometry(QSize(600, 400), laptop, QSize(10, 37)).size(), QSize(610, 437)); // small enough: as asked
    // Saved on a larger monitor, far right and low: pulled back and shrunk onto the laptop.
    QCOMPARE(clampedGeometry(QRect(1500, 900, 1600, 1000), laptop), laptop);
    QCOMPARE(clampedGeometry(QRect(1000, 500, 600, 400), laptop), QRect(766, 336, 600, 400));
    QCOMPARE(clampedGeometry(QRect(-300, -50, 600, 400), laptop), QRect(0, 0, 600, 400));

    // The windows themselves can be that small: their minimum sizes fit a 1366x768 screen (the test's offscreen
    // screen is one, tests/data/offscreen-1366x768.json, window frames included).
    QCOMPARE(m_window->screen()->availableGeometry().size(), QSize(1366, 768));
    QVERIFY2(m_window->minimumSizeHint().width() <= 1366 - 10 && m_window->minimumSizeHint().height() <= 768 - 70,
             qPrintable(QStringLiteral("%1x%2").arg(m_window->minimumSizeHint().width()).arg(m_window->minimumSizeHint().height())));
    {
        MainWindow::Options options;
        options.modelPath = QString::fromStdString(testsupport::stories260K());
        MainWindow w(options);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QRect screen = w.screen()->availableGeometry();
        QVERIFY2(screen.contains(w.frameGeometry()), qPrintable(QStringLiteral("%1x%2 on %3x%4").arg(w.frameGeometry().width())
                                                                 .arg(w.frameGeometry().height()).arg(screen.width()).arg(screen.height())));
        QTRY_VERIFY_WITH_TIMEOUT(w.windowTitle().contains(QStringLiteral("stories260K")), testsupport::waitMs(10000));
        QVERIFY(w.windowTitle().contains(QStringLiteral("AttnScope")));
        // Ctrl+K opens Compare inside the screen, titled so; Esc closes it.
        QTest::keyClick(&w, Qt::Key_K, Qt::ControlModifier);
        CompareWindow *compare = compareWindow(&w);
        QVERIFY(compare && compare->isVisible());
        QVERIFY(QTest::qWaitForWindowExposed(compare));
        QVERIFY(compare->windowTitle().contains(QStringLiteral("Compare")));
        QVERIFY(compare->screen()->availableGeometry().contains(compare->frameGeometry()));
        QVERIFY(compare->minimumSizeHint().width() <= 1366 - 10 && compare->minimumSizeHint().height() <= 768 - 70);
        compare->activateWindow();
        QTest::keyClick(compare, Qt::Key_Escape);
        QVERIFY(!compare->isVisible());

        // While a model runs the busy bar joins the selectors' row (a 1B model shows it on every keystroke): the
        // row gives way instead of widening the window past the screen.
        BusyBar *busy = busyBar(&w);
        const int before = w.minimumSizeHint().width();
        emit service(&w)->cancelled(); // its longest text: "Stopped: the views still show the previous result." + Run Again
        QVERIFY(busy->isVisible() && busy->text().startsWith(QStringLiteral("Stopped")));
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QVERIFY2(w.minimumSizeHint().width() <= 1366 - 10,
                 qPrintable(QStringLiteral("%1 with the busy bar, %2 without").arg(w.minimumSizeHint().width()).arg(before)));
        busy->hide();

        // The dialogs open inside the screen too: Export, Get Models and About.
        auto inside = [&](QWidget *dialog) {
            return dialog && QTest::qWaitForWindowExposed(dialog) && screen.contains(dialog->frameGeometry()) &&
                   dialog->minimumSizeHint().width() <= 1366 - 10 && dialog->minimumSizeHint().height() <= 768 - 70;
        };
        ExportDialog *exportDialog = w.openExportDialog();
        QVERIFY2(inside(exportDialog), qPrintable(QStringLiteral("%1x%2").arg(exportDialog->frameGeometry().width())
                                                       .arg(exportDialog->frameGeometry().height())));
        exportDialog->close();
        w.setGetModelsSetup([] { return GetModelsSetup{}; }); // nothing of this machine's, no network
        GetModelsDialog *getModels = w.openGetModelsDialog();
        QVERIFY2(inside(getModels), qPrintable(QStringLiteral("%1x%2").arg(getModels->frameGeometry().width())
                                                   .arg(getModels->frameGeometry().height())));
        getModels->close();
        bool aboutInside = false;
        QTimer::singleShot(0, &w, [&] { // About is modal: looked at and closed from inside its loop
            QWidget *about = QApplication::activeModalWidget();
            aboutInside = inside(about);
            if (about)
                about->close();
        });
        menuAction(&w, QStringLiteral("About AttnScope"))->trigger();
        QVERIFY(aboutInside);
    }
}

void TestMainWindow::wordsMergePieces() {
    MainWindow *w = m_window.get();
    wordsBox(w)->setChecked(false);
    hideSpecialBox(w)->setChecked(false);
    measureBox(w)->setCurrentIndex(0);
    aggregationBox(w)->setCurrentIndex(0);
    const QString text = QStringLiteral("Lily and Ben played with a big red ballooning kite.");
    QVERIFY(waitForText(w, text));
    HeatmapModel *m = heatmapModel(w);
    const int tokens = m->tokenCount();
    QVERIFY(tokens > 11);
    focusToken(selectionModel(w), tokens - 1); // the "." of "kite."
    wordsBox(w)->setChecked(true);
    QCOMPARE(m->tokenCount(), 11); // <s> and ten words
    QCOMPARE(QString::fromStdString(m->result()->tokens[1].piece), QStringLiteral("Lily"));
    QCOMPARE(QString::fromStdString(m->result()->tokens[10].piece), QStringLiteral("kite."));
    QCOMPARE(focusOf(selectionModel(w)).query, 10); // the focused token's word
    // Rows are word-to-word weights that sum to 1, equal to the formula on the token result.
    const ResultPtr raw = analysis(w)->raw;
    const std::vector<Word> words = analysis(w)->words;
    layerBox(w)->setValue(1);
    headBox(w)->setValue(2);
    for (int a = 0; a < 11; ++a) {
        double sum = 0;
        for (int b = 0; b < 11; ++b) {
            const double got = m->index(a, b).data(HeatmapModel::WeightRole).toDouble();
            double want = 0;
            for (int q : words[std::size_t(a)].tokens)
                for (int k : words[std::size_t(b)].tokens)
                    want += raw->weight(1, 2, q, k);
            want /= double(words[std::size_t(a)].tokens.size());
            QVERIFY2(std::abs(got - want) < 1e-6, qPrintable(QStringLiteral("(%1, %2) %3 vs %4").arg(a).arg(b).arg(got).arg(want)));
            sum += got;
        }
        QVERIFY(std::abs(sum - 1.0) < 1e-5);
    }
    // Typing keeps the words; switching back gives the tokens, the word's last token focused.
    QVERIFY(waitForText(w, text + QStringLiteral(" Lily smiled.")));
    QCOMPARE(m->tokenCount(), 13);
    focusToken(selectionModel(w), 9); // "ballooning"
    wordsBox(w)->setChecked(false);
    QCOMPARE(m->tokenCount(), analysis(w)->raw->seqLen());
    QCOMPARE(focusOf(selectionModel(w)).query, words[9].tokens.back());
}

void TestMainWindow::wholeSessionComesBack() {
    QSettings settings;
    settings.clear();
    const QString gguf = QFileInfo(testsupport::sharedPath("gguf/stories260K.gguf")).absoluteFilePath();
    QByteArray geometry;
    {
        MainWindow::Options options;
        options.settings = remembered();
        options.modelPath = gguf;
        options.initialText = QStringLiteral("Ben likes his red truck. Ben smiled.");
        MainWindow w(options);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QTRY_VERIFY_WITH_TIMEOUT(analysis(&w) && analysis(&w)->raw->text == "Ben likes his red truck. Ben smiled.",
                                 testsupport::waitMs(10000));
        layerBox(&w)->setValue(3);
        headBox(&w)->setValue(5);
        measureBox(&w)->setCurrentIndex(measureBox(&w)->findData(int(Measure::Value)));
        QTRY_VERIFY_WITH_TIMEOUT(analysis(&w) && analysis(&w)->shown->measure == Measure::Value, testsupport::waitMs(10000));
        wordsBox(&w)->setChecked(true);
        focusToken(selectionModel(&w), 3); // "his"
        viewTabs(&w)->setCurrentIndex(1);
        w.findChild<QDockWidget *>(QStringLiteral("examples"))->raise();
        w.openCompare()->close(); // a side trip: its sentences are in the session, the window does not come back
        w.close();
        geometry = w.saveGeometry();
    }
    {
        MainWindow::Options options; // no model, no text: the last session whole
        options.settings = remembered();
        MainWindow w(options);
        QCOMPARE(textEdit(&w)->toPlainText(), QStringLiteral("Ben likes his red truck. Ben smiled."));
        QTRY_VERIFY_WITH_TIMEOUT(service(&w)->engine() && analysis(&w) && layerBox(&w)->value() == 3, testsupport::waitMs(10000));
        QCOMPARE(QFileInfo(QString::fromStdString(service(&w)->engine()->info().modelPath)).absoluteFilePath(), gguf);
        QCOMPARE(headBox(&w)->value(), 5);
        QCOMPARE(Measure(measureBox(&w)->currentData().toInt()), Measure::Value);
        QVERIFY(wordsBox(&w)->isChecked());
        QCOMPARE(heatmapModel(&w)->tokenCount(), 8); // <s> Ben likes his red truck. Ben smiled.
        QCOMPARE(focusOf(selectionModel(&w)).query, 3);
        QCOMPARE(viewTabs(&w)->currentIndex(), 1);
        QVERIFY(!compareWindow(&w)); // not opened by the restore
        QVERIFY(w.windowTitle().contains(QStringLiteral("AttnScope")) && w.windowTitle().contains(QStringLiteral("stories260K")));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.screen()->availableGeometry().contains(w.frameGeometry()));
    }
    {
        MainWindow::Options options; // a text given: that text, not the last one
        options.settings = remembered();
        options.initialText = QStringLiteral("Tom ran.");
        MainWindow w(options);
        QCOMPARE(textEdit(&w)->toPlainText(), QStringLiteral("Tom ran."));
        QTRY_VERIFY_WITH_TIMEOUT(analysis(&w) && analysis(&w)->raw->text == "Tom ran.", testsupport::waitMs(10000));
        // Never closed (as when the process is killed): the analysed session is remembered all the same.
    }
    {
        MainWindow::Options options;
        options.settings = remembered();
        MainWindow w(options);
        QCOMPARE(textEdit(&w)->toPlainText(), QStringLiteral("Tom ran."));
    }
    settings.clear();
}

void TestMainWindow::firstStartTour() {
    QSettings().clear();
    MainWindow::Options options;
    options.settings = remembered();
    options.modelPath = testsupport::sharedPath("gguf/stories260K.gguf");
    {
        MainWindow w(options);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QTRY_VERIFY_WITH_TIMEOUT(tour(&w)->running(), testsupport::waitMs(10000));
        QCOMPARE(tour(&w)->currentTitle(), QStringLiteral("Type here"));
        QVERIFY(w.rect().contains(tour(&w)->geometry()));
        QCOMPARE(tour(&w)->stepCount(), 4);
        // Non-modal: the shortcuts and the text box keep working while it shows.
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QTest::keyClick(&w, Qt::Key_F11);
        QVERIFY(w.presentation());
        QTest::keyClick(&w, Qt::Key_Escape);
        QVERIFY(!w.presentation());
        QVERIFY(tour(&w)->running());
        textEdit(&w)->setFocus();
        textEdit(&w)->moveCursor(QTextCursor::End);
        QTest::keyClicks(textEdit(&w), QStringLiteral(" Hi"));
        QVERIFY(textEdit(&w)->toPlainText().endsWith(QStringLiteral(" Hi")));
        QStringList titles{tour(&w)->currentTitle()};
        while (tour(&w)->running()) {
            tour(&w)->next();
            if (tour(&w)->running()) {
                titles << tour(&w)->currentTitle();
                QVERIFY(w.rect().contains(tour(&w)->geometry()));
            }
        }
        QCOMPARE(titles, (QStringList{"Type here", "These are the heads", "Click a token", "Try the Examples"}));
        QVERIFY(QSettings().value(QStringLiteral("tourDone")).toBool());
    }
    {
        MainWindow w(options); // not again on the next start; Help > Show Tour reopens it, Skip closes it
        w.show();
        QTRY_VERIFY_WITH_TIMEOUT(analysis(&w), testsupport::waitMs(10000));
        QTest::qWait(50);
        QVERIFY(!tour(&w)->running());
        QAction *show = nullptr;
        for (QAction *a : w.menuBar()->actions())
            if (a->menu())
                for (QAction *item : a->menu()->actions())
                    if (item->text().remove('&') == QStringLiteral("Show Tour"))
                        show = item;
        QVERIFY(show);
        show->trigger();
        QVERIFY(tour(&w)->running() && tour(&w)->isVisible());
        tour(&w)->finish();
        QVERIFY(!tour(&w)->isVisible());
    }
    QSettings().clear();
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
