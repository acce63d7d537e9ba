// Dequantization of hand-built blocks equals the ggml formulas, written here element by element from the block
// layouts (independently of the row loops in core); half-float conversion against the compiler's _Float16;
// the reference quantizers round-trip within half a step.
#include <attnscope/quant.h>

#include <QtTest>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace attnscope;

namespace {

std::mt19937 rng(11);

std::vector<unsigned char> randomBytes(std::size_t n) {
    std::uniform_int_distribution<int> byte(0, 255);
    std::vector<unsigned char> v(n);
    for (auto &b : v)
        b = static_cast<unsigned char>(byte(rng));
    return v;
}

void putHalf(unsigned char *p, float f) {
    const _Float16 h = static_cast<_Float16>(f);
    std::memcpy(p, &h, 2);
}

float getHalf(const unsigned char *p) {
    _Float16 h;
    std::memcpy(&h, p, 2);
    return static_cast<float>(h);
}

// The 6-bit scale (which = 0) or min (which = 1) of sub-block j: the first four of each are the low 6 bits of
// bytes 0..3 (scales) and 4..7 (mins); the last four take their low 4 bits from bytes 8..11 (scale: low nibble,
// min: high nibble) and their top 2 bits from the top bits of bytes 0..3 (scales) and 4..7 (mins).
int sixBit(const unsigned char *s, int j, int which) {
    if (j < 4)
        return s[j + 4 * which] & 63;
    const int low = which == 0 ? (s[j + 4] & 15) : (s[j + 4] >> 4);
    const int high = s[j - 4 + 4 * which] >> 6;
    return low | (high << 4);
}

std::vector<float> dequantize(GgmlType type, const std::vector<unsigned char> &block, int n) {
    std::vector<float> out(std::size_t(n), -999.0f);
    dequantizeRow(type, block.data(), out.data(), n);
    return out;
}

} // namespace

class TestQuant : public QObject {
    Q_OBJECT
private slots:
    void halfFloats();
    void typeTable();
    void q8_0();
    void q4_0AndQ4_1();
    void q5_0AndQ5_1();
    void q4_KAndQ5_K();
    void q6_K();
    void bf16();
    void quantizersRoundTrip();
};

void TestQuant::halfFloats() {
    for (std::uint32_t h = 0; h < 65536; ++h) {
        _Float16 ref;
        const std::uint16_t bits = std::uint16_t(h);
        std::memcpy(&ref, &bits, 2);
        const float expected = static_cast<float>(ref);
        const float got = halfToFloat(bits);
        if (std::isnan(expected)) {
            QVERIFY(std::isnan(got));
            continue;
        }
        QCOMPARE(std::memcmp(&got, &expected, 4), 0);
        QCOMPARE(floatToHalf(got), bits); // exact round trip
    }
    std::uniform_real_distribution<float> wide(-70000.0f, 70000.0f);
    std::uniform_real_distribution<float> tiny(-1e-4f, 1e-4f);
    for (int i = 0; i < 200000; ++i) {
        const float f = i % 2 ? wide(rng) : tiny(rng);
        const _Float16 ref = static_cast<_Float16>(f); // round to nearest even
        std::uint16_t bits;
        std::memcpy(&bits, &ref, 2);
        QCOMPARE(floatToHalf(f), bits);
    }
}

void TestQuant::typeTable() {
    QCOMPARE(QString(typeInfo(8)->name), QString("Q8_0"));
    QCOMPARE(typeInfo(14)->blockBytes, 210);
    QVERIFY(!typeInfo(10));
    QCOMPARE(QString::fromStdString(ggmlTypeName(10)), QString("Q2_K (not supported)"));
    QCOMPARE(rowBytes(*typeInfo(12), 512), std::optional<std::uint64_t>(288));
    QVERIFY(!rowBytes(*typeInfo(12), 172)); // stories260K's ffn_down row: not a whole K block
}

void TestQuant::q8_0() {
    auto block = randomBytes(34 * 2);
    putHalf(block.data(), 0.0371f);
    putHalf(block.data() + 34, -1.5f);
    const auto y = dequantize(GgmlType::Q8_0, block, 64);
    for (int e = 0; e < 64; ++e) {
        const unsigned char *b = block.data() + 34 * (e / 32);
        QCOMPARE(y[std::size_t(e)], getHalf(b) * float(std::int8_t(b[2 + e % 32])));
    }
}

void TestQuant::q4_0AndQ4_1() {
    auto q40 = randomBytes(18);
    putHalf(q40.data(), 0.25f);
    auto q41 = randomBytes(20);
    putHalf(q41.data(), 0.125f);
    putHalf(q41.data() + 2, -0.75f);
    const auto y0 = dequantize(GgmlType::Q4_0, q40, 32);
    const auto y1 = dequantize(GgmlType::Q4_1, q41, 32);
    for (int e = 0; e < 32; ++e) {
        // Element e is the low nibble of byte e (e < 16) or the high nibble of byte e - 16.
        const int n0 = e < 16 ? q40[2 + e] & 15 : q40[2 + e - 16] >> 4;
        QCOMPARE(y0[std::size_t(e)], 0.25f * float(n0 - 8));
        const int n1 = e < 16 ? q41[4 + e] & 15 : q41[4 + e - 16] >> 4;
        QCOMPARE(y1[std::size_t(e)], 0.125f * float(n1) + -0.75f);
    }
}

void TestQuant::q5_0AndQ5_1() {
    auto q50 = randomBytes(22);
    putHalf(q50.data(), 0.5f);
    auto q51 = randomBytes(24);
    putHalf(q51.data(), 0.0625f);
    putHalf(q51.data() + 2, 1.25f);
    const auto y0 = dequantize(GgmlType::Q5_0, q50, 32);
    const auto y1 = dequantize(GgmlType::Q5_1, q51, 32);
    for (int e = 0; e < 32; ++e) {
        // Fifth bit of element e: bit e of the little-endian 32-bit qh.
        auto value = [e](const unsigned char *qh, const unsigned char *qs) {
            const int nibble = e < 16 ? qs[e] & 15 : qs[e - 16] >> 4;
            const int bit = (qh[e / 8] >> (e % 8)) & 1;
            return nibble | (bit << 4);
        };
        QCOMPARE(y0[std::size_t(e)], 0.5f * float(value(q50.data() + 2, q50.data() + 6) - 16));
        QCOMPARE(y1[std::size_t(e)], 0.0625f * float(value(q51.data() + 4, q51.data() + 8)) + 1.25f);
    }
}

void TestQuant::q4_KAndQ5_K() {
    for (const bool five : {false, true}) {
        const int bytes = five ? 176 : 144;
        auto block = randomBytes(std::size_t(bytes));
        putHalf(block.data(), 0.01f);
        putHalf(block.data() + 2, 0.003f);
        const float d = getHalf(block.data()), dmin = getHalf(block.data() + 2);
        const unsigned char *scales = block.data() + 4;
        const unsigned char *qh = block.data() + 16;
        const unsigned char *qs = block.data() + (five ? 48 : 16);
        const auto y = dequantize(five ? GgmlType::Q5_K : GgmlType::Q4_K, block, 256);
        for (int e = 0; e < 256; ++e) {
            // 4 groups of 64: the first 32 are the low nibbles of 32 bytes, the next 32 their high nibbles; each
            // half is a sub-block with its own scale and min.
            const int group = e / 64, r = e % 64, l = r % 32, sub = 2 * group + (r >= 32);
            int q = r < 32 ? qs[32 * group + l] & 15 : qs[32 * group + l] >> 4;
            if (five)
                q += ((qh[l] >> sub) & 1) * 16;
            const float expected = d * float(sixBit(scales, sub, 0)) * float(q) - dmin * float(sixBit(scales, sub, 1));
            QVERIFY2(std::abs(y[std::size_t(e)] - expected) <= 1e-6f * std::max(1.0f, std::abs(expected)),
                     qPrintable(QString("%1 element %2: %3 vs %4").arg(five ? "Q5_K" : "Q4_K").arg(e).arg(y[std::size_t(e)]).arg(expected)));
        }
    }
}

void TestQuant::q6_K() {
    auto block = randomBytes(210);
    putHalf(block.data() + 208, 0.002f);
    const float d = getHalf(block.data() + 208);
    const unsigned char *ql = block.data(), *qh = block.data() + 128;
    const auto *scales = reinterpret_cast<const std::int8_t *>(block.data() + 192);
    const auto y = dequantize(GgmlType::Q6_K, block, 256);
    for (int e = 0; e < 256; ++e) {
        // Two halves of 128; in each, four runs of 32 take low nibbles of ql[0..31], ql[32..63], then high nibbles
        // of the same, with 2-bit tops from qh[0..31] at bit 2 * run; 16 values share a scale.
        const int half = e / 128, r = e % 128, run = r / 32, l = r % 32;
        const unsigned char lowByte = ql[64 * half + l + (run % 2) * 32];
        const int low = run < 2 ? lowByte & 15 : lowByte >> 4;
        const int top = (qh[32 * half + l] >> (2 * run)) & 3;
        const int q = (low | (top << 4)) - 32;
        const float expected = d * float(scales[8 * half + l / 16 + 2 * run]) * float(q);
        QVERIFY2(std::abs(y[std::size_t(e)] - expected) <= 1e-6f * std::max(1.0f, std::abs(expected)),
                 qPrintable(QString("element %1: %2 vs %3").arg(e).arg(y[std::size_t(e)]).arg(expected)));
    }
}

void TestQuant::bf16() {
    const float values[] = {1.0f, -2.5f, 3.140625f, 1e-20f, 6.5e30f};
    std::vector<unsigned char> bytes;
    for (const float v : values) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        bytes.push_back(std::uint8_t(bits >> 16));
        bytes.push_back(std::uint8_t(bits >> 24));
    }
    const auto y = dequantize(GgmlType::BF16, bytes, 5);
    for (int i = 0; i < 5; ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, &values[i], 4);
        bits &= 0xffff0000u;
        float truncated;
        std::memcpy(&truncated, &bits, 4);
        QCOMPARE(y[std::size_t(i)], truncated);
    }
}

void TestQuant::quantizersRoundTrip() {
    std::normal_distribution<float> normal(0.0f, 0.05f);
    std::vector<float> x(256);
    for (auto &v : x)
        v = normal(rng);
    std::vector<unsigned char> q8(8 * 34), q4(8 * 18);
    quantizeRowQ8_0(x.data(), q8.data(), 256);
    quantizeRowQ4_0(x.data(), q4.data(), 256);
    const auto y8 = dequantize(GgmlType::Q8_0, q8, 256);
    const auto y4 = dequantize(GgmlType::Q4_0, q4, 256);
    for (int b = 0; b < 8; ++b) {
        float amax = 0;
        for (int j = 0; j < 32; ++j)
            amax = std::max(amax, std::abs(x[std::size_t(32 * b + j)]));
        for (int j = 0; j < 32; ++j) {
            const std::size_t e = std::size_t(32 * b + j);
            // Half a step, plus the step stored as a half float (relative error 2^-11) times the largest code.
            QVERIFY(std::abs(y8[e] - x[e]) <= amax / 127 * (0.5f + 127.0f / 2048) + 1e-7f);
            // Q4_0 codes run -8..7 with the largest magnitude at -8: a value of the opposite sign near the
            // maximum is clamped to 7, a whole step off.
            QVERIFY(std::abs(y4[e] - x[e]) <= amax / 8 * (1.0f + 8.0f / 2048) + 1e-7f);
        }
    }
}

QTEST_GUILESS_MAIN(TestQuant)
#include "tst_quant.moc"
