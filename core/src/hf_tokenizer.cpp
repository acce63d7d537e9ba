// Hugging Face tokenizer files to our tokenizers; every file size bounded, every id checked.
#include "attnscope/hf_tokenizer.h"
#include "json.h"
#include "mapped_file.h"
#include "tokenizer_bpe.h"
#include "tokenizer_wordpiece.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace attnscope {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxFile = 64u << 20;

Result<std::string> readText(const fs::path &path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec || size > kMaxFile)
        return makeError(path.filename().string() + (ec ? ": cannot read" : ": too large for a tokenizer file"));
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

// {"token": id, ...} -> tokens by id; ids must cover 0..n-1.
Result<std::vector<std::string>> vocabById(const JsonValue &map, const std::string &name) {
    if (map.type != JsonValue::Type::Object || map.object.empty())
        return makeError(name + ": the vocabulary is not a token -> id object");
    std::vector<std::string> out(map.object.size());
    std::vector<bool> seen(map.object.size(), false);
    for (const auto &[token, id] : map.object) {
        const auto i = id.integer();
        if (!i || *i < 0 || static_cast<std::size_t>(*i) >= out.size() || seen[static_cast<std::size_t>(*i)])
            return makeError(name + ": token ids are not 0.." + std::to_string(out.size() - 1) + " each once");
        out[static_cast<std::size_t>(*i)] = token;
        seen[static_cast<std::size_t>(*i)] = true;
    }
    return out;
}

std::string preFor(const std::string &architecture) {
    if (architecture == "qwen2")
        return "qwen2";
    if (architecture == "llama")
        return "llama3"; // a Llama folder with a BPE tokenizer.json is Llama 3
    return "gpt-2";
}

Result<std::shared_ptr<const Tokenizer>> bpe(const std::string &name, std::vector<std::string> pieces,
                                             std::vector<std::string> merges, const std::string &architecture) {
    BpeVocabulary v;
    v.pieces = std::move(pieces);
    v.merges = std::move(merges);
    v.pre = preFor(architecture);
    for (std::size_t i = 0; i < v.pieces.size(); ++i)
        if (v.pieces[i] == "<|begin_of_text|>" || v.pieces[i] == "<s>")
            v.bos = static_cast<int>(i);
    v.addBos = architecture == "llama" && v.bos >= 0;
    return makeByteLevelBpe(name, std::move(v));
}

} // namespace

Result<std::shared_ptr<const Tokenizer>> tokenizerFromHfFolder(const std::string &dirPath, const std::string &architecture) {
    const fs::path dir(dirPath);
    std::error_code ec;
    if (fs::is_regular_file(dir / "tokenizer.model", ec))
        return Tokenizer::loadSentencePiece((dir / "tokenizer.model").string());
    if (fs::is_regular_file(dir / "tokenizer.json", ec)) {
        auto text = readText(dir / "tokenizer.json");
        if (!text)
            return text.error();
        auto json = parseJson(text.value());
        if (!json)
            return makeError("tokenizer.json: not valid JSON (" + json.error().message + ")");
        const JsonValue *model = json->get("model");
        const std::string type = model && model->get("type") ? model->get("type")->asString().value_or("") : "";
        if (type == "WordPiece") {
            auto vocab = vocabById(*model->get("vocab"), "tokenizer.json");
            if (!vocab)
                return vocab.error();
            return makeWordPiece("tokenizer.json", wordPieceFromHuggingFace(vocab.value()));
        }
        if (type == "BPE" && model->get("vocab") && model->get("merges")) {
            auto vocab = vocabById(*model->get("vocab"), "tokenizer.json");
            if (!vocab)
                return vocab.error();
            std::vector<std::string> merges;
            for (const JsonValue &m : model->get("merges")->array) {
                if (m.type == JsonValue::Type::String)
                    merges.push_back(m.string);
                else if (m.type == JsonValue::Type::Array && m.array.size() == 2)
                    merges.push_back(m.array[0].asString().value_or("") + " " + m.array[1].asString().value_or(""));
            }
            // Added tokens (special ones such as <|endoftext|>) may have ids past the model's vocabulary.
            if (const JsonValue *added = json->get("added_tokens"))
                for (const JsonValue &t : added->array) {
                    const JsonValue *idValue = t.get("id"), *contentValue = t.get("content");
                    if (!idValue || !contentValue || !idValue->integer() || !contentValue->asString())
                        continue;
                    const std::int64_t id = idValue->integer().value_or(-1);
                    if (id < 0 || id >= (1 << 22))
                        continue;
                    if (static_cast<std::size_t>(id) >= vocab->size())
                        vocab->resize(static_cast<std::size_t>(id) + 1);
                    (*vocab)[static_cast<std::size_t>(id)] = contentValue->string;
                }
            return bpe("tokenizer.json", std::move(vocab.value()), std::move(merges), architecture);
        }
        return makeError("tokenizer.json: tokenizer model \"" + type + "\" is not supported (BPE and WordPiece are)");
    }
    if (fs::is_regular_file(dir / "vocab.txt", ec)) { // BERT
        auto text = readText(dir / "vocab.txt");
        if (!text)
            return text.error();
        std::vector<std::string> vocab;
        std::istringstream lines(text.value());
        for (std::string line; std::getline(lines, line);) {
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            vocab.push_back(line);
        }
        return makeWordPiece("vocab.txt", wordPieceFromHuggingFace(vocab));
    }
    if (fs::is_regular_file(dir / "vocab.json", ec) && fs::is_regular_file(dir / "merges.txt", ec)) { // GPT-2
        auto vocabText = readText(dir / "vocab.json");
        auto mergesText = readText(dir / "merges.txt");
        if (!vocabText)
            return vocabText.error();
        if (!mergesText)
            return mergesText.error();
        auto json = parseJson(vocabText.value());
        if (!json)
            return makeError("vocab.json: not valid JSON (" + json.error().message + ")");
        auto vocab = vocabById(json.value(), "vocab.json");
        if (!vocab)
            return vocab.error();
        std::vector<std::string> merges;
        std::istringstream lines(mergesText.value());
        for (std::string line; std::getline(lines, line);) {
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            if (line.empty() || line.rfind("#version", 0) == 0)
                continue;
            merges.push_back(line);
        }
        return bpe("vocab.json", std::move(vocab.value()), std::move(merges), architecture);
    }
    return makeError(dir.filename().string() + ": no tokenizer in the folder (tokenizer.model, tokenizer.json, vocab.txt "
                                               "or vocab.json + merges.txt); pass one with --tokenizer");
}

} // namespace attnscope
