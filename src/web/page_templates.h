// The dashboard's HTML templates: web/templates/<name>.mustache, read once
// when `bisk serve` starts. Views are JSON objects; Mustache escapes every
// {{value}} for HTML, so user-supplied text is never written unescaped
// ({{{triple}}} is not used by any template).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "domain/entity_json.h"

namespace bisk {

class PageTemplates {
 public:
  // Reads every *.mustache of `dir`. Throws std::runtime_error naming the
  // directory and the fix when it holds none or one cannot be read.
  static PageTemplates load(const std::filesystem::path& dir);

  // Renders template `name` with `view` (a JSON object; null and false hide a
  // {{#section}}, lists repeat it). Every template is also a partial,
  // {{> name}}. Throws std::runtime_error for an unknown template or a
  // template error, naming the template.
  std::string render(std::string_view name, const Json& view) const;

 private:
  std::map<std::string, std::string, std::less<>> sources_;
};

}  // namespace bisk
