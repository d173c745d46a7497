// A1111's prompt semantics for SD 1.x (no torch): emphasis — (x) x1.1, ((x)) x1.21,
// [x] /1.1, (x:1.3), \( \) literal — and BREAK, parsed as its parse_prompt_attention
// does; and the prompt cut into 77-token windows of 75 tokens with a weight per token,
// a chunk ending early at a comma when one is within the last 20 tokens (A1111's
// comma_padding_backtrack), BREAK starting a new window.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "generator/clip_tokenizer.h"

namespace provena::sd1 {

// (text, weight) runs, adjacent equal weights merged; BREAK is ("BREAK", -1).
std::vector<std::pair<std::string, double>> parse_prompt_attention(std::string_view prompt);

struct PromptWindow {
  std::vector<int> ids;          // 77: BOS, 75 tokens (padded with EOS), EOS
  std::vector<double> weights;   // 77, 1.0 at BOS/EOS/padding
};
std::vector<PromptWindow> prompt_windows(const ClipTokenizer& tokenizer, std::string_view prompt);

}  // namespace provena::sd1
