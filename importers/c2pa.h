// C2PA manifest stores (JUMBF boxes with CBOR assertions), read without validation: the
// result is what the file claims, never a verified fact. Containers: PNG `caBX`, JPEG
// APP11 segments (reassembled by the JPEG reader), WebP `C2PA` chunk.
// See ../shared/FORMATS.md section 7.
#pragma once

#include <string_view>

#include "core/record.h"
#include "core/result.h"

namespace provena {

// `jumbf` is the manifest store: a JUMBF superbox whose description box has the C2PA
// store UUID. The active manifest is the last one. claim_generator comes from its claim
// (`claim_generator`, or `claim_generator_info.name` in claim v2, first entry if a list);
// digital_source_type is the digitalSourceType of a c2pa.created action, searching the
// active manifest first and then earlier manifests from newest to oldest; failing that
// the first digitalSourceType of any action in the active manifest; else none.
// Bounded: box nesting, CBOR depth and item counts are limited (named constants).
Result<C2paClaim> read_c2pa_manifest_store(std::string_view jumbf);

}  // namespace provena
