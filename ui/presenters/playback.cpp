// Playback: the timer and the order of a step-through.
#include "presenters/playback.h"

namespace attnscope {

Playback::Playback(QObject *parent) : QObject(parent) {
    m_timer.setInterval(1500);
    connect(&m_timer, &QTimer::timeout, this, &Playback::advance);
}

void Playback::setShape(int layers, int heads) {
    m_layers = layers;
    m_heads = heads;
    if (m_layers <= 0 || m_heads <= 0)
        stop();
}

void Playback::setPosition(int layer, int head) {
    if (!m_moving && isRunning() && (layer != m_layer || (m_mode == Mode::Heads && head != m_head)))
        stop();
    m_layer = layer;
    m_head = head;
}

bool Playback::atEnd() const {
    return m_layer >= m_layers - 1 && (m_mode == Mode::Layers || m_head >= m_heads - 1);
}

void Playback::start() {
    if (m_layers <= 0 || m_heads <= 0 || isRunning())
        return;
    if (atEnd()) { // play again from the start
        m_moving = true;
        m_layer = 0;
        if (m_mode == Mode::Heads)
            m_head = 0;
        emit moveTo(m_layer, m_head);
        m_moving = false;
    }
    m_timer.start();
    emit runningChanged(true);
}

void Playback::stop() {
    if (!isRunning())
        return;
    m_timer.stop();
    emit runningChanged(false);
}

void Playback::advance() {
    if (atEnd()) {
        stop();
        return;
    }
    if (m_mode == Mode::Layers) {
        ++m_layer;
    } else if (++m_head >= m_heads) {
        m_head = 0;
        ++m_layer;
    }
    m_moving = true;
    emit moveTo(m_layer, m_head);
    m_moving = false;
    if (atEnd())
        stop(); // the last one stays on screen
}

} // namespace attnscope
