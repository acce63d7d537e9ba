// Recursive-descent compiler to a node tree, and a backtracking matcher with continuations.
#include "regex_split.h"

#include <functional>

namespace attnscope {

namespace {

struct CharSet {
    bool negated = false;
    std::vector<std::pair<char32_t, char32_t>> ranges;
    std::uint8_t categories = 0;   // any of these flags matches
    bool notWhitespace = false;    // \S inside a class
    bool matches(char32_t c) const {
        bool in = (unicode::flags(c) & categories) != 0 || (notWhitespace && !(unicode::flags(c) & unicode::Whitespace));
        for (const auto &[a, b] : ranges)
            in = in || (c >= a && c <= b);
        return in != negated;
    }
};

enum class Kind { Alternation, Sequence, Set, Repeat, NegativeLookahead, End };

struct Node {
    Kind kind = Kind::Sequence;
    std::vector<int> children; // Alternation: branches; Sequence: items; Repeat / lookahead: one
    CharSet set;
    int min = 1, max = 1; // Repeat; max -1 = unbounded
};

} // namespace

struct CodepointRegex::Program {
    std::vector<Node> nodes;
    int root = -1;
    std::string error;
};

namespace {

class Parser {
public:
    Parser(const std::vector<char32_t> &p, std::vector<Node> &nodes) : m_p(p), m_nodes(nodes) {}

    int parse(std::string &error) {
        const int root = alternation();
        if (!m_error.empty() || m_pos != m_p.size()) {
            error = m_error.empty() ? "unexpected ')' at " + std::to_string(m_pos) : m_error;
            return -1;
        }
        return root;
    }

private:
    bool done() const { return m_pos >= m_p.size(); }
    char32_t peek() const { return done() ? 0 : m_p[m_pos]; }
    int add(Node n) {
        m_nodes.push_back(std::move(n));
        return static_cast<int>(m_nodes.size() - 1);
    }
    void fail(const std::string &e) {
        if (m_error.empty())
            m_error = e;
        m_pos = m_p.size();
    }

    int alternation() {
        Node alt;
        alt.kind = Kind::Alternation;
        alt.children.push_back(sequence());
        while (!done() && peek() == U'|') {
            ++m_pos;
            alt.children.push_back(sequence());
        }
        return alt.children.size() == 1 ? alt.children.front() : add(std::move(alt));
    }

    int sequence() {
        Node seq;
        seq.kind = Kind::Sequence;
        while (!done() && peek() != U'|' && peek() != U')') {
            int atom = this->atom();
            if (atom < 0)
                return add(std::move(seq));
            atom = quantified(atom);
            seq.children.push_back(atom);
        }
        return add(std::move(seq));
    }

    int quantified(int atom) {
        if (done())
            return atom;
        int min = -2, max = -2;
        switch (peek()) {
        case U'?': min = 0; max = 1; ++m_pos; break;
        case U'*': min = 0; max = -1; ++m_pos; break;
        case U'+': min = 1; max = -1; ++m_pos; break;
        case U'{': {
            std::size_t p = m_pos + 1;
            auto number = [&]() {
                int v = -1;
                while (p < m_p.size() && m_p[p] >= U'0' && m_p[p] <= U'9')
                    v = (v < 0 ? 0 : v * 10) + static_cast<int>(m_p[p++] - U'0');
                return v;
            };
            min = number();
            max = min;
            if (p < m_p.size() && m_p[p] == U',') {
                ++p;
                max = number();
            }
            if (min < 0 || p >= m_p.size() || m_p[p] != U'}' || (max >= 0 && max < min)) {
                fail("bad {m,n} quantifier");
                return atom;
            }
            m_pos = p + 1;
            break;
        }
        default: return atom;
        }
        Node rep;
        rep.kind = Kind::Repeat;
        rep.children = {atom};
        rep.min = min;
        rep.max = max;
        return add(std::move(rep));
    }

    // \p{X} after the "p"; returns the category flag.
    std::uint8_t category() {
        if (m_pos + 2 >= m_p.size() || m_p[m_pos] != U'{' || m_p[m_pos + 2] != U'}') {
            fail("expected \\p{X}");
            return 0;
        }
        const char32_t c = m_p[m_pos + 1];
        m_pos += 3;
        switch (c) {
        case U'L': return unicode::Letter;
        case U'N': return unicode::Number;
        case U'P': return unicode::Punctuation;
        case U'S': return unicode::Symbol;
        case U'M': return unicode::Mark;
        default: fail("unknown category \\p{" + unicode::encodeUtf8(c) + "}"); return 0;
        }
    }

    char32_t escapedLiteral(char32_t c) {
        switch (c) {
        case U'n': return U'\n';
        case U'r': return U'\r';
        case U't': return U'\t';
        case U'f': return U'\f';
        case U'v': return U'\v';
        default: return c; // \$ \+ \| \\ \- and friends
        }
    }

    // One escape inside or outside a class, added to `set`; false when it was a plain literal (returned in `lit`).
    bool escape(CharSet &set, char32_t &lit) {
        const char32_t c = peek();
        ++m_pos;
        switch (c) {
        case U's': set.categories |= unicode::Whitespace; return true;
        case U'S': set.notWhitespace = true; return true;
        case U'p': set.categories |= category(); return true;
        default: lit = escapedLiteral(c); return false;
        }
    }

    int charClass() { // after '['
        Node n;
        n.kind = Kind::Set;
        if (peek() == U'^') {
            n.set.negated = true;
            ++m_pos;
        }
        bool first = true;
        while (!done() && (peek() != U']' || first)) {
            first = false;
            char32_t lo = peek();
            ++m_pos;
            if (lo == U'\\') {
                if (escape(n.set, lo))
                    continue;
            }
            char32_t hi = lo;
            if (m_pos + 1 < m_p.size() && peek() == U'-' && m_p[m_pos + 1] != U']') {
                ++m_pos;
                hi = peek();
                ++m_pos;
                if (hi == U'\\') {
                    hi = escapedLiteral(peek());
                    ++m_pos;
                }
            }
            n.set.ranges.emplace_back(lo, hi);
        }
        if (done()) {
            fail("unterminated [class]");
            return -1;
        }
        ++m_pos; // ']'
        return add(std::move(n));
    }

    int atom() {
        const char32_t c = peek();
        ++m_pos;
        if (c == U'(') {
            bool negativeLookahead = false;
            if (peek() == U'?') {
                if (m_pos + 1 < m_p.size() && m_p[m_pos + 1] == U':') {
                    m_pos += 2;
                } else if (m_pos + 1 < m_p.size() && m_p[m_pos + 1] == U'!') {
                    m_pos += 2;
                    negativeLookahead = true;
                } else {
                    fail("unsupported group syntax");
                    return -1;
                }
            }
            const int inner = alternation();
            if (peek() != U')') {
                fail("unbalanced (");
                return -1;
            }
            ++m_pos;
            if (!negativeLookahead)
                return inner;
            Node look;
            look.kind = Kind::NegativeLookahead;
            look.children = {inner};
            return add(std::move(look));
        }
        if (c == U'[')
            return charClass();
        if (c == U'$') {
            Node end;
            end.kind = Kind::End;
            return add(std::move(end));
        }
        Node n;
        n.kind = Kind::Set;
        if (c == U'.') {
            n.set.negated = true; // matches anything but a line break
            n.set.ranges = {{U'\n', U'\n'}};
            return add(std::move(n));
        }
        char32_t lit = c;
        if (c == U'\\' && escape(n.set, lit))
            return add(std::move(n));
        n.set.ranges = {{lit, lit}};
        return add(std::move(n));
    }

    const std::vector<char32_t> &m_p;
    std::vector<Node> &m_nodes;
    std::size_t m_pos = 0;
    std::string m_error;
};

using Continuation = std::function<bool(int)>;

class Matcher {
public:
    Matcher(const std::vector<Node> &nodes, const std::vector<char32_t> &text, int limit)
        : m_nodes(nodes), m_text(text), m_limit(limit) {}

    bool match(int id, int pos, const Continuation &k) const {
        const Node &n = m_nodes[static_cast<std::size_t>(id)];
        switch (n.kind) {
        case Kind::Set:
            return pos < m_limit && n.set.matches(m_text[static_cast<std::size_t>(pos)]) && k(pos + 1);
        case Kind::End: return pos == m_limit && k(pos);
        case Kind::Alternation:
            for (const int child : n.children)
                if (match(child, pos, k))
                    return true;
            return false;
        case Kind::Sequence: return sequence(n, 0, pos, k);
        case Kind::NegativeLookahead: {
            const bool inner = match(n.children.front(), pos, [](int) { return true; });
            return !inner && k(pos);
        }
        case Kind::Repeat: return repeat(n, pos, k);
        }
        return false;
    }

private:
    bool sequence(const Node &n, std::size_t i, int pos, const Continuation &k) const {
        if (i == n.children.size())
            return k(pos);
        return match(n.children[i], pos, [&](int next) { return sequence(n, i + 1, next, k); });
    }

    bool repeat(const Node &n, int pos, const Continuation &k) const {
        const Node &child = m_nodes[static_cast<std::size_t>(n.children.front())];
        if (child.kind == Kind::Set) { // one code point each: count greedily, then give back
            int count = 0;
            while ((n.max < 0 || count < n.max) && pos + count < m_limit &&
                   child.set.matches(m_text[static_cast<std::size_t>(pos + count)]))
                ++count;
            for (; count >= n.min; --count)
                if (k(pos + count))
                    return true;
            return false;
        }
        return repeatGeneral(n, 0, pos, k);
    }

    bool repeatGeneral(const Node &n, int count, int pos, const Continuation &k) const {
        if (n.max < 0 || count < n.max) {
            const bool more = match(n.children.front(), pos, [&](int next) {
                return next != pos && repeatGeneral(n, count + 1, next, k); // no empty iterations
            });
            if (more)
                return true;
        }
        return count >= n.min && k(pos);
    }

    const std::vector<Node> &m_nodes;
    const std::vector<char32_t> &m_text;
    int m_limit;
};

} // namespace

CodepointRegex::CodepointRegex(std::string_view pattern) : m_program(std::make_unique<Program>()) {
    std::vector<char32_t> cps;
    for (const unicode::Codepoint &c : unicode::decodeUtf8(pattern))
        cps.push_back(c.cp);
    Parser parser(cps, m_program->nodes);
    m_program->root = parser.parse(m_program->error);
}

CodepointRegex::~CodepointRegex() = default;
CodepointRegex::CodepointRegex(CodepointRegex &&) noexcept = default;
CodepointRegex &CodepointRegex::operator=(CodepointRegex &&) noexcept = default;

bool CodepointRegex::valid() const {
    return m_program && m_program->root >= 0;
}

const std::string &CodepointRegex::error() const {
    return m_program->error;
}

int CodepointRegex::matchAt(const std::vector<char32_t> &text, int pos, int limit) const {
    if (!valid())
        return -1;
    int end = -1;
    Matcher m(m_program->nodes, text, limit);
    m.match(m_program->root, pos, [&](int e) {
        end = e;
        return true;
    });
    return end;
}

std::vector<std::pair<int, int>> regexSplit(const std::vector<char32_t> &text, const std::vector<CodepointRegex> &regexes) {
    std::vector<std::pair<int, int>> fragments;
    if (!text.empty())
        fragments.emplace_back(0, static_cast<int>(text.size()));
    for (const CodepointRegex &re : regexes) {
        std::vector<std::pair<int, int>> next;
        for (const auto &[begin, end] : fragments) {
            int gap = begin;
            for (int pos = begin; pos < end;) {
                const int m = re.matchAt(text, pos, end);
                if (m > pos) {
                    if (gap < pos)
                        next.emplace_back(gap, pos);
                    next.emplace_back(pos, m);
                    pos = gap = m;
                } else {
                    ++pos;
                }
            }
            if (gap < end)
                next.emplace_back(gap, end);
        }
        fragments = std::move(next);
    }
    return fragments;
}

} // namespace attnscope
