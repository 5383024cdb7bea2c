// Entity fields as command-line flags: one table per entity drives both
// `add` (defaults, then the given flags) and `update` (the stored record, then
// the given flags), so the two can never disagree about a field.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/time.h"
#include "store/database.h"

namespace bisk {

struct FieldContext {
  Database& db;
  TimeZone zone;
};

template <typename Entity>
struct FieldFlag {
  std::string name;  // the API field name; the flag is --name, also spelled with dashes
  std::string help;
  bool required_on_add = false;
  bool repeatable = false;  // each occurrence adds one value
  // Applies the given values (one unless repeatable) to the entity; throws UsageError.
  std::function<void(Entity&, const std::vector<std::string>&, FieldContext&)> apply;
};

// A single-valued field from a function of (entity, value).
template <typename Entity, typename Setter>
FieldFlag<Entity> field(std::string name, std::string help, Setter setter, bool required_on_add = false) {
  return FieldFlag<Entity>{std::move(name), std::move(help), required_on_add, false,
                           [setter](Entity& entity, const std::vector<std::string>& values, FieldContext&) {
                             setter(entity, values.back());
                           }};
}

// The values given on one command line, by field name.
template <typename Entity>
class GivenFields {
 public:
  void add_options(CLI::App* command, const std::vector<FieldFlag<Entity>>& fields) {
    for (const auto& flag : fields) {
      std::string names = "--" + flag.name;
      std::string dashed = flag.name;
      std::replace(dashed.begin(), dashed.end(), '_', '-');
      if (dashed != flag.name) names += ",--" + dashed;
      auto* option = command->add_option(names, values_[flag.name], flag.help);
      if (!flag.repeatable) option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
      option->type_size(1)->allow_extra_args(false);
    }
  }

  bool given(const std::string& name) const {
    auto it = values_.find(name);
    return it != values_.end() && !it->second.empty();
  }
  bool any_given() const {
    for (const auto& [name, values] : values_)
      if (!values.empty()) return true;
    return false;
  }

  // Applies every given field, in table order.
  void apply(Entity& entity, const std::vector<FieldFlag<Entity>>& fields, FieldContext& context) const {
    for (const auto& flag : fields) {
      if (given(flag.name)) flag.apply(entity, values_.at(flag.name), context);
    }
  }

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace bisk
