// Step-through for a lecture: moves the shown head forward on a timer, layer by layer (same head; or the layer's
// mean, whatever the window shows) or head by head (every head of a layer, then the next layer), and stops at the
// last one. The window reports every change of layer or head; one it did not ask for (the user took over) stops it.
#pragma once

#include <QObject>
#include <QTimer>

namespace attnscope {

class Playback : public QObject {
    Q_OBJECT
public:
    enum class Mode { Layers, Heads };

    explicit Playback(QObject *parent = nullptr);

    void setShape(int layers, int heads);
    void setMode(Mode mode) { m_mode = mode; }
    Mode mode() const { return m_mode; }
    void setInterval(int ms) { m_timer.setInterval(ms); }
    int interval() const { return m_timer.interval(); }
    bool isRunning() const { return m_timer.isActive(); }
    // The layer and head now shown. A position other than the one this playback moved to stops it.
    void setPosition(int layer, int head);

public slots:
    void start(); // from the current position, or from the first layer/head when at the last one
    void stop();
    void setRunning(bool run) { run ? start() : stop(); }
    void advance(); // one step now (what the timer does)

signals:
    void moveTo(int layer, int head);
    void runningChanged(bool running);

private:
    bool atEnd() const;

    QTimer m_timer;
    Mode m_mode = Mode::Layers;
    int m_layers = 0, m_heads = 0;
    int m_layer = 0, m_head = 0;
    bool m_moving = false; // inside moveTo: the position reported back is ours
};

} // namespace attnscope
