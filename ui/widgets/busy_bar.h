// The progress line of the main window: when the model loads or a computation has run for more than 200 ms it
// shows what is running, a progress bar (per layer for an analysis or a trace; indeterminate for a load) and
// Cancel. After a cancel it says that the views still show the previous result, with a button to run again.
#pragma once

#include <QTimer>
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace attnscope {

class InferenceService;

class BusyBar : public QWidget {
    Q_OBJECT
public:
    static constexpr int kDelayMs = 200; // quicker work never shows the bar, so typing does not flicker

    explicit BusyBar(InferenceService *service, QWidget *parent = nullptr);

    QProgressBar *progressBar() const { return m_bar; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *runAgainButton() const { return m_again; }
    QString text() const; // what the bar says, empty while hidden
    bool stopped() const { return m_stopped; }

signals:
    void runAgainRequested();

private:
    void onBusyChanged(bool busy);
    void showProgress();

    InferenceService *m_service;
    QLabel *m_label;
    QProgressBar *m_bar;
    QPushButton *m_cancel;
    QPushButton *m_again;
    QTimer m_delay;
    bool m_stopped = false; // showing the "stopped" note rather than progress
};

} // namespace attnscope
