// Status: an operation's outcome as a value (ok, or an error message), so
// scrape-time failures travel as data instead of exceptions.
// Thread-safety: a plain value type; distinct objects are independent.
#pragma once

#include <string>
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

}  // namespace entra_pta
