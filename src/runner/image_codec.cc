#include "runner/image_codec.h"

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>
#include <png.h>

namespace bisk {
namespace {

// Larger images are refused before any pixel memory is allocated: a small
// file can declare a huge image (a decompression bomb). 64 MP is above any
// phone camera.
constexpr unsigned long long kMaxPixels = 64ull * 1000 * 1000;

// --- libjpeg error handling: errors longjmp back to the one function that
// called setjmp, which owns no C++ object whose destructor would be skipped
// (the results go to objects of its caller through pointers).

struct JpegError {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
};

[[noreturn]] void jpeg_fail(j_common_ptr info) { std::longjmp(reinterpret_cast<JpegError*>(info->err)->jump, 1); }

void jpeg_quiet(j_common_ptr) {}  // warnings (e.g. a truncated file) are not printed

JpegError* init_jpeg_error(JpegError* error) {
  jpeg_std_error(&error->manager);
  error->manager.error_exit = jpeg_fail;
  error->manager.output_message = jpeg_quiet;
  return error;
}

// --- EXIF orientation (TIFF tag 0x0112 in IFD0 of the APP1 "Exif" segment).

unsigned read16(const unsigned char* p, bool big_endian) {
  return big_endian ? (p[0] << 8) | p[1] : (p[1] << 8) | p[0];
}

unsigned long read32(const unsigned char* p, bool big_endian) {
  return big_endian ? (static_cast<unsigned long>(read16(p, true)) << 16) | read16(p + 2, true)
                    : (static_cast<unsigned long>(read16(p + 2, false)) << 16) | read16(p, false);
}

// 1 (as stored) when absent or unreadable.
int exif_orientation(const unsigned char* data, std::size_t size) {
  if (size < 14 || std::memcmp(data, "Exif\0\0", 6) != 0) return 1;
  const unsigned char* tiff = data + 6;
  const std::size_t tiff_size = size - 6;
  bool big_endian = false;
  if (std::memcmp(tiff, "MM", 2) == 0) {
    big_endian = true;
  } else if (std::memcmp(tiff, "II", 2) != 0) {
    return 1;
  }
  if (read16(tiff + 2, big_endian) != 42) return 1;
  const unsigned long ifd = read32(tiff + 4, big_endian);
  if (ifd + 2 > tiff_size) return 1;
  const unsigned entries = read16(tiff + ifd, big_endian);
  for (unsigned i = 0; i < entries; ++i) {
    const std::size_t at = ifd + 2 + 12 * static_cast<std::size_t>(i);
    if (at + 12 > tiff_size) return 1;
    if (read16(tiff + at, big_endian) != 0x0112) continue;
    const unsigned value = read16(tiff + at + 8, big_endian);  // a SHORT, left-justified in the value field
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

cv::Mat apply_orientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:
      cv::flip(image, out, 1);
      return out;
    case 3:
      cv::rotate(image, out, cv::ROTATE_180);
      return out;
    case 4:
      cv::flip(image, out, 0);
      return out;
    case 5:
      cv::transpose(image, out);
      return out;
    case 6:
      cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
      return out;
    case 7:
      cv::transpose(image, out);
      cv::rotate(out, out, cv::ROTATE_180);
      return out;
    case 8:
      cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      return out;
    default:
      return image;
  }
}

// --- JPEG

// Decodes into *out (BGR) and *orientation; false on any error.
bool decode_jpeg_into(const unsigned char* data, std::size_t size, cv::Mat* out, int* orientation) {
  jpeg_decompress_struct info;
  JpegError error;
  info.err = &init_jpeg_error(&error)->manager;
  jpeg_create_decompress(&info);
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_mem_src(&info, data, static_cast<unsigned long>(size));
  jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&info, TRUE);
  for (jpeg_saved_marker_ptr marker = info.marker_list; marker != nullptr; marker = marker->next) {
    if (marker->marker == JPEG_APP0 + 1) *orientation = exif_orientation(marker->data, marker->data_length);
  }
  if (static_cast<unsigned long long>(info.image_width) * info.image_height > kMaxPixels) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  info.out_color_space = JCS_EXT_BGR;  // grey and YCbCr convert; CMYK does not (an error)
  jpeg_start_decompress(&info);
  out->create(static_cast<int>(info.output_height), static_cast<int>(info.output_width), CV_8UC3);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = out->ptr(static_cast<int>(info.output_scanline));
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
}

// Encodes into *jpeg (malloc'ed by libjpeg, *jpeg_size bytes); false on error.
bool encode_jpeg_into(const cv::Mat* image, int quality, unsigned char** jpeg, unsigned long* jpeg_size) {
  jpeg_compress_struct info;
  JpegError error;
  info.err = &init_jpeg_error(&error)->manager;
  jpeg_create_compress(&info);
  if (setjmp(error.jump)) {
    jpeg_destroy_compress(&info);
    return false;
  }
  jpeg_mem_dest(&info, jpeg, jpeg_size);
  info.image_width = static_cast<JDIMENSION>(image->cols);
  info.image_height = static_cast<JDIMENSION>(image->rows);
  info.input_components = image->channels();
  info.in_color_space = image->channels() == 3 ? JCS_EXT_BGR : JCS_GRAYSCALE;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  while (info.next_scanline < info.image_height) {
    // libjpeg does not write through the row pointer.
    JSAMPROW row = const_cast<JSAMPROW>(image->ptr(static_cast<int>(info.next_scanline)));
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  return true;
}

cv::Mat decode_jpeg(std::span<const unsigned char> bytes) {
  cv::Mat image;
  int orientation = 1;
  if (!decode_jpeg_into(bytes.data(), bytes.size(), &image, &orientation)) return cv::Mat();
  return apply_orientation(image, orientation);
}

// --- PNG (libpng's simplified API: any bit depth, palette, grey or alpha in, 8-bit BGR out)

cv::Mat decode_png(std::span<const unsigned char> bytes) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) return cv::Mat();
  if (static_cast<unsigned long long>(image.width) * image.height > kMaxPixels) {
    png_image_free(&image);
    return cv::Mat();
  }
  image.format = PNG_FORMAT_BGR;  // alpha, if any, is composited away
  cv::Mat out(static_cast<int>(image.height), static_cast<int>(image.width), CV_8UC3);
  if (!png_image_finish_read(&image, nullptr, out.data, static_cast<png_int_32>(out.step[0]), nullptr)) {
    png_image_free(&image);
    return cv::Mat();
  }
  return out;
}

}  // namespace

std::vector<unsigned char> encode_jpeg(const cv::Mat& image, int quality) {
  if (image.empty() || image.depth() != CV_8U || (image.channels() != 3 && image.channels() != 1))
    throw std::invalid_argument("encode_jpeg: an 8-bit BGR or grey image is needed");
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  const bool ok = encode_jpeg_into(&image, std::clamp(quality, 1, 100), &jpeg, &size);
  std::vector<unsigned char> out;
  if (ok) out.assign(jpeg, jpeg + size);
  std::free(jpeg);
  if (!ok) throw std::runtime_error("encode_jpeg: libjpeg failed");
  return out;
}

cv::Mat decode_image(std::span<const unsigned char> bytes) {
  static constexpr unsigned char kJpeg[] = {0xFF, 0xD8, 0xFF};
  static constexpr unsigned char kPng[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() >= sizeof kJpeg && std::memcmp(bytes.data(), kJpeg, sizeof kJpeg) == 0) return decode_jpeg(bytes);
  if (bytes.size() >= sizeof kPng && std::memcmp(bytes.data(), kPng, sizeof kPng) == 0) return decode_png(bytes);
  return cv::Mat();
}

cv::Mat read_image(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return cv::Mat();
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return decode_image(bytes);
}

}  // namespace bisk
