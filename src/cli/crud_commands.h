// `bisk NOUN add|list|show|update|delete` for one entity, generated from its
// traits (see catalog_commands.cc): fields, store, JSON form and table row.
#pragma once

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/cli_error.h"
#include "cli/command_context.h"
#include "cli/field_flags.h"
#include "cli/output.h"

namespace bisk {

// Finds an entity by id ("12") or by its label (name or code); nullopt when
// neither matches. Traits::kLabelFirst says which wins when a label is numeric
// (student codes often are; camera names rarely).
template <typename Traits>
std::optional<typename Traits::Entity> find_entity(typename Traits::Store& store, const std::string& key) {
  if constexpr (Traits::kLabelFirst) {
    if (auto found = Traits::find_by_label(store, key)) return found;
  }
  if (!key.empty() && key.size() < 19 && key.find_first_not_of("0123456789") == std::string::npos) {
    if (auto found = store.find(std::stoll(key))) return found;
  }
  if constexpr (!Traits::kLabelFirst) return Traits::find_by_label(store, key);
  return std::nullopt;
}

template <typename Traits>
typename Traits::Entity require_entity(typename Traits::Store& store, const std::string& key) {
  auto found = find_entity<Traits>(store, key);
  if (!found) throw CommandError(std::string(Traits::kNoun) + " '" + key + "' does not exist");
  return *found;
}

template <typename Traits>
std::string describe(const typename Traits::Entity& entity) {
  return std::string(Traits::kNoun) + " " + std::to_string(entity.id) + " (" + Traits::label(entity) + ")";
}

template <typename Traits>
void print_entity(CommandContext& context, const typename Traits::Entity& entity, bool as_json) {
  const Json json = Traits::to_json(entity, context.zone());
  if (as_json) {
    std::cout << json.dump(2) << "\n";
  } else {
    print_record(std::cout, json);
  }
}

template <typename Traits>
CLI::App* add_crud_commands(CLI::App& app, CommandContext& context) {
  using Entity = typename Traits::Entity;
  using Store = typename Traits::Store;
  auto* group = app.add_subcommand(Traits::kCommand, Traits::kHelp);
  group->require_subcommand(1);
  auto fields = std::make_shared<std::vector<FieldFlag<Entity>>>(Traits::fields());
  const std::string key_help = Traits::kKeyHelp;

  {
    auto* add = group->add_subcommand("add", std::string("Create a ") + Traits::kNoun);
    auto given = std::make_shared<GivenFields<Entity>>();
    given->add_options(add, *fields);
    auto as_json = std::make_shared<bool>(false);
    add->add_flag("--json", *as_json, "Print the created record as JSON");
    add->callback([&context, fields, given, as_json] {
      for (const auto& flag : *fields) {
        if (flag.required_on_add && !given->given(flag.name)) throw UsageError("--" + flag.name + " is required");
      }
      Entity entity;
      FieldContext field_context{context.database(), context.zone()};
      given->apply(entity, *fields, field_context);
      Store store(context.database());
      entity.id = store.add(entity);
      if (*as_json) {
        print_entity<Traits>(context, *store.find(entity.id), true);
      } else {
        std::cout << "Created " << describe<Traits>(entity) << ".\n";
      }
    });
  }
  {
    auto* list = group->add_subcommand("list", std::string("List every ") + Traits::kNoun);
    auto as_json = std::make_shared<bool>(false);
    list->add_flag("--json", *as_json, "Print a JSON array");
    list->callback([&context, as_json] {
      Store store(context.database());
      Json rows = Json::array();
      for (const auto& entity : store.list()) {
        rows.push_back(*as_json ? Traits::to_json(entity, context.zone()) : Traits::table_row(entity, context.zone()));
      }
      if (*as_json) {
        std::cout << rows.dump(2) << "\n";
      } else {
        print_table(std::cout, Traits::table_columns(), rows);
      }
    });
  }
  {
    auto* show = group->add_subcommand("show", std::string("Show one ") + Traits::kNoun);
    auto key = std::make_shared<std::string>();
    show->add_option("key", *key, key_help)->required();
    auto as_json = std::make_shared<bool>(false);
    show->add_flag("--json", *as_json, "Print JSON");
    show->callback([&context, key, as_json] {
      Store store(context.database());
      print_entity<Traits>(context, require_entity<Traits>(store, *key), *as_json);
    });
  }
  {
    auto* update = group->add_subcommand("update", std::string("Change the given fields of a ") + Traits::kNoun);
    auto key = std::make_shared<std::string>();
    update->add_option("key", *key, key_help)->required();
    auto given = std::make_shared<GivenFields<Entity>>();
    given->add_options(update, *fields);
    update->callback([&context, fields, key, given] {
      if (!given->any_given()) throw UsageError("nothing to update: give at least one field flag (see --help)");
      Store store(context.database());
      Entity entity = require_entity<Traits>(store, *key);
      FieldContext field_context{context.database(), context.zone()};
      given->apply(entity, *fields, field_context);
      store.update(entity);
      std::cout << "Updated " << describe<Traits>(entity) << ".\n";
    });
  }
  {
    auto* remove = group->add_subcommand("delete", std::string("Delete a ") + Traits::kNoun);
    auto key = std::make_shared<std::string>();
    remove->add_option("key", *key, key_help)->required();
    remove->callback([&context, key] {
      Store store(context.database());
      Entity entity = require_entity<Traits>(store, *key);
      store.remove(entity.id);
      std::cout << "Deleted " << describe<Traits>(entity) << ".\n";
    });
  }
  return group;
}

}  // namespace bisk
