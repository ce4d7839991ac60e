// The sequential oracle lives in harness/reference (the executor runs it beside the model in
// every driver); the properties use it under their own namespace.
#pragma once

#include "harness/reference/oracle.h"

namespace ctxcheck::properties::oracle {
using namespace ctxcheck::reference;  // NOLINT(google-build-using-namespace)
}  // namespace ctxcheck::properties::oracle
