// The three renderings of a diagnose report: text for a person at a
// terminal (colour optional), JSON for a script or another monitoring system
// (stable field names, schema_version 1, documented in docs/diagnose.md) and
// markdown for a ticket or chat.
// Thread-safety: pure functions on caller-owned values.
#pragma once

#include <string>

#include "exporter/sdk/config_section.h"
#include "exporter/verdict/diagnose_report.h"

namespace entra_pta::diagnose {

std::string RenderText(const Report& report, bool colour);
std::string RenderJson(const Report& report);
std::string RenderMarkdown(const Report& report);

// For --output json: the document printed on stdout when the configuration
// or a flag is wrong (exit status 2 as for a failed check, but "result" is
// "config_error" and there are no sections). `error` is null for a flag
// error, which has no location.
std::string RenderConfigErrorJson(const ConfigError* error,
                                  const std::string& message);

}  // namespace entra_pta::diagnose
