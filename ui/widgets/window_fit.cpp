// Window geometry that fits the screen.
#include "widgets/window_fit.h"

#include <QGuiApplication>
#include <QScreen>
#include <QWidget>

#include <algorithm>

namespace attnscope {

namespace {

QRect availableFor(const QWidget *window) {
    const QScreen *screen = window->screen();
    if (!screen)
        screen = QGuiApplication::primaryScreen();
    return screen ? screen->availableGeometry() : QRect(0, 0, 1366, 768);
}

// The window manager's title bar and borders: known once the window is shown, a usual one before.
QSize frameOf(const QWidget *window) {
    const QSize known = window->frameGeometry().size() - window->geometry().size();
    return window->isVisible() && known.width() >= 0 && known.height() > 0 ? known : QSize(16, 40);
}

// Puts the window's frame at `outer`.
void place(QWidget *window, const QRect &outer, QSize frame) {
    window->resize(outer.size() - frame);
    window->move(outer.topLeft()); // a top-level window's position is its frame's
}

} // namespace

QRect fittedGeometry(QSize preferred, const QRect &available, QSize frame) {
    QRect r(0, 0, std::min(preferred.width() + frame.width(), available.width()),
            std::min(preferred.height() + frame.height(), available.height()));
    r.moveCenter(available.center());
    return clampedGeometry(r, available);
}

QRect clampedGeometry(const QRect &geometry, const QRect &available) {
    QRect r = geometry;
    r.setWidth(std::min(r.width(), available.width()));
    r.setHeight(std::min(r.height(), available.height()));
    if (r.right() > available.right())
        r.moveRight(available.right());
    if (r.bottom() > available.bottom())
        r.moveBottom(available.bottom());
    if (r.left() < available.left())
        r.moveLeft(available.left());
    if (r.top() < available.top())
        r.moveTop(available.top());
    return r;
}

void fitToScreen(QWidget *window, QSize preferred) {
    const QSize frame = frameOf(window);
    place(window, fittedGeometry(preferred, availableFor(window), frame), frame);
}

void keepOnScreen(QWidget *window) {
    if (!window->isVisible())
        return;
    const QRect available = availableFor(window);
    const QSize frame = frameOf(window);
    const QRect outer(window->pos(), window->size() + frame);
    if (available.contains(outer))
        return;
    place(window, clampedGeometry(outer, available), frame);
}

bool restoreFitted(QWidget *window, const QByteArray &saved, QSize preferred) {
    if (saved.isEmpty() || !window->restoreGeometry(saved)) {
        fitToScreen(window, preferred);
        return false;
    }
    if (window->isMaximized() || window->isFullScreen())
        return true; // the window manager fits those
    const QSize frame = frameOf(window);
    place(window, clampedGeometry(QRect(window->pos(), window->size() + frame), availableFor(window)), frame);
    return true;
}

} // namespace attnscope
