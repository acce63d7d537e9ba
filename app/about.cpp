// aboutHtml: the text of Help > About.
#include "about.h"

#include <QObject>

namespace attnscope {

QString aboutHtml(const EngineInfo *model) {
    QString facts = QObject::tr("No model loaded.");
    if (model) {
        const EngineInfo &i = *model;
        const ModelConfig &c = i.config;
        facts = QObject::tr("<b>%1</b> (%2, architecture %3)<br>%4 layers, %5 heads (%6 key/value heads), width %7, "
                            "FFN %8<br>vocabulary %9, context %10 tokens, %11<br>weights %12, tokenizer %13")
                    .arg(QString::fromStdString(i.name), QString::fromStdString(i.format),
                         QString::fromStdString(c.architecture))
                    .arg(c.layers)
                    .arg(c.heads)
                    .arg(c.kvHeads)
                    .arg(c.dim)
                    .arg(c.hiddenDim)
                    .arg(c.vocabSize)
                    .arg(c.contextLength)
                    .arg(c.causal ? QObject::tr("causal (decoder)") : QObject::tr("bidirectional (encoder)"))
                    .arg(QString::fromStdString(c.weightTypes), QString::fromStdString(i.tokenizerKind));
        QString settings;
        for (const ModelFact &f : describeModel(c))
            settings += QStringLiteral("<tr><td>%1</td><td>%2</td></tr>")
                            .arg(QString::fromStdString(f.label).toHtmlEscaped(), QString::fromStdString(f.value).toHtmlEscaped());
        facts += QStringLiteral("<table cellspacing=\"4\">%1</table>").arg(settings);
        if (QString::fromStdString(c.weightTypes).contains(QLatin1Char('Q')))
            facts += QObject::tr("<p><i>Quantized weights change the attention itself, not only the file size: on "
                                 "stories260K, Q8_0 moves attention weights by up to 0.04 and Q4_0 by up to 0.56 "
                                 "against the float32 model. Compare with an F16/F32 file before drawing "
                                 "conclusions.</i></p>");
    }
    return QObject::tr("<h3>AttnScope %1</h3><p>See the attention of real language models, offline.</p><p>%2</p>")
        .arg(QStringLiteral(ATTNSCOPE_VERSION), facts);
}

} // namespace attnscope
