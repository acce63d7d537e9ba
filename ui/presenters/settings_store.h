// What the app remembers between starts: the recent models, the last session (model, text, view), the window's
// geometry and dock layout, whether the tour was seen. The app passes its QSettings in; a store without one
// remembers nothing (tests, and any window that must not depend on the run before it).
#pragma once

#include "presenters/session.h"

#include <QByteArray>
#include <QStringList>

#include <optional>

class QSettings;

namespace attnscope {

class SettingsStore {
public:
    static constexpr int kRecentModels = 8;
    explicit SettingsStore(QSettings *settings = nullptr); // not owned; null = remember nothing
    bool remembers() const { return m_settings != nullptr; }

    QStringList recentModels() const { return m_recent; } // most recent first
    void addRecentModel(const QString &path);              // moves it to the front, keeps the newest eight

    // The session of the last run, if its model is still on disk.
    std::optional<Session> lastSession() const;
    // What an older version remembered instead of a session: the text, and the model if it is still there.
    std::optional<QString> lastText() const;
    struct ModelFiles {
        QString model, tokenizer;
    };
    std::optional<ModelFiles> lastModel() const;
    // `session` is written only when it names a model (nothing loaded yet: the previous one is kept).
    void rememberSession(const Session &session);
    void rememberWindow(const QByteArray &geometry, const QByteArray &state);
    QByteArray geometry() const;
    QByteArray windowState() const;

    // Where a start begins: the last session whole when neither a model nor a text was asked for; else the text
    // asked for (or the last one, or `firstExample`) and the model asked for (or the last one, or `fallback`).
    struct Start {
        std::optional<Session> session;
        QString text;
        ModelFiles model; // empty: no model anywhere
    };
    Start start(const ModelFiles &asked, const QString &askedText, const QString &firstExample,
                const ModelFiles &fallback) const;

    bool tourDone() const;
    void setTourDone();

private:
    QSettings *m_settings = nullptr;
    QStringList m_recent;
};

} // namespace attnscope
