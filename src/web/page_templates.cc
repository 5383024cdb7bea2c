#include "web/page_templates.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <kainjow/mustache.hpp>

namespace bisk {
namespace {

namespace mustache = kainjow::mustache;

constexpr std::string_view kExtension = ".mustache";

// Numbers render as JSON writes them; null renders nothing and hides a section.
mustache::data to_data(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: {
      mustache::data object{mustache::data::type::object};
      for (const auto& [key, member] : value.items()) object.set(key, to_data(member));
      return object;
    }
    case Json::value_t::array: {
      mustache::data list{mustache::data::type::list};
      for (const Json& item : value) list.push_back(to_data(item));
      return list;
    }
    case Json::value_t::string:
      return mustache::data(value.get_ref<const std::string&>());
    case Json::value_t::boolean:
      return mustache::data(value.get<bool>());
    case Json::value_t::null:
    case Json::value_t::discarded:
      return mustache::data(false);
    default:
      return mustache::data(value.dump());
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw std::runtime_error("cannot read the dashboard template " + path.string());
  return text.str();
}

}  // namespace

PageTemplates PageTemplates::load(const std::filesystem::path& dir) {
  PageTemplates templates;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || !file.ends_with(kExtension)) continue;
    templates.sources_.emplace(file.substr(0, file.size() - kExtension.size()), read_file(entry.path()));
  }
  if (templates.sources_.empty()) {
    throw std::runtime_error("no dashboard templates (*.mustache) in " + dir.string() +
                             ": set BISK_WEB_DIR to the web directory the build assembled (build/web) or installed "
                             "(/usr/share/bisk/web)");
  }
  return templates;
}

std::string PageTemplates::render(std::string_view name, const Json& view) const {
  const auto found = sources_.find(name);
  if (found == sources_.end()) throw std::runtime_error("no dashboard template named " + std::string(name));
  mustache::data context = to_data(view);
  for (const auto& [partial_name, source] : sources_)
    context.set(partial_name, mustache::partial([&source = source] { return source; }));
  // Parsed per render: a parsed template is not safe to share between the
  // server's threads, and parsing costs little next to the page's queries.
  mustache::mustache page{found->second};
  if (!page.is_valid()) throw std::runtime_error("dashboard template " + found->first + ": " + page.error_message());
  std::string html = page.render(context);
  if (!page.is_valid()) throw std::runtime_error("dashboard template " + found->first + ": " + page.error_message());
  return html;
}

}  // namespace bisk
