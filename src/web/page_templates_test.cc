#include "web/page_templates.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/test_databases.h"

namespace bisk {
namespace {

using ::testing::HasSubstr;

class PageTemplatesTest : public ::testing::Test {
 protected:
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_.file(name)) << text; }
  PageTemplates load() { return PageTemplates::load(dir_.path()); }

  testing::TempDir dir_;
};

TEST_F(PageTemplatesTest, EscapesEveryValueForHtml) {
  write("page.mustache", "<p title=\"{{name}}\">{{name}}</p>");
  const std::string html = load().render("page", Json{{"name", "<script>alert('x')</script>\"&"}});
  EXPECT_EQ(html,
            "<p title=\"&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&quot;&amp;\">"
            "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&quot;&amp;</p>");
}

TEST_F(PageTemplatesTest, ListsRepeatNullAndFalseHideNumbersRender) {
  write("page.mustache",
        "{{#rows}}[{{id}}:{{fps}}{{#error}} !{{error}}{{/error}}]{{/rows}}{{^rows}}none{{/rows}}"
        "{{#flag}}F{{/flag}}{{#missing}}M{{/missing}}");
  const Json view = {{"rows", Json::array({{{"id", 1}, {"fps", 5.5}, {"error", nullptr}},
                                           {{"id", 2}, {"fps", 0}, {"error", "lost"}}})},
                     {"flag", false},
                     {"missing", nullptr}};
  EXPECT_EQ(load().render("page", view), "[1:5.5][2:0 !lost]");
  EXPECT_EQ(load().render("page", Json{{"rows", Json::array()}}), "none");
}

TEST_F(PageTemplatesTest, EveryTemplateIsAPartial) {
  write("page.mustache", "{{> header}}<main>{{body}}</main>");
  write("header.mustache", "<h1>{{title}}</h1>");
  EXPECT_EQ(load().render("page", Json{{"title", "A&B"}, {"body", "x"}}), "<h1>A&amp;B</h1><main>x</main>");
}

TEST_F(PageTemplatesTest, UnknownTemplatesAndBrokenOnesAreNamed) {
  write("page.mustache", "{{#open}}never closed");
  const PageTemplates templates = load();
  try {
    templates.render("nope", Json::object());
    FAIL() << "an unknown template rendered";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("nope"));
  }
  try {
    templates.render("page", Json::object());
    FAIL() << "a broken template rendered";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("page"));
  }
}

TEST_F(PageTemplatesTest, AnEmptyDirectoryIsAClearError) {
  write("notes.txt", "not a template");
  try {
    load();
    FAIL() << "a directory without templates loaded";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr(dir_.path()));
    EXPECT_THAT(error.what(), HasSubstr("BISK_WEB_DIR"));
  }
}

}  // namespace
}  // namespace bisk
