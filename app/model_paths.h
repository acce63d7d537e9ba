// The Qt side of model lookup: where this installation searches, and what to tell a user who has no model.
#pragma once

#include <attnscope/model_locator.h>

#include "models/examples.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace attnscope {

// Lookup order after an explicit path: $ATTNSCOPE_MODEL_DIR, shared/models next to the checkout (found by
// walking up from the executable and the source tree), then <AppDataLocation>/models.
std::vector<SearchRoot> defaultSearchRoots();
std::vector<ModelEntry> discoverModels();
// Where every store lives on this machine (the environment plus this installation's folders), every search root
// (ours, then the Hugging Face cache, Ollama, LM Studio, llama.cpp's cache) and every model in them.
StoreLocations storeLocations();
std::vector<SearchRoot> allModelRoots();
std::vector<ModelEntry> discoverAllModels();
QString userModelDir();
QString noModelHelp();

// The bundled example library (resources/examples.json); one sentence if the resource is missing.
QList<Example> builtInExamples();

} // namespace attnscope
