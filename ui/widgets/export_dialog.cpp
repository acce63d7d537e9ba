// ExportDialog: options, preview, and the hand-off of encoding and writing to a pool thread.
#include "widgets/export_dialog.h"

#include "export/export_files.h"
#include "models/heatmap_model.h"

#include <attnscope/npy.h>
#include <attnscope/numbers_export.h>

#include <QApplication>
#include <QButtonGroup>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QThreadPool>
#include <QVBoxLayout>

#include <cmath>
#include <new>

namespace attnscope {

namespace {
constexpr int kCsv = 100, kNpy = 101, kJson = 102; // view box data for the numbers entries
constexpr QSize kPreview(440, 330);

QString humanBytes(double bytes) {
    if (bytes < 1024)
        return QStringLiteral("%1 bytes").arg(bytes);
    if (bytes < 1024 * 1024)
        return QStringLiteral("%1 KB").arg(bytes / 1024, 0, 'f', 0);
    return QStringLiteral("%1 MB").arg(bytes / (1024 * 1024), 0, 'f', 1);
}
} // namespace

ExportDialog::ExportDialog(ExportContext context, QWidget *parent) : QDialog(parent), m_context(std::move(context)) {
    setWindowTitle(tr("Export"));
    m_confirmOverwrite = [this](const QStringList &existing) {
        QStringList names;
        for (const QString &p : existing)
            names << QFileInfo(p).fileName();
        return QMessageBox::question(this, tr("Replace file?"),
                                     tr("%1 already exists in %2. Replace it?")
                                         .arg(names.join(tr(" and ")),
                                              QDir::toNativeSeparators(QFileInfo(existing.front()).path())),
                                     QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) == QMessageBox::Yes;
    };
    buildUi();
    m_previewTimer.setSingleShot(true);
    m_previewTimer.setInterval(120);
    connect(&m_previewTimer, &QTimer::timeout, this, &ExportDialog::renderPreview);
    const int index = m_view->findData(static_cast<int>(m_context.initialView));
    m_view->setCurrentIndex(std::max(0, index));
    applyMode();
    updateControls();
    renderPreview();
}

ExportDialog::~ExportDialog() = default;

void ExportDialog::buildUi() {
    auto *form = new QFormLayout;
    m_view = new QComboBox(this);
    for (const ExportView v : allExportViews()) {
        // A classroom view is there to export once it shows something (a step traced, a comparison made).
        if (isPanelView(v) && !m_context.sources.panels.count(v))
            continue;
        m_view->addItem(tr("Picture: %1").arg(viewDisplayName(v)), static_cast<int>(v));
    }
    m_view->insertSeparator(m_view->count());
    m_view->addItem(tr("Numbers: the matrix shown, as CSV"), kCsv);
    m_view->addItem(tr("Numbers: every layer and head, as NPY (+ tokens.json)"), kNpy);
    m_view->addItem(tr("Numbers: every layer and head and the tokens, as JSON"), kJson);
    m_view->setToolTip(tr("Which view to draw, or which numbers to save."));
    form->addRow(tr("Export"), m_view);

    m_format = new QComboBox(this);
    m_format->addItem(tr("PNG (pixels)"), static_cast<int>(ImageFormat::Png));
    m_format->addItem(tr("SVG (vector, text stays text)"), static_cast<int>(ImageFormat::Svg));
    m_format->addItem(tr("PDF (vector, one page)"), static_cast<int>(ImageFormat::Pdf));
    m_format->setToolTip(tr("PNG for slides and the web; SVG and PDF stay sharp at any size and can be edited."));
    form->addRow(tr("Format"), m_format);

    auto *mode = new QWidget(this);
    auto *modeRow = new QHBoxLayout(mode);
    modeRow->setContentsMargins(0, 0, 0, 0);
    m_asShown = new QRadioButton(tr("As on screen"), mode);
    m_asShown->setToolTip(tr("Keep the pinned token or cell, the zoom and the heads shown, at the view's size."));
    m_clean = new QRadioButton(tr("Clean full view"), mode);
    m_clean->setToolTip(tr("The whole matrix, nothing selected, at a size made for slides and papers."));
    m_asShown->setChecked(true);
    auto *group = new QButtonGroup(mode);
    group->addButton(m_asShown);
    group->addButton(m_clean);
    modeRow->addWidget(m_asShown);
    modeRow->addWidget(m_clean);
    modeRow->addStretch(1);
    form->addRow(tr("Content"), mode);

    auto *size = new QWidget(this);
    auto *sizeRow = new QHBoxLayout(size);
    sizeRow->setContentsMargins(0, 0, 0, 0);
    m_width = new QSpinBox(size);
    m_width->setRange(200, 16384);
    m_width->setSuffix(tr(" px"));
    m_width->setToolTip(tr("Width of the picture (in points for SVG and PDF)."));
    m_height = new QSpinBox(size);
    m_height->setRange(0, 16384);
    m_height->setSpecialValueText(tr("fit content"));
    m_height->setSuffix(tr(" px"));
    m_height->setToolTip(tr("0 = as tall as the view needs (token strip, arcs) or the view's usual proportions."));
    m_scale = new QComboBox(size);
    for (const int s : {1, 2, 3, 4})
        m_scale->addItem(tr("%1×").arg(s), s);
    m_scale->setToolTip(tr("PNG pixels per screen pixel: 2× is sharp on slides and high-resolution screens."));
    m_pixels = new QLabel(size);
    sizeRow->addWidget(m_width);
    sizeRow->addWidget(new QLabel(QStringLiteral("×"), size));
    sizeRow->addWidget(m_height);
    sizeRow->addWidget(m_scale);
    sizeRow->addWidget(m_pixels, 1);
    form->addRow(tr("Size"), size);

    m_textSize = new QSpinBox(this);
    m_textSize->setRange(8, 72);
    m_textSize->setSuffix(tr(" px"));
    m_textSize->setToolTip(tr("Size of token labels; the title is bold at the same size."));
    form->addRow(tr("Text size"), m_textSize);

    m_transparent = new QCheckBox(tr("Transparent background"), this);
    m_transparent->setToolTip(tr("For slides with a coloured background (PNG, SVG)."));
    m_caption = new QCheckBox(tr("Sentence as caption"), this);
    m_caption->setChecked(true);
    m_caption->setToolTip(tr("Write the analysed sentence under the picture."));
    auto *checks = new QWidget(this);
    auto *checkRow = new QHBoxLayout(checks);
    checkRow->setContentsMargins(0, 0, 0, 0);
    checkRow->addWidget(m_transparent);
    checkRow->addWidget(m_caption);
    checkRow->addStretch(1);
    form->addRow(QString(), checks);

    auto *file = new QWidget(this);
    auto *fileRow = new QHBoxLayout(file);
    fileRow->setContentsMargins(0, 0, 0, 0);
    m_path = new QLineEdit(file);
    m_path->setToolTip(tr("Where the file goes; the name follows the view, layer, head and measure until you edit it."));
    auto *browse = new QPushButton(tr("Browse…"), file);
    browse->setToolTip(tr("Choose the folder and file name."));
    fileRow->addWidget(m_path, 1);
    fileRow->addWidget(browse);
    form->addRow(tr("File"), file);

    m_preview = new QLabel(this);
    m_preview->setMinimumSize(kPreview);
    m_preview->setAlignment(Qt::AlignCenter);
    m_preview->setStyleSheet(QStringLiteral("QLabel { background: #d8d8d8; border: 1px solid #b0b0b0; }"));
    m_preview->setAccessibleName(tr("Preview"));

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(this);
    m_copy = buttons->addButton(tr("Copy Image"), QDialogButtonBox::ActionRole);
    m_copy->setToolTip(tr("Copy the picture to the clipboard (as pixels and as SVG)."));
    buttons->addButton(QDialogButtonBox::Cancel)->setToolTip(tr("Close without saving anything."));
    m_export = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    m_export->setToolTip(tr("Write the file (asks before replacing one)."));
    m_export->setDefault(true);

    auto *options = new QVBoxLayout;
    options->addLayout(form);
    options->addStretch(1);
    auto *top = new QHBoxLayout;
    top->addLayout(options, 1);
    top->addWidget(m_preview);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);

    connect(m_view, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        applyMode();
        updateControls();
    });
    connect(m_format, qOverload<int>(&QComboBox::currentIndexChanged), this, &ExportDialog::updateControls);
    connect(m_asShown, &QRadioButton::toggled, this, [this] {
        applyMode();
        updateControls();
    });
    for (QSpinBox *box : {m_width, m_height, m_textSize})
        connect(box, qOverload<int>(&QSpinBox::valueChanged), this, &ExportDialog::updateControls);
    connect(m_scale, qOverload<int>(&QComboBox::currentIndexChanged), this, &ExportDialog::updateControls);
    connect(m_transparent, &QCheckBox::toggled, this, &ExportDialog::schedulePreview);
    connect(m_caption, &QCheckBox::toggled, this, &ExportDialog::schedulePreview);
    connect(m_path, &QLineEdit::textEdited, this, [this] { m_nameEdited = true; });
    connect(browse, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(m_copy, &QPushButton::clicked, this, &ExportDialog::copyToClipboard);
    connect(m_export, &QPushButton::clicked, this, &ExportDialog::exportNow);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

ExportDialog::What ExportDialog::what() const {
    switch (m_view->currentData().toInt()) {
    case kCsv: return What::Csv;
    case kNpy: return What::Npy;
    case kJson: return What::Json;
    default: return What::Image;
    }
}

ImageSpec ExportDialog::imageSpec() const {
    ImageSpec spec;
    spec.view = what() == What::Image ? static_cast<ExportView>(m_view->currentData().toInt()) : ExportView::Heatmap;
    spec.format = static_cast<ImageFormat>(m_format->currentData().toInt());
    spec.size = QSizeF(m_width->value(), m_height->value());
    spec.scale = spec.format == ImageFormat::Png ? m_scale->currentData().toInt() : 1;
    spec.transparent = m_transparent->isChecked() && spec.format != ImageFormat::Pdf;
    spec.font = m_context.screenFont;
    spec.font.setPixelSize(m_textSize->value());
    spec.caption = m_caption->isChecked();
    spec.modelName = m_context.modelName;
    spec.style = m_context.style;
    spec.threshold = m_context.threshold;
    spec.topK = m_context.topK;
    if (m_asShown->isChecked()) {
        const auto it = m_context.onScreen.find(spec.view);
        if (it != m_context.onScreen.end())
            spec.state = it->second;
    }
    return spec;
}

void ExportDialog::applyMode() {
    if (what() != What::Image)
        return;
    const ExportView view = static_cast<ExportView>(m_view->currentData().toInt());
    QSizeF size = defaultExportSize(view);
    QFont font = defaultExportFont(size);
    const auto screen = m_context.screenSizes.find(view);
    if (m_asShown->isChecked() && screen != m_context.screenSizes.end() && !screen->second.isEmpty()) {
        size = QSizeF(screen->second);
        if (view == ExportView::Tokens || isPanelView(view))
            size.setHeight(0); // the strip's widget scrolls; the picture shows every chip (a panel: all of it)
        font = m_context.screenFont;
    }
    const QSignalBlocker bw(m_width), bh(m_height), bt(m_textSize);
    m_width->setValue(qRound(size.width()));
    m_height->setValue(qRound(size.height()));
    m_textSize->setValue(std::max(8, QFontInfo(font).pixelSize()));
}

void ExportDialog::updateControls() {
    const bool image = what() == What::Image;
    const ImageSpec spec = imageSpec();
    const bool png = spec.format == ImageFormat::Png;
    for (QWidget *w : std::initializer_list<QWidget *>{m_format, m_asShown, m_clean, m_width, m_height, m_textSize,
                                                       m_caption, m_copy})
        w->setEnabled(image);
    m_scale->setEnabled(image && png);
    m_transparent->setEnabled(image && spec.format != ImageFormat::Pdf);
    const ResultPtr result = m_context.sources.heatmap ? m_context.sources.heatmap->result() : nullptr;
    if (!image) {
        const double T = result ? result->seqLen() : 0, L = result ? result->layers : 0, H = result ? result->heads : 0;
        const double n = m_context.sources.heatmap ? m_context.sources.heatmap->tokenCount() : 0;
        m_pixels->setText(what() == What::Csv ? tr("%1 × %1 weights with token labels").arg(n)
                                              : tr("%1 layers × %2 heads × %3 × %3 (float32, %4)")
                                                    .arg(L)
                                                    .arg(H)
                                                    .arg(T)
                                                    .arg(humanBytes(L * H * T * T * 4)));
    } else {
        const QSizeF size = m_context.sources.heatmap ? resolvedSize(m_context.sources, spec) : spec.size;
        m_pixels->setText(png ? tr("→ %1 × %2 pixels").arg(qRound(size.width() * spec.scale)).arg(qRound(size.height() * spec.scale))
                              : tr("→ %1 × %2 in (vector)")
                                    .arg(size.width() / 96, 0, 'f', 1)
                                    .arg(size.height() / 96, 0, 'f', 1));
    }
    if (!m_nameEdited) {
        const QString dir = m_path->text().isEmpty() ? m_context.directory : QFileInfo(m_path->text()).path();
        m_path->setText(QDir(dir).filePath(suggestedName()));
    }
    m_status->clear();
    schedulePreview();
}

QString ExportDialog::suggestedName() const {
    const HeatmapModel *m = m_context.sources.heatmap;
    const ViewParams params = m ? m->params() : ViewParams{};
    const int layers = m ? m->layers() : 1, heads = m ? m->heads() : 1;
    const Measure measure = m && m->result() ? m->result()->measure : Measure::Raw;
    switch (what()) {
    case What::Csv: return numbersBaseName(params, layers, heads, measure) + QStringLiteral(".csv");
    case What::Npy: return QStringLiteral("attention.npy");
    case What::Json: return QStringLiteral("attention.json");
    case What::Image: break;
    }
    const ImageSpec spec = imageSpec();
    return exportBaseName(spec.view, params, layers, heads, measure) + QLatin1Char('.') + formatId(spec.format);
}

QString ExportDialog::filePath() const {
    return m_path->text().trimmed();
}

void ExportDialog::setFilePath(const QString &path) {
    m_path->setText(path);
    m_nameEdited = true;
}

void ExportDialog::setConfirmOverwrite(std::function<bool(const QStringList &)> confirm) {
    m_confirmOverwrite = std::move(confirm);
}

void ExportDialog::schedulePreview() {
    m_previewTimer.start();
}

void ExportDialog::renderPreview() {
    if (what() != What::Image) {
        m_preview->setPixmap({});
        m_preview->setText(tr("Numbers have no preview."));
        return;
    }
    ImageSpec spec = imageSpec();
    const QSizeF size = resolvedSize(m_context.sources, spec);
    spec.format = ImageFormat::Png;
    const double dpr = devicePixelRatioF();
    const double fit = std::min({1.0, kPreview.width() / size.width(), kPreview.height() / std::max(1.0, size.height())});
    spec.scale = fit * dpr;
    QImage image = renderImage(m_context.sources, spec);
    if (image.isNull()) {
        m_preview->setPixmap({});
        m_preview->setText(tr("Nothing to show yet."));
        return;
    }
    image.setDevicePixelRatio(dpr); // shown at the fitted size, sharp on high-resolution screens
    m_preview->setPixmap(QPixmap::fromImage(image));
}

void ExportDialog::browse() {
    QString filter;
    switch (what()) {
    case What::Csv: filter = tr("CSV (*.csv)"); break;
    case What::Npy: filter = tr("NumPy array (*.npy)"); break;
    case What::Json: filter = tr("JSON (*.json)"); break;
    case What::Image: filter = tr("%1 (*.%2)").arg(formatId(imageSpec().format).toUpper(), formatId(imageSpec().format)); break;
    }
    // We ask before replacing ourselves (exportNow), so the file dialog does not ask a second time.
    const QString path = QFileDialog::getSaveFileName(this, tr("Export to"), filePath(), filter, nullptr,
                                                      QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty())
        setFilePath(path);
}

void ExportDialog::copyToClipboard() {
    QString error;
    QMimeData *data = clipboardData(m_context.sources, imageSpec(), &error);
    if (!data) {
        m_status->setText(tr("Nothing copied: %1").arg(error));
        return;
    }
    QGuiApplication::clipboard()->setMimeData(data);
    m_status->setText(tr("Copied to the clipboard."));
}

void ExportDialog::exportNow() {
    if (m_busy)
        return;
    const QString path = filePath();
    if (path.isEmpty()) {
        m_status->setText(tr("Choose a file to export to."));
        return;
    }
    const What kind = what();
    QStringList targets{path};
    if (kind == What::Npy)
        targets << QDir(QFileInfo(path).path()).filePath(QFileInfo(path).completeBaseName() + QStringLiteral(".tokens.json"));
    QStringList existing;
    for (const QString &t : targets)
        if (QFileInfo::exists(t))
            existing << t;
    if (!existing.isEmpty() && !m_confirmOverwrite(existing)) {
        m_status->setText(tr("Not exported: %1 was kept.").arg(QFileInfo(existing.front()).fileName()));
        return;
    }

    // Pictures are drawn here (the models live on this thread); PNG compression, the numbers (from the immutable
    // result) and every write happen on a pool thread.
    QByteArray image;
    QImage pixels;
    QString title;
    if (kind == What::Image) {
        const ImageSpec spec = imageSpec();
        QString error;
        if (spec.format == ImageFormat::Png) {
            pixels = renderImage(m_context.sources, spec);
            title = exportTitle(m_context.sources, spec);
            if (pixels.isNull())
                encodeImage(m_context.sources, spec, &error); // for the message that says why
        } else {
            image = encodeImage(m_context.sources, spec, &error);
        }
        if (image.isEmpty() && pixels.isNull())
            return finishExport(false, error, {});
    }
    const HeatmapModel *model = m_context.sources.heatmap;
    const ResultPtr result = model ? model->result() : nullptr;
    if (kind != What::Image && !result)
        return finishExport(false, tr("nothing to export yet: no analysed text"), {});
    if (kind == What::Csv && model->large())
        return finishExport(false,
                            tr("CSV holds texts of up to %1 tokens (this one has %2): export the numbers as npy, "
                               "which is written a block of rows at a time")
                                .arg(HeatmapModel::kDenseTokens)
                                .arg(model->tokenCount()),
                            {});
    AttentionMatrix matrix = kind == What::Csv ? model->matrix() : AttentionMatrix{};
    const ViewParams params = model ? model->params() : ViewParams{};
    const std::string modelName = m_context.modelName.toStdString();
    m_busy = true;
    m_export->setEnabled(false);
    m_status->setText(tr("Saving…"));
    QPointer<ExportDialog> self(this);
    QThreadPool::globalInstance()->start([self, kind, targets, existing, image, pixels, title, result,
                                          matrix = std::move(matrix), params, modelName]() mutable {
        QList<QList<QByteArray>> files; // each file's parts
        QString error;
        try { // off the GUI thread: an exception here must become a message, not an abort
            switch (kind) {
            case What::Image: files << QList<QByteArray>{pixels.isNull() ? image : encodePng(pixels, title)}; break;
            case What::Csv:
                if (matrix.weights.empty()) // still being computed for the view: computed here instead
                    matrix = attentionMatrix(*result, params);
                files << QList<QByteArray>{QByteArray::fromStdString(attentionCsv(*result, matrix))};
                break;
            case What::Json: files << QList<QByteArray>{QByteArray::fromStdString(attentionJson(*result, modelName))}; break;
            case What::Npy: // attention.npy is streamed below, a block of rows at a time
                files << QList<QByteArray>{} << QList<QByteArray>{QByteArray::fromStdString(tokensJson(*result))};
                break;
            }
        } catch (const std::bad_alloc &) {
            error = QStringLiteral("ran out of memory encoding the export; export fewer layers or a shorter text");
        }
        QStringList written;
        for (int i = 0; i < targets.size() && error.isEmpty() && i < files.size(); ++i) {
            if (kind == What::Npy && i == 0)
                error = writeFileAtomically(targets[i], attentionNpyBytes(*result),
                                            [&result](QIODevice &file) { return writeAttentionNpy(file, *result); });
            else
                error = files[i].isEmpty() || files[i].back().isEmpty()
                            ? QStringLiteral("%1: could not be encoded").arg(QFileInfo(targets[i]).fileName())
                            : writeFileAtomically(targets[i], files[i]);
            if (error.isEmpty())
                written << targets[i];
        }
        if (!error.isEmpty()) // all or nothing: a file this export created alone is no use
            for (const QString &w : written)
                if (!existing.contains(w))
                    QFile::remove(w);
        QMetaObject::invokeMethod(
            qApp,
            [self, error, targets] {
                if (self)
                    self->finishExport(error.isEmpty(), error.isEmpty() ? targets.join(QStringLiteral(", ")) : error,
                               error.isEmpty() ? targets : QStringList{});
            },
            Qt::QueuedConnection);
    });
}

void ExportDialog::finishExport(bool ok, const QString &message, const QStringList &paths) {
    m_busy = false;
    m_export->setEnabled(true);
    emit exportFinished(ok, message);
    if (!ok) {
        m_status->setText(QStringLiteral("<span style='color:#b00020'>%1</span>").arg(message.toHtmlEscaped()));
        return;
    }
    emit exported(paths);
    accept();
}

} // namespace attnscope
