// The guided tour of a first start: a few callouts inside the window, each pointing at the part it explains
// ("type here", "these are the heads", ...). Non-modal: it never takes the keyboard, so every shortcut keeps
// working while a callout shows, and the window stays usable under it. Skip ends it; Help reopens it.
#pragma once

#include <QFrame>
#include <QPointer>
#include <QString>

#include <vector>

class QLabel;
class QPushButton;

namespace attnscope {

class Tour : public QFrame {
    Q_OBJECT
public:
    struct Step {
        QPointer<QWidget> target; // what the callout points at; a hidden one is skipped
        QString title;
        QString text;
    };

    // A child of `window`, shown by start().
    Tour(QWidget *window, std::vector<Step> steps);
    // The main window's first-start tour: where to type, the heads grid, the token strip, the docks with Examples.
    struct FirstStartTargets {
        QWidget *text, *grid, *strip, *docks;
    };
    static Tour *firstStart(QWidget *window, const FirstStartTargets &targets);

    void start();  // from the first step
    void next();   // the next visible step, or the end
    void finish(); // hides; emits finished()
    int stepIndex() const { return m_index; } // -1 while not running
    int stepCount() const { return static_cast<int>(m_steps.size()); }
    bool running() const { return m_index >= 0; }
    QString currentTitle() const;

signals:
    void finished(); // skipped or done

protected:
    bool eventFilter(QObject *watched, QEvent *event) override; // follows the window's resizes

private:
    void showStep();
    void place(); // beside the target, inside the window

    QWidget *m_window;
    std::vector<Step> m_steps;
    int m_index = -1;
    QLabel *m_title;
    QLabel *m_text;
    QLabel *m_count;
    QPushButton *m_next;
    QPushButton *m_skip;
};

} // namespace attnscope
