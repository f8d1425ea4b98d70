#include "collectors/probe/curl_prober.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdlib>

#include "collectors/probe/chain_verifier.h"
#include "exporter/util/build_info.h"

namespace entra_pta::probe {
namespace {

// Bodies are read only to time the answer; past this the transfer stops.
constexpr std::size_t kMaxBodyBytes = 256 * 1024;
// How long after the deadline the round still waits for transfers that
// libcurl is cancelling on their own timeouts.
constexpr std::chrono::milliseconds kDeadlineSlack{150};

struct Transfer {
  const ProbeRequest* request = nullptr;
  CURL* easy = nullptr;
  std::size_t body_bytes = 0;
  bool finished = false;
  CURLcode code = CURLE_OK;
  char error[CURL_ERROR_SIZE] = {};
  // Filled by the OpenSSL info callback. The handshake starts only once
  // the TCP connection (and any proxy tunnel) is up.
  bool handshake_started = false;
  std::chrono::steady_clock::time_point handshake_start;
  bool handshake_done = false;
  std::string tls_version;
  std::vector<std::string> chain_der;
  // The same certificates as parsed by the handshake, for verification.
  std::unique_ptr<STACK_OF(X509), CertsFree> chain;
};

int TransferIndex() {
  static const int index =
      SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

void InfoCallback(const SSL* ssl, int where, int /*ret*/) {
  auto* transfer = static_cast<Transfer*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), TransferIndex()));
  if (transfer == nullptr) return;
  if ((where & SSL_CB_HANDSHAKE_START) != 0 && !transfer->handshake_started) {
    transfer->handshake_started = true;
    transfer->handshake_start = std::chrono::steady_clock::now();
  }
  if ((where & SSL_CB_HANDSHAKE_DONE) == 0) return;
  transfer->handshake_done = true;
  transfer->tls_version = SSL_get_version(ssl);
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  if (chain == nullptr) return;
  transfer->chain_der.clear();
  transfer->chain.reset(sk_X509_new_null());
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    X509* cert = sk_X509_value(chain, i);
    if (transfer->chain && X509_up_ref(cert) == 1) {
      sk_X509_push(transfer->chain.get(), cert);
    }
    std::string der = CertificateDer(cert);
    if (der.empty()) continue;
    transfer->chain_der.push_back(std::move(der));
  }
}

CURLcode SslCtxCallback(CURL* /*easy*/, void* ssl_ctx, void* user) {
  // libcurl makes one SSL_CTX per connection, so the pointer is ours alone.
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_ex_data(ctx, TransferIndex(), user);
  SSL_CTX_set_info_callback(ctx, InfoCallback);
  return CURLE_OK;
}

size_t DiscardBody(char* /*data*/, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  transfer->body_bytes += size * count;
  return transfer->body_bytes > kMaxBodyBytes ? 0 : size * count;
}

void GlobalInit() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    TransferIndex();
    return true;
  }();
  (void)done;
}

double Seconds(curl_off_t microseconds) {
  return static_cast<double>(microseconds) / 1e6;
}

curl_off_t TimeInfo(CURL* easy, CURLINFO what) {
  curl_off_t value = 0;
  if (curl_easy_getinfo(easy, what, &value) != CURLE_OK) return 0;
  return std::max<curl_off_t>(value, 0);
}

PhaseDurations Phases(CURL* easy) {
  const curl_off_t dns = TimeInfo(easy, CURLINFO_NAMELOOKUP_TIME_T);
  const curl_off_t connect = TimeInfo(easy, CURLINFO_CONNECT_TIME_T);
  const curl_off_t app = TimeInfo(easy, CURLINFO_APPCONNECT_TIME_T);
  const curl_off_t first = TimeInfo(easy, CURLINFO_STARTTRANSFER_TIME_T);
  const curl_off_t total = TimeInfo(easy, CURLINFO_TOTAL_TIME_T);
  PhaseDurations phases;
  phases.dns = Seconds(dns);
  if (connect > 0)
    phases.connect = Seconds(std::max<curl_off_t>(connect - dns, 0));
  if (app > 0 && connect > 0) {
    phases.tls = Seconds(std::max<curl_off_t>(app - connect, 0));
  }
  const curl_off_t before_request = std::max(app, connect);
  if (first > 0 && before_request > 0) {
    phases.first_byte =
        Seconds(std::max<curl_off_t>(first - before_request, 0));
  }
  phases.total = Seconds(total);
  return phases;
}

// A transfer's easy handle, set up to measure one probe from scratch;
// nullptr when libcurl cannot make one.
CURL* NewEasy(Transfer& transfer, const ProbeRequest& request,
              const std::string& user_agent, long timeout_ms) {
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return nullptr;
  curl_easy_setopt(easy, CURLOPT_URL, request.target.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.error);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  // Every probe measures the whole path: no reuse of DNS answers,
  // connections or TLS sessions (a resumed session has no chain).
  curl_easy_setopt(easy, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  // Do not wait for a resolver thread still stuck when we give up.
  curl_easy_setopt(easy, CURLOPT_QUICK_EXIT, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  // Microsoft requires TLS 1.2 or later; so does the agent.
  curl_easy_setopt(easy, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
  // Verification happens in VerifyChain, on the kept chain; libcurl
  // loads no CA file of its own.
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(easy, CURLOPT_CAINFO, nullptr);
  curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, SslCtxCallback);
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  // An empty proxy disables the proxy environment variables too: the
  // decision was made by ChooseProxy.
  curl_easy_setopt(easy, CURLOPT_PROXY, request.proxy_url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROXYTYPE, CURLPROXY_HTTP);
  if (!request.proxy_url.empty() && request.target.scheme == "https") {
    curl_easy_setopt(easy, CURLOPT_HTTPPROXYTUNNEL, 1L);
  }
  return easy;
}

// Marks the transfers libcurl reports done.
void CollectFinished(CURLM* multi) {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    Transfer* transfer = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
    if (transfer == nullptr) continue;
    transfer->finished = true;
    transfer->code = message->data.result;
  }
}

// Drives the transfers until all are done or `hard_stop` passes.
void RunTransfers(CURLM* multi,
                  std::chrono::steady_clock::time_point hard_stop) {
  using std::chrono::steady_clock;
  int running = 0;
  curl_multi_perform(multi, &running);
  while (running > 0 && steady_clock::now() < hard_stop) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          hard_stop - steady_clock::now())
                          .count();
    curl_multi_poll(multi, nullptr, 0,
                    static_cast<int>(std::clamp<long long>(left, 1, 100)),
                    nullptr);
    curl_multi_perform(multi, &running);
    CollectFinished(multi);
  }
  CollectFinished(multi);
}

// What one finished (or abandoned) transfer measured and why it failed,
// before the chain is verified. `start`: when the round began.
void FillResult(Transfer& transfer, const ProbeRequest& request,
                std::chrono::steady_clock::time_point start,
                ProbeResult& result) {
  TransferFacts facts;
  facts.curl_code = transfer.code;
  facts.abandoned = !transfer.finished;
  facts.via_proxy = !request.proxy_url.empty();
  facts.https = request.target.scheme == "https";
  facts.handshake_done = transfer.handshake_done;
  facts.connected = TimeInfo(transfer.easy, CURLINFO_CONNECT_TIME_T) > 0 ||
                    transfer.handshake_started;
  curl_easy_getinfo(transfer.easy, CURLINFO_HTTP_CONNECTCODE,
                    &facts.proxy_connect_code);
  long status = 0;
  curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
  facts.http_status = status;
  result.http_status = status;
  result.phases = Phases(transfer.easy);
  if (facts.abandoned) {
    result.phases.total =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
  }
  if (transfer.handshake_started && !transfer.handshake_done) {
    // libcurl records no connect time for a connection whose handshake
    // never finished; the info callback saw when it started.
    const double until_handshake =
        std::chrono::duration<double>(transfer.handshake_start - start).count();
    result.phases.connect = std::max(0.0, until_handshake - result.phases.dns);
    result.phases.tls = std::max(0.0, result.phases.total - until_handshake);
  }
  result.failure = ClassifyFailure(facts);
  if (result.failure != FailureReason::kNone) {
    result.detail = facts.abandoned ? "still running at the scrape deadline"
                    : transfer.error[0] != '\0'
                        ? std::string(transfer.error)
                        : curl_easy_strerror(transfer.code);
  }
  result.tls.handshake_done = transfer.handshake_done;
  result.tls.version = transfer.tls_version;
  result.tls.chain_der = std::move(transfer.chain_der);
}

}  // namespace

const char* FailureReasonName(FailureReason reason) {
  switch (reason) {
    case FailureReason::kNone:
      return "";
    case FailureReason::kDns:
      return "dns";
    case FailureReason::kConnectRefused:
      return "connect_refused";
    case FailureReason::kTimeout:
      return "timeout";
    case FailureReason::kTls:
      return "tls";
    case FailureReason::kProxy:
      return "proxy";
    case FailureReason::kHttp:
      return "http";
  }
  return "http";
}

FailureReason ClassifyFailure(const TransferFacts& facts) {
  const bool proxy_refused_connect =
      facts.via_proxy && facts.https && facts.proxy_connect_code != 0 &&
      (facts.proxy_connect_code < 200 || facts.proxy_connect_code > 299);
  if (proxy_refused_connect) return FailureReason::kProxy;
  const auto code = static_cast<CURLcode>(facts.curl_code);
  if (facts.abandoned || code == CURLE_OPERATION_TIMEDOUT) {
    if (!facts.connected) return FailureReason::kTimeout;
    if (facts.via_proxy && facts.https && facts.proxy_connect_code == 0) {
      return FailureReason::kProxy;  // the proxy never answered CONNECT
    }
    if (facts.https && !facts.handshake_done) return FailureReason::kTls;
    return FailureReason::kTimeout;
  }
  switch (code) {
    case CURLE_OK:
      return FailureReason::kNone;
    case CURLE_WRITE_ERROR:
      // Our body limit stopped the transfer after the answer arrived.
      return facts.http_status > 0 ? FailureReason::kNone
                                   : FailureReason::kHttp;
    case CURLE_COULDNT_RESOLVE_HOST:
      return facts.via_proxy ? FailureReason::kProxy : FailureReason::kDns;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_PROXY:
      return FailureReason::kProxy;
    case CURLE_COULDNT_CONNECT:
      return facts.via_proxy ? FailureReason::kProxy
                             : FailureReason::kConnectRefused;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return FailureReason::kTls;
    default:
      break;
  }
  if (!facts.connected) {
    return facts.via_proxy ? FailureReason::kProxy
                           : FailureReason::kConnectRefused;
  }
  // Reset or closed during the handshake: typical of a filtering device.
  if (facts.https && !facts.handshake_done) {
    return facts.via_proxy && facts.proxy_connect_code == 0
               ? FailureReason::kProxy
               : FailureReason::kTls;
  }
  return FailureReason::kHttp;
}

CurlProber::CurlProber(std::string ca_file, const Clock& clock)
    : ca_file_(std::move(ca_file)), clock_(clock) {
  GlobalInit();
}

CurlProber::~CurlProber() = default;

StatusOr<TrustStore> CurlProber::LoadedTrustStore() {
  std::lock_guard<std::mutex> lock(mu_);
  if (trust_store_) return *trust_store_;
  StatusOr<TrustStore> loaded = LoadTrustStore(ca_file_);
  if (loaded.ok()) trust_store_ = *loaded;
  return loaded;
}

void CurlProber::VerifyHandshake(
    const StatusOr<TrustStore>& store, const std::string& host,
    STACK_OF(X509) * parsed_chain,
    std::chrono::system_clock::time_point verify_time, ProbeResult& result) {
  if (store.ok()) {
    std::optional<ChainVerdict> cached =
        verified_chains_.Find(host, result.tls.chain_der, verify_time);
    ChainVerdict verdict =
        cached ? std::move(*cached)
        : parsed_chain != nullptr && sk_X509_num(parsed_chain) > 0
            ? VerifyParsedChain(parsed_chain, host, store->get(), verify_time)
            : VerifyChain(result.tls.chain_der, host, store->get(),
                          verify_time);
    if (!cached) {
      verified_chains_.Insert(host, result.tls.chain_der, verdict);
    }
    result.tls.verified = verdict.verified;
    result.tls.verify_error = verdict.error;
    result.tls.verified_chain_der = std::move(verdict.chain_der);
  } else {
    result.tls.verify_error = "no trust store";
  }
  if (!result.tls.verified && result.failure == FailureReason::kNone) {
    result.failure = FailureReason::kTls;
    result.detail =
        "certificate chain does not verify: " + result.tls.verify_error;
  }
}

ProbeBatch CurlProber::ProbeAll(
    const std::vector<ProbeRequest>& requests,
    std::chrono::milliseconds per_probe_timeout,
    std::chrono::steady_clock::time_point deadline) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  using std::chrono::steady_clock;
  ProbeBatch batch;
  batch.results.resize(requests.size());
  std::vector<Transfer> transfers(requests.size());
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) {
    batch.status = Status::Error("libcurl could not create a multi handle");
    for (ProbeResult& result : batch.results) {
      result.failure = FailureReason::kHttp;
      result.detail = "not probed";
    }
    return batch;
  }
  const std::string user_agent =
      std::string("entra-pta-exporter/") + build::kVersion;
  const auto start = steady_clock::now();
  const long timeout_ms = static_cast<long>(std::max<long long>(
      1, std::min<long long>(
             per_probe_timeout.count(),
             duration_cast<milliseconds>(deadline - start).count() - 20)));
  for (std::size_t i = 0; i < requests.size(); ++i) {
    transfers[i].request = &requests[i];
    transfers[i].easy =
        NewEasy(transfers[i], requests[i], user_agent, timeout_ms);
    if (transfers[i].easy != nullptr) {
      curl_multi_add_handle(multi, transfers[i].easy);
    }
  }
  RunTransfers(multi, deadline + kDeadlineSlack);

  StatusOr<TrustStore> store = LoadedTrustStore();
  if (!store.ok()) batch.status = store.status();
  const auto verify_time = clock_.Now();
  for (std::size_t i = 0; i < transfers.size(); ++i) {
    Transfer& transfer = transfers[i];
    ProbeResult& result = batch.results[i];
    if (transfer.easy == nullptr) {
      result.failure = FailureReason::kHttp;
      result.detail = "libcurl could not create a transfer";
      continue;
    }
    FillResult(transfer, requests[i], start, result);
    if (transfer.handshake_done) {
      VerifyHandshake(store, requests[i].target.host, transfer.chain.get(),
                      verify_time, result);
    }
    curl_multi_remove_handle(multi, transfer.easy);
    curl_easy_cleanup(transfer.easy);
  }
  curl_multi_cleanup(multi);
  return batch;
}

}  // namespace entra_pta::probe
