// JPEG and PNG in and out, on libjpeg-turbo and libpng directly.
//
// OpenCV's imgcodecs would do the same, but Debian builds it against GDAL,
// GDCM, poppler and a hundred more libraries: linking it made every `bisk`
// process (each runner included) load 120 extra shared libraries, ~40 MiB of
// resident memory and ~15 ms of dynamic linking at each start. Photos for
// enrollment arrive as JPEG or PNG, crops and snapshots leave as JPEG: these
// two codecs are all BISK needs.
//
// Colour order is BGR everywhere, as cv::imread gives it and as the decoder
// hands out live frames (see face_detector.h). A JPEG's EXIF orientation is
// applied on decoding, as cv::imread does: phone photos are often stored
// sideways with a tag saying so.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace bisk {

// 8-bit BGR (CV_8UC3) or grey (CV_8UC1) image to baseline JPEG, quality
// 1-100. Throws std::invalid_argument for another image type or an empty one.
std::vector<unsigned char> encode_jpeg(const cv::Mat& image, int quality);

// A JPEG or PNG image (recognised by its first bytes) as 8-bit BGR; grey,
// palette, 16-bit and alpha images are converted (alpha dropped). An empty
// Mat when the bytes are not a readable JPEG or PNG.
cv::Mat decode_image(std::span<const unsigned char> bytes);

// decode_image of a file's contents; empty when it cannot be read.
cv::Mat read_image(const std::filesystem::path& path);

}  // namespace bisk
