// MainWindow, the part a lesson is made of: the look of the views that a session stores besides the presenter's
// state, sessions saved and opened, the example library, and what the settings store keeps between starts.
#include "main_window.h"

#include "presenters/analysis_presenter.h"
#include "presenters/compare_presenter.h"
#include "presenters/settings_store.h"
#include "views/heatmap_view.h"
#include "widgets/compare_window.h"
#include "widgets/control_bar.h"
#include "widgets/examples_panel.h"
#include "widgets/step_panel.h"
#include "widgets/view_panes.h"

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QStatusBar>
#include <QTabWidget>

namespace attnscope {

Session MainWindow::currentSession() const {
    Session look;
    look.colorMap = m_controls->colorMap();
    look.colorScale = m_controls->colorScale();
    look.arcsLayout = m_arcs->layoutKey();
    look.threshold = m_arcs->threshold();
    look.topK = m_arcs->topK();
    look.page = m_viewTabs->currentWidget() == m_stepPanel ? QStringLiteral("step") : QStringLiteral("heatmap");
    look.stepOrder = m_stepPanel->orderBox()->currentIndex() == 1 ? QStringLiteral("weight") : QStringLiteral("sentence");
    if (m_compare) {
        look.compareA = m_compare->presenter()->textA();
        look.compareB = m_compare->presenter()->textB();
    }
    return m_presenter->session(look);
}

void MainWindow::applySessionLook(const Session &s) {
    m_controls->setColorMap(s.colorMap);
    m_controls->setColorScale(s.colorScale);
    m_arcs->setLayoutKey(s.arcsLayout);
    m_arcs->setThreshold(s.threshold);
    m_arcs->setTopK(s.topK);
    m_stepPanel->orderBox()->setCurrentIndex(s.stepOrder == QLatin1String("weight") ? 1 : 0);
    m_viewTabs->setCurrentWidget(s.page == QLatin1String("step") ? static_cast<QWidget *>(m_stepPanel) : m_heatmap);
}

QString MainWindow::saveSession(const QString &path) {
    const QString error = m_presenter->saveSession(path, currentSession());
    if (error.isEmpty())
        statusBar()->showMessage(tr("Saved the session to %1").arg(QDir::toNativeSeparators(path)), 6000);
    return error;
}

QString MainWindow::openSession(const QString &path) {
    return m_presenter->openSession(path);
}

void MainWindow::rememberState() {
    if (!m_settings->remembers())
        return; // saving the dock layout and the session on every result costs the GUI thread for nothing
    m_settings->rememberWindow(saveGeometry(), saveState());
    m_settings->rememberSession(currentSession());
}

void MainWindow::rebuildRecentMenu() {
    if (!m_recentMenu)
        return;
    m_recentMenu->clear();
    const QStringList recent = m_settings->recentModels();
    for (const QString &path : recent) {
        QAction *a = m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openModel(path); });
        a->setStatusTip(QDir::toNativeSeparators(path));
        a->setToolTip(a->statusTip());
    }
    if (recent.isEmpty())
        m_recentMenu->addAction(tr("(none yet)"))->setEnabled(false);
}

void MainWindow::openExample(int index) {
    if (index >= 0 && index < m_examples->examples().size())
        m_presenter->showExample(m_examples->examples()[index]);
}

void MainWindow::showExampleNote() {
    const QString text = m_presenter->text();
    const int index = m_examples->indexOfText(text);
    m_examples->setCurrentText(text);
    if (index < 0 || m_examples->examples()[index].note.isEmpty()) {
        m_note->clear();
        m_note->setVisible(false);
        return;
    }
    const Example &e = m_examples->examples()[index];
    const bool otherModel = !e.model.isEmpty() && m_presenter->engine() && e.model != m_presenter->modelName();
    m_note->setText(otherModel ? tr("<b>Look at:</b> %1 <i>(measured on %2; this model may differ)</i>")
                                     .arg(e.note.toHtmlEscaped(), e.model.toHtmlEscaped())
                               : tr("<b>Look at:</b> %1").arg(e.note.toHtmlEscaped()));
    m_note->setVisible(true);
}

} // namespace attnscope
