// Containers: where metadata sits inside PNG, JPEG and WebP files. Each reader walks the
// file's structure without decoding pixels and returns every text item it finds, named
// so format readers need not care which container it came from:
//   PNG text chunk        key = keyword ("parameters", "prompt", ...), container tEXt/zTXt/iTXt/comf
//   EXIF field            key = "exif:UserComment", "exif:Model", "exif:Make", "exif:ImageDescription",
//                         "exif:Software", "exif:DocumentName", "exif:Artist", "exif:MakerNote", container "exif"
//   XMP packet            key = "XML:com.adobe.xmp" (as in PNG), container "xmp"
//   JPEG COM segment      key = "comment", or "parameters" for stable-diffusion.cpp's
//                         "parameters\0<text>" layout, container "COM"
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/result.h"

namespace provena {

struct FileMetadata {
  ImageInfo image;
  std::vector<RawText> texts;
  std::string c2pa;  // JUMBF manifest store (PNG caBX, JPEG APP11, WebP C2PA), if any
  std::vector<std::string> warnings;  // metadata left out of a file still read (PngMetadata::warnings)
};

// Picks the container by magic bytes. Errors name the structure and offset.
Result<FileMetadata> read_container(std::string_view bytes);

Result<FileMetadata> read_jpeg(std::string_view bytes);
Result<FileMetadata> read_webp(std::string_view bytes);

// EXIF (a TIFF structure): appends the fields above from IFD0 and the Exif sub-IFD.
Status read_exif(std::string_view tiff, std::vector<RawText>& out);

// EXIF UserComment: 8-byte charset prefix then text. "UNICODE\0" is UTF-16 whose byte
// order is detected from the data (writers disagree with their TIFF header).
std::string decode_user_comment(std::string_view value);

}  // namespace provena
