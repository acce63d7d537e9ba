// BusyBar: a delayed progress bar with Cancel over InferenceService.
#include "widgets/busy_bar.h"
#include "widgets/inference_worker.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace attnscope {

BusyBar::BusyBar(InferenceService *service, QWidget *parent)
    : QWidget(parent), m_service(service), m_label(new QLabel(this)), m_bar(new QProgressBar(this)),
      m_cancel(new QPushButton(tr("Cancel"), this)), m_again(new QPushButton(tr("Run Again"), this)) {
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_label);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    layout->addWidget(m_again);
    // The bar shows in the selectors' row while the model runs: it must not widen that row (and so the window) past
    // a 1366-pixel screen. The label gives way first (an explicit minimum overrides its text's width; the whole text
    // stays in its tooltip), then the bar.
    m_label->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("Computing…")));
    m_bar->setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 6);
    m_bar->setRange(0, 100);
    m_bar->setTextVisible(false);
    m_bar->setMaximumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 24);
    m_bar->setToolTip(tr("How far the model has got: one step per layer."));
    m_cancel->setToolTip(tr("Stop this computation. The views keep the last finished result; the text stays as typed."));
    m_again->setToolTip(tr("Analyse the current text again (it was stopped)."));
    m_again->hide();
    hide();

    m_delay.setSingleShot(true);
    m_delay.setInterval(kDelayMs);
    connect(&m_delay, &QTimer::timeout, this, &BusyBar::showProgress);
    connect(service, &InferenceService::busyChanged, this, &BusyBar::onBusyChanged);
    connect(service, &InferenceService::progress, this, [this](float fraction) {
        m_bar->setRange(0, 100);
        m_bar->setValue(int(fraction * 100.0f + 0.5f));
    });
    connect(m_cancel, &QPushButton::clicked, service, &InferenceService::cancel);
    connect(service, &InferenceService::cancelled, this, [this] {
        m_delay.stop();
        m_stopped = true;
        m_label->setText(tr("Stopped: the views still show the previous result."));
        m_label->setToolTip(m_label->text());
        m_bar->hide();
        m_cancel->hide();
        m_again->show();
        show();
    });
    connect(m_again, &QPushButton::clicked, this, [this] {
        m_stopped = false;
        hide();
        emit runAgainRequested();
    });
}

QString BusyBar::text() const {
    return isHidden() ? QString() : m_label->text();
}

void BusyBar::onBusyChanged(bool busy) {
    if (busy) {
        if (m_stopped) { // a new request replaces the "stopped" note
            m_stopped = false;
            hide();
        }
        if (isHidden())
            m_bar->setValue(0);
        m_delay.start();
    } else {
        m_delay.stop();
        if (!m_stopped)
            hide();
    }
}

void BusyBar::showProgress() {
    if (!m_service->busy())
        return;
    const bool loading = m_service->loading();
    m_label->setText(loading ? tr("Loading the model…") : tr("Computing…"));
    m_label->setToolTip(m_label->text());
    if (loading)
        m_bar->setRange(0, 0); // a load reports no steps: a busy indicator
    m_bar->show();
    m_cancel->show();
    m_again->hide();
    show();
}

} // namespace attnscope
