// The first-start tour's callouts.
#include "widgets/tour.h"

#include <QEvent>
#include <QLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace attnscope {

Tour *Tour::firstStart(QWidget *window, const FirstStartTargets &t) {
    return new Tour(window, {
        {t.text, tr("Type here"),
         tr("Type any sentence. The model reads it as you type and every view below follows.")},
        {t.grid, tr("These are the heads"),
         tr("Each small square is one attention head, a row of them per layer. Click one to see it large; a thick "
            "frame marks a head with a clear job (previous token, first token, induction).")},
        {t.strip, tr("Click a token"),
         tr("Click a piece of the sentence: every view shows where it looks, and <b>Insights</b> what the model "
            "predicts next. <b>Words</b> merges pieces such as “▁Li” “ly” into “Lily”.")},
        {t.docks, tr("Try the Examples"),
         tr("The <b>Examples</b> tab holds sentences chosen to show one behaviour each, with a note on what to look "
            "at. Ctrl+] goes to the next one; F11 presents full screen.")},
    });
}

Tour::Tour(QWidget *window, std::vector<Step> steps) : QFrame(window), m_window(window), m_steps(std::move(steps)) {
    setObjectName(QStringLiteral("tour"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    // Pale yellow like a sticky note, dark text, whatever the theme: it must read on a projector.
    setStyleSheet(QStringLiteral("#tour { background: #fff8c4; border: 2px solid #b08900; border-radius: 6px; }"
                                 "#tour QLabel { color: #1a1a1a; background: transparent; }"));
    setFocusPolicy(Qt::NoFocus);
    auto *layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    QFont bold = m_title->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.15);
    m_title->setFont(bold);
    m_text = new QLabel(this);
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    layout->addWidget(m_title);
    layout->addWidget(m_text);
    auto *row = new QHBoxLayout;
    m_count = new QLabel(this);
    m_skip = new QPushButton(tr("Skip tour"), this);
    m_next = new QPushButton(tr("Next"), this);
    for (QPushButton *b : {m_skip, m_next})
        b->setFocusPolicy(Qt::NoFocus); // the keyboard stays with the window: every shortcut keeps working
    m_skip->setToolTip(tr("Close the tour; Help > Show Tour brings it back."));
    m_next->setToolTip(tr("The next callout of the tour."));
    row->addWidget(m_count);
    row->addStretch(1);
    row->addWidget(m_skip);
    row->addWidget(m_next);
    layout->addLayout(row);
    connect(m_next, &QPushButton::clicked, this, &Tour::next);
    connect(m_skip, &QPushButton::clicked, this, &Tour::finish);
    window->installEventFilter(this);
    hide();
}

void Tour::start() {
    m_index = -1;
    next();
}

void Tour::next() {
    int i = m_index + 1;
    while (i < stepCount() && (!m_steps[std::size_t(i)].target || !m_steps[std::size_t(i)].target->isVisible()))
        ++i;
    if (i >= stepCount()) {
        finish();
        return;
    }
    m_index = i;
    showStep();
}

void Tour::finish() {
    const bool wasRunning = running();
    m_index = -1;
    hide();
    if (wasRunning)
        emit finished();
}

QString Tour::currentTitle() const {
    return running() ? m_steps[std::size_t(m_index)].title : QString();
}

void Tour::showStep() {
    const Step &s = m_steps[std::size_t(m_index)];
    m_title->setText(s.title);
    m_text->setText(s.text);
    m_count->setText(tr("%1 of %2").arg(m_index + 1).arg(stepCount()));
    m_next->setText(m_index + 1 == stepCount() ? tr("Done") : tr("Next"));
    place();
    show();
    raise();
}

void Tour::place() {
    if (!running())
        return;
    const QWidget *target = m_steps[std::size_t(m_index)].target;
    const int width = std::min(380, std::max(240, m_window->width() / 3));
    setFixedWidth(width);
    // As tall as the wrapped text needs at that width (adjustSize alone sizes the labels for another width).
    layout()->activate();
    setFixedHeight(layout()->hasHeightForWidth() ? layout()->totalHeightForWidth(width) : sizeHint().height());
    const QRect t = target ? QRect(target->mapTo(m_window, QPoint(0, 0)), target->size()) : m_window->rect();
    // Below the target when there is room, else above it, else over its top-left corner; always inside the window.
    QPoint at(t.left() + 24, t.bottom() + 8);
    if (at.y() + height() > m_window->height() - 8)
        at.setY(t.top() - height() - 8);
    if (at.y() < 8)
        at.setY(t.top() + 24);
    at.setX(std::clamp(at.x(), 8, std::max(8, m_window->width() - width - 8)));
    at.setY(std::clamp(at.y(), 8, std::max(8, m_window->height() - height() - 8)));
    move(at);
}

bool Tour::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_window && (event->type() == QEvent::Resize || event->type() == QEvent::LayoutRequest))
        place();
    return QFrame::eventFilter(watched, event);
}

} // namespace attnscope
