// Logit lens, generation, ablation sweeps, information-flow routes and contextual similarity (interpret.h), on top of
// the forward pass: each asks the engine for an analysis (with residuals captured, heads ablated, or continuing the
// previous one) and reads what the cache kept: values, attention rows, the final hidden state.
#include "attnscope/interpret.h"

#include "attnscope/words.h"
#include "runtime/forward.h"
#include "runtime/kv_cache.h"
#include "runtime/matmul.h"
#include "runtime/memory.h"
#include "runtime/thread_pool.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attnscope {

namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr int kLensBlock = 32; // residual rows through the head at a time: (32, vocab) logits

Status needsHead(const Engine &engine, const char *what) {
    if (!engine.model().weights().classifier.data)
        return makeError(engine.info().name + " has no language-model head (an encoder), so it has no " + what);
    return Ok{};
}

// The top k of a (vocab) row of logits, most probable first (ties: lower id first), with softmax probabilities.
void topOfRow(const float *logits, int vocab, int k, TokenProb *out) {
    const float mx = *std::max_element(logits, logits + vocab);
    double sum = 0;
    for (int v = 0; v < vocab; ++v)
        sum += std::exp(static_cast<double>(logits[v]) - mx);
    int filled = 0; // out[0, filled) sorted by logit, descending; prob holds the logit until the end
    for (int v = 0; v < vocab; ++v) {
        const float l = logits[v];
        if (filled == k && l <= out[k - 1].prob)
            continue;
        int at = filled < k ? filled++ : k - 1;
        while (at > 0 && out[at - 1].prob < l) {
            out[at] = out[at - 1];
            --at;
        }
        out[at] = TokenProb{v, l};
    }
    for (int i = 0; i < filled; ++i)
        out[i].prob = static_cast<float>(std::exp(static_cast<double>(out[i].prob) - mx) / sum);
}

// The analysis of tokens with the residual stream of every layer boundary kept.
Result<AttentionResult> withResiduals(const Engine &engine, std::vector<Token> tokens, const AnalyzeParams &base,
                                      std::vector<float> &residuals, const ProgressFn &progress) {
    AnalyzeParams p;
    p.ablation = base.ablation;
    p.residuals = &residuals;
    return engine.analyzeTokens(std::move(tokens), p, progress);
}

std::uint64_t splitmix(std::uint64_t &state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// Softmax probability of one id in a (vocab) row of logits.
float probabilityOf(const float *logits, int vocab, int id) {
    const float mx = *std::max_element(logits, logits + vocab);
    double sum = 0;
    for (int v = 0; v < vocab; ++v)
        sum += std::exp(static_cast<double>(logits[v]) - mx);
    return static_cast<float>(std::exp(static_cast<double>(logits[id]) - mx) / sum);
}

} // namespace

// --- Logit lens ----------------------------------------------------------------------------------------------

std::vector<TokenProb> lensOfRows(const Model &model, const float *residuals, std::int64_t rows, int topK) {
    const int dim = model.config().dim, vocab = model.config().vocabSize;
    std::vector<TokenProb> out(static_cast<std::size_t>(rows) * topK);
    std::vector<float> normed, logits;
    for (std::int64_t r0 = 0; r0 < rows; r0 += kLensBlock) {
        const std::int64_t n = std::min<std::int64_t>(kLensBlock, rows - r0);
        normed.assign(residuals + r0 * dim, residuals + (r0 + n) * dim);
        finalNormRows(model, normed.data(), n);
        logits.resize(static_cast<std::size_t>(n) * vocab);
        logitsOfHiddenRows(model, normed.data(), n, logits.data());
        parallelFor(n, n * vocab * 8, [&](std::int64_t r) {
            topOfRow(logits.data() + r * vocab, vocab, topK, out.data() + (r0 + r) * topK);
        });
    }
    return out;
}

Result<LensResult> logitLens(const Engine &engine, std::vector<Token> tokens, int topK, const AnalyzeParams &params,
                             const ProgressFn &progress) {
    if (auto ok = needsHead(engine, "logit lens"); !ok)
        return ok.error();
    const ModelConfig &c = engine.model().config();
    if (topK < 1 || topK > 100 || topK > c.vocabSize)
        return makeError("the lens shows 1 to 100 tokens per cell (asked for " + std::to_string(topK) + ")");
    const double bytes = double(c.layers + 1) * double(tokens.size()) * (c.dim * 4.0 + topK * 8.0) +
                         double(kLensBlock) * c.vocabSize * 4.0;
    if (auto room = checkMemory(bytes, "the logit lens of " + std::to_string(tokens.size()) + " tokens"); !room)
        return room.error();
    std::vector<float> residuals;
    // The forward pass is most of the work for small vocabularies, the head for large ones: share the progress.
    const ProgressFn forwardProgress = progress ? ProgressFn([&](float f) { return progress(0.5f * f); }) : ProgressFn();
    auto r = withResiduals(engine, std::move(tokens), params, residuals, forwardProgress);
    if (!r)
        return r.error();
    LensResult lens;
    lens.tokens = std::move(r->tokens);
    lens.boundaries = c.layers + 1;
    lens.topK = topK;
    const std::int64_t T = lens.seqLen();
    lens.top.resize(static_cast<std::size_t>(lens.boundaries) * T * topK);
    for (int b = 0; b < lens.boundaries; ++b) {
        const std::vector<TokenProb> rows = lensOfRows(engine.model(), residuals.data() + b * T * c.dim, T, topK);
        std::copy(rows.begin(), rows.end(), lens.top.begin() + b * T * topK);
        if (progress && !progress(0.5f + 0.5f * float(b + 1) / float(lens.boundaries)))
            return cancelledError();
    }
    return lens;
}

// --- Generation ----------------------------------------------------------------------------------------------

int sampleToken(const float *logits, int vocab, float temperature, float topP, std::uint64_t &rngState) {
    if (temperature <= 0)
        return static_cast<int>(std::max_element(logits, logits + vocab) - logits);
    const float mx = *std::max_element(logits, logits + vocab);
    std::vector<double> p(static_cast<std::size_t>(vocab));
    double sum = 0;
    for (int v = 0; v < vocab; ++v)
        sum += (p[static_cast<std::size_t>(v)] = std::exp((static_cast<double>(logits[v]) - mx) / temperature));
    std::vector<int> order(static_cast<std::size_t>(vocab));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        return p[static_cast<std::size_t>(a)] > p[static_cast<std::size_t>(b)] ||
               (p[static_cast<std::size_t>(a)] == p[static_cast<std::size_t>(b)] && a < b);
    });
    // The nucleus: most probable first until their mass reaches topP (at least one token).
    double mass = 0;
    std::size_t kept = 0;
    while (kept < order.size() && (kept == 0 || mass < topP * sum))
        mass += p[static_cast<std::size_t>(order[kept++])];
    const double u = static_cast<double>(splitmix(rngState) >> 11) * 0x1.0p-53 * mass;
    double acc = 0;
    for (std::size_t i = 0; i < kept; ++i) {
        acc += p[static_cast<std::size_t>(order[i])];
        if (u < acc)
            return order[i];
    }
    return order[kept - 1];
}

Token appendedToken(const Tokenizer &tokenizer, int id, int end) {
    Token t;
    t.id = id;
    t.piece = tokenizer.piece(id);
    t.byteBegin = t.byteEnd = end;
    t.special = tokenizer.pieceType(id) == 3 || id == tokenizer.bosId();
    for (int eos : tokenizer.eosIds())
        t.special = t.special || id == eos;
    t.byte = tokenizer.pieceType(id) == 6;
    t.generated = true;
    return t;
}

namespace {

bool sameIds(const std::vector<Token> &a, const std::vector<Token> &b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const Token &x, const Token &y) {
               return x.id == y.id;
           });
}

// The ablation an analysis ran with (none when its cache is not the engine's KV-cache).
Ablation ablationOf(const AttentionResult &r) {
    const auto *cache = dynamic_cast<const KvCache *>(r.source.get());
    return cache ? cache->ablation() : Ablation{};
}

} // namespace

Result<Generation> generate(const Engine &engine, std::vector<Token> prompt, const GenerateParams &params,
                            const TokenFn &onToken) {
    if (auto ok = needsHead(engine, "next tokens to generate"); !ok)
        return ok.error();
    const ModelConfig &c = engine.model().config();
    if (!c.causal)
        return makeError(engine.info().name + " reads a whole text at once (an encoder); it does not generate text");
    if (params.maxTokens < 1)
        return makeError("generate at least 1 token (asked for " + std::to_string(params.maxTokens) + ")");
    if (!(params.temperature >= 0) || params.temperature > 100)
        return makeError("the temperature must be between 0 (greedy) and 100");
    if (!(params.topP > 0) || params.topP > 1)
        return makeError("top-p must be above 0 and at most 1");
    if (prompt.empty())
        return makeError("nothing to continue: the prompt has no tokens");
    const Tokenizer &tok = engine.tokenizer();
    const std::vector<int> eos = tok.eosIds();
    Generation g;
    for (const Token &t : prompt)
        g.ids.push_back(t.id);
    // Text of the tokens so far, as the tokenizer decodes them: each new token's text is what it adds to it.
    std::string decoded = tok.decode(g.ids);
    int textEnd = prompt.back().byteEnd;
    for (const Token &t : prompt)
        textEnd = std::max(textEnd, t.byteEnd);
    std::uint64_t rng = params.seed;
    AnalyzeParams ap;
    ap.ablation = params.ablation;
    std::shared_ptr<const AttentionResult> previous = params.previous;
    std::vector<Token> tokens = std::move(prompt);
    const bool current = previous && previous->lastLogits() && sameIds(previous->tokens, tokens) &&
                         ablationOf(*previous) == params.ablation;
    for (int k = 0; k < params.maxTokens && static_cast<int>(tokens.size()) < c.contextLength; ++k) {
        if (k > 0 || !current) {
            ap.previous = previous.get();
            auto r = engine.analyzeTokens(tokens, ap);
            if (!r)
                return r.error();
            previous = std::make_shared<const AttentionResult>(std::move(r.value()));
        }
        const float *logits = previous->lastLogits();
        const int id = sampleToken(logits, c.vocabSize, params.temperature, params.topP, rng);
        const GeneratedToken gt{id, probabilityOf(logits, c.vocabSize, id)};
        g.generated.push_back(gt);
        g.ids.push_back(id);
        std::string now = tok.decode(g.ids);
        const int added = now.compare(0, decoded.size(), decoded) == 0 ? static_cast<int>(now.size() - decoded.size()) : 0;
        decoded = std::move(now);
        Token t = appendedToken(tok, id, textEnd);
        textEnd += added;
        t.byteEnd = textEnd;
        tokens.push_back(std::move(t));
        const bool more = !onToken || onToken(previous, gt);
        if (params.stopAtEos && std::find(eos.begin(), eos.end(), id) != eos.end()) {
            g.endOfSequence = true;
            break;
        }
        if (!more)
            break;
    }
    g.result = previous;
    std::vector<int> readable; // the text the ids spell, without BOS and other control tokens
    for (std::size_t i = 0; i < g.ids.size(); ++i)
        if (!tokens[i].special)
            readable.push_back(g.ids[i]);
    g.text = tok.decode(readable);
    return g;
}

// --- Ablation ------------------------------------------------------------------------------------------------

Result<AblationSweep> ablationSweep(const Engine &engine, std::vector<Token> tokens, int position, int target,
                                    AblationMode mode, const ProgressFn &progress) {
    if (auto ok = needsHead(engine, "predictions to change"); !ok)
        return ok.error();
    const ModelConfig &c = engine.model().config();
    if (position < 0 || position >= static_cast<int>(tokens.size()))
        return makeError("token " + std::to_string(position) + " is outside the text's " +
                         std::to_string(tokens.size()) + " tokens");
    if (target >= c.vocabSize)
        return makeError("token id " + std::to_string(target) + " is outside the vocabulary");
    // A decoder's prediction after `position` sees only the tokens up to it; an encoder's sees them all.
    if (c.causal)
        tokens.resize(static_cast<std::size_t>(position) + 1);
    const int row = position;
    const AnalyzeParams base;
    auto plain = engine.analyzeTokens(tokens, base);
    if (!plain)
        return plain.error();
    const std::vector<float> before = plain->logitsAt(row);
    AblationSweep sweep;
    sweep.position = position;
    sweep.target = target >= 0 ? target : static_cast<int>(std::max_element(before.begin(), before.end()) - before.begin());
    const float p0 = probabilityOf(before.data(), c.vocabSize, sweep.target);
    const int total = c.layers * c.heads;
    for (int l = 0; l < c.layers; ++l)
        for (int h = 0; h < c.heads; ++h) {
            AnalyzeParams p = base;
            p.ablation.heads = {HeadRef{l, h}};
            p.ablation.mode = mode;
            auto r = engine.analyzeTokens(tokens, p);
            if (!r)
                return r.error();
            const std::vector<float> after = r->logitsAt(row);
            sweep.heads.push_back(HeadEffect{HeadRef{l, h}, p0, probabilityOf(after.data(), c.vocabSize, sweep.target)});
            if (progress && !progress(float(l * c.heads + h + 1) / float(total)))
                return cancelledError();
        }
    return sweep;
}

// --- Information-flow routes ---------------------------------------------------------------------------------

Result<FlowResult> informationFlow(const Engine &engine, std::vector<Token> tokens, const AnalyzeParams &params,
                                   const ProgressFn &progress) {
    const ModelConfig &c = engine.model().config();
    const std::int64_t T = static_cast<std::int64_t>(tokens.size()), dim = c.dim, hs = c.headSize();
    // Per layer: every head's W_O v_j (heads, T, dim) and attention (heads, T, T); the result (layers, T, T); the
    // residuals (layers + 1, T, dim); W_O in float32.
    const double bytes = 4.0 * (double(c.heads) * T * dim + double(c.heads) * T * T + double(c.layers) * T * T +
                                double(c.layers + 1) * T * dim + double(dim) * c.qDim() + 2.0 * threadCount() * T * dim);
    if (auto room = checkMemory(bytes, "information-flow routes of " + std::to_string(T) + " tokens"); !room)
        return room.error();
    std::vector<float> residuals;
    const ProgressFn forwardProgress = progress ? ProgressFn([&](float f) { return progress(0.3f * f); }) : ProgressFn();
    auto analysed = withResiduals(engine, std::move(tokens), params, residuals, forwardProgress);
    if (!analysed)
        return analysed.error();
    const auto *cache = dynamic_cast<const KvCache *>(analysed->source.get());
    if (!cache)
        return makeError("internal: the analysis kept no cache");
    FlowResult flow;
    flow.tokens = std::move(analysed->tokens);
    flow.layers = c.layers;
    flow.importance.assign(static_cast<std::size_t>(c.layers) * T * T, 0.0f);
    const int groupSize = c.heads / c.kvHeads;
    Matrix wo, values, attention(T * c.heads, T);
    std::vector<Matrix> projected(static_cast<std::size_t>(c.heads)); // W_O^h v_j: (T, dim) per head
    for (int l = 0; l < c.layers; ++l) {
        const LayerWeights &lw = engine.model().weights().layers[static_cast<std::size_t>(l)];
        wo.resize(lw.wo.rows, lw.wo.cols); // (dim, heads * hs)
        for (std::int64_t r = 0; r < lw.wo.rows; ++r)
            lw.wo.dequantizeRow(r, wo.row(r).data());
        const LayerRows &rows = cache->layers()[static_cast<std::size_t>(l)];
        values.resize(T, rows.v.width());
        for (std::int64_t t = 0; t < T; ++t)
            std::copy_n(rows.v.row(static_cast<int>(t)), rows.v.width(), values.row(t).data());
        parallelFor(c.heads, std::int64_t(c.heads) * T * dim * hs, [&](std::int64_t h) {
            projected[static_cast<std::size_t>(h)].noalias() =
                values.middleCols((h / groupSize) * hs, hs) * wo.middleCols(h * hs, hs).transpose();
            cache->rows(l, static_cast<int>(h), 0, static_cast<int>(T), attention.data() + h * T * T);
        });
        const float *x = residuals.data() + static_cast<std::size_t>(l) * T * dim;
        float *out = flow.importance.data() + static_cast<std::size_t>(l) * T * T;
        parallelFor(T, T * T * c.heads * dim / 2, [&](std::int64_t i) {
            const std::int64_t keys = c.causal ? i + 1 : T;
            thread_local Matrix z;
            z.setZero(keys, dim); // z_ij for every j
            for (int h = 0; h < c.heads; ++h) {
                const Eigen::Map<const Eigen::VectorXf> a(attention.data() + (h * T + i) * T, keys);
                z.noalias() += a.asDiagonal() * projected[static_cast<std::size_t>(h)].topRows(keys);
            }
            const Eigen::Map<const Eigen::RowVectorXf> xi(x + i * dim, dim);
            z.row(i) += xi;
            const Eigen::RowVectorXf y = z.colwise().sum();
            const float yNorm = y.cwiseAbs().sum();
            float *row = out + i * T;
            double total = 0;
            for (std::int64_t j = 0; j < keys; ++j) {
                const float importance = std::max(0.0f, yNorm - (y - z.row(j)).cwiseAbs().sum());
                row[j] = importance;
                total += importance;
            }
            if (total > 0)
                for (std::int64_t j = 0; j < keys; ++j)
                    row[j] = static_cast<float>(row[j] / total);
        });
        if (progress && !progress(0.3f + 0.7f * float(l + 1) / float(c.layers)))
            return cancelledError();
    }
    return flow;
}

std::vector<std::uint8_t> traceRoute(const FlowResult &flow, int to, float threshold) {
    const std::size_t T = flow.tokens.size();
    std::vector<std::uint8_t> kept(static_cast<std::size_t>(flow.layers) * T * T, 0);
    if (to < 0 || static_cast<std::size_t>(to) >= T)
        return kept;
    std::vector<std::uint8_t> onRoute(T, 0); // positions on the route above the current layer
    onRoute[static_cast<std::size_t>(to)] = 1;
    for (int l = flow.layers - 1; l >= 0; --l) {
        std::vector<std::uint8_t> below(T, 0);
        for (std::size_t i = 0; i < T; ++i) {
            if (!onRoute[i])
                continue;
            for (std::size_t j = 0; j < T; ++j)
                if (flow.at(l, static_cast<int>(i), static_cast<int>(j)) >= threshold &&
                    flow.at(l, static_cast<int>(i), static_cast<int>(j)) > 0) {
                    kept[(static_cast<std::size_t>(l) * T + i) * T + j] = 1;
                    below[j] = 1;
                }
        }
        onRoute = std::move(below);
    }
    return kept;
}

// --- Contextual meaning ----------------------------------------------------------------------------------------

Result<SimilarityResult> contextualSimilarity(const Engine &engine, std::string_view textA, std::string_view textB,
                                              std::string_view word, int nearest, const ProgressFn &progress) {
    if (auto ok = needsHead(engine, "unembedding to find nearest tokens in"); !ok)
        return ok.error();
    if (nearest < 0 || nearest > 20)
        return makeError("nearest tokens: 0 to 20 (asked for " + std::to_string(nearest) + ")");
    const std::string wanted = matchingForm(word);
    if (wanted.empty())
        return makeError("\"" + std::string(word) + "\" has no letters or digits to look for");
    const ModelConfig &c = engine.model().config();
    const Tokenizer &tok = engine.tokenizer();
    SimilarityResult s;
    s.word = std::string(word);
    std::vector<float> residuals[2];
    int positions[2] = {0, 0};
    std::vector<Token> *tokensOf[2] = {&s.tokensA, &s.tokensB};
    const std::string_view texts[2] = {textA, textB};
    for (int side = 0; side < 2; ++side) {
        auto tokens = tok.encode(texts[side], true);
        if (!tokens)
            return tokens.error();
        const std::vector<Word> words = groupWords(tokens.value(), texts[side], marksContinuations(tok));
        const auto found = std::find_if(words.begin(), words.end(),
                                        [&](const Word &w) { return !w.special && matchingForm(w.text) == wanted; });
        if (found == words.end()) {
            std::string list;
            for (const Word &w : words)
                if (!w.special)
                    list += (list.empty() ? "" : ", ") + w.text;
            return makeError("\"" + std::string(word) + "\" is not a word of text " + (side ? "B" : "A") + " (its words: " +
                             list + ")");
        }
        // The word's last token that has letters or digits: "bat!" is read at "at", not at the "!" written with it.
        positions[side] = found->tokens.back();
        for (auto t = found->tokens.rbegin(); t != found->tokens.rend(); ++t) {
            const Token &token = tokens.value()[static_cast<std::size_t>(*t)];
            const std::string_view piece = std::string_view(texts[side]).substr(
                static_cast<std::size_t>(token.byteBegin), static_cast<std::size_t>(token.byteEnd - token.byteBegin));
            if (!matchingForm(piece).empty()) {
                positions[side] = *t;
                break;
            }
        }
        const ProgressFn part = progress ? ProgressFn([&, side](float f) { return progress(0.45f * (side + f)); }) : ProgressFn();
        auto r = withResiduals(engine, std::move(tokens.value()), AnalyzeParams{}, residuals[side], part);
        if (!r)
            return r.error();
        *tokensOf[side] = std::move(r->tokens);
    }
    s.positionA = positions[0];
    s.positionB = positions[1];
    const std::int64_t dim = c.dim, boundaries = c.layers + 1;
    // Rows (2 * boundaries, dim): the word's residual in A then in B at every boundary.
    Matrix picked(2 * boundaries, dim);
    for (int side = 0; side < 2; ++side) {
        const std::int64_t T = static_cast<std::int64_t>(tokensOf[side]->size());
        for (std::int64_t b = 0; b < boundaries; ++b)
            std::copy_n(residuals[side].data() + (b * T + positions[side]) * dim, dim, picked.row(side * boundaries + b).data());
    }
    for (std::int64_t b = 0; b < boundaries; ++b) {
        SimilarityLayer layer;
        layer.boundary = static_cast<int>(b);
        const Eigen::RowVectorXd a = picked.row(b).cast<double>(), bb = picked.row(boundaries + b).cast<double>();
        const double denominator = a.norm() * bb.norm();
        layer.cosine = denominator > 0 ? static_cast<float>(a.dot(bb) / denominator) : 0.0f;
        s.layers.push_back(std::move(layer));
    }
    if (nearest > 0) {
        const Tensor &head = engine.model().weights().classifier;
        std::vector<float> rowNorm(static_cast<std::size_t>(c.vocabSize));
        parallelFor(c.vocabSize, std::int64_t(c.vocabSize) * dim, [&](std::int64_t v) {
            thread_local std::vector<float> row;
            row.resize(static_cast<std::size_t>(dim));
            head.dequantizeRow(v, row.data());
            rowNorm[static_cast<std::size_t>(v)] = Eigen::Map<const Eigen::VectorXf>(row.data(), dim).norm();
        });
        Matrix normed = picked;
        finalNormRows(engine.model(), normed.data(), normed.rows());
        std::vector<float> dots(static_cast<std::size_t>(normed.rows()) * c.vocabSize);
        attnscope::multiply(normed.data(), normed.rows(), head, dots.data());
        parallelFor(normed.rows(), [&](std::int64_t r) {
            float *row = dots.data() + r * c.vocabSize;
            const float n = normed.row(r).norm();
            for (int v = 0; v < c.vocabSize; ++v) {
                const float d = n * rowNorm[static_cast<std::size_t>(v)];
                row[v] = d > 0 ? row[v] / d : 0.0f;
            }
            std::vector<TokenProb> top(static_cast<std::size_t>(nearest));
            // topOfRow ranks by the raw values; the cosines themselves are kept.
            std::vector<int> order(static_cast<std::size_t>(c.vocabSize));
            std::iota(order.begin(), order.end(), 0);
            std::partial_sort(order.begin(), order.begin() + std::min(nearest, c.vocabSize), order.end(),
                              [&](int x, int y) { return row[x] > row[y] || (row[x] == row[y] && x < y); });
            for (int i = 0; i < nearest && i < c.vocabSize; ++i)
                top[static_cast<std::size_t>(i)] = TokenProb{order[static_cast<std::size_t>(i)], row[order[static_cast<std::size_t>(i)]]};
            SimilarityLayer &layer = s.layers[static_cast<std::size_t>(r % boundaries)];
            (r < boundaries ? layer.nearestA : layer.nearestB) = std::move(top);
        });
    }
    if (progress)
        progress(1.0f);
    return s;
}

} // namespace attnscope
