#include "bench/report/json_io.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tca {

namespace {

// The deepest nesting of arrays and objects in the text, strings skipped; stops counting past
// the bound.
int nesting_depth(const std::string& text) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest && (deepest = depth) > kMaxJsonDepth) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
  if (nesting_depth(text) > kMaxJsonDepth)
    throw std::invalid_argument(source + ": nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number out of range
    throw std::invalid_argument(source + ": not JSON (" + e.what() + ")");
  }
}

std::string read_text_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    throw std::invalid_argument("cannot read '" + path + "': " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw std::invalid_argument("cannot read '" + path + "': it is a folder");
  if (!S_ISREG(st.st_mode))  // a FIFO would block, a device never end
    throw std::invalid_argument("cannot read '" + path + "': not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::invalid_argument("cannot read '" + path + "': a read error");
  return text.str();
}

nlohmann::json read_json_file(const std::string& path) { return parse_json_text(read_text_file(path), path); }

std::string json_excerpt(const nlohmann::json& value, size_t limit) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() <= limit) return text;
  const size_t total = text.size();
  text.resize(limit);
  return text + "... (" + std::to_string(total) + " characters)";
}

}  // namespace tca
