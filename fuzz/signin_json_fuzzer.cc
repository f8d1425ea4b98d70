// libFuzzer target: the cloud collector's sign-in log pages, organization
// answers and the date-times in them (Graph, or whatever a TLS-inspecting
// proxy puts there), and the ledger those pages feed.
// Invariants: parsed failures carry a PTA code, a plain id and a time after
// 1970; date-times round-trip to their second; the ledger counts each id
// once and its next query never starts in the far future; errors never quote
// the body's ids.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "collectors/cloud/signin_ledger.h"
#include "collectors/cloud/signin_model.h"

namespace cloud = entra_pta::cloud;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);

  const auto page = cloud::ParseSignInPage(body);
  if (page.ok()) {
    cloud::SignInLedger ledger;
    for (const cloud::SignInFailure& failure : page->failures) {
      if (cloud::PtaReason(failure.code) == nullptr || failure.id.empty() ||
          failure.id.size() > 128 || failure.created < 0) {
        __builtin_trap();
      }
    }
    const cloud::UnixMillis now = 1'796'414'462'000;
    const int counted = cloud::CountNewFailures(ledger, page->failures, now);
    if (counted < 0 ||
        static_cast<std::size_t>(counted) > page->failures.size() ||
        cloud::CountNewFailures(ledger, page->failures, now) != 0) {
      __builtin_trap();
    }
    cloud::FinishSignInQuery(ledger);
    // Whatever the page held, the next query starts no later than Graph's
    // now plus the tolerance for sign-ins dated ahead of it.
    if (cloud::SignInQueryStart(ledger, now, std::chrono::hours(1)) >
        now + 3'600'000) {
      __builtin_trap();
    }
  } else if (page.status().message().find("SECRET-ID") != std::string::npos) {
    __builtin_trap();
  }

  const auto sync = cloud::ParseOrganization(body);
  if (sync.ok()) {
    if ((sync->last_sync && *sync->last_sync < 0) ||
        (sync->last_password_sync && *sync->last_password_sync < 0)) {
      __builtin_trap();
    }
  }

  const auto when = cloud::ParseGraphDateTime(body);
  if (when.ok()) {
    const auto again =
        cloud::ParseGraphDateTime(cloud::FormatGraphDateTime(*when));
    if (!again.ok() || *again != *when / 1000 * 1000) __builtin_trap();
  }
  (void)cloud::ParseHttpDate(body);
  return 0;
}
