// libFuzzer entry point for the HTTP request-head parser
// (exporter/http/http_request.h): every input must give a parsed request or an
// error, never a crash, a hang or a request that breaks the parser's own
// promises. Seeds: fuzz/corpus/http_request/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "exporter/http/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t end = entra_pta::FindRequestHeadEnd(input);
  if (end != std::string_view::npos && end > size) std::abort();
  const std::string_view head =
      end == std::string_view::npos ? input : input.substr(0, end);
  const entra_pta::HttpRequestParse result = entra_pta::ParseRequestHead(head);
  if (const auto* request = std::get_if<entra_pta::HttpRequestHead>(&result)) {
    // What the server relies on after a successful parse.
    if (request->path.empty() || request->path.front() != '/') std::abort();
    if (request->minor_version != 0 && request->minor_version != 1) {
      std::abort();
    }
    if (request->headers.size() > entra_pta::kMaxRequestHeaderFields) {
      std::abort();
    }
    for (char c : request->path) {
      if (static_cast<unsigned char>(c) <= 0x20 ||
          static_cast<unsigned char>(c) >= 0x7f) {
        std::abort();
      }
    }
    for (const auto& [name, value] : request->headers) {
      if (name.empty()) std::abort();
      for (char c : value) {
        if (c == '\r' || c == '\n' || c == '\0') std::abort();
      }
    }
  } else {
    const auto& error = std::get<entra_pta::HttpRequestError>(result);
    if (error.status != 400 && error.status != 431 && error.status != 501 &&
        error.status != 505) {
      std::abort();
    }
  }
  return 0;
}
