// The service collector's entry in the exporter's collector table (its
// name, description, default and factory); the daemon lists it by the
// collector's name in ENTRA_PTA_COLLECTORS (top-level CMakeLists.txt).
// Thread-safety: returns a new value; the factory runs at startup.
#pragma once

#include "exporter/sdk/collector_registration.h"

namespace entra_pta::service {

CollectorEntry TableEntry();

}  // namespace entra_pta::service
