#include "cli/output.h"

#include <algorithm>
#include <ostream>

namespace bisk {

std::string cell_text(const Json& value) { return display_text(value, ","); }

void print_table(std::ostream& out, const std::vector<std::string>& columns, const Json& rows) {
  std::vector<size_t> widths;
  for (const auto& column : columns) widths.push_back(column.size());
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    auto& line = cells.emplace_back();
    for (size_t i = 0; i < columns.size(); ++i) {
      line.push_back(row.contains(columns[i]) ? cell_text(row[columns[i]]) : "-");
      widths[i] = std::max(widths[i], line.back().size());
    }
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size()) text += std::string(widths[i] - line[i].size() + 2, ' ');
    }
    out << text << "\n";
  };
  print_line(columns);
  for (const auto& line : cells) print_line(line);
}

void print_record(std::ostream& out, const Json& record) {
  for (const auto& [key, value] : record.items()) {
    if (value.is_array() && !value.empty() && value.front().is_object()) {
      out << key << ":\n";
      for (const auto& item : value) {
        std::string line;
        for (const auto& [item_key, item_value] : item.items()) {
          line += (line.empty() ? "  - " : ", ") + item_key + "=" + cell_text(item_value);
        }
        out << line << "\n";
      }
    } else {
      out << key << ": " << cell_text(value) << "\n";
    }
  }
}

}  // namespace bisk
