// tokenizer.json to a pipeline, and the other tokenizer files of Hugging Face model folders (GPT-2's vocab.json +
// merges.txt, BERT's vocab.txt) to the pipelines transformers' converters build from them.
#include "attnscope/hf_tokenizer.h"
#include "io/mapped_file.h"
#include "tokenizers/pipeline.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace attnscope {

namespace fs = std::filesystem;
using namespace tok;

namespace {

constexpr std::size_t kMaxTokenizerJson = 256u << 20; // Gemma 3's is 33 MB
constexpr std::size_t kMaxConfig = 16u << 20;

Result<std::string> readBounded(const fs::path &path, std::size_t maxBytes) {
    auto file = openBounded(path.string(), maxBytes);
    if (!file)
        return file.error();
    return std::string(reinterpret_cast<const char *>(file.value()->data()), file.value()->size());
}

// "bos_token": "<s>" or {"content": "<s>", ...}
std::optional<std::string> tokenName(json::Element config, const char *key) {
    const auto v = json::member(config, key);
    if (!v)
        return std::nullopt;
    if (const auto s = json::string(*v))
        return std::string(*s);
    if (const auto c = json::stringMember(*v, "content"))
        return std::string(*c);
    return std::nullopt;
}

Result<AddedToken> addedTokenFromJson(json::Element e, const Where &where) {
    AddedToken t;
    bool ok = true;
    const auto id = json::integerMember(e, "id", &ok);
    const auto content = json::stringMember(e, "content", &ok);
    if (!id || !content || !ok)
        return where.error("an added token needs an \"id\" and a \"content\"");
    if (*id < 0 || *id >= (1 << 24))
        return where.error("added token \"" + std::string(content->substr(0, 40)) + "\" has id " + std::to_string(*id) +
                           ", outside any vocabulary");
    if (content->empty())
        return where.error("an added token has empty content");
    t.id = static_cast<int>(*id);
    t.content = std::string(*content);
    t.special = json::boolMember(e, "special", &ok).value_or(false);
    t.lstrip = json::boolMember(e, "lstrip", &ok).value_or(false);
    t.rstrip = json::boolMember(e, "rstrip", &ok).value_or(false);
    t.singleWord = json::boolMember(e, "single_word", &ok).value_or(false);
    t.normalized = json::boolMember(e, "normalized", &ok).value_or(!t.special);
    if (!ok)
        return where.error("a field of added token \"" + t.content.substr(0, 40) + "\" has the wrong type");
    return t;
}

std::string describe(const Model &model, json::Element root) {
    std::string kind = model.kind();
    const auto pre = json::member(root, "pre_tokenizer");
    std::string text = pre ? std::string(simdjson::minify(*pre)) : std::string();
    if (text.find("\"ByteLevel\"") != std::string::npos)
        kind = "byte-level " + kind;
    if (const auto m = json::member(root, "model"); m && json::boolMember(*m, "byte_fallback").value_or(false))
        kind += " with byte fallback";
    return kind + " (tokenizer.json)";
}

} // namespace

namespace {

// tokenizer.json's document (and tokenizer_config.json's, or null) to the pipeline.
Result<std::shared_ptr<const Tokenizer>> tokenizerFromDocuments(const json::Document &doc, const json::Document *config,
                                                                const std::string &name) {
    const std::string file = fs::path(name).filename().string();
    const json::Element root = doc.root();
    const Where top{file, ""};
    if (!json::isObject(root))
        return top.error("not a tokenizer.json (the top level is not an object)");
    const auto modelElement = json::member(root, "model");
    if (!modelElement)
        return top.error("not a tokenizer.json (it has no \"model\")");

    Parts parts;
    auto model = modelFromJson(*modelElement, top / "model");
    if (!model)
        return model.error();
    parts.model = std::move(model.value());
    auto present = [&](const char *key) -> std::optional<json::Element> {
        const auto e = json::member(root, key);
        return e && !json::isNull(*e) ? e : std::nullopt;
    };
    if (const auto e = present("normalizer")) {
        auto n = normalizerFromJson(*e, top / "normalizer");
        if (!n)
            return n.error();
        parts.normalizer = std::move(n.value());
    }
    if (const auto e = present("pre_tokenizer")) {
        auto p = preTokenizerFromJson(*e, top / "pre_tokenizer");
        if (!p)
            return p.error();
        parts.preTokenizer = std::move(p.value());
    }
    if (const auto e = present("decoder")) {
        auto d = decoderFromJson(*e, top / "decoder");
        if (!d)
            return d.error();
        parts.decoder = std::move(d.value());
    }
    if (const auto e = present("added_tokens")) {
        if (!json::isArray(*e))
            return (top / "added_tokens").error("must be a list");
        // Ids as Hugging Face assigns them (the file's "id" is only checked): a content already in the vocabulary
        // keeps its id there, a new one gets the next id after the vocabulary.
        int nextId = parts.model->size();
        std::size_t i = 0;
        for (const json::Element t : json::items(*e)) {
            auto token = addedTokenFromJson(t, (top / "added_tokens").at(i++));
            if (!token)
                return token.error();
            if (const auto existing = parts.added.byContent(token->content))
                token->id = *existing;
            else if (const auto inVocabulary = parts.model->id(token->content))
                token->id = *inVocabulary;
            else
                token->id = nextId++;
            parts.added.add(std::move(token.value()));
        }
    }
    if (const auto e = present("post_processor")) {
        auto p = postProcessorFromJson(*e, *parts.model, top / "post_processor");
        if (!p)
            return p.error();
        parts.postProcessor = std::move(p.value());
    }

    // tokenizer_config.json: the BOS token's name, and for Llama / Gemma tokenizers whether BOS / EOS are added.
    auto idOf = [&](const std::string &piece) -> std::optional<int> {
        if (const auto a = parts.added.byContent(piece))
            return a;
        return parts.model->id(piece);
    };
    if (config && json::isObject(config->root())) {
        const json::Element c = config->root();
        const std::string cls(json::stringMember(c, "tokenizer_class").value_or(""));
        const bool honours = cls.rfind("Llama", 0) == 0 || cls.rfind("CodeLlama", 0) == 0 || cls.rfind("Gemma", 0) == 0 ||
                             cls.rfind("Cohere", 0) == 0;
        const auto addBos = json::boolMember(c, "add_bos_token"), addEos = json::boolMember(c, "add_eos_token");
        if (honours && (addBos || addEos)) {
            std::vector<std::pair<std::string, int>> before, after;
            if (addBos.value_or(true))
                if (const auto bos = tokenName(c, "bos_token"); bos && idOf(*bos))
                    before.emplace_back(*bos, *idOf(*bos));
            if (addEos.value_or(false))
                if (const auto eos = tokenName(c, "eos_token"); eos && idOf(*eos))
                    after.emplace_back(*eos, *idOf(*eos));
            parts.postProcessor = makeTemplate(std::move(before), std::move(after));
        }
        if (const auto bos = tokenName(c, "bos_token"))
            parts.bos = idOf(*bos).value_or(-1);
        if (const auto eos = tokenName(c, "eos_token"); eos && idOf(*eos))
            parts.eos.push_back(*idOf(*eos));
    }
    if (parts.postProcessor) {
        std::vector<Token> probe;
        parts.postProcessor->process(probe, {}, true, 0);
        const int vocabulary = std::max(parts.model->size(), parts.added.maxId() + 1);
        for (const Token &t : probe)
            if (t.id >= vocabulary)
                return (top / "post_processor").error("special token \"" + t.piece.substr(0, 40) + "\" has id " +
                                                      std::to_string(t.id) + ", past the vocabulary of " +
                                                      std::to_string(vocabulary));
        // The template's first special token is the BOS (Gemma's <bos>, BERT's [CLS]).
        if (parts.postProcessor->addedAtStart() > 0 && !probe.empty())
            parts.bos = probe.front().id;
    }
    parts.kind = describe(*parts.model, root);
    return makePipeline(name, std::move(parts));
}

constexpr std::size_t kMaxJsonDepth = 128;

} // namespace

Result<std::shared_ptr<const Tokenizer>> tokenizerFromJson(std::string_view tokenizerJson, std::string_view configJson,
                                                           const std::string &name) {
    auto doc = json::Document::parse(tokenizerJson, fs::path(name).filename().string(), kMaxJsonDepth);
    if (!doc)
        return doc.error();
    std::shared_ptr<const json::Document> config;
    if (!configJson.empty()) {
        auto c = json::Document::parse(configJson, "tokenizer_config.json");
        if (!c)
            return c.error();
        config = c.value();
    }
    return tokenizerFromDocuments(*doc.value(), config.get(), name);
}

Result<std::shared_ptr<const Tokenizer>> loadTokenizerJson(const std::string &path) {
    auto doc = json::Document::readFile(path, kMaxTokenizerJson, kMaxJsonDepth);
    if (!doc)
        return doc.error();
    std::shared_ptr<const json::Document> config;
    const fs::path configPath = fs::path(path).parent_path() / "tokenizer_config.json";
    std::error_code ec;
    if (fs::is_regular_file(configPath, ec)) {
        auto c = json::Document::readFile(configPath.string(), kMaxConfig);
        if (!c)
            return c.error();
        config = c.value();
    }
    return tokenizerFromDocuments(*doc.value(), config.get(), path);
}

namespace {

std::vector<std::string> lines(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        out.push_back(std::move(line));
    }
    return out;
}

// tokenizer_config.json beside the vocabulary files: its bytes, or empty when there is none (or it is unreadable).
std::string readConfigBytes(const fs::path &dir) {
    std::error_code ec;
    if (!fs::is_regular_file(dir / "tokenizer_config.json", ec))
        return {};
    auto text = readBounded(dir / "tokenizer_config.json", kMaxConfig);
    return text ? std::move(text).value() : std::string();
}

std::shared_ptr<const json::Document> parseConfig(std::string_view configJson) {
    if (configJson.empty())
        return nullptr;
    auto doc = json::Document::parse(configJson, "tokenizer_config.json");
    return doc ? doc.value() : nullptr;
}

Result<std::shared_ptr<const Tokenizer>> gpt2Folder(const fs::path &dir) {
    auto vocab = readBounded(dir / "vocab.json", kMaxTokenizerJson);
    if (!vocab)
        return vocab.error();
    auto merges = readBounded(dir / "merges.txt", kMaxTokenizerJson);
    if (!merges)
        return merges.error();
    return tokenizerFromVocabMerges(vocab.value(), merges.value(), readConfigBytes(dir), (dir / "vocab.json").string());
}

Result<std::shared_ptr<const Tokenizer>> bertFolder(const fs::path &dir) {
    auto text = readBounded(dir / "vocab.txt", kMaxTokenizerJson);
    if (!text)
        return text.error();
    return tokenizerFromVocabTxt(text.value(), readConfigBytes(dir), (dir / "vocab.txt").string());
}

} // namespace

// GPT-2's vocab.json + merges.txt, as transformers' GPT2Converter builds it.
Result<std::shared_ptr<const Tokenizer>> tokenizerFromVocabMerges(std::string_view vocabJson, std::string_view mergesText,
                                                                  std::string_view configJson, const std::string &name) {
    auto vocabDoc = json::Document::parse(vocabJson, "vocab.json", kMaxJsonDepth);
    if (!vocabDoc)
        return vocabDoc.error();
    const Where where{"vocab.json", ""};
    if (!json::isObject(vocabDoc.value()->root()))
        return where.error("not a token -> id object");
    std::vector<std::string> vocab;
    std::vector<bool> seen;
    for (const json::Field &field : json::fields(vocabDoc.value()->root())) {
        const auto id = json::integer(field.value);
        if (!id || *id < 0 || *id >= (1 << 24))
            return where.error("the id of \"" + std::string(field.key.substr(0, 40)) + "\" is not a token id");
        if (field.key.empty())
            return where.error("token " + std::to_string(*id) + " is an empty string");
        if (static_cast<std::size_t>(*id) >= vocab.size()) {
            vocab.resize(static_cast<std::size_t>(*id) + 1);
            seen.resize(vocab.size());
        }
        if (seen[static_cast<std::size_t>(*id)])
            return where.error("id " + std::to_string(*id) + " is given to two tokens");
        seen[static_cast<std::size_t>(*id)] = true;
        vocab[static_cast<std::size_t>(*id)] = std::string(field.key);
    }
    if (vocab.empty())
        return where.error("has no tokens");
    if (const auto gap = std::find(seen.begin(), seen.end(), false); gap != seen.end())
        return where.error("no token has id " + std::to_string(gap - seen.begin()) + " (ids must run from 0 to " +
                           std::to_string(vocab.size() - 1) + ")");
    const std::vector<std::string> mergeLines = lines(std::string(mergesText));
    std::vector<std::pair<std::string_view, std::string_view>> merges; // views into mergeLines
    for (const std::string &line : mergeLines) {
        if (line.empty() || line.rfind("#version", 0) == 0)
            continue;
        const std::size_t space = line.find(' ');
        if (space == std::string::npos)
            return makeError("merges.txt: line \"" + line.substr(0, 40) + "\" is not two tokens");
        const std::string_view view(line);
        merges.emplace_back(view.substr(0, space), view.substr(space + 1));
    }
    const auto config = parseConfig(configJson);
    const bool prefixSpace = config ? json::boolMember(config->root(), "add_prefix_space").value_or(false) : false;
    Parts parts;
    auto model = makeBpe(std::move(vocab), merges, BpeOptions{}, Where{"merges.txt", ""});
    if (!model)
        return model.error();
    parts.model = std::move(model.value());
    parts.preTokenizer = makeByteLevel(prefixSpace, true);
    parts.decoder = makeByteLevelDecoder();
    if (const auto eot = parts.model->id("<|endoftext|>"))
        parts.added.add(AddedToken{*eot, "<|endoftext|>", true, false, false, false, false});
    parts.kind = "byte-level BPE (vocab.json + merges.txt)";
    return makePipeline(name, std::move(parts));
}

// BERT's vocab.txt, as transformers' BertConverter builds it.
Result<std::shared_ptr<const Tokenizer>> tokenizerFromVocabTxt(std::string_view vocabTxt, std::string_view configJson,
                                                               const std::string &name) {
    std::vector<std::string> vocab = lines(std::string(vocabTxt));
    if (vocab.empty())
        return makeError("vocab.txt: has no tokens");
    for (std::size_t i = 0; i < vocab.size(); ++i)
        if (vocab[i].empty())
            return makeError("vocab.txt: line " + std::to_string(i + 1) + " is empty (every line is a token)");
    const auto config = parseConfig(configJson);
    auto flag = [&](const char *key) { return config ? json::boolMember(config->root(), key) : std::nullopt; };
    const bool lower = flag("do_lower_case").value_or(true);
    Parts parts;
    parts.normalizer = makeBertNormalizer(true, flag("tokenize_chinese_chars").value_or(true),
                                          flag("strip_accents").value_or(lower), lower);
    parts.preTokenizer = makeBertPreTokenizer();
    auto model = makeWordPiece(vocab, "[UNK]", "##", 100, Where{"vocab.txt", ""});
    if (!model)
        return model.error();
    parts.model = std::move(model.value());
    const auto cls = parts.model->id("[CLS]"), sep = parts.model->id("[SEP]");
    for (const char *special : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"})
        if (const auto id = parts.model->id(special))
            parts.added.add(AddedToken{*id, special, true, false, false, false, false});
    if (cls && sep) {
        parts.postProcessor = makeTemplate({{"[CLS]", *cls}}, {{"[SEP]", *sep}});
        parts.bos = *cls;
    }
    parts.kind = "WordPiece (vocab.txt)";
    return makePipeline(name, std::move(parts));
}

std::string hfFolderTokenizer(const std::string &dirPath) {
    const fs::path dir(dirPath);
    std::error_code ec;
    for (const char *file : {"tokenizer.json", "tokenizer.model", "vocab.json", "vocab.txt"})
        if (fs::is_regular_file(dir / file, ec) &&
            (std::string_view(file) != "vocab.json" || fs::is_regular_file(dir / "merges.txt", ec)))
            return file;
    return {};
}

Result<std::shared_ptr<const Tokenizer>> tokenizerFromHfFolder(const std::string &dirPath) {
    const fs::path dir(dirPath);
    const std::string file = hfFolderTokenizer(dirPath);
    if (file == "tokenizer.json")
        return loadTokenizerJson((dir / file).string());
    if (file == "tokenizer.model")
        return Tokenizer::loadSentencePiece((dir / file).string());
    if (file == "vocab.json")
        return gpt2Folder(dir);
    if (file == "vocab.txt")
        return bertFolder(dir);
    const std::string name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
    return makeError(name + ": no tokenizer in the folder (tokenizer.json, tokenizer.model, vocab.json + merges.txt or "
                            "vocab.txt); pass one with --tokenizer");
}

Result<std::shared_ptr<const Tokenizer>> loadTokenizerFile(const std::string &path) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
        return tokenizerFromHfFolder(path);
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st))
        return makeError(fileName(path) + ": cannot open (" + (ec ? ec.message() : std::string("no such file")) + ")");
    if (!fs::is_regular_file(st)) // a FIFO or device would block the read below or never end
        return makeError(fileName(path) + ": not a regular file; pass a tokenizer.json or a sentencepiece .model");
    std::ifstream in(path, std::ios::binary);
    char first = 0;
    std::size_t skipped = 0;
    while (in.get(first) && ++skipped < (1u << 20) && (first == ' ' || first == '\n' || first == '\r' || first == '\t' || first == '\xEF' ||
                             first == '\xBB' || first == '\xBF')) {
    }
    if (first == '{')
        return loadTokenizerJson(path);
    return Tokenizer::loadSentencePiece(path);
}

} // namespace attnscope
