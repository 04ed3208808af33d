//===- PngRead.h - PNG images read as gray pixels ---------------*- C++ -*-===//
#ifndef LATHE_RUNTIME_PNGREAD_H
#define LATHE_RUNTIME_PNGREAD_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lathe::rt {

/// Reads a PNG file as 8-bit gray pixels, row by row: gray images as they
/// are, color ones (truecolor or palette) by luma (0.299 R + 0.587 G +
/// 0.114 B, as PIL's convert("L")), transparency composited over black
/// (the background of the Fashion-MNIST images). Takes 8-bit channels
/// without interlacing, and gray images of 1, 2 or 4 bits; false with an
/// error naming the file and what is wrong with it otherwise.
bool readPngGray(const std::string &path, int &width, int &height,
                 std::vector<uint8_t> &gray, std::string &error);

/// The same for a PNG file's bytes; the error says what is wrong with them
/// (without a file name).
bool decodePngGray(const uint8_t *data, size_t size, int &width, int &height,
                   std::vector<uint8_t> &gray, std::string &error);

} // namespace lathe::rt

#endif
