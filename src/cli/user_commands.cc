// `bisk user add|list|delete|passwd` and `bisk token create`: operators of
// the HTTP API. Passwords come from standard input only; the command line is
// visible in the process list and the shell history.

#include <iostream>
#include <memory>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "common/text.h"
#include "store/user_store.h"
#include "web/auth.h"

namespace bisk {
namespace {

// One line of standard input, without its line ending.
std::string read_password(bool password_stdin) {
  if (!password_stdin) {
    throw UsageError(
        "pass --password-stdin and write the password to standard input (e.g. printf '%s\\n' \"$PASSWORD\" | "
        "bisk user add NAME --password-stdin): passwords are never taken on the command line, where the process "
        "list and the shell history would show them");
  }
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) throw UsageError("--password-stdin: standard input held no password");
  return password;
}

User require_user(UserStore& users, const std::string& username) {
  auto user = users.find_by_username(username);
  if (!user) throw CommandError("there is no user " + bisk::quoted(username) + " (see bisk user list)");
  return *user;
}

void add_user_add(CLI::App& user, CommandContext& context) {
  auto* add = user.add_subcommand("add", "Add an operator (password read from standard input)");
  auto username = std::make_shared<std::string>();
  auto is_admin = std::make_shared<bool>(false);
  auto password_stdin = std::make_shared<bool>(false);
  add->add_option("name", *username, "User name")->required();
  add->add_flag("--admin", *is_admin, "May use the operator API and the dashboard");
  add->add_flag("--password-stdin", *password_stdin, "Read the password from the first line of standard input");
  add->callback([&context, username, is_admin, password_stdin] {
    User new_user;
    new_user.username = *username;
    new_user.is_admin = *is_admin;
    new_user.password_hash = hash_password(read_password(*password_stdin));
    new_user.created_at = now_instant();
    const Id id = UserStore(context.database()).add(new_user);
    std::cout << "Added " << (*is_admin ? "admin " : "user ") << bisk::quoted(*username) << " (id " << id << ").\n";
  });
}

void add_user_list(CLI::App& user, CommandContext& context) {
  auto* list = user.add_subcommand("list", "List operators");
  auto as_json = std::make_shared<bool>(false);
  list->add_flag("--json", *as_json, "Print a JSON array");
  list->callback([&context, as_json] {
    Json rows = Json::array();
    for (const User& user : UserStore(context.database()).list()) rows.push_back(to_json(user, context.zone()));
    if (*as_json) {
      std::cout << rows.dump(2) << "\n";
    } else {
      print_table(std::cout, {"id", "username", "is_admin", "created_at"}, rows);
    }
  });
}

void add_user_delete(CLI::App& user, CommandContext& context) {
  auto* remove = user.add_subcommand("delete", "Delete an operator with its sessions and tokens");
  auto username = std::make_shared<std::string>();
  remove->add_option("name", *username, "User name")->required();
  remove->callback([&context, username] {
    UserStore users(context.database());
    users.remove(require_user(users, *username).id);
    std::cout << "Deleted user " << bisk::quoted(*username) << " with its sessions and tokens.\n";
  });
}

void add_user_passwd(CLI::App& user, CommandContext& context) {
  auto* passwd = user.add_subcommand("passwd", "Set an operator's password (read from standard input)");
  auto username = std::make_shared<std::string>();
  auto password_stdin = std::make_shared<bool>(false);
  passwd->add_option("name", *username, "User name")->required();
  passwd->add_flag("--password-stdin", *password_stdin, "Read the password from the first line of standard input");
  passwd->callback([&context, username, password_stdin] {
    const std::string password = read_password(*password_stdin);
    UserStore users(context.database());
    users.set_password_hash(require_user(users, *username).id, hash_password(password));
    std::cout << "Changed the password of " << bisk::quoted(*username) << " and ended its sessions.\n";
  });
}

void add_token_create(CLI::App& token, CommandContext& context) {
  auto* create = token.add_subcommand("create", "Create a bearer token for scripts (printed once)");
  auto username = std::make_shared<std::string>();
  auto label = std::make_shared<std::string>();
  create->add_option("--user", *username, "The user the token acts as")->required();
  create->add_option("--name", *label, "A label to recognise the token by");
  create->callback([&context, username, label] {
    UserStore users(context.database());
    const std::string secret = random_token();
    ApiToken api_token;
    api_token.user_id = require_user(users, *username).id;
    api_token.token_hash = token_digest(secret);
    api_token.name = *label;
    api_token.created_at = now_instant();
    users.add_token(api_token);
    std::cout << secret << "\n";
    std::cerr << "note: store this token now; it cannot be shown again. Send it as: Authorization: Bearer <token>\n";
  });
}

}  // namespace

void add_user_commands(CLI::App& app, CommandContext& context) {
  auto* user = app.add_subcommand("user", "Operators of the HTTP API and dashboard: add, list, delete, passwd");
  user->require_subcommand(1);
  add_user_add(*user, context);
  add_user_list(*user, context);
  add_user_delete(*user, context);
  add_user_passwd(*user, context);
  auto* token = app.add_subcommand("token", "Bearer tokens for scripts: create");
  token->require_subcommand(1);
  add_token_create(*token, context);
}

}  // namespace bisk
