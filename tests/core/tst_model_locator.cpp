// Model discovery: lookup order and scanning find real checkpoints and skip everything else.
#include "test_support.h"

#include <attnscope/model_locator.h>

#include <QtTest>

using namespace attnscope;

class TestModelLocator : public QObject {
    Q_OBJECT
private slots:
    void findsSharedModelsFromInsideTheCheckout();
    void lookupOrderAndScanning();
    void nothingFound();
};

void TestModelLocator::findsSharedModelsFromInsideTheCheckout() {
    // starting anywhere below the folder that holds shared/ finds shared/models
    const QString start = testsupport::sharedDir() + "/../main/build/somewhere/deep";
    const auto roots = modelSearchRoots("", {start.toStdString()}, "");
    QCOMPARE(roots.size(), std::size_t(1));
    QCOMPARE(QDir(QString::fromStdString(roots[0].dir)).canonicalPath(),
             QDir(testsupport::sharedPath("models")).canonicalPath());
    const auto models = findModels(roots);
    const ModelEntry def = defaultModel(models);
    QCOMPARE(def.name, std::string("stories260K"));
    QVERIFY(QString::fromStdString(def.tokenizerPath).endsWith("tok512.model"));
}

void TestModelLocator::lookupOrderAndScanning() {
    QTemporaryDir envDir, userDir;
    QDir(envDir.path()).mkpath("mine");
    QVERIFY(QFile::copy(QString::fromStdString(testsupport::stories260K()), envDir.filePath("mine/custom.bin")));
    QVERIFY(QFile::copy(QString::fromStdString(testsupport::tok512()), envDir.filePath("mine/tok512.model")));
    QFile junk(envDir.filePath("mine/notes.bin"));
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("not a model");
    junk.close();
    QDir(userDir.path()).mkpath("models");

    const auto roots = modelSearchRoots(envDir.path().toStdString(), {testsupport::sharedDir().toStdString()},
                                        userDir.path().toStdString());
    QCOMPARE(roots.size(), std::size_t(3));
    QCOMPARE(roots[0].label, std::string("ATTNSCOPE_MODEL_DIR"));
    QCOMPARE(roots[2].label, std::string("user data"));
    const auto models = findModels(roots);
    QVERIFY(models.size() >= 2);
    QCOMPARE(models[0].name, std::string("custom")); // the environment comes first
    for (const ModelEntry &m : models)
        QVERIFY(m.name != "notes");
    // the bundled default wins over order when it is present
    QCOMPARE(defaultModel(models).name, std::string("stories260K"));
}

void TestModelLocator::nothingFound() {
    QTemporaryDir empty;
    const auto roots = modelSearchRoots(empty.path().toStdString(), {}, "");
    QVERIFY(findModels(roots).empty());
    QVERIFY(defaultModel({}).modelPath.empty());
}

QTEST_GUILESS_MAIN(TestModelLocator)
#include "tst_model_locator.moc"
