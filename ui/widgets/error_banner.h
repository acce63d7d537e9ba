// The red banner every window shows a problem in: word-wrapped, selectable (to copy a path), hidden until used.
#pragma once

#include <QLabel>

namespace attnscope {

inline QLabel *makeErrorBanner(QWidget *parent) {
    auto *banner = new QLabel(parent);
    banner->setWordWrap(true);
    banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    banner->setStyleSheet(QStringLiteral("QLabel { background: #fdecea; color: #611a15; border: 1px solid #f5c2c0; "
                                         "border-radius: 4px; padding: 6px; }"));
    banner->setVisible(false);
    return banner;
}

} // namespace attnscope
