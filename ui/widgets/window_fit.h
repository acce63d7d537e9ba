// Windows that open inside the screen: a preferred size shrunk to the screen's available area, and saved geometry
// restored but pulled back onto the screen it opens on (a laptop after a larger monitor, a projector).
#pragma once

#include <QByteArray>
#include <QRect>
#include <QSize>

class QWidget;

namespace attnscope {

// The frame rectangle of a window whose contents would like `preferred` inside `available` (a screen's area without
// panels), `frame` being what the window manager adds (title bar, borders): shrunk to fit, centred.
QRect fittedGeometry(QSize preferred, const QRect &available, QSize frame = QSize(16, 40));

// `geometry` (the window's frame rectangle) moved, and shrunk when it is larger, so that it lies inside `available`.
QRect clampedGeometry(const QRect &geometry, const QRect &available);

// Resizes `window` to `preferred`, or less, so it fits the available area of the screen it is on (the primary screen
// before it is shown), and centres it there.
void fitToScreen(QWidget *window, QSize preferred);

// When the window's frame reaches past the available area of its screen (its layout grew it), shrinks and moves it
// back inside, as far as its minimum size allows; does nothing to a window that fits.
void keepOnScreen(QWidget *window);

// restoreGeometry(saved), then the window clamped onto its screen; false (and fitToScreen(preferred)) when there was
// nothing to restore.
bool restoreFitted(QWidget *window, const QByteArray &saved, QSize preferred);

} // namespace attnscope
