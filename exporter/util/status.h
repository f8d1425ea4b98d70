// Status and StatusOr<T>: an operation's outcome as a value (ok, or an error
// message an administrator can act on), so scrape-time failures travel as
// data instead of exceptions. The project's one error idiom: functions that
// produce a value or fail return StatusOr<T>, never std::variant<T, Status>.
// Thread-safety: plain value types; distinct objects are independent.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace entra_pta {

class Status {
 public:
  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    Status s;
    s.ok_ = false;
    s.message_ = std::move(message);
    return s;
  }

  bool ok() const { return ok_; }
  // Empty when ok(); otherwise a sentence an administrator can act on.
  const std::string& message() const { return message_; }

 private:
  Status() = default;
  bool ok_ = true;
  std::string message_;
};

// A T, or the error Status that explains why there is none. Built from a T
// (implicitly, so `return value;` works) or from an error Status; building it
// from an ok Status is a programming error (asserted, and kept as an error
// whose message says so in release builds rather than pretending success).
template <typename T>
class StatusOr {
  static_assert(!std::is_same_v<std::remove_cvref_t<T>, Status>,
                "StatusOr<Status> makes no sense; return Status");

 public:
  StatusOr(const T& value) : value_(value) {}  // NOLINT: implicit by design
  StatusOr(T&& value) : value_(std::move(value)) {}  // NOLINT
  StatusOr(Status status)  // NOLINT: implicit, `return Status::Error(...)`
      : status_(std::move(status)) {
    assert(!status_.ok());
    if (status_.ok()) {
      status_ = Status::Error(
          "internal error: StatusOr built from an ok Status without a value");
    }
  }

  bool ok() const { return value_.has_value(); }
  // Status::Ok() when a value is held.
  const Status& status() const { return status_; }

  // Only when ok().
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T& value() & {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_ = Status::Ok();
  std::optional<T> value_;
};

}  // namespace entra_pta
