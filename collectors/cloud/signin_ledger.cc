#include "collectors/cloud/signin_ledger.h"

#include <algorithm>

namespace entra_pta::cloud {
namespace {

constexpr UnixMillis Millis(std::chrono::milliseconds duration) {
  return static_cast<UnixMillis>(duration.count());
}

}  // namespace

UnixMillis SignInQueryStart(const SignInLedger& ledger, UnixMillis graph_now,
                            std::chrono::milliseconds lookback) {
  const UnixMillis earliest =
      std::max<UnixMillis>(0, graph_now - Millis(lookback));
  if (!ledger.watermark ||
      *ledger.watermark > graph_now + Millis(kFutureTolerance)) {
    return earliest;
  }
  return std::max(earliest, *ledger.watermark - Millis(kSignInOverlap));
}

int CountNewFailures(SignInLedger& ledger,
                     const std::vector<SignInFailure>& failures,
                     UnixMillis graph_now) {
  int counted = 0;
  for (const SignInFailure& failure : failures) {
    if (failure.created > graph_now + Millis(kFutureTolerance)) continue;
    if (!ledger.seen.emplace(failure.id, failure.created).second) continue;
    ++ledger.totals[failure.code];
    UnixMillis& last = ledger.last_seen[failure.code];
    last = std::max(last, failure.created);
    ++counted;
  }
  return counted;
}

void FinishSignInQuery(SignInLedger& ledger) {
  for (const auto& [id, created] : ledger.seen) {
    if (!ledger.watermark || created > *ledger.watermark) {
      ledger.watermark = created;
    }
  }
  if (!ledger.watermark) return;
  const UnixMillis keep_from = *ledger.watermark - Millis(kSignInOverlap);
  std::erase_if(ledger.seen,
                [&](const auto& entry) { return entry.second < keep_from; });
  if (ledger.seen.size() <= kMaxRememberedSignIns) return;
  std::vector<std::pair<UnixMillis, std::string>> by_age;
  by_age.reserve(ledger.seen.size());
  for (const auto& [id, created] : ledger.seen)
    by_age.emplace_back(created, id);
  std::sort(by_age.begin(), by_age.end());
  const std::size_t excess = by_age.size() - kMaxRememberedSignIns;
  for (std::size_t i = 0; i < excess; ++i) ledger.seen.erase(by_age[i].second);
}

}  // namespace entra_pta::cloud
