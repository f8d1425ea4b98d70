// libFuzzer target: one certificate's DER bytes (what a server, or an
// SSL-inspecting proxy, presents) as the tls collector reads it into label
// values. Invariants: names are valid UTF-8 without control characters and
// bounded; the fingerprint is 64 lower-case hex digits; expiry converts to
// the clock without overflow.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "collectors/tls/cert_facts.h"
#include "exporter/util/utf8.h"

namespace {

void CheckLabelText(const std::string& text) {
  if (text.size() > 512 || !entra_pta::IsValidUtf8(text)) __builtin_trap();
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string der(reinterpret_cast<const char*>(data), size);
  const auto facts = entra_pta::tls::ReadCertFacts(der);
  if (facts) {
    CheckLabelText(facts->subject);
    CheckLabelText(facts->issuer);
    if (facts->fingerprint_sha256.size() != 64 ||
        facts->fingerprint_sha256.find_first_not_of("0123456789abcdef") !=
            std::string::npos) {
      __builtin_trap();
    }
    if (facts->serial.find_first_not_of("-0123456789abcdef") !=
        std::string::npos) {
      __builtin_trap();
    }
    if (facts->not_after) {
      (void)std::chrono::duration_cast<std::chrono::seconds>(
          facts->not_after->time_since_epoch());
    }
  }
  if (const auto fingerprint = entra_pta::tls::NormalizeFingerprint(der)) {
    if (fingerprint->size() != 64) __builtin_trap();
  }
  return 0;
}
