// Pixels of the images a library holds: PNG (libpng), JPEG (libjpeg) and WebP (libwebp),
// picked by their leading bytes, as 8-bit RGB or RGBA. Bounded by limits.h (dimensions,
// pixel count), errors as values naming the format and the problem.
#pragma once

#include <string_view>

#include "core/png.h"
#include "core/result.h"

namespace provena {

// max_side > 0 lets a JPEG decode at 1/2, 1/4 or 1/8 scale while its longer side stays
// at least max_side (thumbnails: 8x less work on a large photo). 0 = full size, as the
// pixel hash needs. A JPEG stored as CMYK/YCCK comes out as RGB; an animated WebP gives
// its first frame.
Result<Image> decode_image(std::string_view bytes, int max_side = 0);

bool looks_like_jpeg(std::string_view bytes);
bool looks_like_webp(std::string_view bytes);

}  // namespace provena
