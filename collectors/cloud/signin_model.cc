#include "collectors/cloud/signin_model.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "collectors/cloud/graph_json.h"
#include "collectors/cloud/http_client.h"

namespace entra_pta::cloud {
namespace {

using json = nlohmann::json;

// Reads `width` digits at `pos`; false when any is not a digit.
bool Digits(const std::string& text, std::size_t pos, std::size_t width,
            int& out) {
  if (pos + width > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// A datetime field: absent or null -> nullopt; a string that parses -> the
// time; anything else -> an error naming the field.
StatusOr<std::optional<UnixMillis>> OptionalDateTime(const json& object,
                                                     const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return std::optional<UnixMillis>();
  }
  if (!it->is_string()) {
    return Status::Error(std::string("\"") + key + "\" is not a string");
  }
  auto parsed = ParseGraphDateTime(it->get<std::string>());
  if (!parsed.ok()) {
    return Status::Error(std::string("\"") + key +
                         "\": " + parsed.status().message());
  }
  return std::optional<UnixMillis>(*parsed);
}

// Sign-in ids are GUIDs; anything else that is short and plain is kept
// (it goes into the state file as a key), the rest is refused.
bool UsableId(const json& value) {
  const std::string& id = value.get_ref<const std::string&>();
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' &&
        c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<PtaErrorCode>& PtaErrorCodes() {
  static const std::vector<PtaErrorCode> kCodes = {
      {80001, "ad_unreachable"},      {80002, "agent_timeout"},
      {80005, "web_exception"},       {80007, "ad_validation_failed"},
      {80010, "decrypt_failed"},      {80011, "decryption_key_unavailable"},
      {80012, "outside_logon_hours"}, {80013, "time_skew"},
      {80014, "cloud_timeout"},
  };
  return kCodes;
}

const char* PtaReason(int code) {
  for (const PtaErrorCode& entry : PtaErrorCodes()) {
    if (entry.code == code) return entry.reason;
  }
  return nullptr;
}

StatusOr<UnixMillis> ParseGraphDateTime(const std::string& text) {
  // yyyy-mm-ddThh:mm:ss[.f{1,9}](Z|+hh:mm|-hh:mm)
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const bool shape =
      text.size() >= 20 && Digits(text, 0, 4, year) && text[4] == '-' &&
      Digits(text, 5, 2, month) && text[7] == '-' && Digits(text, 8, 2, day) &&
      (text[10] == 'T' || text[10] == 't') && Digits(text, 11, 2, hour) &&
      text[13] == ':' && Digits(text, 14, 2, minute) && text[16] == ':' &&
      Digits(text, 17, 2, second);
  if (!shape) return Status::Error("not an ISO 8601 date and time");
  std::size_t pos = 19;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    std::size_t digits = 0;
    ++pos;
    while (pos < text.size() &&
           std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) {
      return Status::Error("not an ISO 8601 date and time");
    }
    for (std::size_t i = digits; i < 3; ++i) millis *= 10;
  }
  int offset_minutes = 0;
  if (pos + 1 == text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') &&
             text[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (!Digits(text, pos + 1, 2, oh) || !Digits(text, pos + 4, 2, om) ||
        oh > 23 || om > 59) {
      return Status::Error("not an ISO 8601 date and time");
    }
    offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return Status::Error("not an ISO 8601 date and time (no time zone)");
  }
  const std::chrono::year_month_day date{
      std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
      std::chrono::day(static_cast<unsigned>(day))};
  if (year < 1970 || !date.ok() || hour > 23 || minute > 59 || second > 60) {
    return Status::Error("date and time out of range");
  }
  const std::chrono::sys_seconds when =
      std::chrono::sys_days(date) + std::chrono::hours(hour) +
      std::chrono::minutes(minute) + std::chrono::seconds(second) -
      std::chrono::minutes(offset_minutes);
  const UnixMillis result =
      static_cast<UnixMillis>(when.time_since_epoch().count()) * 1000 + millis;
  if (result < 0) return Status::Error("date and time out of range");
  return result;
}

std::string FormatGraphDateTime(UnixMillis when) {
  const std::chrono::sys_seconds seconds{std::chrono::seconds(when / 1000)};
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss time{seconds - days};
  char out[32];
  std::snprintf(
      out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02dZ",
      static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
      static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
      static_cast<int>(time.minutes().count()),
      static_cast<int>(time.seconds().count()));
  return out;
}

std::optional<UnixMillis> ParseHttpDate(const std::string& value) {
  // IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT".
  std::istringstream in(value);
  std::string weekday, month_name, zone;
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  char colon1 = 0, colon2 = 0;
  in >> weekday >> day >> month_name >> year >> hour >> colon1 >> minute >>
      colon2 >> second >> zone;
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  unsigned month = 0;
  for (unsigned i = 0; i < 12; ++i) {
    if (month_name == kMonths[i]) month = i + 1;
  }
  if (in.fail() || month == 0 || colon1 != ':' || colon2 != ':' ||
      zone != "GMT" || year < 1970 || year > 9999 || day < 1 || hour < 0 ||
      hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{
      std::chrono::year(year), std::chrono::month(month),
      std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  const std::chrono::sys_seconds when =
      std::chrono::sys_days(date) + std::chrono::hours(hour) +
      std::chrono::minutes(minute) + std::chrono::seconds(second);
  return static_cast<UnixMillis>(when.time_since_epoch().count()) * 1000;
}

std::string SignInFailuresUrl(const std::string& graph, UnixMillis since,
                              int top) {
  // `in` is not among the operators the signIn docs list for
  // status/errorCode; `eq` joined by `or` is.
  std::string codes;
  for (const PtaErrorCode& entry : PtaErrorCodes()) {
    if (!codes.empty()) codes += " or ";
    codes += "status/errorCode eq " + std::to_string(entry.code);
  }
  const std::string filter = "createdDateTime ge " +
                             FormatGraphDateTime(since) + " and (" + codes +
                             ")";
  return TrimSlash(graph) +
         "/v1.0/auditLogs/signIns?$filter=" + FormEncode(filter) +
         "&$top=" + std::to_string(top);
}

std::string OrganizationUrl(const std::string& graph) {
  return TrimSlash(graph) +
         "/v1.0/organization?$select=onPremisesSyncEnabled,"
         "onPremisesLastSyncDateTime,onPremisesLastPasswordSyncDateTime";
}

StatusOr<SignInPage> ParseSignInPage(const std::string& body) {
  StatusOr<GraphCollection> collection = ParseGraphCollection(body);
  if (!collection.ok()) return collection.status();
  SignInPage page;
  for (const json& item : collection->value) {
    if (!item.is_object()) {
      return Status::Error(
          "Graph's answer has a sign-in that is not an object");
    }
    auto id = item.find("id");
    if (id == item.end() || !id->is_string() || !UsableId(*id)) {
      return Status::Error("Graph's answer has a sign-in without a usable id");
    }
    auto created = OptionalDateTime(item, "createdDateTime");
    if (!created.ok()) {
      return Status::Error("Graph's answer has a sign-in with a bad " +
                           created.status().message());
    }
    if (!created->has_value()) {
      return Status::Error(
          "Graph's answer has a sign-in without createdDateTime");
    }
    auto status = item.find("status");
    const json* code = nullptr;
    if (status != item.end() && status->is_object()) {
      auto it = status->find("errorCode");
      if (it != status->end()) code = &*it;
    }
    if (code == nullptr || !code->is_number_integer()) {
      return Status::Error(
          "Graph's answer has a sign-in without a numeric status.errorCode");
    }
    const long long number = code->get<long long>();
    if (number < 0 || number > 0x7fffffff ||
        PtaReason(static_cast<int>(number)) == nullptr) {
      ++page.other_codes;
      continue;
    }
    page.failures.push_back(SignInFailure{id->get<std::string>(),
                                          static_cast<int>(number), **created});
  }
  if (!collection->next_link.empty()) page.next_link = collection->next_link;
  return page;
}

StatusOr<DirectorySync> ParseOrganization(const std::string& body) {
  StatusOr<GraphCollection> collection = ParseGraphCollection(body);
  if (!collection.ok()) return collection.status();
  if (collection->value.empty() || !collection->value.front().is_object()) {
    return Status::Error("Graph's answer has no organization");
  }
  const json& organization = collection->value.front();
  DirectorySync sync;
  auto enabled = organization.find("onPremisesSyncEnabled");
  if (enabled != organization.end() && !enabled->is_null()) {
    if (!enabled->is_boolean()) {
      return Status::Error(
          "Graph's answer has an onPremisesSyncEnabled that is not a "
          "boolean");
    }
    sync.enabled = enabled->get<bool>();
  }
  for (auto [key, target] :
       {std::pair{"onPremisesLastSyncDateTime", &sync.last_sync},
        std::pair{"onPremisesLastPasswordSyncDateTime",
                  &sync.last_password_sync}}) {
    auto when = OptionalDateTime(organization, key);
    if (!when.ok()) {
      return Status::Error("Graph's organization has a bad " +
                           when.status().message());
    }
    *target = *when;
  }
  return sync;
}

const char* QueryFailureReason(QueryFailure failure) {
  switch (failure) {
    case QueryFailure::kNotLicensed:
      return "not_licensed";
    case QueryFailure::kForbidden:
      return "forbidden";
    case QueryFailure::kUnauthorized:
      return "unauthorized";
    case QueryFailure::kThrottled:
      return "throttled";
    case QueryFailure::kUnreachable:
      return "unreachable";
    case QueryFailure::kBadResponse:
      return "bad_response";
  }
  return "bad_response";
}

const std::vector<std::string>& AvailabilityReasons() {
  static const std::vector<std::string> kReasons = {
      "ok",        "not_licensed", "forbidden",   "unauthorized",
      "throttled", "unreachable",  "bad_response"};
  return kReasons;
}

QueryFailure ClassifyHttpFailure(long http_status,
                                 const std::string& graph_error_code) {
  if (http_status == 0) return QueryFailure::kUnreachable;
  if (http_status == 401) return QueryFailure::kUnauthorized;
  if (http_status == 429 || http_status == 503) return QueryFailure::kThrottled;
  if (http_status == 403) {
    return graph_error_code ==
                   "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
               ? QueryFailure::kNotLicensed
               : QueryFailure::kForbidden;
  }
  return QueryFailure::kBadResponse;
}

}  // namespace entra_pta::cloud
