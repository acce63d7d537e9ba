// Added tokens: cut out of the text before the model sees it, leftmost-longest, with single_word, lstrip and
// rstrip as Hugging Face's AddedVocabulary applies them.
#include "tokenizers/pipeline.h"

#include <algorithm>

namespace attnscope::tok {

void AddedVocabulary::Trie::insert(std::string_view s, int token) {
    int node = 0;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        auto &children = nodes[static_cast<std::size_t>(node)].children;
        const auto it = std::lower_bound(children.begin(), children.end(), c,
                                         [](const std::pair<unsigned char, int> &p, unsigned char v) { return p.first < v; });
        if (it != children.end() && it->first == c) {
            node = it->second;
            continue;
        }
        const int next = static_cast<int>(nodes.size());
        children.insert(it, {c, next});
        nodes.emplace_back();
        node = next;
    }
    nodes[static_cast<std::size_t>(node)].token = token;
}

std::pair<int, std::size_t> AddedVocabulary::Trie::longest(std::string_view s, std::size_t pos) const {
    std::pair<int, std::size_t> best{-1, 0};
    int node = 0;
    for (std::size_t i = pos; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        const auto &children = nodes[static_cast<std::size_t>(node)].children;
        const auto it = std::lower_bound(children.begin(), children.end(), c,
                                         [](const std::pair<unsigned char, int> &p, unsigned char v) { return p.first < v; });
        if (it == children.end() || it->first != c)
            break;
        node = it->second;
        if (nodes[static_cast<std::size_t>(node)].token >= 0)
            best = {nodes[static_cast<std::size_t>(node)].token, i + 1 - pos};
    }
    return best;
}

void AddedVocabulary::add(AddedToken token) {
    if (token.content.empty())
        return;
    m_byContent.insert_or_assign(token.content, token.id);
    m_maxId = std::max(m_maxId, token.id);
    const auto it = m_byId.find(token.id);
    if (it != m_byId.end()) {
        m_tokens[it->second] = std::move(token);
    } else {
        m_byId.emplace(token.id, m_tokens.size());
        m_tokens.push_back(std::move(token));
    }
}

Status AddedVocabulary::build(const Normalizer *normalizer) {
    m_raw = Trie{};
    m_normalized = Trie{};
    m_byContent.clear();
    for (std::size_t i = 0; i < m_tokens.size(); ++i) {
        const AddedToken &t = m_tokens[i];
        m_maxId = std::max(m_maxId, t.id);
        m_byContent.insert_or_assign(t.content, t.id);
        if (t.normalized && normalizer) {
            Normalized n = Normalized::fromOriginal(t.content);
            if (auto s = normalizer->normalize(n); !s)
                return s;
            if (!n.empty())
                m_normalized.insert(n.str(), static_cast<int>(i));
        } else {
            (t.normalized ? m_normalized : m_raw).insert(t.content, static_cast<int>(i));
        }
    }
    return Ok{};
}

const AddedToken *AddedVocabulary::byId(int id) const {
    const auto it = m_byId.find(id);
    return it == m_byId.end() ? nullptr : &m_tokens[it->second];
}

std::optional<int> AddedVocabulary::byContent(std::string_view content) const {
    const auto it = m_byContent.find(std::string(content));
    return it == m_byContent.end() ? std::nullopt : std::optional<int>(it->second);
}

namespace {

std::size_t previousChar(std::string_view s, std::size_t end) {
    std::size_t b = end - 1;
    while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80)
        --b;
    return b;
}

bool endsWithWord(std::string_view s, std::size_t end) {
    if (end == 0)
        return false;
    int length = 1;
    return text::isWordChar(text::decode(s, previousChar(s, end), &length));
}

bool startsWithWord(std::string_view s, std::size_t begin) {
    if (begin >= s.size())
        return false;
    int length = 1;
    return text::isWordChar(text::decode(s, begin, &length));
}

} // namespace

Status AddedVocabulary::extract(std::vector<Split> &splits, bool normalizedPass) const {
    const Trie &trie = normalizedPass ? m_normalized : m_raw;
    if (trie.nodes.size() == 1)
        return Ok{};
    std::vector<Split> out;
    out.reserve(splits.size());
    for (Split &split : splits) {
        if (split.done) {
            out.push_back(std::move(split));
            continue;
        }
        const std::string &s = split.text.str();
        std::size_t startOffset = 0;
        bool any = false;
        for (std::size_t pos = 0; pos < s.size();) {
            const auto [index, length] = trie.longest(s, pos);
            if (index < 0) {
                ++pos;
                continue;
            }
            const AddedToken &t = m_tokens[static_cast<std::size_t>(index)];
            std::size_t start = pos, stop = pos + length;
            pos = stop; // matches never overlap, even a skipped one
            if (t.singleWord && (endsWithWord(s, start) || startsWithWord(s, stop)))
                continue;
            if (t.lstrip) {
                std::size_t b = start;
                while (b > 0) {
                    const std::size_t p = previousChar(s, b);
                    int l = 1;
                    if (!text::isWhitespace(text::decode(s, p, &l)))
                        break;
                    b = p;
                }
                start = std::max(b, startOffset);
            }
            if (t.rstrip)
                while (stop < s.size()) {
                    int l = 1;
                    if (!text::isWhitespace(text::decode(s, stop, &l)))
                        break;
                    stop += static_cast<std::size_t>(l);
                }
            if (startOffset < start)
                out.push_back(Split{split.text.slice(startOffset, start), false, -1});
            out.push_back(Split{split.text.slice(start, stop), true, t.id});
            startOffset = stop;
            pos = std::max(pos, stop);
            any = true;
        }
        if (!any) {
            out.push_back(std::move(split));
            continue;
        }
        if (startOffset < s.size())
            out.push_back(Split{split.text.slice(startOffset, s.size()), false, -1});
    }
    splits = std::move(out);
    return Ok{};
}

} // namespace attnscope::tok
