// How the value types of the entities are bound to SQL parameters and results
// (SOCI type conversions), identically on both backends:
//   std::optional<T>  NULL when empty
//   bool              INTEGER 0/1 (no boolean type is shared by SQLite and PostgreSQL)
//   Instant           BIGINT milliseconds since the Unix epoch (columns named *_at)
//   LocalDate         TEXT 'YYYY-MM-DD', which sorts and compares as dates
#pragma once

#include <optional>
#include <string>

#include <soci/soci.h>

#include "common/time.h"

namespace soci {

template <typename T>
struct type_conversion<std::optional<T>> {
  using base_type = typename type_conversion<T>::base_type;

  static void from_base(const base_type& in, indicator ind, std::optional<T>& out) {
    if (ind == i_null) {
      out.reset();
      return;
    }
    T value{};
    type_conversion<T>::from_base(in, ind, value);
    out = std::move(value);
  }

  static void to_base(const std::optional<T>& in, base_type& out, indicator& ind) {
    if (in) {
      type_conversion<T>::to_base(*in, out, ind);
    } else {
      ind = i_null;
    }
  }
};

template <>
struct type_conversion<bool> {
  using base_type = int;
  static void from_base(int in, indicator ind, bool& out) {
    if (ind == i_null) throw soci_error("NULL fetched for a boolean column");
    out = in != 0;
  }
  static void to_base(bool in, int& out, indicator& ind) {
    out = in ? 1 : 0;
    ind = i_ok;
  }
};

template <>
struct type_conversion<bisk::Instant> {
  using base_type = long long;
  static void from_base(long long in, indicator ind, bisk::Instant& out) {
    if (ind == i_null) throw soci_error("NULL fetched for an instant column");
    out = bisk::from_epoch_ms(in);
  }
  static void to_base(bisk::Instant in, long long& out, indicator& ind) {
    out = bisk::to_epoch_ms(in);
    ind = i_ok;
  }
};

template <>
struct type_conversion<bisk::LocalDate> {
  using base_type = std::string;
  static void from_base(const std::string& in, indicator ind, bisk::LocalDate& out) {
    if (ind == i_null) throw soci_error("NULL fetched for a date column");
    const auto date = bisk::parse_date(in);
    if (!date) throw soci_error("malformed date '" + in + "' in the database");
    out = *date;
  }
  static void to_base(bisk::LocalDate in, std::string& out, indicator& ind) {
    out = bisk::format_date(in);
    ind = i_ok;
  }
};

}  // namespace soci
