// Registers the compiled training step (class CompiledNet) on the addon's exports.
#pragma once

#include <napi.h>

namespace cs::compiled {
void registerCompiled(Napi::Env env, Napi::Object exports);
}
