// libFuzzer target: a presented certificate chain verified against a fixed
// trust anchor (fuzz/data/chain-root.pem, whose chains are in the seed
// corpus). Input: byte 0 picks the host checked (DNS name or IP literal),
// then certificates, each as a 2-byte big-endian length and its DER bytes
// (at most 32, like a handshake's bounded chain). Invariants: a verified
// chain has a non-empty built chain whose validity window contains the
// verification time, and the verified-chain cache gives it back.
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "collectors/probe/chain_verifier.h"

namespace probe = entra_pta::probe;

namespace {

X509_STORE* TrustAnchors() {
  static X509_STORE* store = [] {
    X509_STORE* s = X509_STORE_new();
    std::FILE* file =
        std::fopen(ENTRA_PTA_FUZZ_DATA_DIR "/chain-root.pem", "r");
    if (s == nullptr || file == nullptr) __builtin_trap();
    X509* root = PEM_read_X509(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    if (root == nullptr || X509_STORE_add_cert(s, root) != 1) __builtin_trap();
    X509_free(root);
    return s;
  }();
  return store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0) return 0;
  static const char* const kHosts[] = {"leaf.fuzz.example", "127.0.0.1",
                                       "*.fuzz.example", "::1"};
  const std::string host = kHosts[data[0] % 4];
  std::vector<std::string> chain;
  std::size_t pos = 1;
  while (pos + 2 <= size && chain.size() < 32) {
    const std::size_t length =
        (static_cast<std::size_t>(data[pos]) << 8) | data[pos + 1];
    pos += 2;
    if (length > size - pos) break;
    chain.emplace_back(reinterpret_cast<const char*>(data + pos), length);
    pos += length;
  }
  // 2030-01-01T00:00:00Z, inside the seed chains' validity.
  const auto at =
      std::chrono::system_clock::time_point(std::chrono::seconds(1893456000));
  const probe::ChainVerdict verdict =
      probe::VerifyChain(chain, host, TrustAnchors(), at);
  if (verdict.verified) {
    if (verdict.chain_der.empty() || at < verdict.valid_from ||
        at >= verdict.valid_until) {
      __builtin_trap();
    }
    static probe::VerifiedChainCache cache(4);
    cache.Insert(host, chain, verdict);
    if (!cache.Find(host, chain, at)) __builtin_trap();
  } else if (verdict.error.empty()) {
    __builtin_trap();
  }
  return 0;
}
