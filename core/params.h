// Documented, strictly parsed text parameters, shared by tasks and learning rules.
#pragma once

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tca {

// A documented parameter: its default as text, what it means and its valid values (e.g.
// "an integer in [1, 100000]"; the words of the error message a bad value gets). Tables of
// them come from core/param_table.h.
struct ParamDoc {
  std::string name;
  std::string default_value;
  std::string help;
  std::string range;
};

// Upper bound on every length-like parameter (steps, delays): keeps batches allocatable.
constexpr long kMaxTaskLength = 100000;

// Shortest decimal text that parses back to the same double ("2.2", not "2.2000000000000002").
inline std::string format_real(double value) {
  char text[32];
  const std::to_chars_result result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

// format_real with a plain exponent ("1e6", "1e-7", not "1e+06", "1e-07"): for documentation
// and messages; the text still parses back to the same double.
inline std::string format_number(double value) {
  std::string text = format_real(value);
  const size_t e = text.find('e');
  if (e == std::string::npos) return text;
  std::string exponent = text.substr(e + 1);
  const bool negative = exponent[0] == '-';
  if (exponent[0] == '-' || exponent[0] == '+') exponent.erase(0, 1);
  while (exponent.size() > 1 && exponent[0] == '0') exponent.erase(0, 1);
  return text.substr(0, e + 1) + (negative ? "-" : "") + exponent;
}

// The valid values of a parameter, in the words of its documentation and error messages.
inline std::string integer_range(long min_value, long max_value) {
  if (max_value == std::numeric_limits<long>::max()) return "an integer >= " + std::to_string(min_value);
  return "an integer in [" + std::to_string(min_value) + ", " + std::to_string(max_value) + "]";
}
inline std::string real_range(double min_value, double max_value, bool exclusive_min) {
  return std::string("a number in ") + (exclusive_min ? "(" : "[") + format_number(min_value) + ", " +
         format_number(max_value) + "]";
}
inline std::string choice_range(const std::vector<std::string>& words) {
  std::string range = "one of ";
  for (size_t i = 0; i < words.size(); ++i) range += (i ? ", " : "") + words[i];
  return range;
}

// The parameters of one task or learning-rule instance: its documented defaults overridden by
// what the caller gave. The constructor rejects unknown names; integer() and real() parse a
// value strictly (the whole text must be a number) and check its range.
class Params {
 public:
  Params(std::string owner_id, std::vector<ParamDoc> documented,
         const std::map<std::string, std::string>& overrides)
      : owner_id_(std::move(owner_id)), documented_(std::move(documented)) {
    for (const ParamDoc& param : documented_) values_[param.name] = param.default_value;
    for (const auto& [name, value] : overrides) {
      if (values_.count(name) == 0) {
        throw std::invalid_argument(owner_id_ + ": unknown parameter '" + name +
                                    "'; valid parameters (with defaults): " + valid_names());
      }
      values_[name] = value;
    }
  }

  long integer(const std::string& name, long min_value, long max_value) const {
    const std::string& text = lookup(name);
    const std::string range = integer_range(min_value, max_value);
    if (text.empty() ||
        !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-' || text[0] == '+')) {
      throw bad_value(name, text, range);
    }
    errno = 0;
    char* end = nullptr;
    const long value = std::strtol(text.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || value < min_value || value > max_value) {
      throw bad_value(name, text, range);
    }
    return value;
  }

  // A finite number in [min_value, max_value], or in (min_value, max_value] when
  // exclusive_min (for quantities that must be positive).
  double real(const std::string& name, double min_value, double max_value,
              bool exclusive_min = false) const {
    const std::string& text = lookup(name);
    const std::string range = real_range(min_value, max_value, exclusive_min);
    if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) {
      throw bad_value(name, text, range);
    }
    errno = 0;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (errno != 0 || *end != '\0' || !std::isfinite(value) || value < min_value ||
        (exclusive_min && value == min_value) || value > max_value) {
      throw bad_value(name, text, range);
    }
    return value;
  }

  // One of a fixed set of words, compared exactly; returns it.
  const std::string& choice(const std::string& name, const std::vector<std::string>& valid) const {
    const std::string& text = lookup(name);
    for (const std::string& word : valid)
      if (word == text) return text;
    throw bad_value(name, text, choice_range(valid));
  }

  // The value as given (or its default), unparsed: for parameters that take a word or a number.
  const std::string& text(const std::string& name) const { return lookup(name); }

  // An invalid_argument for a value that parses but breaks a constraint between parameters.
  std::invalid_argument constraint_error(const std::string& message) const {
    return std::invalid_argument(owner_id_ + ": " + message);
  }

 private:
  const std::string& lookup(const std::string& name) const {
    const auto found = values_.find(name);
    if (found == values_.end()) {  // code asked for a parameter its documentation does not list
      throw std::logic_error(owner_id_ + ": parameter '" + name + "' is not documented");
    }
    return found->second;
  }
  std::string valid_names() const {
    std::string names;
    for (const ParamDoc& param : documented_) {
      if (!names.empty()) names += ", ";
      names += param.name + "=" + param.default_value;
    }
    return names.empty() ? "none" : names;
  }
  std::invalid_argument bad_value(const std::string& name, const std::string& text,
                                  const std::string& range) const {
    return std::invalid_argument(owner_id_ + ": parameter '" + name + "' must be " + range +
                                 ", got '" + text + "'");
  }

  std::string owner_id_;
  std::vector<ParamDoc> documented_;
  std::map<std::string, std::string> values_;
};

}  // namespace tca
