// Reading JSON input (suite configs, cells, baselines, benchmark runs) with errors that name the
// file and the problem, and short excerpts of values for error messages.
//
// Nesting is bounded (kMaxJsonDepth) by a scan of the text before it is parsed, so a hostile file
// nested 10^5 deep is refused with a message instead of exhausting the stack of the recursive
// code that walks parsed values.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace tca {

constexpr int kMaxJsonDepth = 64;

// The parsed document of `text`; throws std::invalid_argument "SOURCE: not JSON (...)" or
// "SOURCE: nested deeper than 64 levels".
nlohmann::json parse_json_text(const std::string& text, const std::string& source);
// The file's text, parsed as above; throws std::invalid_argument naming the file and the
// system's reason when it cannot be read (or is not a regular file).
nlohmann::json read_json_file(const std::string& path);
// The file's text; throws std::invalid_argument naming the file and the system's reason.
std::string read_text_file(const std::string& path);
// A value's JSON text for an error message, cut to about `limit` characters.
std::string json_excerpt(const nlohmann::json& value, size_t limit = 80);

}  // namespace tca
