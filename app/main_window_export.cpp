// MainWindow, the part that hands views to export: which view is current, what it shows on screen, the export
// dialog and Copy Image.
#include "main_window.h"

#include "models/head_grid_model.h"
#include "models/heatmap_model.h"
#include "presenters/analysis_presenter.h"
#include "presenters/compare_presenter.h"
#include "presenters/export_requests.h"
#include "widgets/view_panes.h"
#include "views/arcs_view.h"
#include "views/head_grid_view.h"
#include "views/heatmap_view.h"
#include "views/token_strip_view.h"
#include "widgets/export_dialog.h"
#include "widgets/compare_window.h"
#include "widgets/inference_worker.h"
#include "widgets/insights_panel.h"
#include "widgets/step_panel.h"
#include "models/insights_model.h"
#include "models/step_model.h"
#include "views/predictions_view.h"
#include "views/step_view.h"

#include <QClipboard>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLineEdit>
#include <QSpinBox>
#include <QMimeData>
#include <QStatusBar>

namespace attnscope {

ExportView MainWindow::currentExportView() const {
    const ExportView view = m_exports->currentView(); // arcs: in the layout they have now
    if (view == ExportView::Arcs || view == ExportView::LineArcs)
        return m_arcs->view()->arcsLayout() == ArcsLayout::Line ? ExportView::LineArcs : ExportView::Arcs;
    return view;
}

ExportContext MainWindow::exportContext() const {
    ExportContext c;
    ArcsView *arcs = m_arcs->view();
    const AnalysisPtr &analysis = m_presenter->analysis();
    const InsightsModel *insights = m_presenter->insightsModel();
    c.sources = {m_presenter->heatmapModel(), m_presenter->gridModel(), {}};
    c.modelName = m_presenter->modelName();
    c.style = m_heatmap->viewStyle();
    c.threshold = arcs->threshold();
    c.topK = arcs->topK();
    c.onScreen[ExportView::Heatmap] = m_heatmap->exportState();
    c.onScreen[ExportView::Arcs] = c.onScreen[ExportView::LineArcs] = arcs->exportState();
    ViewState grid;
    grid.outlineSelection = true;
    c.onScreen[ExportView::Grid] = grid;
    ViewState tokens;
    tokens.focus = m_strip->exportFocus();
    c.onScreen[ExportView::Tokens] = tokens;
    c.screenSizes[ExportView::Heatmap] = m_heatmap->size();
    c.screenSizes[ExportView::Arcs] = c.screenSizes[ExportView::LineArcs] = arcs->size();
    c.screenSizes[ExportView::Grid] = m_grid->view()->size();
    c.screenSizes[ExportView::Tokens] = m_strip->size();
    c.screenFont = m_heatmap->font();
    // The classroom views, drawn by their widgets as they are on screen.
    const QString sentence = analysis ? QString::fromStdString(analysis->raw->text) : QString();
    if (const HeadStep *step = m_stepPanel->model()->step())
        c.sources.panels[ExportView::Step] = {m_stepPanel->view(),
                                              tr("layer %1 · head %2 · step by step for “%3” (token %4)")
                                                  .arg(step->layer).arg(step->head)
                                                  .arg(m_stepPanel->model()->tokenText(step->query)).arg(step->query),
                                              sentence};
    if (analysis && !insights->predictions().empty()) {
        const int at = insights->predictionPosition();
        c.sources.panels[ExportView::NextToken] = {m_insightsPanel->predictionsView(),
                                                   tr("next token after “%1” (token %2)").arg(insights->tokenText(at)).arg(at),
                                                   sentence};
    }
    if (m_compare && !m_compare->presenter()->ranking().empty())
        c.sources.panels[ExportView::Compare] = {m_compare, tr("layer %1 · head %2 · compare two sentences")
                                                                .arg(m_compare->presenter()->layer()).arg(m_compare->presenter()->head()),
                                                 tr("A: %1   B: %2").arg(m_compare->presenter()->textA(), m_compare->presenter()->textB())};
    for (const auto &[view, panel] : c.sources.panels)
        c.screenSizes[view] = panel.widget->size();
    c.initialView = currentExportView();
    c.directory = m_exports->directory();
    return c;
}

ExportDialog *MainWindow::openExportDialog() {
    auto *dialog = new ExportDialog(exportContext(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ExportDialog::exported, m_exports, &ExportRequests::exported);
    dialog->open();
    return dialog;
}

void MainWindow::copyImage() {
    if (QMimeData *data = m_exports->copyImage(exportContext(), devicePixelRatioF()))
        QGuiApplication::clipboard()->setMimeData(data);
}

} // namespace attnscope
