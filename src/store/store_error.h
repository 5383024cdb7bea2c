#pragma once

#include <stdexcept>
#include <string>

namespace bisk {

// What went wrong in the store, in terms a caller can map to an exit code or
// an HTTP status (kNotFound → 404, kConflict → 409, kInvalid → 422,
// kSchema → "run bisk migrate", kUnavailable → cannot reach the database).
class StoreError : public std::runtime_error {
 public:
  enum class Kind { kNotFound, kConflict, kInvalid, kSchema, kUnavailable };
  StoreError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

}  // namespace bisk
