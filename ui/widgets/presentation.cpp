// Presentation: what a main window changes for a projector, and back.
#include "widgets/presentation.h"

#include <QAction>
#include <QDockWidget>
#include <QGuiApplication>
#include <QMainWindow>
#include <QScreen>
#include <QMenuBar>
#include <QStatusBar>

#include <algorithm>

namespace attnscope {

QPalette Presentation::projectorPalette() {
    QPalette p; // black on white, a strong blue for the selection: readable on any projector
    p.setColor(QPalette::Window, Qt::white);
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xf0, 0xf0, 0xf0));
    p.setColor(QPalette::WindowText, Qt::black);
    p.setColor(QPalette::Text, Qt::black);
    p.setColor(QPalette::ButtonText, Qt::black);
    p.setColor(QPalette::Button, QColor(0xf4, 0xf4, 0xf4));
    p.setColor(QPalette::Highlight, QColor(0x00, 0x5f, 0xcc));
    p.setColor(QPalette::HighlightedText, Qt::white);
    return p;
}

void Presentation::enter(QMainWindow *window, const QList<QDockWidget *> &docks) {
    if (m_window)
        return;
    m_window = window;
    m_font = window->font();
    m_palette = window->palette();
    m_maximized = window->isMaximized();
    m_docks.clear();
    for (QDockWidget *dock : docks) // a dock behind another's tab is not "visible" but open: its action says so
        m_docks.append({dock, dock->toggleViewAction()->isChecked()});
    // Large type for the back of the room, but not so large that a 768-pixel-high screen (a laptop on a projector)
    // has no room left for the views: 1.6x from 900 pixels up, less below.
    const QScreen *screen = window->screen() ? window->screen() : QGuiApplication::primaryScreen();
    const double height = screen ? screen->geometry().height() : 1080;
    QFont big = m_font;
    big.setPointSizeF(std::max(12.0, big.pointSizeF() * std::clamp(1.6 * height / 900, 1.25, 1.6)));
    window->setFont(big);
    window->setPalette(projectorPalette());
    window->menuBar()->hide();
    window->statusBar()->hide();
    for (QDockWidget *dock : docks)
        dock->hide();
    window->showFullScreen();
}

void Presentation::leave() {
    if (!m_window)
        return;
    QMainWindow *window = m_window;
    m_window = nullptr;
    window->setFont(m_font);
    window->setPalette(m_palette);
    window->menuBar()->show();
    window->statusBar()->show();
    for (const auto &[dock, open] : m_docks)
        dock->setVisible(open);
    if (m_maximized)
        window->showMaximized();
    else
        window->showNormal();
}

} // namespace attnscope
