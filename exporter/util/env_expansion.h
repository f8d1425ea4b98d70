// Windows-style environment references (%ProgramData%) in configured paths:
// the collectors expand them before opening a file, on every OS, so a
// configuration written for Windows reads the same everywhere.
// Thread-safety: pure functions; the one-argument form reads the process
// environment (std::getenv) and must not race with setenv.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace entra_pta {

// Replaces %NAME% with the value `lookup` returns for NAME (Windows-style
// environment references such as %ProgramData%). References `lookup` cannot
// resolve are left as written, so the resulting path names them in errors.
std::string ExpandEnvironmentReferences(
    const std::string& text,
    const std::function<std::optional<std::string>(const std::string&)>&
        lookup);

// The same, looking names up in this process' environment.
std::string ExpandEnvironmentReferences(const std::string& text);

}  // namespace entra_pta
