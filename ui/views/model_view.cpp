// ModelView: model, selection and style plumbing.
#include "views/model_view.h"
#include "models/heatmap_model.h"

#include <QItemSelectionModel>

namespace attnscope {

ModelView::ModelView(QWidget *parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
}

void ModelView::setModel(HeatmapModel *model) {
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    if (m_model) {
        connect(m_model, &HeatmapModel::viewChanged, this, &ModelView::rebuild);
        connect(m_model, &HeatmapModel::detailChanged, this, &ModelView::detailArrived);
    }
    rebuild();
}

void ModelView::setSelectionModel(QItemSelectionModel *selection) {
    if (m_selection)
        disconnect(m_selection, nullptr, this, nullptr);
    m_selection = selection;
    if (m_selection) {
        connect(m_selection, &QItemSelectionModel::selectionChanged, this, qOverload<>(&QWidget::update));
        connect(m_selection, &QItemSelectionModel::currentChanged, this, qOverload<>(&QWidget::update));
    }
    update();
}

void ModelView::setStyle(const ViewStyle &style) {
    m_style = style;
    rebuild();
}

} // namespace attnscope
