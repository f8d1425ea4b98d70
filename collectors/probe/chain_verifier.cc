#include "collectors/probe/chain_verifier.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>

namespace entra_pta::probe {
namespace {

struct StoreCtxFree {
  void operator()(X509_STORE_CTX* ctx) const { X509_STORE_CTX_free(ctx); }
};

X509* FromDer(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert != nullptr &&
      p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    X509_free(cert);
    return nullptr;
  }
  return cert;
}

bool IsIpLiteral(const std::string& host) {
  ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
  if (ip == nullptr) {
    ERR_clear_error();
    return false;
  }
  ASN1_OCTET_STRING_free(ip);
  return true;
}

}  // namespace

std::string CertificateDer(X509* cert) {
  int length = i2d_X509(cert, nullptr);
  if (length <= 0) return "";
  std::string der(static_cast<std::size_t>(length), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert, &p);
  return der;
}

std::optional<std::chrono::system_clock::time_point> Asn1TimeToTimePoint(
    const ASN1_TIME* time) {
  struct tm when = {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &when) != 1) return std::nullopt;
  const std::chrono::sys_days days{
      std::chrono::year{when.tm_year + 1900} /
      std::chrono::month{static_cast<unsigned>(when.tm_mon + 1)} /
      std::chrono::day{static_cast<unsigned>(when.tm_mday)}};
  // In seconds first: ASN.1 times reach year 9999 (RFC 5280's "no expiry"
  // 99991231235959Z, common on roots), beyond what the clock's nanoseconds
  // hold (about 1677..2262), so they saturate instead of overflowing.
  const std::chrono::sys_seconds seconds =
      days + std::chrono::hours(when.tm_hour) +
      std::chrono::minutes(when.tm_min) + std::chrono::seconds(when.tm_sec);
  using TimePoint = std::chrono::system_clock::time_point;
  constexpr auto kMax = std::chrono::duration_cast<std::chrono::seconds>(
      TimePoint::max().time_since_epoch());
  constexpr auto kMin = std::chrono::duration_cast<std::chrono::seconds>(
      TimePoint::min().time_since_epoch());
  if (seconds.time_since_epoch() >= kMax) return TimePoint::max();
  if (seconds.time_since_epoch() <= kMin) return TimePoint::min();
  return TimePoint(seconds.time_since_epoch());
}

ChainVerdict VerifyChain(const std::vector<std::string>& presented_der,
                         const std::string& host, X509_STORE* store,
                         std::chrono::system_clock::time_point at) {
  ChainVerdict verdict;
  if (presented_der.empty()) {
    verdict.error = "the server presented no certificate";
    return verdict;
  }
  std::unique_ptr<STACK_OF(X509), CertsFree> certs(sk_X509_new_null());
  for (const std::string& der : presented_der) {
    X509* cert = FromDer(der);
    if (cert == nullptr) {
      ERR_clear_error();
      verdict.error = "the server presented a certificate that does not parse";
      return verdict;
    }
    sk_X509_push(certs.get(), cert);
  }
  return VerifyParsedChain(certs.get(), host, store, at);
}

ChainVerdict VerifyParsedChain(STACK_OF(X509) * presented,
                               const std::string& host, X509_STORE* store,
                               std::chrono::system_clock::time_point at) {
  ChainVerdict verdict;
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  X509* leaf = sk_X509_value(presented, 0);
  if (!ctx || leaf == nullptr ||
      X509_STORE_CTX_init(ctx.get(), store, leaf, presented) != 1) {
    ERR_clear_error();
    verdict.error = "cannot set up certificate verification";
    return verdict;
  }
  // OpenSSL treats an empty host name as "do not check the name", which
  // would verify any chain to a trusted root for any host.
  if (host.empty() || host.find('\0') != std::string::npos) {
    verdict.error = "no usable host name to check the certificate against";
    return verdict;
  }
  X509_STORE_CTX_set_default(ctx.get(), "ssl_server");
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(
      param, static_cast<time_t>(std::chrono::system_clock::to_time_t(at)));
  const bool host_ok =
      IsIpLiteral(host)
          ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1
          : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
  if (!host_ok) {
    ERR_clear_error();
    verdict.error = "cannot check the host name " + host;
    return verdict;
  }
  if (X509_verify_cert(ctx.get()) == 1) {
    verdict.verified = true;
    verdict.valid_from = std::chrono::system_clock::time_point::min();
    verdict.valid_until = std::chrono::system_clock::time_point::max();
    STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get());
    for (int i = 0; i < sk_X509_num(built); ++i) {
      X509* cert = sk_X509_value(built, i);
      verdict.chain_der.push_back(CertificateDer(cert));
      if (auto from = Asn1TimeToTimePoint(X509_get0_notBefore(cert))) {
        verdict.valid_from = std::max(verdict.valid_from, *from);
      }
      if (auto until = Asn1TimeToTimePoint(X509_get0_notAfter(cert))) {
        verdict.valid_until = std::min(verdict.valid_until, *until);
      }
    }
  } else {
    verdict.error =
        X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  }
  ERR_clear_error();
  return verdict;
}

std::string VerifiedChainCache::Key(const std::string& host,
                                    const std::vector<std::string>& chain_der) {
  std::string key = host;
  for (const std::string& der : chain_der) {
    key += '\0';
    key += std::to_string(der.size());
    key += ':';
    key += der;
  }
  return key;
}

std::optional<ChainVerdict> VerifiedChainCache::Find(
    const std::string& host, const std::vector<std::string>& chain_der,
    std::chrono::system_clock::time_point at) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = verdicts_.find(Key(host, chain_der));
  if (it == verdicts_.end() || at < it->second.valid_from ||
      at >= it->second.valid_until) {
    return std::nullopt;
  }
  return it->second;
}

void VerifiedChainCache::Insert(const std::string& host,
                                const std::vector<std::string>& chain_der,
                                const ChainVerdict& verdict) {
  if (!verdict.verified) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (verdicts_.size() >= capacity_) verdicts_.clear();
  verdicts_[Key(host, chain_der)] = verdict;
}

}  // namespace entra_pta::probe
