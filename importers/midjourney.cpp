// Midjourney web downloads: PNG `Description` = "<prompt> --ar 4:5 --v 6 ... Job ID: <uuid>",
// `Author`, `Creation Time`; XMP with DigImageGUID and DigitalSourceType.
#include "importers/json_util.h"
#include "importers/sniffer.h"

namespace provena {

bool detect_midjourney(const FileMetadata& meta) {
  const std::string* d = text_of(meta, "Description");
  return d && d->find("Job ID:") != std::string::npos;
}

Result<Record> read_midjourney(const FileMetadata& meta) {
  const std::string& d = *text_of(meta, "Description");
  Record r;
  r.tool = "midjourney";
  size_t job = d.find(" Job ID:");
  if (job == std::string::npos) job = d.find("Job ID:");
  std::string body = d.substr(0, job);
  size_t flags = body.find(" --");
  r.prompt = body.substr(0, flags);
  // Flags: "--ar 4:5 --v 6 --seed 123" → extra parameters (and the seed).
  for (size_t p = flags; p != std::string::npos && p < body.size();) {
    size_t name_start = p + 3;
    size_t next = body.find(" --", name_start);
    std::string flag = body.substr(name_start, next == std::string::npos ? std::string::npos : next - name_start);
    size_t sp = flag.find(' ');
    std::string name = flag.substr(0, sp), value = sp == std::string::npos ? "" : flag.substr(sp + 1);
    if (name == "seed") r.seed = json_to_int(nlohmann::json(value));
    else r.extra.emplace_back("--" + name, value);
    p = next;
  }
  if (job != std::string::npos) {
    size_t id = d.find(':', job) + 1;
    std::string job_id = d.substr(id);
    while (!job_id.empty() && job_id.front() == ' ') job_id.erase(0, 1);
    r.extra.emplace_back("Job ID", job_id);
  }
  if (const std::string* t = text_of(meta, "Creation Time")) r.created_at = *t;
  return r;
}

}  // namespace provena
