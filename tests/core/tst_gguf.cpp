// The GGUF reader on llama.cpp's own files (every file in ../shared/gguf), on hand-built hostile files, and under
// fuzzing: truncation at 200 random points and random byte flips in the header either fail with a message or
// give a valid file, never a crash (this suite also runs under ASan).
#include "test_support.h"

#include <attnscope/gguf.h>
#include <attnscope/model.h>

#include <QtTest>

#include <cstring>
#include <random>

using namespace attnscope;

namespace {

QByteArray readAll(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A GGUF writer for hostile files: raw little-endian fields in order.
struct Builder {
    QByteArray bytes;
    Builder &u32(std::uint32_t v) { return raw(&v, 4); }
    Builder &u64(std::uint64_t v) { return raw(&v, 8); }
    Builder &u8(std::uint8_t v) { return raw(&v, 1); }
    Builder &str(const QByteArray &s) {
        u64(std::uint64_t(s.size()));
        bytes += s;
        return *this;
    }
    Builder &raw(const void *p, int n) {
        bytes.append(static_cast<const char *>(p), n);
        return *this;
    }
    Builder &header(std::uint64_t tensors, std::uint64_t kvs, std::uint32_t version = 3) {
        return u32(0x46554747).u32(version).u64(tensors).u64(kvs);
    }
};

Result<std::shared_ptr<const gguf::File>> parse(const QByteArray &b) {
    return gguf::File::parse(reinterpret_cast<const unsigned char *>(b.constData()), std::size_t(b.size()), "x.gguf");
}

QString errorOf(const QByteArray &b) {
    const auto r = parse(b);
    return r.ok() ? QString() : QString::fromStdString(r.error().message);
}

} // namespace

class TestGguf : public QObject {
    Q_OBJECT
private slots:
    void stories260K();
    void tinyRandomHasF16();
    void everyVocabFile();
    void versionOneIsRefused();
    void hostileFiles_data();
    void hostileFiles();
    void fuzzTruncation();
    void fuzzByteFlips();
};

void TestGguf::stories260K() {
    const auto f = gguf::File::open(testsupport::sharedStd("gguf/stories260K.gguf"));
    QVERIFY2(f.ok(), f.ok() ? "" : f.error().message.c_str());
    const gguf::File &g = *f.value();
    QCOMPARE(g.version(), 3u);
    QCOMPARE(g.getString("general.architecture"), std::optional<std::string>("llama"));
    QCOMPARE(g.getInt("llama.block_count"), std::optional<std::int64_t>(5));
    QCOMPARE(g.getInt("llama.embedding_length"), std::optional<std::int64_t>(64));
    QCOMPARE(g.getInt("llama.attention.head_count_kv"), std::optional<std::int64_t>(4));
    QCOMPARE(g.tensors().size(), std::size_t(48));
    const gguf::Array *tokens = g.getArray("tokenizer.ggml.tokens");
    QVERIFY(tokens);
    QCOMPARE(tokens->count, std::uint64_t(512));
    QCOMPARE(tokens->strings[1], std::string_view("<s>"));
    const gguf::Array *scores = g.getArray("tokenizer.ggml.scores");
    QVERIFY(scores && scores->elementType == gguf::ValueType::F32 && scores->count == 512);
    // The embedding is bit-identical to the llama2.c checkpoint's (README of ../shared/gguf).
    const gguf::TensorInfo *emb = g.tensor("token_embd.weight");
    QVERIFY(emb);
    QCOMPARE(emb->dims, (std::vector<std::int64_t>{64, 512}));
    QCOMPARE(emb->type, std::uint32_t(GgmlType::F32));
    QCOMPARE(emb->bytes, std::uint64_t(64 * 512 * 4));
    const auto bin = loadLlama2c(testsupport::stories260K());
    QVERIFY(bin.ok());
    QCOMPARE(std::memcmp(emb->data, bin.value()->weights().tokenEmbedding.data, emb->bytes), 0);
    const gguf::TensorInfo *wq = g.tensor("blk.2.attn_q.weight");
    QVERIFY(wq);
    QCOMPARE(std::memcmp(wq->data, bin.value()->weights().layers[2].wq.data, wq->bytes), 0); // not permuted
}

void TestGguf::tinyRandomHasF16() {
    const auto f = gguf::File::open(testsupport::sharedStd("gguf/llama-2-tiny-random.gguf"));
    QVERIFY(f.ok());
    const gguf::TensorInfo *emb = f.value()->tensor("token_embd.weight");
    QVERIFY(emb);
    QCOMPARE(emb->type, std::uint32_t(GgmlType::F16));
    QCOMPARE(emb->bytes, std::uint64_t(8 * 32000 * 2));
    QCOMPARE(f.value()->getArray("tokenizer.ggml.tokens")->count, std::uint64_t(32000));
    QCOMPARE(f.value()->getFloat("llama.attention.layer_norm_rms_epsilon").value_or(0), double(1e-5f));
}

void TestGguf::everyVocabFile() {
    // Architecture and tokenizer model of each file, as MANIFEST.tsv lists them.
    const QList<QStringList> expected = {
        {"baichuan", "baichuan", "llama", "64000"},         {"bert-bge", "bert", "bert", "30522"},
        {"deepseek-coder", "llama", "gpt2", "32256"},       {"deepseek-llm", "llama", "gpt2", "102400"},
        {"falcon", "falcon", "gpt2", "65024"},              {"gpt-2", "gpt2", "gpt2", "50257"},
        {"gpt-neox", "gptneox", "gpt2", "50432"},           {"llama-spm", "llama", "llama", "32000"},
        {"mpt", "mpt", "gpt2", "50432"},                    {"phi-3", "phi3", "llama", "32064"},
        {"refact", "refact", "gpt2", "49216"},              {"starcoder", "starcoder2", "gpt2", "49152"},
    };
    for (const QStringList &e : expected) {
        const std::string path = testsupport::sharedStd("gguf/vocab/ggml-vocab-" + e[0] + ".gguf");
        const auto f = gguf::File::open(path);
        QVERIFY2(f.ok(), qPrintable(e[0]));
        QVERIFY(f.value()->tensors().empty());
        QCOMPARE(QString::fromStdString(f.value()->getString("general.architecture").value_or("")), e[1]);
        QCOMPARE(QString::fromStdString(f.value()->getString("tokenizer.ggml.model").value_or("")), e[2]);
        QCOMPARE(f.value()->getArray("tokenizer.ggml.tokens")->count, e[3].toULongLong());
        if (e[2] == "gpt2")
            QVERIFY2(f.value()->getArray("tokenizer.ggml.merges") && f.value()->getArray("tokenizer.ggml.merges")->count > 1000,
                     qPrintable(e[0]));
    }
}

void TestGguf::versionOneIsRefused() {
    const auto f = gguf::File::open(testsupport::sharedStd("gguf/legacy/ggml-vocab-llama.v1.gguf"));
    QVERIFY(!f.ok());
    QVERIFY2(f.error().message.find("version 1") != std::string::npos, f.error().message.c_str());
}

void TestGguf::hostileFiles_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    QTest::newRow("empty") << QByteArray() << "empty";
    QTest::newRow("not gguf") << QByteArray("PK\x03\x04 zip file") << "not a GGUF file";
    QTest::newRow("version 4") << Builder().header(0, 0, 4).bytes << "version 4";
    QTest::newRow("billions of tensors") << Builder().header(5'000'000'000ull, 0).bytes << "tensors";
    QTest::newRow("billions of keys") << Builder().header(0, 1ull << 40).bytes << "metadata entries";
    QTest::newRow("key longer than the file")
        << Builder().header(0, 1).u64(1ull << 62).u64(0).u64(0).bytes << "metadata key";
    QTest::newRow("string longer than the file")
        << Builder().header(0, 1).str("k").u32(8).u64(1ull << 40).bytes << "claims";
    QTest::newRow("array longer than the file")
        << Builder().header(0, 1).str("k").u32(9).u32(5).u64(1ull << 60).bytes << "does not fit";
    QTest::newRow("string array longer than the file")
        << Builder().header(0, 1).str("k").u32(9).u32(8).u64(1ull << 40).bytes << "does not fit";
    QTest::newRow("unknown value type") << Builder().header(0, 1).str("k").u32(77).u32(0).bytes << "unknown value type";
    QTest::newRow("bool 2") << Builder().header(0, 1).str("k").u32(7).u8(2).bytes << "neither 0 nor 1";
    QTest::newRow("arrays nested too deep")
        << Builder().header(0, 1).str("k").u32(9).u32(9).u64(1).u32(9).u64(1).u32(4).u64(1).u32(0).bytes
        << "nested deeper";
    QTest::newRow("duplicate key")
        << Builder().header(0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(2).bytes << "appears twice";
    QTest::newRow("alignment not a power of two")
        << Builder().header(0, 1).str("general.alignment").u32(4).u32(24).bytes << "power of two";
    QTest::newRow("five dimensions")
        << Builder().header(1, 0).str("t").u32(5).u64(1).u64(1).u64(1).u64(1).u64(1).u32(0).u64(0).bytes << "dimensions";
    QTest::newRow("shape overflows")
        << Builder().header(1, 0).str("t").u32(2).u64(1ull << 39).u64(1ull << 39).u32(0).u64(0).bytes << "shape";
    QTest::newRow("unsupported type")
        << Builder().header(1, 0).str("t").u32(1).u64(32).u32(10).u64(0).bytes << "Q2_K (not supported)";
    QTest::newRow("row not a whole block")
        << Builder().header(1, 0).str("t").u32(1).u64(33).u32(8).u64(0).bytes << "not a multiple";
    QTest::newRow("tensor past the end")
        << Builder().header(1, 0).str("t").u32(1).u64(1024).u32(0).u64(0).bytes << "truncated";
    QTest::newRow("tensor offset huge")
        << Builder().header(1, 0).str("t").u32(1).u64(8).u32(0).u64(~0ull - 31).bytes << "truncated";
    // Two tensors over the same bytes (aliases would let a small file claim the memory of many tensors).
    QTest::newRow("tensors share bytes")
        << Builder().header(2, 0).str("a").u32(1).u64(16).u32(0).u64(0).str("b").u32(1).u64(8).u32(0).u64(32)
               .raw(QByteArray(96, '\0').constData(), 96).bytes
        << "tensors a and b share bytes 32 to 64";
    QTest::newRow("misaligned tensor")
        << Builder().header(1, 0).str("t").u32(1).u64(8).u32(0).u64(4).bytes << "not aligned";
}

void TestGguf::hostileFiles() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    const QString error = errorOf(bytes);
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY(error.startsWith("x.gguf: "));
}

void TestGguf::fuzzTruncation() {
    const QByteArray whole = readAll(testsupport::sharedPath("gguf/stories260K.gguf"));
    QVERIFY(whole.size() > 100000);
    std::mt19937 rng(2024);
    std::uniform_int_distribution<int> cut(0, int(whole.size()) - 1);
    int refused = 0;
    for (int i = 0; i < 200; ++i) {
        // Half the cuts land in the header (where parsing is intricate), half anywhere.
        const int at = i % 2 ? cut(rng) : cut(rng) % 8192;
        const auto r = parse(whole.left(at)); // a copy: reading past `at` is caught by ASan
        if (!r.ok()) {
            ++refused;
            QVERIFY(!r.error().message.empty());
        }
    }
    QCOMPARE(refused, 200); // the last tensor ends at the end of the file: every cut loses something
}

void TestGguf::fuzzByteFlips() {
    const QByteArray whole = readAll(testsupport::sharedPath("gguf/stories260K.gguf"));
    const auto original = parse(whole);
    QVERIFY(original.ok());
    // Header, metadata and tensor directory end where the first tensor's data begins.
    const std::size_t headerEnd = std::size_t(original.value()->tensors().front().data -
                                              reinterpret_cast<const unsigned char *>(whole.constData()));
    std::mt19937 rng(7);
    std::uniform_int_distribution<std::size_t> where(0, headerEnd - 1);
    std::uniform_int_distribution<int> value(0, 255);
    int refused = 0, valid = 0;
    for (int i = 0; i < 500; ++i) {
        QByteArray copy = whole;
        for (int k = 0; k < 1 + i % 4; ++k)
            copy[qsizetype(where(rng))] = char(value(rng));
        const auto r = parse(copy);
        if (r.ok()) {
            ++valid;
            for (const gguf::TensorInfo &t : r.value()->tensors()) // every tensor lies inside the buffer
                QVERIFY(t.data >= reinterpret_cast<const unsigned char *>(copy.constData()) &&
                        t.data + t.bytes <= reinterpret_cast<const unsigned char *>(copy.constData()) + copy.size());
        } else {
            ++refused;
        }
    }
    QCOMPARE(refused + valid, 500);
    QVERIFY(refused > 50); // flips in counts, lengths and types are caught
    qInfo("byte flips: %d refused, %d still valid (flips inside strings and values)", refused, valid);
}

QTEST_GUILESS_MAIN(TestGguf)
#include "tst_gguf.moc"
