#!/usr/bin/env node
// Writes tests/data/tokenizers/: small tokenizer.json files that exercise every component type we read (built from
// vocabularies in ../shared: stories260K's 512 pieces, bert-bge's WordPiece vocabulary, GPT-2's merges), and
// expected.json with what Hugging Face `tokenizers` itself (its Rust library, through the npm package
// @anush008/tokenizers) makes of a set of stress texts with each of them and with ../shared/tokenizers/*.
// Run by hand when the texts or fixtures change (needs node and network access to the npm registry):
//   cd /tmp && npm install @anush008/tokenizers && NODE_PATH=/tmp/node_modules node scripts/dev/tokenizer_vectors.js
"use strict";
const fs = require("fs");
const path = require("path");
const { Tokenizer } = require("@anush008/tokenizers");

const root = path.resolve(__dirname, "../..");
const shared = process.env.ATTNSCOPE_SHARED_DIR || path.resolve(root, "../shared");
const out = path.join(root, "tests/data/tokenizers");

// --- a GGUF key/value reader (enough for tokenizer.ggml.*) ---------------------------------------------------
function readGguf(file) {
  const b = fs.readFileSync(file);
  let o = 0;
  const u32 = () => { const v = b.readUInt32LE(o); o += 4; return v; };
  const u64 = () => { const v = Number(b.readBigUInt64LE(o)); o += 8; return v; };
  const str = () => { const n = u64(); const s = b.toString("utf8", o, o + n); o += n; return s; };
  const scalar = (t) => {
    switch (t) {
      case 0: return b.readUInt8(o++); case 1: return b.readInt8(o++);
      case 2: o += 2; return b.readUInt16LE(o - 2); case 3: o += 2; return b.readInt16LE(o - 2);
      case 4: return u32(); case 5: o += 4; return b.readInt32LE(o - 4);
      case 6: o += 4; return b.readFloatLE(o - 4); case 7: return b.readUInt8(o++) !== 0;
      case 8: return str(); case 10: return u64(); case 11: o += 8; return Number(b.readBigInt64LE(o - 8));
      case 12: o += 8; return b.readDoubleLE(o - 8);
      default: throw new Error("type " + t);
    }
  };
  if (b.toString("ascii", 0, 4) !== "GGUF") throw new Error(file + ": not GGUF");
  o = 8; u64(); const nkv = u64();
  const kv = {};
  for (let i = 0; i < nkv; i++) {
    const k = str(); const t = u32();
    if (t === 9) { const et = u32(); const n = u64(); const a = new Array(n); for (let j = 0; j < n; j++) a[j] = scalar(et); kv[k] = a; }
    else kv[k] = scalar(t);
  }
  return kv;
}

// --- fixtures ----------------------------------------------------------------------------------------------
const stories = readGguf(path.join(shared, "gguf/stories260K.gguf"));
const spPieces = stories["tokenizer.ggml.tokens"], spScores = stories["tokenizer.ggml.scores"];

function unigram(extra) {
  return Object.assign({
    version: "1.0", truncation: null, padding: null, added_tokens: [
      { id: 0, content: "<unk>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: "<s>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 2, content: "</s>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true },
    post_processor: null,
    decoder: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true },
    model: { type: "Unigram", unk_id: 0, byte_fallback: true, vocab: spPieces.map((p, i) => [p, i < 3 ? 0.0 : spScores[i]]) },
  }, extra);
}

// Merges for the sentencepiece pieces, as transformers' SentencePieceExtractor derives them: every split of a
// piece into two pieces, ranked by the merged piece's id.
function spMerges() {
  const ids = new Map(spPieces.map((p, i) => [p, i]));
  const merges = [];
  spPieces.forEach((p, id) => {
    const chars = Array.from(p);
    for (let k = 1; k < chars.length; k++) {
      const a = chars.slice(0, k).join(""), b = chars.slice(k).join("");
      if (ids.has(a) && ids.has(b)) merges.push([id, ids.get(a), ids.get(b), a, b]);
    }
  });
  merges.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  return merges.map((m) => [m[3], m[4]]);
}

const bge = readGguf(path.join(shared, "gguf/vocab/ggml-vocab-bert-bge.gguf"));
const bertVocab = {};
bge["tokenizer.ggml.tokens"].forEach((t, i) => {
  let hf = t;
  if (/^\[.*\]$/.test(t)) hf = t; else if (t.startsWith("\u2581")) hf = t.slice(1); else hf = "##" + t;
  if (!(hf in bertVocab)) bertVocab[hf] = i;
});

const gpt2 = readGguf(path.join(shared, "gguf/vocab/ggml-vocab-gpt-2.gguf"));
function byteLevelSubset(nMerges) {
  const base = gpt2["tokenizer.ggml.tokens"].slice(0, 256);
  const vocab = {}; base.forEach((t) => { vocab[t] = Object.keys(vocab).length; });
  const merges = [];
  for (const m of gpt2["tokenizer.ggml.merges"].slice(0, nMerges)) {
    const [a, b] = m.split(" ");
    if (!(a in vocab) || !(b in vocab)) continue;
    merges.push([a, b]);
    if (!((a + b) in vocab)) vocab[a + b] = Object.keys(vocab).length;
  }
  return { vocab, merges };
}

const bl = byteLevelSubset(6000);
const n = Object.keys(bl.vocab).length;
const fixtures = {
  "unigram-metaspace": unigram({}),
  "unigram-first-nosplit": unigram({ pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: false },
    added_tokens: unigram({}).added_tokens.concat([{ id: 100, content: "[X]", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }]) }),
  "unigram-normalizers": unigram({ normalizer: { type: "Sequence", normalizers: [
    { type: "NFKC" }, { type: "Replace", pattern: { Regex: " {2,}" }, content: " " }, { type: "Strip", strip_left: true, strip_right: true },
    { type: "Lowercase" }] } }),
  "unigram-nfd-strip-accents": unigram({ normalizer: { type: "Sequence", normalizers: [{ type: "NFD" }, { type: "StripAccents" }, { type: "NFC" }] } }),
  "unigram-nfkd-prepend": unigram({ normalizer: { type: "Sequence", normalizers: [{ type: "NFKD" }, { type: "Prepend", prepend: "\u2581" },
    { type: "Replace", pattern: { String: " " }, content: "\u2581" }] }, pre_tokenizer: null, decoder: { type: "Sequence", decoders: [
    { type: "Replace", pattern: { String: "\u2581" }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }, { type: "Strip", content: " ", start: 1, stop: 0 }] } }),
  "unigram-bert-normalizer": unigram({ normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" } }),
  "unigram-whitespace": unigram({ pre_tokenizer: { type: "Whitespace" } }),
  "unigram-whitespacesplit-digits": unigram({ pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "WhitespaceSplit" }, { type: "Digits", individual_digits: true }] } }),
  "unigram-digits-contiguous-punct": unigram({ pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "Digits", individual_digits: false },
    { type: "Punctuation", behavior: "MergedWithNext" }, { type: "Metaspace", replacement: "\u2581", prepend_scheme: "never", split: true }] } }),
  "unigram-chardelimiter": unigram({ pre_tokenizer: { type: "CharDelimiterSplit", delimiter: "," } }),
};
for (const behavior of ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"])
  for (const invert of [false, true])
    fixtures[`unigram-split-${behavior.toLowerCase()}${invert ? "-invert" : ""}`] = unigram({ pre_tokenizer: { type: "Sequence", pretokenizers: [
      { type: "Split", pattern: { Regex: "\\s+|[,.!?]" }, behavior, invert },
      { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: false }] } });
fixtures["unigram-split-string"] = unigram({ pre_tokenizer: { type: "Sequence", pretokenizers: [
  { type: "Split", pattern: { String: "a" }, behavior: "MergedWithPrevious", invert: false },
  { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: true }] } });
fixtures["unigram-added-tokens"] = unigram({ normalizer: { type: "Lowercase" }, added_tokens: unigram({}).added_tokens.concat([
  { id: 200, content: "<mask>", single_word: false, lstrip: true, rstrip: false, normalized: false, special: true },
  { id: 201, content: "[sep]", single_word: false, lstrip: false, rstrip: true, normalized: true, special: true },
  { id: 202, content: "cat", single_word: true, lstrip: false, rstrip: false, normalized: true, special: false },
  { id: 203, content: "Dog", single_word: false, lstrip: false, rstrip: false, normalized: false, special: false },
  { id: 600, content: "<extra_0>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }]),
  post_processor: { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } },
    { SpecialToken: { id: "</s>", type_id: 0 } }], pair: [{ Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
    special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] }, "</s>": { id: "</s>", ids: [2], tokens: ["</s>"] } } } });
const bpeSp = { type: "BPE", dropout: null, unk_token: "<unk>", continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true,
  byte_fallback: true, ignore_merges: false, vocab: Object.fromEntries(spPieces.map((p, i) => [p, i])), merges: spMerges() };
fixtures["bpe-llama2-style"] = { version: "1.0", truncation: null, padding: null, added_tokens: unigram({}).added_tokens,
  normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "\u2581" }, { type: "Replace", pattern: { String: " " }, content: "\u2581" }] },
  pre_tokenizer: null,
  post_processor: { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
    pair: [{ Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }], special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } } },
  decoder: { type: "Sequence", decoders: [{ type: "Replace", pattern: { String: "\u2581" }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" },
    { type: "Strip", content: " ", start: 1, stop: 0 }] },
  model: bpeSp };
fixtures["bpe-nofallback-unk"] = Object.assign({}, fixtures["bpe-llama2-style"], { model: Object.assign({}, bpeSp, { byte_fallback: false, fuse_unk: false }) });
fixtures["bpe-nofallback-fuse-unk"] = Object.assign({}, fixtures["bpe-llama2-style"], { model: Object.assign({}, bpeSp, { byte_fallback: false, fuse_unk: true }) });
fixtures["bpe-bytelevel-roberta"] = { version: "1.0", truncation: null, padding: null, added_tokens: [
    { id: n, content: "<s>", single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    { id: n + 1, content: "</s>", single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    { id: n + 2, content: "<mask>", single_word: false, lstrip: true, rstrip: false, normalized: false, special: true }],
  normalizer: null, pre_tokenizer: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
  post_processor: { type: "RobertaProcessing", sep: ["</s>", n + 1], cls: ["<s>", n], trim_offsets: true, add_prefix_space: true },
  decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, byte_fallback: false,
    vocab: Object.assign({}, bl.vocab, { "<s>": n, "</s>": n + 1, "<mask>": n + 2 }), merges: bl.merges.map((m) => m.join(" ")) } };
fixtures["bpe-bytelevel-trim"] = Object.assign({}, fixtures["bpe-bytelevel-roberta"], {
  pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
  post_processor: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true } });
fixtures["wordpiece-bert"] = { version: "1.0", truncation: null, padding: null, added_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map((t) => (
    { id: bertVocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
  normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: "BertPreTokenizer" },
  post_processor: { type: "BertProcessing", sep: ["[SEP]", bertVocab["[SEP]"]], cls: ["[CLS]", bertVocab["[CLS]"]] },
  decoder: { type: "WordPiece", prefix: "##", cleanup: true },
  model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: bertVocab } };
fixtures["wordlevel-whitespace"] = { version: "1.0", truncation: null, padding: null, added_tokens: [],
  normalizer: { type: "Lowercase" }, pre_tokenizer: { type: "WhitespaceSplit" }, post_processor: null, decoder: null,
  model: { type: "WordLevel", unk_token: "[UNK]", vocab: Object.fromEntries(Object.entries(bertVocab).filter(([t]) => !t.startsWith("##")).slice(0, 3000).map(([t], i) => [t, i])) } };

fs.mkdirSync(out, { recursive: true });
for (const [name, json] of Object.entries(fixtures))
  fs.writeFileSync(path.join(out, name + ".json"), JSON.stringify(json));

// --- texts -------------------------------------------------------------------------------------------------
const texts = [
  "Hello world", "Once upon a time, there was a little girl named Lily.",
  "I'M SURE you'LL see. DON'T! she'S, We'Ve, they'RE, it'd, I'll, o'clock 'tis",
  "I\u2019m curly \u2018quoted\u2019 and \u201cdouble\u201d", "\u017ft and 'S and '\u017f, K-Kelvin",
  "1234567890 12 123 1234 x2024y 3.14159 1,000,000 -42 +7 \u0661\u0662\u0663 \uff11\uff12\uff13 \u00b2\u00bd \u2167",
  "\u4f60\u597d\u4e16\u754c\uff0c\u8fd9\u662f\u4e2d\u6587\u3002 \ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8 \u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
  "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66 family, \ud83c\udff3\ufe0f\u200d\ud83c\udf08 flag, \ud83d\udc4d\ud83c\udffd thumbs, \ud83d\ude00\ud83d\ude00\ud83d\ude00",
  "cafe\u0301 na\u0308ive e\u0301\u0302\u0323 A\u030a \u1100\u1161\u11a8 \u0915\u094d\u0937 \u0e01\u0e33",
  "line one\r\nline two\r\n\r\nend\rcr\n\n\n",
  "a     b  c\t\td \u00a0nbsp\u3000ideographic\u2003em \u2028sep",
  "   leading and trailing   ", " ", "\n", "",
  "<|begin_of_text|>Hi<|end_of_text|> <|im_start|>user\nhello<|im_end|> <bos>x<eos> <start_of_turn>model <s>a</s> [CLS] [SEP] <mask> <extra_0> [X]",
  "The cat sat. A catalog, a cat! dog Dog DOG <mask> cat [SEP]  next [sep] a<mask>",
  "def f(x):\n    return x**2  # square\n\tprint(f'{x=}')",
  "https://example.org/path?q=1&r=2#frag user@example.com C:\\\\Windows\\\\path",
  "\u0391\u0398\u0397\u039d\u0391 \u03bf\u03b4\u03cc\u03c2 \u03a3\u03a3 \u0130stanbul \u00df \u0049\u0307 \u212b \ufb01ne",
  "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 \u05e9\u05dc\u05d5\u05dd \u0928\u092e\u0938\u094d\u0924\u0947 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
  "...!!!???---___***((()))[[[]]]{{{}}} @@@ ### $$$ %%% ^^^ &&& ~~~ ``` |||",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
  "\u0000nul \u0007bell \u001besc \u200bzero\u200cwidth\ufeffbom \ue000private \ufffd",
  "ALL CAPS AND MiXeD cAsE 'S 'T 'RE 'VE 'M 'LL 'D",
];

const shipped = ["llama3", "qwen3", "gemma3"].map((f) => ({ name: f, file: path.join(shared, "tokenizers", f, "tokenizer.json"), ref: `shared:tokenizers/${f}/tokenizer.json` }));
const local = Object.keys(fixtures).map((f) => ({ name: f, file: path.join(out, f + ".json"), ref: `${f}.json` }));


(async () => {
  const result = { generator: "Hugging Face tokenizers 0.22.2 (Rust, via npm @anush008/tokenizers 0.6.0)", tokenizers: [] };
  for (const t of shipped.concat(local)) {
    const tok = Tokenizer.fromFile(t.file);
    const cases = [];
    for (const text of texts) {
      const plain = await tok.encode(text, null, { addSpecialTokens: false });
      const special = await tok.encode(text, null, { addSpecialTokens: true });
      cases.push({ text, ids: Array.from(plain.getIds()), char_offsets: plain.getOffsets(),
        ids_special: Array.from(special.getIds()), decoded: await tok.decode(Array.from(plain.getIds()), false) });
    }
    result.tokenizers.push({ name: t.name, file: t.ref, cases });
    process.stderr.write(`${t.name}: ${cases.length} texts\n`);
  }
  fs.writeFileSync(path.join(out, "expected.json"), JSON.stringify(result, null, 0).replace(/\{"text"/g, "\n{\"text\""));
})();
