// `bisk enroll --student CODE PHOTO...`: face templates from photos.

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "common/text.h"
#include "runner/image_codec.h"
#include "store/catalog_stores.h"
#include "web/enrollment.h"

namespace bisk {

void add_enrollment_commands(CLI::App& app, CommandContext& context) {
  auto* enroll = app.add_subcommand("enroll", "Add face templates of a student from photos (one face each)");
  auto code = std::make_shared<std::string>();
  auto photos = std::make_shared<std::vector<std::string>>();
  enroll->add_option("--student", *code, "Student code")->required();
  enroll->add_option("photos", *photos, "JPEG or PNG photos, each showing the student's face")->required();
  enroll->callback([&context, code, photos] {
    Database& db = context.database();
    const auto student = StudentStore(db).find_by_code(*code);
    if (!student)
      throw CommandError("there is no student with code " + bisk::quoted(*code) + " (see bisk student list)");
    std::unique_ptr<FacePipeline> pipeline;
    try {
      pipeline = std::make_unique<FacePipeline>(context.settings().model_dir);
    } catch (const std::runtime_error& error) {
      throw CommandError(error.what());
    }
    int refused = 0;
    for (const std::string& path : *photos) {
      const cv::Mat photo = read_image(path);
      if (photo.empty()) {
        std::cout << path << ": refused: cannot read it as an image (JPEG or PNG expected)\n";
        ++refused;
        continue;
      }
      const EnrollmentResult result =
          enroll_photo(db, *pipeline, student->id, photo, std::filesystem::path(path).filename().string());
      if (result.template_id) {
        std::cout << path << ": enrolled (template " << *result.template_id << ", face "
                  << static_cast<int>(result.face_px) << " px)\n";
      } else {
        std::cout << path << ": refused: " << result.reason << "\n";
        ++refused;
      }
    }
    if (refused > 0) throw CommandExit(1);
  });
}

}  // namespace bisk
