// PlaybackBar: the buttons and boxes of a step-through.
#include "widgets/playback_bar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QSignalBlocker>
#include <QToolButton>

namespace attnscope {

PlaybackBar::PlaybackBar(QWidget *parent)
    : QWidget(parent), m_playback(new Playback(this)), m_play(new QToolButton(this)), m_mode(new QComboBox(this)),
      m_speed(new QComboBox(this)) {
    auto *h = new QHBoxLayout(this);
    h->setContentsMargins(0, 0, 4, 0);
    m_play->setCheckable(true);
    m_play->setText(tr("▶ Play"));
    m_play->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_play->setToolTip(tr("Step through the model like an animation: the next layer (or head) every few seconds, up "
                          "to the last. F5 starts and stops; choosing a layer or head yourself stops it."));
    m_mode->addItem(tr("layer by layer"), int(Playback::Mode::Layers));
    m_mode->addItem(tr("head by head"), int(Playback::Mode::Heads));
    m_mode->setToolTip(tr("Layer by layer keeps the head (or the layer's mean); head by head shows every head of a "
                          "layer, then the next layer."));
    for (int ms : {500, 1000, 1500, 2000, 3000, 5000})
        m_speed->addItem(tr("%1 s").arg(ms / 1000.0), ms);
    m_speed->setCurrentIndex(2);
    m_speed->setToolTip(tr("How long each layer or head stays on screen."));
    for (QWidget *w : std::initializer_list<QWidget *>{m_play, m_mode, m_speed})
        h->addWidget(w);
    m_playback->setInterval(m_speed->currentData().toInt());

    connect(m_play, &QToolButton::toggled, this, [this](bool on) {
        if (on)
            emit aboutToPlay(m_playback->mode());
        m_playback->setRunning(on);
    });
    connect(m_playback, &Playback::runningChanged, this, [this](bool running) {
        const QSignalBlocker block(m_play);
        m_play->setChecked(running);
        m_play->setText(running ? tr("⏸ Pause") : tr("▶ Play"));
    });
    connect(m_mode, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this] { m_playback->setMode(Playback::Mode(m_mode->currentData().toInt())); });
    connect(m_speed, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this] { m_playback->setInterval(m_speed->currentData().toInt()); });
}

void PlaybackBar::toggle() {
    m_play->toggle();
}

} // namespace attnscope
