// Presentation mode of a main window, for a projector: full screen, type 1.6x larger (14 pt at least), a
// black-on-white palette with a strong blue selection, the menu bar, status bar and the given docks hidden.
// leave() puts back the font, palette, docks and window state exactly as they were.
#pragma once

#include <QFont>
#include <QList>
#include <QPair>
#include <QPalette>

class QDockWidget;
class QMainWindow;

namespace attnscope {

class Presentation {
public:
    void enter(QMainWindow *window, const QList<QDockWidget *> &docks);
    void leave();
    bool active() const { return m_window != nullptr; }
    static QPalette projectorPalette();

private:
    QMainWindow *m_window = nullptr;
    QFont m_font;
    QPalette m_palette;
    bool m_maximized = false;
    QList<QPair<QDockWidget *, bool>> m_docks; // and whether each was open
};

} // namespace attnscope
