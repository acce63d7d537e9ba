// Next-token predictions, head search and head changes between two results.
#include "attnscope/insights.h"
#include "attnscope/words.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace attnscope {

namespace {
void rank(std::vector<HeadScore> &scores) {
    std::stable_sort(scores.begin(), scores.end(), [](const HeadScore &x, const HeadScore &y) { return x.score > y.score; });
}
} // namespace

std::vector<Prediction> nextTokenPredictions(const AttentionResult &r, const Tokenizer &tokenizer, int position, int k) {
    const int T = r.seqLen();
    if (position < 0 || position >= T || r.vocabSize <= 0 || k <= 0)
        return {};
    const std::vector<float> stored = r.logitsAt(position); // a stored row, or recomputed from the hidden state
    if (stored.size() != static_cast<std::size_t>(r.vocabSize))
        return {};
    const float *logits = stored.data();
    const double top = *std::max_element(logits, logits + r.vocabSize);
    double sum = 0;
    for (int v = 0; v < r.vocabSize; ++v)
        sum += std::exp(double(logits[v]) - top);
    std::vector<int> ids(static_cast<std::size_t>(r.vocabSize));
    std::iota(ids.begin(), ids.end(), 0);
    const int n = std::min(k, r.vocabSize);
    std::partial_sort(ids.begin(), ids.begin() + n, ids.end(), [logits](int x, int y) {
        return logits[x] > logits[y] || (logits[x] == logits[y] && x < y);
    });
    std::vector<Prediction> out;
    for (int i = 0; i < n; ++i) {
        const int id = ids[static_cast<std::size_t>(i)];
        out.push_back({id, id < tokenizer.vocabSize() ? tokenizer.piece(id) : std::string(),
                       std::exp(double(logits[id]) - top) / sum});
    }
    return out;
}

std::vector<HeadScore> findHeads(const AttentionResult &r, int query, int key) {
    const int T = r.seqLen();
    if (query < 0 || key < 0 || query >= T || key >= T)
        return {};
    std::vector<HeadScore> out;
    std::vector<float> row(static_cast<std::size_t>(T));
    for (int l = 0; l < r.layers; ++l)
        for (int h = 0; h < r.heads; ++h) {
            r.rows(l, h, query, 1, row.data()); // one row of each head, not the whole head
            out.push_back({l, h, double(row[static_cast<std::size_t>(key)])});
        }
    rank(out);
    return out;
}

std::vector<HeadScore> headChanges(const AttentionResult &a, int posA, const AttentionResult &b, int posB) {
    if (a.layers != b.layers || a.heads != b.heads || posA < 0 || posB < 0 || posA >= a.seqLen() || posB >= b.seqLen())
        return {};
    // Pieces as small integers, shared between the two texts; words by their letters ("bat!" is "bat", "The" is
    // "the"), as sharedWords matches them.
    std::unordered_map<std::string, int> index;
    auto ids = [&index](const AttentionResult &r) {
        std::vector<int> out;
        for (const Token &t : r.tokens) {
            std::string key = t.word && !t.special ? matchingForm(t.piece) : t.piece;
            if (key.empty())
                key = t.piece; // punctuation alone matches as itself
            out.push_back(index.emplace(std::move(key), static_cast<int>(index.size())).first->second);
        }
        return out;
    };
    const std::vector<int> pa = ids(a), pb = ids(b);
    std::vector<double> diff(index.size());
    std::vector<HeadScore> out;
    std::vector<float> rowA(static_cast<std::size_t>(a.seqLen())), rowB(static_cast<std::size_t>(b.seqLen()));
    for (int l = 0; l < a.layers; ++l)
        for (int h = 0; h < a.heads; ++h) {
            std::fill(diff.begin(), diff.end(), 0.0);
            a.rows(l, h, posA, 1, rowA.data());
            b.rows(l, h, posB, 1, rowB.data());
            for (int j = 0; j < a.seqLen(); ++j)
                diff[static_cast<std::size_t>(pa[std::size_t(j)])] += rowA[std::size_t(j)];
            for (int j = 0; j < b.seqLen(); ++j)
                diff[static_cast<std::size_t>(pb[std::size_t(j)])] -= rowB[std::size_t(j)];
            double tv = 0;
            for (double d : diff)
                tv += std::abs(d);
            out.push_back({l, h, 0.5 * tv});
        }
    rank(out);
    return out;
}

namespace {
// (position in a, position in b) for every key occurring in both, each key once, at its first occurrence in each,
// in the order of a. `key` gives nothing for a position that cannot anchor.
template <class Key>
std::vector<std::pair<int, int>> sharedBy(const AttentionResult &a, const AttentionResult &b, Key key) {
    std::unordered_map<std::string, int> firstInB;
    for (int j = b.seqLen() - 1; j >= 0; --j)
        if (std::optional<std::string> k = key(b.tokens[std::size_t(j)]))
            firstInB[std::move(*k)] = j;
    std::vector<std::pair<int, int>> out;
    std::unordered_set<std::string> seen;
    for (int i = 0; i < a.seqLen(); ++i) {
        std::optional<std::string> k = key(a.tokens[std::size_t(i)]);
        if (!k)
            continue;
        const auto it = firstInB.find(*k);
        if (it != firstInB.end() && seen.insert(std::move(*k)).second)
            out.emplace_back(i, it->second);
    }
    return out;
}
} // namespace

std::vector<std::pair<int, int>> sharedTokens(const AttentionResult &a, const AttentionResult &b) {
    return sharedBy(a, b, [](const Token &t) { return t.special ? std::nullopt : std::optional<std::string>(t.piece); });
}

std::vector<std::pair<int, int>> sharedWords(const AttentionResult &a, const AttentionResult &b) {
    return sharedBy(a, b, [](const Token &t) -> std::optional<std::string> {
        std::string form = t.special ? std::string() : matchingForm(t.piece);
        return form.empty() ? std::nullopt : std::optional<std::string>(std::move(form));
    });
}

} // namespace attnscope
