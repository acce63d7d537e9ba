// SettingsStore: the keys the app keeps in QSettings.
#include "presenters/settings_store.h"

#include <QFileInfo>
#include <QSettings>

namespace attnscope {

namespace {
const QString kRecent = QStringLiteral("recentModels");
const QString kSession = QStringLiteral("lastSession");
const QString kText = QStringLiteral("lastText");
const QString kModel = QStringLiteral("lastModel");
const QString kTokenizer = QStringLiteral("lastTokenizer");
const QString kGeometry = QStringLiteral("geometry");
const QString kWindowState = QStringLiteral("windowState");
const QString kTour = QStringLiteral("tourDone");
} // namespace

SettingsStore::SettingsStore(QSettings *settings) : m_settings(settings) {
    if (m_settings)
        m_recent = m_settings->value(kRecent).toStringList().mid(0, kRecentModels);
}

void SettingsStore::addRecentModel(const QString &path) {
    m_recent.removeAll(path);
    m_recent.prepend(path);
    while (m_recent.size() > kRecentModels)
        m_recent.removeLast();
    if (m_settings)
        m_settings->setValue(kRecent, m_recent);
}

std::optional<Session> SettingsStore::lastSession() const {
    Session s;
    if (!m_settings || !sessionFromJson(m_settings->value(kSession).toByteArray(), &s).isEmpty() ||
        !QFileInfo::exists(s.modelPath))
        return std::nullopt;
    return s;
}

std::optional<QString> SettingsStore::lastText() const {
    if (!m_settings || !m_settings->contains(kText))
        return std::nullopt;
    return m_settings->value(kText).toString();
}

std::optional<SettingsStore::ModelFiles> SettingsStore::lastModel() const {
    if (!m_settings)
        return std::nullopt;
    const QString model = m_settings->value(kModel).toString();
    if (model.isEmpty() || !QFileInfo::exists(model))
        return std::nullopt;
    return ModelFiles{model, m_settings->value(kTokenizer).toString()};
}

void SettingsStore::rememberSession(const Session &session) {
    if (!m_settings)
        return;
    m_settings->setValue(kText, session.text);
    if (session.modelPath.isEmpty())
        return;
    m_settings->setValue(kSession, sessionToJson(session));
    m_settings->setValue(kModel, session.modelPath);
    m_settings->setValue(kTokenizer, session.tokenizerPath);
}

void SettingsStore::rememberWindow(const QByteArray &geometry, const QByteArray &state) {
    if (!m_settings)
        return;
    m_settings->setValue(kGeometry, geometry);
    m_settings->setValue(kWindowState, state);
}

QByteArray SettingsStore::geometry() const {
    return m_settings ? m_settings->value(kGeometry).toByteArray() : QByteArray();
}

QByteArray SettingsStore::windowState() const {
    return m_settings ? m_settings->value(kWindowState).toByteArray() : QByteArray();
}

SettingsStore::Start SettingsStore::start(const ModelFiles &asked, const QString &askedText, const QString &firstExample,
                                          const ModelFiles &fallback) const {
    Start start;
    if (asked.model.isEmpty() && askedText.isEmpty())
        start.session = lastSession();
    if (start.session) {
        start.text = start.session->text;
        start.model = {start.session->modelPath, start.session->tokenizerPath};
        return start;
    }
    start.text = !askedText.isEmpty() ? askedText : lastText().value_or(firstExample);
    start.model = !asked.model.isEmpty() ? asked : lastModel().value_or(fallback);
    return start;
}

bool SettingsStore::tourDone() const {
    return m_settings && m_settings->value(kTour, false).toBool();
}

void SettingsStore::setTourDone() {
    if (m_settings)
        m_settings->setValue(kTour, true);
}

} // namespace attnscope
