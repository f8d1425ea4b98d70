// SignInLedger: which PTA sign-in failures the cloud collector has counted,
// so each sign-in id is counted exactly once across pages, refreshes and
// restarts (it is kept in the state file, state_store.h). The watermark is
// the newest createdDateTime seen, in Graph's clock, never the local one;
// the next query starts kSignInOverlap before it (sign-ins reach the log
// late, out of order), and the ids seen since then are kept so the overlap
// is not counted twice.
// Thread-safety: plain data and pure functions; the cloud collector keeps
// its ledger under its mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collectors/cloud/signin_model.h"

namespace entra_pta::cloud {

// How late a sign-in may reach the log and still be counted.
inline constexpr std::chrono::minutes kSignInOverlap{15};
// At most this many ids are kept (the oldest go first): bounds the state
// file under a burst of failures (each id is about 60 bytes there).
inline constexpr std::size_t kMaxRememberedSignIns = 100'000;
// A createdDateTime further than this ahead of Graph's own clock is
// nonsense (a broken answer or state file): never counted, never a
// watermark, so it cannot stop the counting.
inline constexpr std::chrono::hours kFutureTolerance{1};

struct SignInLedger {
  std::optional<UnixMillis> watermark;     // newest createdDateTime counted
  std::map<std::string, UnixMillis> seen;  // id -> createdDateTime
  std::map<int, std::uint64_t> totals;     // by PTA code
  std::map<int, UnixMillis> last_seen;     // newest createdDateTime by code
};

// Where the next query starts: kSignInOverlap before the watermark, but
// never further back than `lookback` before Graph's now (the first start,
// or a restart after a long stop, does not replay more than that). A
// watermark beyond kFutureTolerance is ignored.
UnixMillis SignInQueryStart(const SignInLedger& ledger, UnixMillis graph_now,
                            std::chrono::milliseconds lookback);

// Counts the failures whose id the ledger has not seen and whose time is
// not beyond kFutureTolerance of `graph_now`; returns how many.
int CountNewFailures(SignInLedger& ledger,
                     const std::vector<SignInFailure>& failures,
                     UnixMillis graph_now);

// After every page of a query was read: moves the watermark to the newest
// sign-in seen and forgets ids older than the next query's start. Not
// called after a failed page, so a retry re-reads (and de-duplicates) the
// same window instead of skipping what the failed page held.
void FinishSignInQuery(SignInLedger& ledger);

}  // namespace entra_pta::cloud
