// The one selection every view shares: a QItemSelectionModel over HeatmapModel. A whole selected row means
// "this token is focused" (token strip click, arcs pin); a single selected cell means "this (query, key)
// pair" (heatmap click). These helpers keep that convention in one place.
#pragma once

#include <QItemSelectionModel>

namespace attnscope {

struct Focus {
    int query = -1; // focused token (row), -1 = nothing focused
    int key = -1;   // with a cell selection: the key column; -1 = the whole token
    bool isToken() const { return query >= 0 && key < 0; }
    bool isCell() const { return query >= 0 && key >= 0; }
    bool operator==(const Focus &) const = default;
};

Focus focusOf(const QItemSelectionModel *selection);
void focusToken(QItemSelectionModel *selection, int row);
void focusCell(QItemSelectionModel *selection, int query, int key);
void clearFocus(QItemSelectionModel *selection);

} // namespace attnscope
