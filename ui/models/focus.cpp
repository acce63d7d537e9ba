// Focus <-> QItemSelectionModel.
#include "models/focus.h"

namespace attnscope {

Focus focusOf(const QItemSelectionModel *selection) {
    if (!selection || !selection->model())
        return {};
    const QModelIndex current = selection->currentIndex();
    if (!current.isValid() || !selection->isSelected(current))
        return {};
    if (selection->isRowSelected(current.row()))
        return {current.row(), -1};
    return {current.row(), current.column()};
}

void focusToken(QItemSelectionModel *selection, int row) {
    if (!selection || !selection->model())
        return;
    const QModelIndex index = selection->model()->index(row, 0);
    if (!index.isValid())
        return clearFocus(selection);
    selection->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void focusCell(QItemSelectionModel *selection, int query, int key) {
    if (!selection || !selection->model())
        return;
    const QModelIndex index = selection->model()->index(query, key);
    if (!index.isValid())
        return clearFocus(selection);
    selection->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
}

void clearFocus(QItemSelectionModel *selection) {
    if (selection)
        selection->clear();
}

} // namespace attnscope
