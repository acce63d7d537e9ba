// File > Export: one dialog for pictures of any view (PNG/SVG/PDF, size, scale, background, as on screen or
// clean, with a live preview) and for the numbers behind them (CSV of the shown matrix, NPY or JSON of every
// layer and head). Encoding and writing run off the GUI thread; the file is written atomically, and an existing
// file is only replaced after the user says so.
#pragma once

#include "export/image_export.h"

#include "attention_snapshot.h"

#include <QDialog>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <map>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace attnscope {

// Everything the dialog needs from the window, gathered when it opens.
struct ExportContext {
    ExportSources sources;
    QString modelName;
    ViewStyle style;
    float threshold = 0.05f;
    int topK = 0;
    std::map<ExportView, ViewState> onScreen; // what the user did to each view
    std::map<ExportView, QSize> screenSizes;  // each view's widget size
    QFont screenFont;
    ExportView initialView = ExportView::Heatmap;
    QString directory; // where to suggest saving
};

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    enum class What { Image, Csv, Npy, Json };

    explicit ExportDialog(ExportContext context, QWidget *parent = nullptr);
    ~ExportDialog() override;

    // The picture the options describe (also what the preview shows).
    ImageSpec imageSpec() const;
    What what() const;
    QString filePath() const;
    void setFilePath(const QString &path);
    // Asked before replacing a file; returns true to replace. Defaults to a message box (tests substitute it).
    void setConfirmOverwrite(std::function<bool(const QStringList &existing)> confirm);

    QComboBox *viewBox() const { return m_view; }
    QComboBox *formatBox() const { return m_format; }
    QRadioButton *cleanButton() const { return m_clean; }
    QSpinBox *widthBox() const { return m_width; }
    QSpinBox *heightBox() const { return m_height; }
    QComboBox *scaleBox() const { return m_scale; }
    QCheckBox *transparentBox() const { return m_transparent; }
    QLabel *previewLabel() const { return m_preview; }
    QLabel *pixelsLabel() const { return m_pixels; }

public slots:
    // Writes the file(s); exportFinished() reports the outcome. The dialog closes on success.
    void exportNow();
    void copyToClipboard();

signals:
    void exportFinished(bool ok, const QString &message); // message: the paths written, or what went wrong
    void exported(const QStringList &paths);

private:
    void buildUi();
    void updateControls(); // enable what applies, suggest a file name
    void applyMode();      // as on screen / clean: size and text size follow
    void schedulePreview();
    void renderPreview();
    QString suggestedName() const;
    void browse();
    void finishExport(bool ok, const QString &message, const QStringList &paths);

    ExportContext m_context;
    QComboBox *m_view = nullptr;
    QComboBox *m_format = nullptr;
    QRadioButton *m_asShown = nullptr;
    QRadioButton *m_clean = nullptr;
    QSpinBox *m_width = nullptr;
    QSpinBox *m_height = nullptr;
    QComboBox *m_scale = nullptr;
    QLabel *m_pixels = nullptr;
    QCheckBox *m_transparent = nullptr;
    QCheckBox *m_caption = nullptr;
    QSpinBox *m_textSize = nullptr;
    QLabel *m_preview = nullptr;
    QLineEdit *m_path = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_copy = nullptr;
    QLabel *m_status = nullptr;
    QTimer m_previewTimer;
    bool m_nameEdited = false; // the user typed a name: stop suggesting
    bool m_busy = false;
    std::function<bool(const QStringList &)> m_confirmOverwrite;
};

} // namespace attnscope
