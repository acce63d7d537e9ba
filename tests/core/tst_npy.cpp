// .npy round trips bit for bit; malformed files are error values.
#include <attnscope/npy.h>

#include <QtTest>

#include <cstring>

using namespace attnscope;

class TestNpy : public QObject {
    Q_OBJECT
private slots:
    void roundTripIsBitExact();
    void headerIsAlignedAndReadable();
    void malformed();
    void emptyArrayReads();
};

void TestNpy::roundTripIsBitExact() {
    std::vector<float> data(2 * 3 * 4 * 4);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = std::ldexp(float(i) - 10.5f, int(i % 7) - 3);
    data[5] = -0.0f;
    QTemporaryDir dir;
    const std::string path = dir.filePath("a.npy").toStdString();
    QVERIFY(writeNpy(path, data.data(), {2, 3, 4, 4}).ok());
    const auto back = readNpy(path);
    QVERIFY(back.ok());
    QCOMPARE(back->shape, (std::vector<std::int64_t>{2, 3, 4, 4}));
    QCOMPARE(std::memcmp(back->data.data(), data.data(), data.size() * 4), 0);

    const float one = 3.5f;
    QVERIFY(writeNpy(path, &one, {1}).ok());
    const auto vec = readNpy(path);
    QVERIFY(vec.ok());
    QCOMPARE(vec->shape, (std::vector<std::int64_t>{1}));
    QCOMPARE(vec->data.front(), 3.5f);
}

void TestNpy::headerIsAlignedAndReadable() {
    const float v[3] = {1, 2, 3};
    const std::string bytes = encodeNpy(v, {3});
    QCOMPARE(bytes.substr(0, 6), std::string("\x93NUMPY"));
    const std::size_t headerLen = std::size_t(std::uint8_t(bytes[8])) | std::size_t(std::uint8_t(bytes[9])) << 8;
    QCOMPARE((10 + headerLen) % 64, std::size_t(0));
    QVERIFY(bytes.find("'shape': (3,)") != std::string::npos);
    QCOMPARE(bytes.size(), 10 + headerLen + 12);
}

void TestNpy::malformed() {
    QVERIFY(!decodeNpy("", "x.npy").ok());
    QVERIFY(!decodeNpy("hello world, not numpy", "x.npy").ok());
    const float v[4] = {1, 2, 3, 4};
    std::string bytes = encodeNpy(v, {4});
    QVERIFY(!decodeNpy(bytes.substr(0, bytes.size() - 1), "x.npy").ok()); // truncated data
    QVERIFY(!decodeNpy(bytes.substr(0, 20), "x.npy").ok());               // truncated header
    std::string f8 = bytes;
    f8.replace(f8.find("<f4"), 3, "<f8");
    QVERIFY(!decodeNpy(f8, "x.npy").ok());
    std::string hugeShape = bytes;
    hugeShape.replace(hugeShape.find("(4,)"), 4, "(99999999999999,)");
    QVERIFY(!decodeNpy(hugeShape, "x.npy").ok());
    QVERIFY(!readNpy("/nonexistent/a.npy").ok());
}

// A shape with a 0 (found by fuzz_npy: memcpy into the empty vector's null buffer) is an empty array, not UB.
void TestNpy::emptyArrayReads() {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3,), }";
    header += std::string(64 - (10 + header.size() + 1) % 64, ' ') + "\n";
    std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 0xff) + char(header.size() >> 8) + header;
    const auto array = decodeNpy(bytes, "empty.npy");
    QVERIFY2(array.ok(), array.ok() ? "" : array.error().message.c_str());
    QCOMPARE(array->shape, (std::vector<std::int64_t>{0, 3}));
    QVERIFY(array->data.empty());
}

QTEST_GUILESS_MAIN(TestNpy)
#include "tst_npy.moc"
