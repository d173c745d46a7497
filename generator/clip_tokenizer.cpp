#include "generator/clip_tokenizer.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>
#include <utility>

#include "core/file_io.h"
#include "core/json_shape.h"
#include "core/text.h"

namespace provena {
namespace {

// CLIP and transformers both read exactly this many merges (49152 - 256 - 2): the BPE file
// holds 262,144, but the text encoder's 49,408-entry embedding only has room for these.
constexpr size_t kClipMergeCount = 48894;
// CLIP's file inflates to 3.2 MB, of which the first 0.5 MB (48,895 lines) are read; a
// file that needs more than this for those lines is not a vocabulary.
constexpr size_t kMaxMergesTextBytes = size_t(64) << 20;
// A CLIP vocabulary has 49,408 ids; vocab.json ids past this are refused rather than
// allocated for.
constexpr int64_t kMaxVocabId = int64_t(1) << 20;
// vocab.json is one flat object {"token": id, ...}; anything deeper or larger is not one.
constexpr int kMaxVocabJsonDepth = 4;
constexpr size_t kMaxVocabJsonValues = size_t(1) << 21;
// Words remembered with their BPE result; the cache is emptied when it reaches this, so a
// stream of distinct words cannot grow it without bound.
constexpr size_t kMaxCachedWords = size_t(1) << 16;
// ftfy repeats its fixes until the text stops changing ("&amp;amp;" takes two rounds);
// real text settles in two or three.
constexpr int kMaxFixRounds = 16;

using U32 = std::u32string;

// ---------------------------------------------------------------------------------------
// Unicode classes. Generated from the tables of Python's `regex` module 2026.5.9 (\p{L}
// and \p{N}, from U+0080) and of Python 3.11 / Unicode 14.0 (category Cf; str.lower()
// where it gives one code point; NFKC of the halfwidth and fullwidth forms U+FF5F..U+FFEF):
// what CLIP's Python code sees. To regenerate, test every code point with regex.match(
// r"\p{L}", chr(c)), unicodedata.category, str.lower and unicodedata.normalize("NFKC") and
// merge the hits into runs.

struct CodeRange {
  char32_t first, last;
};
// `count` code points from `first`, `stride` apart, each lower-casing to itself + `delta`.
struct LowerRun {
  char32_t first;
  int count, stride, delta;
};
struct CodePair {
  char32_t from, to;
};

constexpr CodeRange kLetters[] = {
    {0xAA, 0xAA},       {0xB5, 0xB5},       {0xBA, 0xBA},       {0xC0, 0xD6},       {0xD8, 0xF6},
    {0xF8, 0x2C1},      {0x2C6, 0x2D1},     {0x2E0, 0x2E4},     {0x2EC, 0x2EC},     {0x2EE, 0x2EE},
    {0x370, 0x374},     {0x376, 0x377},     {0x37A, 0x37D},     {0x37F, 0x37F},     {0x386, 0x386},
    {0x388, 0x38A},     {0x38C, 0x38C},     {0x38E, 0x3A1},     {0x3A3, 0x3F5},     {0x3F7, 0x481},
    {0x48A, 0x52F},     {0x531, 0x556},     {0x559, 0x559},     {0x560, 0x588},     {0x5D0, 0x5EA},
    {0x5EF, 0x5F2},     {0x620, 0x64A},     {0x66E, 0x66F},     {0x671, 0x6D3},     {0x6D5, 0x6D5},
    {0x6E5, 0x6E6},     {0x6EE, 0x6EF},     {0x6FA, 0x6FC},     {0x6FF, 0x6FF},     {0x710, 0x710},
    {0x712, 0x72F},     {0x74D, 0x7A5},     {0x7B1, 0x7B1},     {0x7CA, 0x7EA},     {0x7F4, 0x7F5},
    {0x7FA, 0x7FA},     {0x800, 0x815},     {0x81A, 0x81A},     {0x824, 0x824},     {0x828, 0x828},
    {0x840, 0x858},     {0x860, 0x86A},     {0x870, 0x887},     {0x889, 0x88F},     {0x8A0, 0x8C9},
    {0x904, 0x939},     {0x93D, 0x93D},     {0x950, 0x950},     {0x958, 0x961},     {0x971, 0x980},
    {0x985, 0x98C},     {0x98F, 0x990},     {0x993, 0x9A8},     {0x9AA, 0x9B0},     {0x9B2, 0x9B2},
    {0x9B6, 0x9B9},     {0x9BD, 0x9BD},     {0x9CE, 0x9CE},     {0x9DC, 0x9DD},     {0x9DF, 0x9E1},
    {0x9F0, 0x9F1},     {0x9FC, 0x9FC},     {0xA05, 0xA0A},     {0xA0F, 0xA10},     {0xA13, 0xA28},
    {0xA2A, 0xA30},     {0xA32, 0xA33},     {0xA35, 0xA36},     {0xA38, 0xA39},     {0xA59, 0xA5C},
    {0xA5E, 0xA5E},     {0xA72, 0xA74},     {0xA85, 0xA8D},     {0xA8F, 0xA91},     {0xA93, 0xAA8},
    {0xAAA, 0xAB0},     {0xAB2, 0xAB3},     {0xAB5, 0xAB9},     {0xABD, 0xABD},     {0xAD0, 0xAD0},
    {0xAE0, 0xAE1},     {0xAF9, 0xAF9},     {0xB05, 0xB0C},     {0xB0F, 0xB10},     {0xB13, 0xB28},
    {0xB2A, 0xB30},     {0xB32, 0xB33},     {0xB35, 0xB39},     {0xB3D, 0xB3D},     {0xB5C, 0xB5D},
    {0xB5F, 0xB61},     {0xB71, 0xB71},     {0xB83, 0xB83},     {0xB85, 0xB8A},     {0xB8E, 0xB90},
    {0xB92, 0xB95},     {0xB99, 0xB9A},     {0xB9C, 0xB9C},     {0xB9E, 0xB9F},     {0xBA3, 0xBA4},
    {0xBA8, 0xBAA},     {0xBAE, 0xBB9},     {0xBD0, 0xBD0},     {0xC05, 0xC0C},     {0xC0E, 0xC10},
    {0xC12, 0xC28},     {0xC2A, 0xC39},     {0xC3D, 0xC3D},     {0xC58, 0xC5A},     {0xC5C, 0xC5D},
    {0xC60, 0xC61},     {0xC80, 0xC80},     {0xC85, 0xC8C},     {0xC8E, 0xC90},     {0xC92, 0xCA8},
    {0xCAA, 0xCB3},     {0xCB5, 0xCB9},     {0xCBD, 0xCBD},     {0xCDC, 0xCDE},     {0xCE0, 0xCE1},
    {0xCF1, 0xCF2},     {0xD04, 0xD0C},     {0xD0E, 0xD10},     {0xD12, 0xD3A},     {0xD3D, 0xD3D},
    {0xD4E, 0xD4E},     {0xD54, 0xD56},     {0xD5F, 0xD61},     {0xD7A, 0xD7F},     {0xD85, 0xD96},
    {0xD9A, 0xDB1},     {0xDB3, 0xDBB},     {0xDBD, 0xDBD},     {0xDC0, 0xDC6},     {0xE01, 0xE30},
    {0xE32, 0xE33},     {0xE40, 0xE46},     {0xE81, 0xE82},     {0xE84, 0xE84},     {0xE86, 0xE8A},
    {0xE8C, 0xEA3},     {0xEA5, 0xEA5},     {0xEA7, 0xEB0},     {0xEB2, 0xEB3},     {0xEBD, 0xEBD},
    {0xEC0, 0xEC4},     {0xEC6, 0xEC6},     {0xEDC, 0xEDF},     {0xF00, 0xF00},     {0xF40, 0xF47},
    {0xF49, 0xF6C},     {0xF88, 0xF8C},     {0x1000, 0x102A},   {0x103F, 0x103F},   {0x1050, 0x1055},
    {0x105A, 0x105D},   {0x1061, 0x1061},   {0x1065, 0x1066},   {0x106E, 0x1070},   {0x1075, 0x1081},
    {0x108E, 0x108E},   {0x10A0, 0x10C5},   {0x10C7, 0x10C7},   {0x10CD, 0x10CD},   {0x10D0, 0x10FA},
    {0x10FC, 0x1248},   {0x124A, 0x124D},   {0x1250, 0x1256},   {0x1258, 0x1258},   {0x125A, 0x125D},
    {0x1260, 0x1288},   {0x128A, 0x128D},   {0x1290, 0x12B0},   {0x12B2, 0x12B5},   {0x12B8, 0x12BE},
    {0x12C0, 0x12C0},   {0x12C2, 0x12C5},   {0x12C8, 0x12D6},   {0x12D8, 0x1310},   {0x1312, 0x1315},
    {0x1318, 0x135A},   {0x1380, 0x138F},   {0x13A0, 0x13F5},   {0x13F8, 0x13FD},   {0x1401, 0x166C},
    {0x166F, 0x167F},   {0x1681, 0x169A},   {0x16A0, 0x16EA},   {0x16F1, 0x16F8},   {0x1700, 0x1711},
    {0x171F, 0x1731},   {0x1740, 0x1751},   {0x1760, 0x176C},   {0x176E, 0x1770},   {0x1780, 0x17B3},
    {0x17D7, 0x17D7},   {0x17DC, 0x17DC},   {0x1820, 0x1878},   {0x1880, 0x1884},   {0x1887, 0x18A8},
    {0x18AA, 0x18AA},   {0x18B0, 0x18F5},   {0x1900, 0x191E},   {0x1950, 0x196D},   {0x1970, 0x1974},
    {0x1980, 0x19AB},   {0x19B0, 0x19C9},   {0x1A00, 0x1A16},   {0x1A20, 0x1A54},   {0x1AA7, 0x1AA7},
    {0x1B05, 0x1B33},   {0x1B45, 0x1B4C},   {0x1B83, 0x1BA0},   {0x1BAE, 0x1BAF},   {0x1BBA, 0x1BE5},
    {0x1C00, 0x1C23},   {0x1C4D, 0x1C4F},   {0x1C5A, 0x1C7D},   {0x1C80, 0x1C8A},   {0x1C90, 0x1CBA},
    {0x1CBD, 0x1CBF},   {0x1CE9, 0x1CEC},   {0x1CEE, 0x1CF3},   {0x1CF5, 0x1CF6},   {0x1CFA, 0x1CFA},
    {0x1D00, 0x1DBF},   {0x1E00, 0x1F15},   {0x1F18, 0x1F1D},   {0x1F20, 0x1F45},   {0x1F48, 0x1F4D},
    {0x1F50, 0x1F57},   {0x1F59, 0x1F59},   {0x1F5B, 0x1F5B},   {0x1F5D, 0x1F5D},   {0x1F5F, 0x1F7D},
    {0x1F80, 0x1FB4},   {0x1FB6, 0x1FBC},   {0x1FBE, 0x1FBE},   {0x1FC2, 0x1FC4},   {0x1FC6, 0x1FCC},
    {0x1FD0, 0x1FD3},   {0x1FD6, 0x1FDB},   {0x1FE0, 0x1FEC},   {0x1FF2, 0x1FF4},   {0x1FF6, 0x1FFC},
    {0x2071, 0x2071},   {0x207F, 0x207F},   {0x2090, 0x209C},   {0x2102, 0x2102},   {0x2107, 0x2107},
    {0x210A, 0x2113},   {0x2115, 0x2115},   {0x2119, 0x211D},   {0x2124, 0x2124},   {0x2126, 0x2126},
    {0x2128, 0x2128},   {0x212A, 0x212D},   {0x212F, 0x2139},   {0x213C, 0x213F},   {0x2145, 0x2149},
    {0x214E, 0x214E},   {0x2183, 0x2184},   {0x2C00, 0x2CE4},   {0x2CEB, 0x2CEE},   {0x2CF2, 0x2CF3},
    {0x2D00, 0x2D25},   {0x2D27, 0x2D27},   {0x2D2D, 0x2D2D},   {0x2D30, 0x2D67},   {0x2D6F, 0x2D6F},
    {0x2D80, 0x2D96},   {0x2DA0, 0x2DA6},   {0x2DA8, 0x2DAE},   {0x2DB0, 0x2DB6},   {0x2DB8, 0x2DBE},
    {0x2DC0, 0x2DC6},   {0x2DC8, 0x2DCE},   {0x2DD0, 0x2DD6},   {0x2DD8, 0x2DDE},   {0x2E2F, 0x2E2F},
    {0x3005, 0x3006},   {0x3031, 0x3035},   {0x303B, 0x303C},   {0x3041, 0x3096},   {0x309D, 0x309F},
    {0x30A1, 0x30FA},   {0x30FC, 0x30FF},   {0x3105, 0x312F},   {0x3131, 0x318E},   {0x31A0, 0x31BF},
    {0x31F0, 0x31FF},   {0x3400, 0x4DBF},   {0x4E00, 0xA48C},   {0xA4D0, 0xA4FD},   {0xA500, 0xA60C},
    {0xA610, 0xA61F},   {0xA62A, 0xA62B},   {0xA640, 0xA66E},   {0xA67F, 0xA69D},   {0xA6A0, 0xA6E5},
    {0xA717, 0xA71F},   {0xA722, 0xA788},   {0xA78B, 0xA7DC},   {0xA7F1, 0xA801},   {0xA803, 0xA805},
    {0xA807, 0xA80A},   {0xA80C, 0xA822},   {0xA840, 0xA873},   {0xA882, 0xA8B3},   {0xA8F2, 0xA8F7},
    {0xA8FB, 0xA8FB},   {0xA8FD, 0xA8FE},   {0xA90A, 0xA925},   {0xA930, 0xA946},   {0xA960, 0xA97C},
    {0xA984, 0xA9B2},   {0xA9CF, 0xA9CF},   {0xA9E0, 0xA9E4},   {0xA9E6, 0xA9EF},   {0xA9FA, 0xA9FE},
    {0xAA00, 0xAA28},   {0xAA40, 0xAA42},   {0xAA44, 0xAA4B},   {0xAA60, 0xAA76},   {0xAA7A, 0xAA7A},
    {0xAA7E, 0xAAAF},   {0xAAB1, 0xAAB1},   {0xAAB5, 0xAAB6},   {0xAAB9, 0xAABD},   {0xAAC0, 0xAAC0},
    {0xAAC2, 0xAAC2},   {0xAADB, 0xAADD},   {0xAAE0, 0xAAEA},   {0xAAF2, 0xAAF4},   {0xAB01, 0xAB06},
    {0xAB09, 0xAB0E},   {0xAB11, 0xAB16},   {0xAB20, 0xAB26},   {0xAB28, 0xAB2E},   {0xAB30, 0xAB5A},
    {0xAB5C, 0xAB69},   {0xAB70, 0xABE2},   {0xAC00, 0xD7A3},   {0xD7B0, 0xD7C6},   {0xD7CB, 0xD7FB},
    {0xF900, 0xFA6D},   {0xFA70, 0xFAD9},   {0xFB00, 0xFB06},   {0xFB13, 0xFB17},   {0xFB1D, 0xFB1D},
    {0xFB1F, 0xFB28},   {0xFB2A, 0xFB36},   {0xFB38, 0xFB3C},   {0xFB3E, 0xFB3E},   {0xFB40, 0xFB41},
    {0xFB43, 0xFB44},   {0xFB46, 0xFBB1},   {0xFBD3, 0xFD3D},   {0xFD50, 0xFD8F},   {0xFD92, 0xFDC7},
    {0xFDF0, 0xFDFB},   {0xFE70, 0xFE74},   {0xFE76, 0xFEFC},   {0xFF21, 0xFF3A},   {0xFF41, 0xFF5A},
    {0xFF66, 0xFFBE},   {0xFFC2, 0xFFC7},   {0xFFCA, 0xFFCF},   {0xFFD2, 0xFFD7},   {0xFFDA, 0xFFDC},
    {0x10000, 0x1000B}, {0x1000D, 0x10026}, {0x10028, 0x1003A}, {0x1003C, 0x1003D}, {0x1003F, 0x1004D},
    {0x10050, 0x1005D}, {0x10080, 0x100FA}, {0x10280, 0x1029C}, {0x102A0, 0x102D0}, {0x10300, 0x1031F},
    {0x1032D, 0x10340}, {0x10342, 0x10349}, {0x10350, 0x10375}, {0x10380, 0x1039D}, {0x103A0, 0x103C3},
    {0x103C8, 0x103CF}, {0x10400, 0x1049D}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB}, {0x10500, 0x10527},
    {0x10530, 0x10563}, {0x10570, 0x1057A}, {0x1057C, 0x1058A}, {0x1058C, 0x10592}, {0x10594, 0x10595},
    {0x10597, 0x105A1}, {0x105A3, 0x105B1}, {0x105B3, 0x105B9}, {0x105BB, 0x105BC}, {0x105C0, 0x105F3},
    {0x10600, 0x10736}, {0x10740, 0x10755}, {0x10760, 0x10767}, {0x10780, 0x10785}, {0x10787, 0x107B0},
    {0x107B2, 0x107BA}, {0x10800, 0x10805}, {0x10808, 0x10808}, {0x1080A, 0x10835}, {0x10837, 0x10838},
    {0x1083C, 0x1083C}, {0x1083F, 0x10855}, {0x10860, 0x10876}, {0x10880, 0x1089E}, {0x108E0, 0x108F2},
    {0x108F4, 0x108F5}, {0x10900, 0x10915}, {0x10920, 0x10939}, {0x10940, 0x10959}, {0x10980, 0x109B7},
    {0x109BE, 0x109BF}, {0x10A00, 0x10A00}, {0x10A10, 0x10A13}, {0x10A15, 0x10A17}, {0x10A19, 0x10A35},
    {0x10A60, 0x10A7C}, {0x10A80, 0x10A9C}, {0x10AC0, 0x10AC7}, {0x10AC9, 0x10AE4}, {0x10B00, 0x10B35},
    {0x10B40, 0x10B55}, {0x10B60, 0x10B72}, {0x10B80, 0x10B91}, {0x10C00, 0x10C48}, {0x10C80, 0x10CB2},
    {0x10CC0, 0x10CF2}, {0x10D00, 0x10D23}, {0x10D4A, 0x10D65}, {0x10D6F, 0x10D85}, {0x10E80, 0x10EA9},
    {0x10EB0, 0x10EB1}, {0x10EC2, 0x10EC7}, {0x10F00, 0x10F1C}, {0x10F27, 0x10F27}, {0x10F30, 0x10F45},
    {0x10F70, 0x10F81}, {0x10FB0, 0x10FC4}, {0x10FE0, 0x10FF6}, {0x11003, 0x11037}, {0x11071, 0x11072},
    {0x11075, 0x11075}, {0x11083, 0x110AF}, {0x110D0, 0x110E8}, {0x11103, 0x11126}, {0x11144, 0x11144},
    {0x11147, 0x11147}, {0x11150, 0x11172}, {0x11176, 0x11176}, {0x11183, 0x111B2}, {0x111C1, 0x111C4},
    {0x111DA, 0x111DA}, {0x111DC, 0x111DC}, {0x11200, 0x11211}, {0x11213, 0x1122B}, {0x1123F, 0x11240},
    {0x11280, 0x11286}, {0x11288, 0x11288}, {0x1128A, 0x1128D}, {0x1128F, 0x1129D}, {0x1129F, 0x112A8},
    {0x112B0, 0x112DE}, {0x11305, 0x1130C}, {0x1130F, 0x11310}, {0x11313, 0x11328}, {0x1132A, 0x11330},
    {0x11332, 0x11333}, {0x11335, 0x11339}, {0x1133D, 0x1133D}, {0x11350, 0x11350}, {0x1135D, 0x11361},
    {0x11380, 0x11389}, {0x1138B, 0x1138B}, {0x1138E, 0x1138E}, {0x11390, 0x113B5}, {0x113B7, 0x113B7},
    {0x113D1, 0x113D1}, {0x113D3, 0x113D3}, {0x11400, 0x11434}, {0x11447, 0x1144A}, {0x1145F, 0x11461},
    {0x11480, 0x114AF}, {0x114C4, 0x114C5}, {0x114C7, 0x114C7}, {0x11580, 0x115AE}, {0x115D8, 0x115DB},
    {0x11600, 0x1162F}, {0x11644, 0x11644}, {0x11680, 0x116AA}, {0x116B8, 0x116B8}, {0x11700, 0x1171A},
    {0x11740, 0x11746}, {0x11800, 0x1182B}, {0x118A0, 0x118DF}, {0x118FF, 0x11906}, {0x11909, 0x11909},
    {0x1190C, 0x11913}, {0x11915, 0x11916}, {0x11918, 0x1192F}, {0x1193F, 0x1193F}, {0x11941, 0x11941},
    {0x119A0, 0x119A7}, {0x119AA, 0x119D0}, {0x119E1, 0x119E1}, {0x119E3, 0x119E3}, {0x11A00, 0x11A00},
    {0x11A0B, 0x11A32}, {0x11A3A, 0x11A3A}, {0x11A50, 0x11A50}, {0x11A5C, 0x11A89}, {0x11A9D, 0x11A9D},
    {0x11AB0, 0x11AF8}, {0x11BC0, 0x11BE0}, {0x11C00, 0x11C08}, {0x11C0A, 0x11C2E}, {0x11C40, 0x11C40},
    {0x11C72, 0x11C8F}, {0x11D00, 0x11D06}, {0x11D08, 0x11D09}, {0x11D0B, 0x11D30}, {0x11D46, 0x11D46},
    {0x11D60, 0x11D65}, {0x11D67, 0x11D68}, {0x11D6A, 0x11D89}, {0x11D98, 0x11D98}, {0x11DB0, 0x11DDB},
    {0x11EE0, 0x11EF2}, {0x11F02, 0x11F02}, {0x11F04, 0x11F10}, {0x11F12, 0x11F33}, {0x11FB0, 0x11FB0},
    {0x12000, 0x12399}, {0x12480, 0x12543}, {0x12F90, 0x12FF0}, {0x13000, 0x1342F}, {0x13441, 0x13446},
    {0x13460, 0x143FA}, {0x14400, 0x14646}, {0x16100, 0x1611D}, {0x16800, 0x16A38}, {0x16A40, 0x16A5E},
    {0x16A70, 0x16ABE}, {0x16AD0, 0x16AED}, {0x16B00, 0x16B2F}, {0x16B40, 0x16B43}, {0x16B63, 0x16B77},
    {0x16B7D, 0x16B8F}, {0x16D40, 0x16D6C}, {0x16E40, 0x16E7F}, {0x16EA0, 0x16EB8}, {0x16EBB, 0x16ED3},
    {0x16F00, 0x16F4A}, {0x16F50, 0x16F50}, {0x16F93, 0x16F9F}, {0x16FE0, 0x16FE1}, {0x16FE3, 0x16FE3},
    {0x16FF2, 0x16FF3}, {0x17000, 0x18CD5}, {0x18CFF, 0x18D1E}, {0x18D80, 0x18DF2}, {0x1AFF0, 0x1AFF3},
    {0x1AFF5, 0x1AFFB}, {0x1AFFD, 0x1AFFE}, {0x1B000, 0x1B122}, {0x1B132, 0x1B132}, {0x1B150, 0x1B152},
    {0x1B155, 0x1B155}, {0x1B164, 0x1B167}, {0x1B170, 0x1B2FB}, {0x1BC00, 0x1BC6A}, {0x1BC70, 0x1BC7C},
    {0x1BC80, 0x1BC88}, {0x1BC90, 0x1BC99}, {0x1D400, 0x1D454}, {0x1D456, 0x1D49C}, {0x1D49E, 0x1D49F},
    {0x1D4A2, 0x1D4A2}, {0x1D4A5, 0x1D4A6}, {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9}, {0x1D4BB, 0x1D4BB},
    {0x1D4BD, 0x1D4C3}, {0x1D4C5, 0x1D505}, {0x1D507, 0x1D50A}, {0x1D50D, 0x1D514}, {0x1D516, 0x1D51C},
    {0x1D51E, 0x1D539}, {0x1D53B, 0x1D53E}, {0x1D540, 0x1D544}, {0x1D546, 0x1D546}, {0x1D54A, 0x1D550},
    {0x1D552, 0x1D6A5}, {0x1D6A8, 0x1D6C0}, {0x1D6C2, 0x1D6DA}, {0x1D6DC, 0x1D6FA}, {0x1D6FC, 0x1D714},
    {0x1D716, 0x1D734}, {0x1D736, 0x1D74E}, {0x1D750, 0x1D76E}, {0x1D770, 0x1D788}, {0x1D78A, 0x1D7A8},
    {0x1D7AA, 0x1D7C2}, {0x1D7C4, 0x1D7CB}, {0x1DF00, 0x1DF1E}, {0x1DF25, 0x1DF2A}, {0x1E030, 0x1E06D},
    {0x1E100, 0x1E12C}, {0x1E137, 0x1E13D}, {0x1E14E, 0x1E14E}, {0x1E290, 0x1E2AD}, {0x1E2C0, 0x1E2EB},
    {0x1E4D0, 0x1E4EB}, {0x1E5D0, 0x1E5ED}, {0x1E5F0, 0x1E5F0}, {0x1E6C0, 0x1E6DE}, {0x1E6E0, 0x1E6E2},
    {0x1E6E4, 0x1E6E5}, {0x1E6E7, 0x1E6ED}, {0x1E6F0, 0x1E6F4}, {0x1E6FE, 0x1E6FF}, {0x1E7E0, 0x1E7E6},
    {0x1E7E8, 0x1E7EB}, {0x1E7ED, 0x1E7EE}, {0x1E7F0, 0x1E7FE}, {0x1E800, 0x1E8C4}, {0x1E900, 0x1E943},
    {0x1E94B, 0x1E94B}, {0x1EE00, 0x1EE03}, {0x1EE05, 0x1EE1F}, {0x1EE21, 0x1EE22}, {0x1EE24, 0x1EE24},
    {0x1EE27, 0x1EE27}, {0x1EE29, 0x1EE32}, {0x1EE34, 0x1EE37}, {0x1EE39, 0x1EE39}, {0x1EE3B, 0x1EE3B},
    {0x1EE42, 0x1EE42}, {0x1EE47, 0x1EE47}, {0x1EE49, 0x1EE49}, {0x1EE4B, 0x1EE4B}, {0x1EE4D, 0x1EE4F},
    {0x1EE51, 0x1EE52}, {0x1EE54, 0x1EE54}, {0x1EE57, 0x1EE57}, {0x1EE59, 0x1EE59}, {0x1EE5B, 0x1EE5B},
    {0x1EE5D, 0x1EE5D}, {0x1EE5F, 0x1EE5F}, {0x1EE61, 0x1EE62}, {0x1EE64, 0x1EE64}, {0x1EE67, 0x1EE6A},
    {0x1EE6C, 0x1EE72}, {0x1EE74, 0x1EE77}, {0x1EE79, 0x1EE7C}, {0x1EE7E, 0x1EE7E}, {0x1EE80, 0x1EE89},
    {0x1EE8B, 0x1EE9B}, {0x1EEA1, 0x1EEA3}, {0x1EEA5, 0x1EEA9}, {0x1EEAB, 0x1EEBB}, {0x20000, 0x2A6DF},
    {0x2A700, 0x2B81D}, {0x2B820, 0x2CEAD}, {0x2CEB0, 0x2EBE0}, {0x2EBF0, 0x2EE5D}, {0x2F800, 0x2FA1D},
    {0x30000, 0x3134A}, {0x31350, 0x33479},
};
constexpr CodeRange kNumbers[] = {
    {0xB2, 0xB3},       {0xB9, 0xB9},       {0xBC, 0xBE},       {0x660, 0x669},     {0x6F0, 0x6F9},
    {0x7C0, 0x7C9},     {0x966, 0x96F},     {0x9E6, 0x9EF},     {0x9F4, 0x9F9},     {0xA66, 0xA6F},
    {0xAE6, 0xAEF},     {0xB66, 0xB6F},     {0xB72, 0xB77},     {0xBE6, 0xBF2},     {0xC66, 0xC6F},
    {0xC78, 0xC7E},     {0xCE6, 0xCEF},     {0xD58, 0xD5E},     {0xD66, 0xD78},     {0xDE6, 0xDEF},
    {0xE50, 0xE59},     {0xED0, 0xED9},     {0xF20, 0xF33},     {0x1040, 0x1049},   {0x1090, 0x1099},
    {0x1369, 0x137C},   {0x16EE, 0x16F0},   {0x17E0, 0x17E9},   {0x17F0, 0x17F9},   {0x1810, 0x1819},
    {0x1946, 0x194F},   {0x19D0, 0x19DA},   {0x1A80, 0x1A89},   {0x1A90, 0x1A99},   {0x1B50, 0x1B59},
    {0x1BB0, 0x1BB9},   {0x1C40, 0x1C49},   {0x1C50, 0x1C59},   {0x2070, 0x2070},   {0x2074, 0x2079},
    {0x2080, 0x2089},   {0x2150, 0x2182},   {0x2185, 0x2189},   {0x2460, 0x249B},   {0x24EA, 0x24FF},
    {0x2776, 0x2793},   {0x2CFD, 0x2CFD},   {0x3007, 0x3007},   {0x3021, 0x3029},   {0x3038, 0x303A},
    {0x3192, 0x3195},   {0x3220, 0x3229},   {0x3248, 0x324F},   {0x3251, 0x325F},   {0x3280, 0x3289},
    {0x32B1, 0x32BF},   {0xA620, 0xA629},   {0xA6E6, 0xA6EF},   {0xA830, 0xA835},   {0xA8D0, 0xA8D9},
    {0xA900, 0xA909},   {0xA9D0, 0xA9D9},   {0xA9F0, 0xA9F9},   {0xAA50, 0xAA59},   {0xABF0, 0xABF9},
    {0xFF10, 0xFF19},   {0x10107, 0x10133}, {0x10140, 0x10178}, {0x1018A, 0x1018B}, {0x102E1, 0x102FB},
    {0x10320, 0x10323}, {0x10341, 0x10341}, {0x1034A, 0x1034A}, {0x103D1, 0x103D5}, {0x104A0, 0x104A9},
    {0x10858, 0x1085F}, {0x10879, 0x1087F}, {0x108A7, 0x108AF}, {0x108FB, 0x108FF}, {0x10916, 0x1091B},
    {0x109BC, 0x109BD}, {0x109C0, 0x109CF}, {0x109D2, 0x109FF}, {0x10A40, 0x10A48}, {0x10A7D, 0x10A7E},
    {0x10A9D, 0x10A9F}, {0x10AEB, 0x10AEF}, {0x10B58, 0x10B5F}, {0x10B78, 0x10B7F}, {0x10BA9, 0x10BAF},
    {0x10CFA, 0x10CFF}, {0x10D30, 0x10D39}, {0x10D40, 0x10D49}, {0x10E60, 0x10E7E}, {0x10F1D, 0x10F26},
    {0x10F51, 0x10F54}, {0x10FC5, 0x10FCB}, {0x11052, 0x1106F}, {0x110F0, 0x110F9}, {0x11136, 0x1113F},
    {0x111D0, 0x111D9}, {0x111E1, 0x111F4}, {0x112F0, 0x112F9}, {0x11450, 0x11459}, {0x114D0, 0x114D9},
    {0x11650, 0x11659}, {0x116C0, 0x116C9}, {0x116D0, 0x116E3}, {0x11730, 0x1173B}, {0x118E0, 0x118F2},
    {0x11950, 0x11959}, {0x11BF0, 0x11BF9}, {0x11C50, 0x11C6C}, {0x11D50, 0x11D59}, {0x11DA0, 0x11DA9},
    {0x11DE0, 0x11DE9}, {0x11F50, 0x11F59}, {0x11FC0, 0x11FD4}, {0x12400, 0x1246E}, {0x16130, 0x16139},
    {0x16A60, 0x16A69}, {0x16AC0, 0x16AC9}, {0x16B50, 0x16B59}, {0x16B5B, 0x16B61}, {0x16D70, 0x16D79},
    {0x16E80, 0x16E96}, {0x16FF4, 0x16FF6}, {0x1CCF0, 0x1CCF9}, {0x1D2C0, 0x1D2D3}, {0x1D2E0, 0x1D2F3},
    {0x1D360, 0x1D378}, {0x1D7CE, 0x1D7FF}, {0x1E140, 0x1E149}, {0x1E2F0, 0x1E2F9}, {0x1E4F0, 0x1E4F9},
    {0x1E5F1, 0x1E5FA}, {0x1E8C7, 0x1E8CF}, {0x1E950, 0x1E959}, {0x1EC71, 0x1ECAB}, {0x1ECAD, 0x1ECAF},
    {0x1ECB1, 0x1ECB4}, {0x1ED01, 0x1ED2D}, {0x1ED2F, 0x1ED3D}, {0x1F100, 0x1F10C}, {0x1FBF0, 0x1FBF9},
};
constexpr CodeRange kFormatChars[] = {
    {0xAD, 0xAD},       {0x600, 0x605},     {0x61C, 0x61C},     {0x6DD, 0x6DD},     {0x70F, 0x70F},
    {0x890, 0x891},     {0x8E2, 0x8E2},     {0x180E, 0x180E},   {0x200B, 0x200F},   {0x202A, 0x202E},
    {0x2060, 0x2064},   {0x2066, 0x206F},   {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD},
    {0x110CD, 0x110CD}, {0x13430, 0x13438}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001},
    {0xE0020, 0xE007F},
};
constexpr LowerRun kLowerRuns[] = {
    {0x41, 26, 1, 32},      {0xC0, 23, 1, 32},      {0xD8, 7, 1, 32},       {0x100, 24, 2, 1},
    {0x132, 3, 2, 1},       {0x139, 8, 2, 1},       {0x14A, 23, 2, 1},      {0x178, 1, 1, -121},
    {0x179, 3, 2, 1},       {0x181, 1, 1, 210},     {0x182, 2, 2, 1},       {0x186, 1, 1, 206},
    {0x187, 1, 1, 1},       {0x189, 2, 1, 205},     {0x18B, 1, 1, 1},       {0x18E, 1, 1, 79},
    {0x18F, 1, 1, 202},     {0x190, 1, 1, 203},     {0x191, 1, 1, 1},       {0x193, 1, 1, 205},
    {0x194, 1, 1, 207},     {0x196, 1, 1, 211},     {0x197, 1, 1, 209},     {0x198, 1, 1, 1},
    {0x19C, 1, 1, 211},     {0x19D, 1, 1, 213},     {0x19F, 1, 1, 214},     {0x1A0, 3, 2, 1},
    {0x1A6, 1, 1, 218},     {0x1A7, 1, 1, 1},       {0x1A9, 1, 1, 218},     {0x1AC, 1, 1, 1},
    {0x1AE, 1, 1, 218},     {0x1AF, 1, 1, 1},       {0x1B1, 2, 1, 217},     {0x1B3, 2, 2, 1},
    {0x1B7, 1, 1, 219},     {0x1B8, 1, 1, 1},       {0x1BC, 1, 1, 1},       {0x1C4, 1, 1, 2},
    {0x1C5, 1, 1, 1},       {0x1C7, 1, 1, 2},       {0x1C8, 1, 1, 1},       {0x1CA, 1, 1, 2},
    {0x1CB, 9, 2, 1},       {0x1DE, 9, 2, 1},       {0x1F1, 1, 1, 2},       {0x1F2, 2, 2, 1},
    {0x1F6, 1, 1, -97},     {0x1F7, 1, 1, -56},     {0x1F8, 20, 2, 1},      {0x220, 1, 1, -130},
    {0x222, 9, 2, 1},       {0x23A, 1, 1, 10795},   {0x23B, 1, 1, 1},       {0x23D, 1, 1, -163},
    {0x23E, 1, 1, 10792},   {0x241, 1, 1, 1},       {0x243, 1, 1, -195},    {0x244, 1, 1, 69},
    {0x245, 1, 1, 71},      {0x246, 5, 2, 1},       {0x370, 2, 2, 1},       {0x376, 1, 1, 1},
    {0x37F, 1, 1, 116},     {0x386, 1, 1, 38},      {0x388, 3, 1, 37},      {0x38C, 1, 1, 64},
    {0x38E, 2, 1, 63},      {0x391, 17, 1, 32},     {0x3A3, 9, 1, 32},      {0x3CF, 1, 1, 8},
    {0x3D8, 12, 2, 1},      {0x3F4, 1, 1, -60},     {0x3F7, 1, 1, 1},       {0x3F9, 1, 1, -7},
    {0x3FA, 1, 1, 1},       {0x3FD, 3, 1, -130},    {0x400, 16, 1, 80},     {0x410, 32, 1, 32},
    {0x460, 17, 2, 1},      {0x48A, 27, 2, 1},      {0x4C0, 1, 1, 15},      {0x4C1, 7, 2, 1},
    {0x4D0, 48, 2, 1},      {0x531, 38, 1, 48},     {0x10A0, 38, 1, 7264},  {0x10C7, 1, 1, 7264},
    {0x10CD, 1, 1, 7264},   {0x13A0, 80, 1, 38864}, {0x13F0, 6, 1, 8},      {0x1C90, 43, 1, -3008},
    {0x1CBD, 3, 1, -3008},  {0x1E00, 75, 2, 1},     {0x1E9E, 1, 1, -7615},  {0x1EA0, 48, 2, 1},
    {0x1F08, 8, 1, -8},     {0x1F18, 6, 1, -8},     {0x1F28, 8, 1, -8},     {0x1F38, 8, 1, -8},
    {0x1F48, 6, 1, -8},     {0x1F59, 4, 2, -8},     {0x1F68, 8, 1, -8},     {0x1F88, 8, 1, -8},
    {0x1F98, 8, 1, -8},     {0x1FA8, 8, 1, -8},     {0x1FB8, 2, 1, -8},     {0x1FBA, 2, 1, -74},
    {0x1FBC, 1, 1, -9},     {0x1FC8, 4, 1, -86},    {0x1FCC, 1, 1, -9},     {0x1FD8, 2, 1, -8},
    {0x1FDA, 2, 1, -100},   {0x1FE8, 2, 1, -8},     {0x1FEA, 2, 1, -112},   {0x1FEC, 1, 1, -7},
    {0x1FF8, 2, 1, -128},   {0x1FFA, 2, 1, -126},   {0x1FFC, 1, 1, -9},     {0x2126, 1, 1, -7517},
    {0x212A, 1, 1, -8383},  {0x212B, 1, 1, -8262},  {0x2132, 1, 1, 28},     {0x2160, 16, 1, 16},
    {0x2183, 1, 1, 1},      {0x24B6, 26, 1, 26},    {0x2C00, 48, 1, 48},    {0x2C60, 1, 1, 1},
    {0x2C62, 1, 1, -10743}, {0x2C63, 1, 1, -3814},  {0x2C64, 1, 1, -10727}, {0x2C67, 3, 2, 1},
    {0x2C6D, 1, 1, -10780}, {0x2C6E, 1, 1, -10749}, {0x2C6F, 1, 1, -10783}, {0x2C70, 1, 1, -10782},
    {0x2C72, 1, 1, 1},      {0x2C75, 1, 1, 1},      {0x2C7E, 2, 1, -10815}, {0x2C80, 50, 2, 1},
    {0x2CEB, 2, 2, 1},      {0x2CF2, 1, 1, 1},      {0xA640, 23, 2, 1},     {0xA680, 14, 2, 1},
    {0xA722, 7, 2, 1},      {0xA732, 31, 2, 1},     {0xA779, 2, 2, 1},      {0xA77D, 1, 1, -35332},
    {0xA77E, 5, 2, 1},      {0xA78B, 1, 1, 1},      {0xA78D, 1, 1, -42280}, {0xA790, 2, 2, 1},
    {0xA796, 10, 2, 1},     {0xA7AA, 1, 1, -42308}, {0xA7AB, 1, 1, -42319}, {0xA7AC, 1, 1, -42315},
    {0xA7AD, 1, 1, -42305}, {0xA7AE, 1, 1, -42308}, {0xA7B0, 1, 1, -42258}, {0xA7B1, 1, 1, -42282},
    {0xA7B2, 1, 1, -42261}, {0xA7B3, 1, 1, 928},    {0xA7B4, 8, 2, 1},      {0xA7C4, 1, 1, -48},
    {0xA7C5, 1, 1, -42307}, {0xA7C6, 1, 1, -35384}, {0xA7C7, 2, 2, 1},      {0xA7D0, 1, 1, 1},
    {0xA7D6, 2, 2, 1},      {0xA7F5, 1, 1, 1},      {0xFF21, 26, 1, 32},    {0x10400, 40, 1, 40},
    {0x104B0, 36, 1, 40},   {0x10570, 11, 1, 39},   {0x1057C, 15, 1, 39},   {0x1058C, 7, 1, 39},
    {0x10594, 2, 1, 39},    {0x10C80, 51, 1, 64},   {0x118A0, 32, 1, 32},   {0x16E40, 32, 1, 32},
    {0x1E900, 34, 1, 34},
};
constexpr CodePair kWidthForms[] = {
    {0xFF5F, 0x2985}, {0xFF60, 0x2986}, {0xFF61, 0x3002}, {0xFF62, 0x300C}, {0xFF63, 0x300D}, {0xFF64, 0x3001},
    {0xFF65, 0x30FB}, {0xFF66, 0x30F2}, {0xFF67, 0x30A1}, {0xFF68, 0x30A3}, {0xFF69, 0x30A5}, {0xFF6A, 0x30A7},
    {0xFF6B, 0x30A9}, {0xFF6C, 0x30E3}, {0xFF6D, 0x30E5}, {0xFF6E, 0x30E7}, {0xFF6F, 0x30C3}, {0xFF70, 0x30FC},
    {0xFF71, 0x30A2}, {0xFF72, 0x30A4}, {0xFF73, 0x30A6}, {0xFF74, 0x30A8}, {0xFF75, 0x30AA}, {0xFF76, 0x30AB},
    {0xFF77, 0x30AD}, {0xFF78, 0x30AF}, {0xFF79, 0x30B1}, {0xFF7A, 0x30B3}, {0xFF7B, 0x30B5}, {0xFF7C, 0x30B7},
    {0xFF7D, 0x30B9}, {0xFF7E, 0x30BB}, {0xFF7F, 0x30BD}, {0xFF80, 0x30BF}, {0xFF81, 0x30C1}, {0xFF82, 0x30C4},
    {0xFF83, 0x30C6}, {0xFF84, 0x30C8}, {0xFF85, 0x30CA}, {0xFF86, 0x30CB}, {0xFF87, 0x30CC}, {0xFF88, 0x30CD},
    {0xFF89, 0x30CE}, {0xFF8A, 0x30CF}, {0xFF8B, 0x30D2}, {0xFF8C, 0x30D5}, {0xFF8D, 0x30D8}, {0xFF8E, 0x30DB},
    {0xFF8F, 0x30DE}, {0xFF90, 0x30DF}, {0xFF91, 0x30E0}, {0xFF92, 0x30E1}, {0xFF93, 0x30E2}, {0xFF94, 0x30E4},
    {0xFF95, 0x30E6}, {0xFF96, 0x30E8}, {0xFF97, 0x30E9}, {0xFF98, 0x30EA}, {0xFF99, 0x30EB}, {0xFF9A, 0x30EC},
    {0xFF9B, 0x30ED}, {0xFF9C, 0x30EF}, {0xFF9D, 0x30F3}, {0xFF9E, 0x3099}, {0xFF9F, 0x309A}, {0xFFA0, 0x1160},
    {0xFFA1, 0x1100}, {0xFFA2, 0x1101}, {0xFFA3, 0x11AA}, {0xFFA4, 0x1102}, {0xFFA5, 0x11AC}, {0xFFA6, 0x11AD},
    {0xFFA7, 0x1103}, {0xFFA8, 0x1104}, {0xFFA9, 0x1105}, {0xFFAA, 0x11B0}, {0xFFAB, 0x11B1}, {0xFFAC, 0x11B2},
    {0xFFAD, 0x11B3}, {0xFFAE, 0x11B4}, {0xFFAF, 0x11B5}, {0xFFB0, 0x111A}, {0xFFB1, 0x1106}, {0xFFB2, 0x1107},
    {0xFFB3, 0x1108}, {0xFFB4, 0x1121}, {0xFFB5, 0x1109}, {0xFFB6, 0x110A}, {0xFFB7, 0x110B}, {0xFFB8, 0x110C},
    {0xFFB9, 0x110D}, {0xFFBA, 0x110E}, {0xFFBB, 0x110F}, {0xFFBC, 0x1110}, {0xFFBD, 0x1111}, {0xFFBE, 0x1112},
    {0xFFC2, 0x1161}, {0xFFC3, 0x1162}, {0xFFC4, 0x1163}, {0xFFC5, 0x1164}, {0xFFC6, 0x1165}, {0xFFC7, 0x1166},
    {0xFFCA, 0x1167}, {0xFFCB, 0x1168}, {0xFFCC, 0x1169}, {0xFFCD, 0x116A}, {0xFFCE, 0x116B}, {0xFFCF, 0x116C},
    {0xFFD2, 0x116D}, {0xFFD3, 0x116E}, {0xFFD4, 0x116F}, {0xFFD5, 0x1170}, {0xFFD6, 0x1171}, {0xFFD7, 0x1172},
    {0xFFDA, 0x1173}, {0xFFDB, 0x1174}, {0xFFDC, 0x1175}, {0xFFE0, 0xA2},   {0xFFE1, 0xA3},   {0xFFE2, 0xAC},
    {0xFFE4, 0xA6},   {0xFFE5, 0xA5},   {0xFFE6, 0x20A9}, {0xFFE8, 0x2502}, {0xFFE9, 0x2190}, {0xFFEA, 0x2191},
    {0xFFEB, 0x2192}, {0xFFEC, 0x2193}, {0xFFED, 0x25A0}, {0xFFEE, 0x25CB},
};

template <size_t N>
bool in_ranges(const CodeRange (&ranges)[N], char32_t c) {
  auto it = std::upper_bound(std::begin(ranges), std::end(ranges), c,
                             [](char32_t v, const CodeRange& r) { return v < r.first; });
  return it != std::begin(ranges) && c <= std::prev(it)->last;
}

bool is_ascii_alpha(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char32_t c) { return c >= '0' && c <= '9'; }

bool is_letter(char32_t c) { return c < 0x80 ? is_ascii_alpha(c) : in_ranges(kLetters, c); }
bool is_number(char32_t c) { return c < 0x80 ? is_ascii_digit(c) : in_ranges(kNumbers, c); }

// \s of the `regex` module (Unicode White_Space), which the pre-tokenizer uses.
bool is_regex_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}
// Python's str.isspace(), behind `re`'s \s and str.split(): also the separators U+1C..U+1F.
bool is_python_space(char32_t c) { return is_regex_space(c) || (c >= 0x1C && c <= 0x1F); }

char32_t simple_lower(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  auto it = std::upper_bound(std::begin(kLowerRuns), std::end(kLowerRuns), c,
                             [](char32_t v, const LowerRun& r) { return v < r.first; });
  if (it == std::begin(kLowerRuns)) return c;
  const LowerRun& r = *std::prev(it);
  const char32_t offset = c - r.first;
  if (offset % r.stride == 0 && offset / r.stride < char32_t(r.count)) return char32_t(int64_t(c) + r.delta);
  return c;
}

// Approximations of Unicode's Cased and Case_Ignorable (the bicameral scripts; apostrophes,
// modifier letters, combining marks), used only by the final-sigma rule.
bool is_cased(char32_t c) {
  if (c == 0x212A || c == 0x212B || c == 0x2126 || (c >= 0x2160 && c <= 0x217F) || (c >= 0x24B6 && c <= 0x24E9))
    return true;                                   // Kelvin, Angstrom, Ohm, Roman numerals, circled letters
  if (!is_letter(c) || c == 0xA66E) return false;  // U+A66E MULTIOCULAR O is caseless
  return c < 0x250 || (c >= 0x370 && c < 0x590) || (c >= 0x10A0 && c < 0x1100) || (c >= 0x13A0 && c < 0x1400) ||
         (c >= 0x1E00 && c < 0x2000) || (c >= 0x2C00 && c < 0x2D30) || (c >= 0xA640 && c < 0xA800) ||
         (c >= 0xAB70 && c < 0xABC0) || (c >= 0xFF21 && c <= 0xFF5A) || (c >= 0x10400 && c < 0x10450) ||
         (c >= 0x1D400 && c < 0x1D7CC);
}
bool is_case_ignorable(char32_t c) {
  return c == '\'' || c == '.' || c == ':' || c == '^' || c == '`' || c == 0xA8 || c == 0xAD || c == 0xAF ||
         c == 0xB4 || c == 0xB7 || c == 0xB8 || (c >= 0x2B0 && c <= 0x36F) || (c >= 0x374 && c <= 0x375) ||
         c == 0x37A || (c >= 0x384 && c <= 0x385) || c == 0x387 || (c >= 0x200B && c <= 0x200F) || c == 0x2018 ||
         c == 0x2019 || c == 0x2024 || c == 0x2027 || c == 0x3005 || (c >= 0x309B && c <= 0x309E) ||
         (c >= 0x30FC && c <= 0x30FE) || c == 0xFF70 || c == 0xFF9E || c == 0xFF9F;
}

// Python's str.lower(): one code point each, except U+0130 (i + combining dot above), and
// capital sigma becomes final sigma at the end of a word.
U32 lower(const U32& s) {
  U32 out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c == 0x130) {
      out += U"i\u0307";
    } else if (c == 0x3A3) {
      size_t j = i;
      while (j > 0 && is_case_ignorable(s[j - 1])) --j;
      bool final_sigma = j > 0 && is_cased(s[j - 1]);
      if (final_sigma) {
        size_t k = i + 1;
        while (k < s.size() && is_case_ignorable(s[k])) ++k;
        final_sigma = k == s.size() || !is_cased(s[k]);
      }
      out.push_back(final_sigma ? 0x3C2 : 0x3C3);
    } else {
      out.push_back(simple_lower(c));
    }
  }
  return out;
}

U32 to_u32(std::string_view s) {
  U32 out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) out.push_back(next_code_point(s, i));
  return out;
}

std::string to_utf8(const char32_t* s, size_t n) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) append_utf8(out, s[i]);
  return out;
}
std::string to_utf8(const U32& s) { return to_utf8(s.data(), s.size()); }

// ---------------------------------------------------------------------------------------
// HTML character references.

// Windows-1252 for bytes 0x80..0x9F; the five it leaves undefined stay C1 controls, as in
// ftfy's "sloppy" codec and in html.unescape.
constexpr char32_t kCp1252High[32] = {
    0x20AC, 0x81,   0x201A, 0x192,  0x201E, 0x2026, 0x2020, 0x2021, 0x2C6,  0x2030, 0x160,
    0x2039, 0x152,  0x8D,   0x17D,  0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x2DC,  0x2122, 0x161,  0x203A, 0x153,  0x9D,   0x17E,  0x178,
};

struct Entity {
  const char* name;
  char32_t value;
  bool legacy;  // also recognized without the ';' (HTML's legacy entities)
};
// Latin-1's names for U+00A0..U+00FF, all legacy.
constexpr const char* kLatin1Entities[96] = {
    "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",   "uml",    "copy",   "ordf",
    "laquo",  "not",    "shy",    "reg",    "macr",   "deg",    "plusmn", "sup2",   "sup3",   "acute",  "micro",
    "para",   "middot", "cedil",  "sup1",   "ordm",   "raquo",  "frac14", "frac12", "frac34", "iquest", "Agrave",
    "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig",  "Ccedil", "Egrave", "Eacute", "Ecirc",  "Euml",
    "Igrave", "Iacute", "Icirc",  "Iuml",   "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",
    "times",  "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",  "szlig",  "agrave", "aacute",
    "acirc",  "atilde", "auml",   "aring",  "aelig",  "ccedil", "egrave", "eacute", "ecirc",  "euml",   "igrave",
    "iacute", "icirc",  "iuml",   "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide",
    "oslash", "ugrave", "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml",
};
// The other legacy names, and common ones that need the ';'. HTML5 has ~2,200 names; text
// with rarer ones keeps them literally.
constexpr Entity kEntities[] = {
    {"amp", '&', true},        {"AMP", '&', true},        {"lt", '<', true},         {"LT", '<', true},
    {"gt", '>', true},         {"GT", '>', true},         {"quot", '"', true},       {"QUOT", '"', true},
    {"COPY", 0xA9, true},      {"REG", 0xAE, true},       {"apos", '\'', false},     {"hellip", 0x2026, false},
    {"ndash", 0x2013, false},  {"mdash", 0x2014, false},  {"lsquo", 0x2018, false},  {"rsquo", 0x2019, false},
    {"sbquo", 0x201A, false},  {"ldquo", 0x201C, false},  {"rdquo", 0x201D, false},  {"bdquo", 0x201E, false},
    {"bull", 0x2022, false},   {"trade", 0x2122, false},  {"euro", 0x20AC, false},   {"hearts", 0x2665, false},
    {"spades", 0x2660, false}, {"clubs", 0x2663, false},  {"diams", 0x2666, false},  {"larr", 0x2190, false},
    {"rarr", 0x2192, false},   {"uarr", 0x2191, false},   {"darr", 0x2193, false},   {"harr", 0x2194, false},
    {"ensp", 0x2002, false},   {"emsp", 0x2003, false},   {"thinsp", 0x2009, false}, {"zwnj", 0x200C, false},
    {"zwj", 0x200D, false},    {"lrm", 0x200E, false},    {"rlm", 0x200F, false},    {"prime", 0x2032, false},
    {"Prime", 0x2033, false},  {"dagger", 0x2020, false}, {"Dagger", 0x2021, false}, {"permil", 0x2030, false},
    {"lsaquo", 0x2039, false}, {"rsaquo", 0x203A, false}, {"OElig", 0x152, false},   {"oelig", 0x153, false},
    {"Scaron", 0x160, false},  {"scaron", 0x161, false},  {"Yuml", 0x178, false},    {"fnof", 0x192, false},
    {"circ", 0x2C6, false},    {"tilde", 0x2DC, false},   {"infin", 0x221E, false},  {"ne", 0x2260, false},
    {"le", 0x2264, false},     {"ge", 0x2265, false},     {"minus", 0x2212, false},  {"star", 0x2606, false},
    {"starf", 0x2605, false},  {"check", 0x2713, false},  {"cross", 0x2717, false},
};

bool name_equals(const char* name, const char32_t* s, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (name[i] == '\0' || char32_t(static_cast<unsigned char>(name[i])) != s[i]) return false;
  return name[n] == '\0';
}

// The character a named reference stands for (name without '&' and ';'), or 0.
char32_t find_entity(const char32_t* s, size_t n, bool with_semicolon) {
  for (size_t i = 0; i < 96; ++i)
    if (name_equals(kLatin1Entities[i], s, n)) return char32_t(0xA0 + i);
  for (const Entity& e : kEntities)
    if ((with_semicolon || e.legacy) && name_equals(e.name, s, n)) return e.value;
  return 0;
}

// What html.unescape makes of "&#NNN;": Windows-1252 for the C1 range, U+FFFD for NUL,
// surrogates and values past U+10FFFF, nothing for other controls and non-characters.
U32 numeric_reference(uint64_t num) {
  if (num == 0) return U32(1, 0xFFFD);
  if (num == 0x0D) return U"\r";
  if (num >= 0x80 && num <= 0x9F) return U32(1, kCp1252High[num - 0x80]);
  if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) return U32(1, 0xFFFD);
  if ((num >= 0x01 && num <= 0x08) || num == 0x0B || (num >= 0x0E && num <= 0x1F) || (num >= 0x7F && num <= 0x9F) ||
      (num >= 0xFDD0 && num <= 0xFDEF) || (num & 0xFFFE) == 0xFFFE)
    return U32();
  return U32(1, char32_t(num));
}

// Parses digits at s[i..] (hex or decimal), saturating far past U+10FFFF; advances i.
uint64_t parse_number(const U32& s, size_t& i, bool hex) {
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    const char32_t c = s[i];
    int d;
    const char32_t lc = c | 0x20;  // ASCII lower case for the hex letters
    if (is_ascii_digit(c)) {
      d = int(c - '0');
    } else if (hex && lc >= 'a' && lc <= 'f') {
      d = int(lc - 'a' + 10);
    } else {
      break;
    }
    v = std::min<uint64_t>(v * (hex ? 16 : 10) + d, uint64_t(1) << 40);
  }
  return v;
}

// One pass of Python's html.unescape: "&#NNN", "&#xHH" and "&name", each with an optional
// ';' (legacy names are also found as a prefix: "&ampfoo" is "&foo").
U32 html_unescape(const U32& s) {
  if (s.find(U'&') == U32::npos) return s;
  U32 out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '&') {
      out.push_back(s[i++]);
      continue;
    }
    size_t j = i + 1;
    if (j < s.size() && s[j] == '#') {
      const bool hex = j + 1 < s.size() && (s[j + 1] == 'x' || s[j + 1] == 'X');
      size_t k = j + (hex ? 2 : 1);
      const size_t digits_start = k;
      const uint64_t num = parse_number(s, k, hex);
      if (k == digits_start) {  // "&#" without digits is no reference
        out.push_back(s[i++]);
        continue;
      }
      if (k < s.size() && s[k] == ';') ++k;
      out += numeric_reference(num);
      i = k;
      continue;
    }
    size_t k = j;
    while (k < s.size() && k - j < 32) {
      const char32_t c = s[k];
      if (c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' || c == '#' || c == ';') break;
      ++k;
    }
    if (k == j) {
      out.push_back(s[i++]);
      continue;
    }
    const bool semicolon = k < s.size() && s[k] == ';';
    const size_t end = k + (semicolon ? 1 : 0);
    if (char32_t v = find_entity(&s[j], k - j, semicolon)) {
      out.push_back(v);
    } else {
      // The longest legacy name the text starts with, then the rest as it was.
      size_t len = end - j;  // Python tries s[:x] for x = len(s)-1 down to 2, s with its ';'
      char32_t v2 = 0;
      size_t x = len > 0 ? len - 1 : 0;
      for (; x >= 2; --x)
        if ((v2 = find_entity(&s[j], x, false))) break;
      if (v2) {
        out.push_back(v2);
        out.append(s, j + x, end - (j + x));
      } else {
        out.append(s, i, end - i);
      }
    }
    i = end;
  }
  return out;
}

// ftfy's unescape_html: only "&name;" and "&#NNN;" with the ';' and at most 24 letters or
// digits, and a numeric one only when all of it is the number.
U32 ftfy_unescape(const U32& s) {
  if (s.find(U'&') == U32::npos) return s;
  U32 out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '&') {
      size_t j = i + 1;
      const bool numeric = j < s.size() && s[j] == '#';
      if (numeric) ++j;
      size_t k = j;
      while (k < s.size() && k - j < 24 && (is_ascii_alpha(s[k]) || is_ascii_digit(s[k]))) ++k;
      if (k > j && k < s.size() && s[k] == ';') {
        U32 value;
        bool found = false;
        if (numeric) {
          const bool hex = s[j] == 'x' || s[j] == 'X';
          size_t d = j + (hex ? 1 : 0);
          const uint64_t num = parse_number(s, d, hex);
          if (d == k && d > j + (hex ? 1 : 0)) {
            value = numeric_reference(num);
            found = value.find(U';') == U32::npos;  // ftfy keeps "&#59;" as it is
          }
        } else if (char32_t v = find_entity(&s[j], k - j, true)) {
          value = U32(1, v);
          found = true;
        }
        if (found) {
          out += value;
          i = k + 1;
          continue;
        }
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The part of ftfy.fix_text (ftfy 6.1, default settings) implemented here, in ftfy's
// order: unescape_html; fix_encoding, reduced to the unmistakable Latin-1/Windows-1252
// mojibake below; fix_c1_controls; fix_latin_ligatures; fix_character_width;
// uncurl_quotes; fix_line_breaks; remove_terminal_escapes; remove_control_chars.
// Not implemented: ftfy's badness-scored encoding detection (other code pages, other
// lead bytes, lost or altered bytes), its decoding of upper-case entity names
// ("&EACUTE;"), and NFC normalization (decomposed accents stay two code points).

// The byte a character was decoded from under Latin-1 or Windows-1252, or -1.
int mojibake_byte(char32_t c) {
  if (c <= 0xFF) return int(c);
  for (int i = 0; i < 32; ++i)
    if (kCp1252High[i] == c) return 0x80 + i;
  return -1;
}

// The UTF-8 sequence length for the lead bytes repaired below, else 0.
size_t mojibake_sequence_length(int lead) {
  switch (lead) {
    case 0xC2:  // Â
    case 0xC3:  // Ã
    case 0xD0:  // Ð
    case 0xD1:  // Ñ
      return 2;
    case 0xE2:  // â
      return 3;
    case 0xF0:  // ð
      return 4;
    default:
      return 0;
  }
}

// UTF-8 that was decoded as Latin-1/Windows-1252 ("cafÃ©", "â€™", "ðŸš€"), repaired only
// for lead bytes that real text practically never puts before such symbols: Â and Ã
// (U+0080..U+00FF), Ð and Ñ (Cyrillic), â (U+2000..U+2FFF: punctuation, symbols) and ð
// (emoji and the other supplementary planes).
U32 fix_mojibake(const U32& s) {
  U32 out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const int lead = mojibake_byte(s[i]);
    const size_t len = mojibake_sequence_length(lead);
    if (len > 0 && i + len <= s.size()) {
      char32_t cp = char32_t(lead) & (0x7F >> len);
      bool ok = true;
      for (size_t k = 1; k < len && ok; ++k) {
        const int b = mojibake_byte(s[i + k]);
        ok = b >= 0x80 && b <= 0xBF && !(len == 4 && k == 1 && b < 0x90);
        cp = (cp << 6) | char32_t(b & 0x3F);
      }
      if (ok) {
        out.push_back(cp);
        i += len;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

struct Ligature {
  char32_t from;
  const char32_t* to;
};
constexpr Ligature kLigatures[] = {
    {0x132, U"IJ"},      {0x133, U"ij"},      {0x149, U"\u02BCn"},  {0x1F1, U"DZ"},  {0x1F2, U"Dz"},  {0x1F3, U"dz"},
    {0x1C4, U"D\u017D"}, {0x1C5, U"D\u017E"}, {0x1C6, U"d\u017E"},  {0x1C7, U"LJ"},  {0x1C8, U"Lj"},  {0x1C9, U"lj"},
    {0x1CA, U"NJ"},      {0x1CB, U"Nj"},      {0x1CC, U"nj"},       {0xFB00, U"ff"}, {0xFB01, U"fi"}, {0xFB02, U"fl"},
    {0xFB03, U"ffi"},    {0xFB04, U"ffl"},    {0xFB05, U"\u017Ft"}, {0xFB06, U"st"},
};

// fix_character_width, uncurl_quotes and fix_line_breaks (but CR) for one character.
void append_width_quote_fixed(U32& out, char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) {
    c -= 0xFEE0;
  } else if (c == 0x3000) {
    c = ' ';
  } else if (c == 0xFFE3) {  // FULLWIDTH MACRON is NFKC space + combining macron
    out += U" \u0304";
    return;
  } else if (c >= 0xFF5F && c <= 0xFFEF) {
    auto it = std::lower_bound(std::begin(kWidthForms), std::end(kWidthForms), c,
                               [](const CodePair& p, char32_t v) { return p.from < v; });
    if (it != std::end(kWidthForms) && it->from == c) c = it->to;
  }
  if (c == 0x2BC || (c >= 0x2018 && c <= 0x201B))
    c = '\'';
  else if (c >= 0x201C && c <= 0x201F)
    c = '"';
  else if (c == 0x2028 || c == 0x2029 || c == 0x85)
    c = '\n';
  out.push_back(c);
}

bool is_ftfy_control(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

U32 ftfy_round(const U32& in, bool unescape) {
  U32 s = fix_mojibake(unescape ? ftfy_unescape(in) : in);
  U32 out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c >= 0x80 && c <= 0x9F) c = kCp1252High[c - 0x80];
    const Ligature* lig = nullptr;
    if ((c >= 0x132 && c <= 0x1F3) || (c >= 0xFB00 && c <= 0xFB06))
      for (const Ligature& l : kLigatures)
        if (l.from == c) lig = &l;
    if (lig) {
      for (const char32_t* p = lig->to; *p; ++p) append_width_quote_fixed(out, *p);
    } else if (c == '\r') {
      if (i + 1 >= s.size() || s[i + 1] != '\n') out.push_back('\n');
    } else {
      append_width_quote_fixed(out, c);
    }
  }
  // remove_terminal_escapes (ESC [ digits-and-semicolons letter), then remove_control_chars.
  U32 clean;
  clean.reserve(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 0x1B && i + 1 < out.size() && out[i + 1] == '[') {
      size_t k = i + 2;
      while (k < out.size() && (is_ascii_digit(out[k]) || out[k] == ';')) ++k;
      if (k < out.size() && is_ascii_alpha(out[k])) {
        i = k;
        continue;
      }
    }
    if (!is_ftfy_control(out[i])) clean.push_back(out[i]);
  }
  return clean;
}

// ftfy.fix_text: line by line, each line fixed until it stops changing. HTML is unescaped
// only before the first line that contains '<' (ftfy's unescape_html="auto").
U32 ftfy_fix_text(const U32& s) {
  U32 out;
  bool unescape = true;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(U'\n', pos);
    end = end == U32::npos ? s.size() : end + 1;
    U32 segment = s.substr(pos, end - pos);
    if (segment.find(U'<') != U32::npos) unescape = false;
    for (int round = 0; round < kMaxFixRounds; ++round) {
      U32 fixed = ftfy_round(segment, unescape);
      if (fixed == segment) break;
      segment = std::move(fixed);
    }
    out += segment;
    pos = end;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// transformers' BasicTokenizer (do_lower_case, strip_accents=False, do_split_on_punc=False),
// the fallback when ftfy is not installed.

bool is_bert_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || in_ranges(kFormatChars, c) || (c >= 0xE000 && c <= 0xF8FF) ||
         c >= 0xF0000;  // Cc, Cf, Co (unassigned code points, Cn, are not checked)
}
bool is_bert_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}
// BasicTokenizer's "Chinese characters": the CJK ideograph blocks (not kana or Hangul).
bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

U32 bert_basic_clean(const U32& s) {
  U32 out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c == 0 || c == 0xFFFD || is_bert_control(c)) continue;
    if (is_bert_space(c)) {
      out.push_back(' ');
    } else if (is_cjk_ideograph(c)) {
      out.push_back(' ');
      out.push_back(c);
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// re.sub(r"\s+", " ", text).strip()
U32 collapse_whitespace(const U32& s) {
  U32 out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char32_t c : s) {
    if (is_python_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

U32 clean_text(const U32& text, ClipTextCleaning cleaning) {
  switch (cleaning) {
    case ClipTextCleaning::kClip:
      return lower(collapse_whitespace(html_unescape(html_unescape(ftfy_fix_text(text)))));
    case ClipTextCleaning::kTransformersFtfy:
      return lower(collapse_whitespace(ftfy_fix_text(text)));
    case ClipTextCleaning::kTransformersBasic:
      return lower(collapse_whitespace(bert_basic_clean(text)));
  }
  return text;
}

// ---------------------------------------------------------------------------------------
// The pre-tokenizer, by hand over code points.

// The regex is case-insensitive; with simple case folding, the long s and the Kelvin sign
// also match 's' and 'k'.
char32_t fold(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c == 0x17F) return 's';
  if (c == 0x212A) return 'k';
  return c;
}
bool matches_at(const U32& s, size_t i, std::string_view ascii) {
  if (s.size() - i < ascii.size()) return false;
  for (size_t k = 0; k < ascii.size(); ++k)
    if (fold(s[i + k]) != char32_t(ascii[k])) return false;
  return true;
}

// (start, length) of each word.
std::vector<std::pair<size_t, size_t>> split_words(const U32& s) {
  static constexpr std::string_view kSpecial[] = {"<|startoftext|>", "<|endoftext|>"};
  static constexpr std::string_view kContractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
  std::vector<std::pair<size_t, size_t>> words;
  size_t i = 0;
  while (i < s.size()) {
    const char32_t c = s[i];
    size_t len = 0;
    if (c == '<') {
      for (std::string_view t : kSpecial)
        if (matches_at(s, i, t)) len = t.size();
    } else if (c == '\'') {
      for (std::string_view t : kContractions)
        if (matches_at(s, i, t)) len = t.size();
    }
    if (len == 0) {
      if (is_letter(c)) {
        while (i + len < s.size() && is_letter(s[i + len])) ++len;
      } else if (is_number(c)) {
        len = 1;
      } else if (is_regex_space(c)) {
        ++i;
        continue;
      } else {
        while (i + len < s.size()) {
          const char32_t d = s[i + len];
          if (is_regex_space(d) || is_letter(d) || is_number(d)) break;
          ++len;
        }
      }
    }
    words.emplace_back(i, len);
    i += len;
  }
  return words;
}

// ---------------------------------------------------------------------------------------
// GPT-2's byte-to-unicode table: the printable Latin-1 bytes stand for themselves; the
// other 68 (controls, space, DEL, NBSP, soft hyphen) become U+0100.. in byte order.

struct ByteChars {
  std::array<std::string, 256> utf8;  // byte -> its character, UTF-8
  std::array<int, 256> vocab_order;   // CLIP's vocabulary lists the printable bytes first
  std::unordered_map<char32_t, int> byte_of;
};

const ByteChars& byte_chars() {
  static const ByteChars table = [] {
    ByteChars t;
    auto printable = [](int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255); };
    int n = 0, k = 0;
    for (int b = 0; b < 256; ++b)
      if (printable(b)) t.vocab_order[k++] = b;
    for (int b = 0; b < 256; ++b) {
      char32_t cp = printable(b) ? char32_t(b) : char32_t(256 + n++);
      if (!printable(b)) t.vocab_order[k++] = b;
      append_utf8(t.utf8[b], cp);
      t.byte_of[cp] = b;
    }
    return t;
  }();
  return table;
}

constexpr std::string_view kEndOfWord = "</w>";
constexpr const char* kStartOfText = "<|startoftext|>";
constexpr const char* kEndOfText = "<|endoftext|>";

// Splits on runs of ASCII whitespace, as Python's str.split() does for these files.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() &&
           (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\f' || line[i] == '\v'))
      ++i;
    size_t j = i;
    while (j < line.size() &&
           !(line[j] == ' ' || line[j] == '\t' || line[j] == '\r' || line[j] == '\f' || line[j] == '\v'))
      ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

// A merges file's lines after the header; an empty line takes a rank but merges nothing.
struct MergeLine {
  std::string left, right;
};
Result<std::vector<MergeLine>> parse_merges(std::string_view text, const std::string& name) {
  std::vector<MergeLine> merges;
  size_t pos = text.find('\n');
  if (pos == std::string_view::npos) return make_error(name + ": no merges after the header line");
  ++pos;
  for (size_t line_no = 2; pos <= text.size() && merges.size() < kClipMergeCount; ++line_no) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto f = fields(text.substr(pos, end - pos));
    if (f.size() == 2) {
      merges.push_back({std::string(f[0]), std::string(f[1])});
    } else if (f.empty()) {
      merges.push_back({});
    } else {
      return make_error(name + ": line " + std::to_string(line_no) +
                        ": expected two symbols separated by a space, found " + std::to_string(f.size()));
    }
    pos = end + 1;
  }
  return merges;
}

}  // namespace

// ---------------------------------------------------------------------------------------

struct ClipTokenizer::Impl {
  struct Merge {
    int left = -1, right = -1, merged = -1;  // symbol ids; -1 for an empty merges line
  };
  std::vector<std::string> tokens;  // vocabulary id -> token
  std::unordered_map<std::string, int> token_ids;
  // BPE works on interned symbols: the 512 byte characters (with and without "</w>") and
  // every string the merges name or make.
  std::unordered_map<std::string, int> symbol_ids;
  std::vector<int> symbol_token;  // symbol -> vocabulary id (unk when the vocabulary lacks it)
  std::array<int, 256> byte_symbol{}, byte_end_symbol{};
  std::vector<Merge> merges;                // by rank
  std::unordered_map<uint64_t, int> ranks;  // (left << 32 | right) -> rank; a repeated pair keeps its last
  int bos = -1, eos = -1, pad = -1, unk = -1;

  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<int>> cache;

  int intern(const std::string& s) {
    auto [it, added] = symbol_ids.emplace(s, int(symbol_ids.size()));
    return it->second;
  }
  static uint64_t pair_key(int left, int right) { return uint64_t(uint32_t(left)) << 32 | uint32_t(right); }

  void build(const std::vector<MergeLine>& lines) {
    const ByteChars& bc = byte_chars();
    for (int b = 0; b < 256; ++b) {
      byte_symbol[b] = intern(bc.utf8[b]);
      byte_end_symbol[b] = intern(bc.utf8[b] + std::string(kEndOfWord));
    }
    merges.reserve(lines.size());
    for (const MergeLine& m : lines) {
      if (m.left.empty()) {
        merges.push_back({});
        continue;
      }
      Merge g{intern(m.left), intern(m.right), intern(m.left + m.right)};
      ranks[pair_key(g.left, g.right)] = int(merges.size());
      merges.push_back(g);
    }
    symbol_token.assign(symbol_ids.size(), unk);
    for (const auto& [text, id] : symbol_ids) {
      auto it = token_ids.find(text);
      if (it != token_ids.end()) symbol_token[id] = it->second;
    }
  }

  // Merges by lowest rank, every occurrence of a pair left to right before the next rank,
  // as CLIP's bpe() does; a heap over a linked list instead of rescanning the word.
  std::vector<int> bpe(std::string_view word) const {
    const size_t n = word.size();
    std::vector<int> sym(n), next(n), prev(n);
    for (size_t i = 0; i < n; ++i) {
      const auto b = static_cast<unsigned char>(word[i]);
      sym[i] = i + 1 == n ? byte_end_symbol[b] : byte_symbol[b];
      next[i] = i + 1 < n ? int(i + 1) : -1;
      prev[i] = int(i) - 1;
    }
    using Entry = std::pair<int, int>;  // rank, position of the pair's left symbol
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
    auto push = [&](int left) {
      if (left < 0 || next[left] < 0) return;
      auto it = ranks.find(pair_key(sym[left], sym[next[left]]));
      if (it != ranks.end()) heap.emplace(it->second, left);
    };
    for (size_t i = 0; i + 1 < n; ++i) push(int(i));
    std::vector<char> gone(n, 0);
    while (!heap.empty()) {
      const int rank = heap.top().first;
      const Merge& m = merges[rank];
      // Entries of one rank come out left to right; a merge never makes the same pair
      // again, so this is CLIP's one pass per rank.
      while (!heap.empty() && heap.top().first == rank) {
        const int at = heap.top().second;
        heap.pop();
        const int right = next[at];
        if (gone[at] || right < 0 || sym[at] != m.left || sym[right] != m.right) continue;
        sym[at] = m.merged;
        gone[right] = 1;
        next[at] = next[right];
        if (next[at] >= 0) prev[next[at]] = at;
        push(prev[at]);
        push(at);
      }
    }
    std::vector<int> ids;
    for (int i = n ? 0 : -1; i >= 0; i = next[i]) ids.push_back(symbol_token[sym[i]]);
    return ids;
  }

  void append_word(std::vector<int>& ids, const std::string& word) const {
    if (word == kStartOfText || word == kEndOfText) {  // CLIP's cache is seeded with these two
      ids.push_back(word == kStartOfText ? bos : eos);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      auto it = cache.find(word);
      if (it != cache.end()) {
        ids.insert(ids.end(), it->second.begin(), it->second.end());
        return;
      }
    }
    std::vector<int> result = bpe(word);
    ids.insert(ids.end(), result.begin(), result.end());
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cache.size() >= kMaxCachedWords) cache.clear();
    cache.emplace(word, std::move(result));
  }
};

namespace {

// Inflates a gzip file until it holds `lines` complete lines (or ends).
Result<std::string> gunzip_lines(const std::string& bytes, size_t lines, const std::string& name) {
  if (bytes.size() < 2 || static_cast<unsigned char>(bytes[0]) != 0x1F || static_cast<unsigned char>(bytes[1]) != 0x8B)
    return make_error(name + ": not a gzip file");
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return make_error(name + ": zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  size_t newlines = 0;
  char buf[1 << 16];
  int rc = Z_OK;
  while (newlines < lines) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      std::string why = zs.msg ? zs.msg : "error " + std::to_string(rc);
      inflateEnd(&zs);
      return make_error(name + ": corrupt gzip data (zlib: " + why + ")");
    }
    const size_t got = sizeof buf - zs.avail_out;
    newlines += size_t(std::count(buf, buf + got, '\n'));
    out.append(buf, got);
    if (out.size() > kMaxMergesTextBytes) {
      inflateEnd(&zs);
      return make_error(name + ": inflates past " + std::to_string(kMaxMergesTextBytes >> 20) +
                        " MiB before the merges end; not a CLIP BPE file");
    }
    if (rc == Z_STREAM_END) break;
    if (got == 0) {  // no progress: the input ran out
      inflateEnd(&zs);
      return make_error(name + ": truncated gzip data");
    }
  }
  inflateEnd(&zs);
  return out;
}

std::string special_token(const nlohmann::json& j, const char* key, const std::string& fallback) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return fallback;
}

}  // namespace

std::string clip_clean_text(std::string_view text, ClipTextCleaning cleaning) {
  return to_utf8(clean_text(to_u32(text), cleaning));
}

std::vector<std::string> clip_split_words(std::string_view cleaned) {
  const U32 s = to_u32(cleaned);
  std::vector<std::string> words;
  for (auto [start, len] : split_words(s)) words.push_back(to_utf8(s.data() + start, len));
  return words;
}

Result<ClipTokenizer> ClipTokenizer::from_clip_bpe_text(std::string_view text, const std::string& name) {
  auto lines = parse_merges(text, name);
  if (!lines) return lines.error();
  auto impl = std::make_shared<Impl>();
  const ByteChars& bc = byte_chars();
  for (int b : bc.vocab_order) impl->tokens.push_back(bc.utf8[b]);
  for (int b : bc.vocab_order) impl->tokens.push_back(bc.utf8[b] + std::string(kEndOfWord));
  for (const MergeLine& m : *lines) impl->tokens.push_back(m.left + m.right);
  impl->tokens.push_back(kStartOfText);
  impl->tokens.push_back(kEndOfText);
  // A dict built in order: a token made by two merges keeps the later id, as in CLIP.
  for (size_t i = 0; i < impl->tokens.size(); ++i) impl->token_ids[impl->tokens[i]] = int(i);
  impl->bos = impl->token_ids.at(kStartOfText);
  impl->eos = impl->pad = impl->unk = impl->token_ids.at(kEndOfText);
  impl->build(*lines);
  return ClipTokenizer(std::move(impl));
}

Result<ClipTokenizer> ClipTokenizer::load_clip_bpe_gz(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.error();
  auto text = gunzip_lines(*bytes, kClipMergeCount + 1, path);
  if (!text) return text.error();
  return from_clip_bpe_text(*text, path);
}

Result<ClipTokenizer> ClipTokenizer::from_hf_files(std::string_view vocab_json, std::string_view merges_txt,
                                                   std::string_view special_tokens_json, const std::string& name) {
  const std::string vocab_name = name + "/vocab.json", merges_name = name + "/merges.txt";
  if (auto problem = json_shape_error(vocab_json, kMaxVocabJsonDepth, kMaxVocabJsonValues))
    return make_error(vocab_name + ": " + *problem);
  const nlohmann::json vocab = nlohmann::json::parse(vocab_json, nullptr, false);
  if (vocab.is_discarded()) return make_error(vocab_name + ": not valid JSON");
  if (!vocab.is_object() || vocab.empty()) return make_error(vocab_name + ": expected an object {\"token\": id, ...}");
  auto impl = std::make_shared<Impl>();
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= kMaxVocabId)
      return make_error(vocab_name + ": token \"" + token + "\" has no valid id (" + id.dump() + ")");
    const auto i = size_t(id.get<int64_t>());
    if (impl->tokens.size() <= i) impl->tokens.resize(i + 1);
    impl->tokens[i] = token;
    impl->token_ids[token] = int(i);
  }

  nlohmann::json special;
  if (!special_tokens_json.empty()) {
    if (auto problem = json_shape_error(special_tokens_json, 8, 1000))
      return make_error(name + "/special_tokens_map.json: " + *problem);
    special = nlohmann::json::parse(special_tokens_json, nullptr, false);
    if (special.is_discarded()) return make_error(name + "/special_tokens_map.json: not valid JSON");
  }
  struct Special {
    const char* key;
    std::string fallback;
    int* id;
  };
  for (const Special& s :
       {Special{"bos_token", kStartOfText, &impl->bos}, Special{"eos_token", kEndOfText, &impl->eos},
        Special{"pad_token", kEndOfText, &impl->pad}, Special{"unk_token", kEndOfText, &impl->unk}}) {
    const std::string token = special_token(special, s.key, s.fallback);
    auto it = impl->token_ids.find(token);
    if (it == impl->token_ids.end())
      return make_error(vocab_name + ": no " + s.key + " \"" + token + "\" in the vocabulary");
    *s.id = it->second;
  }

  // transformers: merges.read().strip().split("\n")[1:48895]
  size_t b = 0, e = merges_txt.size();
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (b < e && blank(merges_txt[b])) ++b;
  while (e > b && blank(merges_txt[e - 1])) --e;
  auto lines = parse_merges(merges_txt.substr(b, e - b), merges_name);
  if (!lines) return lines.error();
  impl->build(*lines);
  return ClipTokenizer(std::move(impl));
}

Result<ClipTokenizer> ClipTokenizer::load_hf_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return make_error(dir + ": no such folder");
  fs::path folder(dir);
  if (!fs::exists(folder / "vocab.json", ec) && fs::exists(folder / "tokenizer" / "vocab.json", ec))
    folder /= "tokenizer";
  for (const char* file : {"vocab.json", "merges.txt"})
    if (!fs::exists(folder / file, ec))
      return make_error(folder.string() + ": no " + file +
                        " (a Hugging Face tokenizer folder holds vocab.json and merges.txt)");
  auto vocab = read_file((folder / "vocab.json").string());
  if (!vocab) return vocab.error();
  auto merges = read_file((folder / "merges.txt").string());
  if (!merges) return merges.error();
  std::string special;
  if (fs::exists(folder / "special_tokens_map.json", ec)) {
    auto s = read_file((folder / "special_tokens_map.json").string());
    if (!s) return s.error();
    special = std::move(*s);
  }
  return from_hf_files(*vocab, *merges, special, folder.string());
}

std::vector<int> ClipTokenizer::encode(std::string_view text, ClipTextCleaning cleaning) const {
  const U32 cleaned = clean_text(to_u32(text), cleaning);
  std::vector<int> ids;
  for (auto [start, len] : split_words(cleaned)) impl_->append_word(ids, to_utf8(cleaned.data() + start, len));
  return ids;
}

std::vector<int> ClipTokenizer::context_window(const std::vector<int>& ids) const {
  std::vector<int> out;
  out.reserve(kContextLength);
  out.push_back(impl_->bos);
  out.insert(out.end(), ids.begin(), ids.begin() + std::min<ptrdiff_t>(ptrdiff_t(ids.size()), kWindowTokens));
  out.push_back(impl_->eos);
  out.resize(kContextLength, impl_->pad);
  return out;
}

std::string ClipTokenizer::decode(const std::vector<int>& ids) const {
  std::string joined;
  for (int id : ids) joined += token(id);
  const ByteChars& bc = byte_chars();
  std::string bytes;
  for (size_t i = 0; i < joined.size();) {
    if (joined.compare(i, kEndOfWord.size(), kEndOfWord) == 0) {
      bytes.push_back(' ');
      i += kEndOfWord.size();
      continue;
    }
    auto it = bc.byte_of.find(next_code_point(joined, i));
    if (it != bc.byte_of.end()) bytes.push_back(static_cast<char>(it->second));
  }
  return to_utf8(to_u32(bytes));  // invalid UTF-8 becomes U+FFFD, as errors="replace"
}

int ClipTokenizer::bos_id() const { return impl_->bos; }
int ClipTokenizer::eos_id() const { return impl_->eos; }
int ClipTokenizer::pad_id() const { return impl_->pad; }
size_t ClipTokenizer::vocab_size() const { return impl_->tokens.size(); }

const std::string& ClipTokenizer::token(int id) const {
  static const std::string kNone;
  return id >= 0 && size_t(id) < impl_->tokens.size() ? impl_->tokens[size_t(id)] : kNone;
}

}  // namespace provena
