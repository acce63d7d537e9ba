// What File > Export and Copy Image act on, without a widget: the view the user last worked in (the window reports
// clicks and focus), the folder the last export went to (the next dialog opens there), the picture Copy Image
// makes of that view as it is on screen, and the status line either one ends with.
#pragma once

#include "export/image_export.h"

#include <QObject>
#include <QStringList>

class QMimeData;

namespace attnscope {

struct ExportContext;

class ExportRequests : public QObject {
    Q_OBJECT
public:
    // `directory` empty: the user's Pictures folder, or home where there is none.
    explicit ExportRequests(QString directory = {}, QObject *parent = nullptr);

    void setCurrentView(ExportView view) { m_view = view; }
    ExportView currentView() const { return m_view; }
    QString directory() const { return m_directory; }

    // The dialog wrote `paths`: the next one starts in their folder; the status line names them with their sizes.
    void exported(const QStringList &paths);
    // Copy Image: the current view of `context` at its on-screen size (tokens: their natural height) and
    // `scale` device pixels per pixel. Null with `error` set when there is nothing to copy.
    static ImageSpec screenSpec(const ExportContext &context, double scale);
    QMimeData *copyImage(const ExportContext &context, double scale);

signals:
    void message(const QString &text, int timeoutMs); // for the status bar

private:
    ExportView m_view = ExportView::Heatmap;
    QString m_directory;
};

} // namespace attnscope
