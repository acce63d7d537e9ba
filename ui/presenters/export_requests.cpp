// ExportRequests: the current view, the export folder and Copy Image.
#include "presenters/export_requests.h"

#include "widgets/export_dialog.h"

#include <QDir>
#include <QFileInfo>
#include <QMimeData>
#include <QStandardPaths>

namespace attnscope {

ExportRequests::ExportRequests(QString directory, QObject *parent) : QObject(parent), m_directory(std::move(directory)) {
    if (m_directory.isEmpty())
        m_directory = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    if (m_directory.isEmpty() || !QDir(m_directory).exists())
        m_directory = QDir::homePath();
}

void ExportRequests::exported(const QStringList &paths) {
    if (paths.isEmpty())
        return;
    m_directory = QFileInfo(paths.front()).path();
    QStringList names;
    for (const QString &p : paths)
        names << QStringLiteral("%1 (%2 KB)").arg(QFileInfo(p).fileName()).arg((QFileInfo(p).size() + 1023) / 1024);
    emit message(tr("Exported %1 to %2").arg(names.join(QStringLiteral(", ")), QDir::toNativeSeparators(m_directory)), 8000);
}

ImageSpec ExportRequests::screenSpec(const ExportContext &c, double scale) {
    ImageSpec spec;
    spec.view = c.initialView;
    const auto size = c.screenSizes.count(spec.view) ? c.screenSizes.at(spec.view) : QSize(800, 600);
    spec.size = QSizeF(size.width(), spec.view == ExportView::Tokens ? 0 : size.height());
    spec.font = c.screenFont;
    spec.modelName = c.modelName;
    spec.style = c.style;
    spec.threshold = c.threshold;
    spec.topK = c.topK;
    if (c.onScreen.count(spec.view))
        spec.state = c.onScreen.at(spec.view);
    spec.scale = scale;
    return spec;
}

QMimeData *ExportRequests::copyImage(const ExportContext &context, double scale) {
    const ImageSpec spec = screenSpec(context, scale);
    QString error;
    QMimeData *data = clipboardData(context.sources, spec, &error);
    if (!data)
        emit message(tr("Nothing copied: %1").arg(error), 6000);
    else
        emit message(tr("Copied the %1 to the clipboard").arg(viewDisplayName(spec.view).toLower()), 6000);
    return data;
}

} // namespace attnscope
