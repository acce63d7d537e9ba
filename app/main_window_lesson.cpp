// MainWindow, the part a lesson is made of: sessions (.attnscope files) saved from and applied to the controls,
// the example library's sentences with their head and token, and what QSettings remembers between starts.
#include "main_window.h"

#include "models/focus.h"
#include "models/heatmap_model.h"
#include "views/heatmap_view.h"
#include "widgets/compare_window.h"
#include "widgets/examples_panel.h"
#include "widgets/inference_worker.h"
#include "widgets/step_panel.h"
#include "export/export_files.h"

#include <attnscope/measures.h>

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>

namespace attnscope {

void MainWindow::closeEvent(QCloseEvent *event) {
    rememberState();
    QMainWindow::closeEvent(event);
}

void MainWindow::rememberState() {
    if (!m_options.useSettings)
        return;
    QSettings settings;
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("windowState"), saveState());
    const Session session = currentSession();
    if (!session.modelPath.isEmpty())
        settings.setValue(QStringLiteral("lastSession"), sessionToJson(session));
    settings.setValue(QStringLiteral("lastText"), m_text->toPlainText());
    if (const auto &engine = m_service->engine()) {
        settings.setValue(QStringLiteral("lastModel"), QString::fromStdString(engine->info().modelPath));
        settings.setValue(QStringLiteral("lastTokenizer"), QString::fromStdString(engine->info().tokenizerPath));
    }
}

void MainWindow::rememberModel(const QString &path) {
    m_recent.removeAll(path);
    m_recent.prepend(path);
    while (m_recent.size() > 8)
        m_recent.removeLast();
    if (m_options.useSettings)
        QSettings().setValue(QStringLiteral("recentModels"), m_recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    if (!m_recentMenu)
        return;
    m_recentMenu->clear();
    for (const QString &path : m_recent) {
        QAction *a = m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openModel(path); });
        a->setStatusTip(QDir::toNativeSeparators(path));
        a->setToolTip(a->statusTip());
    }
    if (m_recent.isEmpty())
        m_recentMenu->addAction(tr("(none yet)"))->setEnabled(false);
}

namespace {
const char *const kAggregations[] = {"head", "mean", "max", "all"}; // the aggregation box's order
const char *const kScales[] = {"linear", "log", "sqrt"};            // the colour-scale box's order
} // namespace

Session MainWindow::currentSession() const {
    Session s;
    if (const auto &engine = m_service->engine()) {
        s.modelPath = QFileInfo(QString::fromStdString(engine->info().modelPath)).absoluteFilePath();
        s.tokenizerPath = QString::fromStdString(engine->info().tokenizerPath);
    }
    s.text = m_text->toPlainText();
    if (m_compare) {
        s.compareA = m_compare->textA()->text();
        s.compareB = m_compare->textB()->text();
    }
    s.layer = m_layer->value();
    s.head = m_head->value();
    s.aggregation = QLatin1String(kAggregations[std::clamp(m_aggregation->currentIndex(), 0, 3)]);
    s.measure = QLatin1String(measureKey(Measure(m_measure->currentData().toInt())));
    const Focus focus = focusOf(m_selection);
    s.pinnedQuery = tokenPosition(focus.query, true); // token positions, whether words are shown or not
    s.pinnedKey = focus.key >= 0 ? tokenPosition(focus.key, false) : -1;
    s.hideSpecial = m_hideSpecial->isChecked();
    s.words = m_words->isChecked();
    s.colorMap = m_colorMap->currentData().toString();
    s.colorScale = QLatin1String(kScales[std::clamp(m_scale->currentIndex(), 0, 2)]);
    s.arcsLayout = m_arcsLayout->currentIndex() == 1 ? QStringLiteral("line") : QStringLiteral("columns");
    s.threshold = m_threshold->value();
    s.topK = m_topK->value();
    s.page = m_viewTabs->currentWidget() == m_stepPanel ? QStringLiteral("step") : QStringLiteral("heatmap");
    s.stepOrder = m_stepPanel->orderBox()->currentIndex() == 1 ? QStringLiteral("weight") : QStringLiteral("sentence");
    return s;
}

QString MainWindow::saveSession(const QString &path) {
    const Session s = currentSession();
    if (s.modelPath.isEmpty()) {
        showError(tr("Nothing to save yet: no model is loaded."));
        return errorText();
    }
    const QString error = writeFileAtomically(path, sessionToJson(s));
    if (!error.isEmpty()) {
        showError(error);
        return error;
    }
    statusBar()->showMessage(tr("Saved the session to %1").arg(QDir::toNativeSeparators(path)), 6000);
    return {};
}

QString MainWindow::openSession(const QString &path) {
    const QString shown = QDir::toNativeSeparators(path);
    QFile file(path);
    // A FIFO or device would block the window (or never end): only regular files (symlinks followed) are read.
    if (QFileInfo(path).exists() && !QFileInfo(path).isFile()) {
        showError(tr("%1: not a regular file; a session is a .attnscope file").arg(shown));
        return errorText();
    }
    if (!file.open(QIODevice::ReadOnly)) {
        showError(tr("%1: cannot open (%2)").arg(shown, file.errorString()));
        return errorText();
    }
    Session s;
    const QString problem = sessionFromJson(file.read(16 << 20 | 1), &s);
    if (!problem.isEmpty()) {
        showError(tr("%1: %2; nothing was changed").arg(shown, problem));
        return errorText();
    }
    if (!QFileInfo::exists(s.modelPath)) {
        showError(tr("%1: its model %2 is not there any more; open the model with File > Open, then the session "
                     "again").arg(shown, QDir::toNativeSeparators(s.modelPath)));
        return errorText();
    }
    clearError();
    m_pendingSession = s;
    applySessionView(s);
    {
        const QSignalBlocker block(m_text);
        m_text->setPlainText(s.text);
    }
    if (!s.compareA.isEmpty() || !s.compareB.isEmpty())
        openCompare()->setTexts(s.compareA, s.compareB);
    const auto &engine = m_service->engine();
    const bool sameModel = engine && QFileInfo(QString::fromStdString(engine->info().modelPath)).absoluteFilePath() ==
                                         QFileInfo(s.modelPath).absoluteFilePath();
    if (sameModel)
        requestAnalysis();
    else
        openModel(s.modelPath, s.tokenizerPath); // analyses once loaded
    return {};
}

void MainWindow::applySessionView(const Session &s) {
    // Everything here is known without the result; the measure box must not start an analysis of its own.
    const QSignalBlocker block(m_measure);
    if (const auto measure = parseMeasure(s.measure.toStdString()))
        m_measure->setCurrentIndex(m_measure->findData(int(*measure)));
    m_colorMap->setCurrentIndex(std::max(0, m_colorMap->findData(s.colorMap)));
    for (int i = 0; i < 3; ++i)
        if (s.colorScale == QLatin1String(kScales[i]))
            m_scale->setCurrentIndex(i);
    m_arcsLayout->setCurrentIndex(s.arcsLayout == QLatin1String("line") ? 1 : 0);
    m_threshold->setValue(s.threshold);
    m_topK->setValue(s.topK);
    m_hideSpecial->setChecked(s.hideSpecial);
    m_words->setChecked(s.words);
    m_stepPanel->orderBox()->setCurrentIndex(s.stepOrder == QLatin1String("weight") ? 1 : 0);
    m_viewTabs->setCurrentWidget(s.page == QLatin1String("step") ? static_cast<QWidget *>(m_stepPanel) : m_heatmap);
}

void MainWindow::applyPendingSession() {
    if (!m_pendingSession || !m_analysis || m_analysis->raw->text != m_pendingSession->text.toStdString())
        return;
    const Session s = *m_pendingSession;
    m_pendingSession.reset();
    for (int i = 0; i < 4; ++i)
        if (s.aggregation == QLatin1String(kAggregations[i]))
            m_aggregation->setCurrentIndex(i);
    m_layer->setValue(s.layer);
    m_head->setValue(s.head);
    const int row = rowOfToken(s.pinnedQuery);
    const int column = rowOfToken(s.pinnedKey);
    if (row >= 0 && s.pinnedKey < 0)
        focusToken(m_selection, row);
    else if (row >= 0 && column >= 0)
        focusCell(m_selection, row, column);
    else
        attnscope::clearFocus(m_selection);
}

void MainWindow::openExample(int index) {
    if (index < 0 || index >= m_examples->examples().size())
        return;
    const Example &e = m_examples->examples()[index];
    m_pendingExample = e;
    if (m_text->toPlainText() == e.text)
        applyPendingExample(); // already analysed: only the head and token change
    else
        m_text->setPlainText(e.text);
}

void MainWindow::applyPendingExample() {
    const auto &engine = m_service->engine();
    if (!m_pendingExample || !m_analysis || !engine || m_analysis->raw->text != m_pendingExample->text.toStdString())
        return;
    const Example e = *m_pendingExample;
    m_pendingExample.reset();
    // The head and token were chosen on one model; on another they would point at nothing in particular.
    if (!e.model.isEmpty() && e.model != QString::fromStdString(engine->info().name))
        return;
    if (e.layer >= 0 && e.layer <= m_layer->maximum() && e.head <= m_head->maximum()) {
        m_aggregation->setCurrentIndex(0);
        m_layer->setValue(e.layer);
        m_head->setValue(std::max(0, e.head));
    }
    const std::vector<Token> &tokens = m_analysis->raw->tokens;
    for (int i = int(tokens.size()) - 1; i >= 0 && !e.focus.isEmpty(); --i)
        if (QString::fromStdString(tokens[std::size_t(i)].piece) == e.focus) {
            const int row = rowOfToken(i);
            if (row >= 0)
                focusToken(m_selection, row);
            break;
        }
}

void MainWindow::showExampleNote() {
    const int index = m_examples->indexOfText(m_text->toPlainText());
    m_examples->setCurrentText(m_text->toPlainText());
    if (index < 0 || m_examples->examples()[index].note.isEmpty()) {
        m_note->clear();
        m_note->setVisible(false);
        return;
    }
    const Example &e = m_examples->examples()[index];
    const auto &engine = m_service->engine();
    const bool otherModel = !e.model.isEmpty() && engine && e.model != QString::fromStdString(engine->info().name);
    m_note->setText(otherModel ? tr("<b>Look at:</b> %1 <i>(measured on %2; this model may differ)</i>")
                                     .arg(e.note.toHtmlEscaped(), e.model.toHtmlEscaped())
                               : tr("<b>Look at:</b> %1").arg(e.note.toHtmlEscaped()));
    m_note->setVisible(true);
}

QString MainWindow::exampleNote() const {
    return m_note->isVisible() ? m_note->text() : QString();
}

} // namespace attnscope
