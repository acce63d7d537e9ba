// The step-through controls: ▶ Play / ⏸ Pause, the order (layer by layer or head by head) and the time each step
// stays on screen, over a Playback. The window tells it the layer and head shown and moves to where it says.
#pragma once

#include "presenters/playback.h"

#include <QWidget>

class QComboBox;
class QToolButton;

namespace attnscope {

class PlaybackBar : public QWidget {
    Q_OBJECT
public:
    explicit PlaybackBar(QWidget *parent = nullptr);

    Playback *playback() const { return m_playback; }
    QToolButton *playButton() const { return m_play; }
    QComboBox *modeBox() const { return m_mode; }
    QComboBox *speedBox() const { return m_speed; }

public slots:
    void toggle(); // F5

signals:
    void aboutToPlay(attnscope::Playback::Mode mode); // before the first step: the window shows one head if needed

private:
    Playback *m_playback;
    QToolButton *m_play;
    QComboBox *m_mode;
    QComboBox *m_speed;
};

} // namespace attnscope
