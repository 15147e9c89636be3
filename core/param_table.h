// A parameter table: every parameter of a task, rule or network declared once, as one line
// that names it, points at the member it sets, states its valid values and says what it means.
// The default is the member's value in a default configuration (its initialiser in the
// struct), so it too is written once. From the table come
//   docs()  the documented list: `tcabench tasks|algos|models`, their --markdown tables in the
//           docs, and the names Params accepts;
//   read()  strict parsing of the given values, range checks included, into a configuration;
//   text()  the effective values as text, for the reports' config objects.
//
// A field is a member pointer (&Config::steps) or, for a member of a member, a generic lambda
// returning a reference ([](auto& c) -> auto& { return c.init.gain; }).
//
// Example (tasks/add.cpp):
//   struct AddConfig { int steps = 100; int lag1 = 5; };
//   const ParamTable<AddConfig>& add_params() {
//     static const auto table = ParamTable<AddConfig>()
//         .integer("T", &AddConfig::steps, 1, kMaxTaskLength, "steps")
//         .integer("t1", &AddConfig::lag1, 1, kMaxTaskLength, "lag of the +1/2 dependency");
//     return table;
//   }
#pragma once

#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/params.h"

namespace tca {

template <class Config>
class ParamTable {
 public:
  // The type of the member a field points at.
  template <class Field>
  using FieldType = std::decay_t<std::invoke_result_t<Field, Config&>>;

  // `defaults` supplies every default (a rule family may differ from the struct's own, e.g.
  // rflo's and eprop's feedback kind).
  explicit ParamTable(Config defaults = Config{}) : defaults_(std::move(defaults)) {}

  // An integer in [min_value, max_value].
  template <class Field>
  ParamTable& integer(std::string name, Field field, long min_value, long max_value, std::string help) {
    using Value = FieldType<Field>;
    static_assert(std::is_integral_v<Value>, "integer(): the field must be an integer");
    add(
        {name, std::to_string(get(field, defaults_)), std::move(help), integer_range(min_value, max_value)},
        [=](const Params& p, Config& c) { get(field, c) = static_cast<Value>(p.integer(name, min_value, max_value)); },
        [=](const Config& c) { return std::to_string(get(field, c)); });
    return *this;
  }

  // A finite number in [min_value, max_value].
  template <class Field>
  ParamTable& real(std::string name, Field field, double min_value, double max_value, std::string help) {
    return add_real(std::move(name), field, min_value, max_value, false, std::move(help));
  }

  // A finite number in (0, max_value]: for quantities that must be positive.
  template <class Field>
  ParamTable& positive(std::string name, Field field, double max_value, std::string help) {
    return add_real(std::move(name), field, 0.0, max_value, true, std::move(help));
  }

  // One of a fixed set of words, each standing for a value of the field (an enum, a bool).
  template <class Field>
  ParamTable& choice(std::string name, Field field, std::vector<std::pair<std::string, FieldType<Field>>> options,
                     std::string help) {
    std::vector<std::string> words;
    for (const auto& option : options) words.push_back(option.first);
    const auto word_of = [=](const Config& c) {
      for (const auto& option : options)
        if (option.second == get(field, c)) return option.first;
      return std::string("?");  // a value no option names: only reachable by a bug in the caller
    };
    add(
        {name, word_of(defaults_), std::move(help), choice_range(words)},
        [=](const Params& p, Config& c) {
          const std::string& word = p.choice(name, words);
          for (const auto& option : options)
            if (option.first == word) get(field, c) = option.second;
        },
        word_of);
    return *this;
  }

  // A parameter with its own parsing (e.g. a number or the word "auto"); entries are read in
  // table order, so `read` sees the parameters declared before it.
  ParamTable& custom(ParamDoc doc, std::function<void(const Params&, Config&)> read,
                     std::function<std::string(const Config&)> write) {
    add(std::move(doc), std::move(read), std::move(write));
    return *this;
  }

  const std::vector<ParamDoc>& docs() const { return docs_; }

  // The defaults with every parameter of `params` parsed in; throws std::invalid_argument
  // naming the parameter and its valid values.
  Config read(const Params& params) const {
    Config config = defaults_;
    for (const Entry& entry : entries_) entry.read(params, config);
    return config;
  }
  // read() of the defaults overridden by `overrides`; `owner` prefixes error messages.
  Config parse(const std::string& owner, const std::map<std::string, std::string>& overrides) const {
    return read(Params(owner, docs_, overrides));
  }

  // Every parameter's value in `config` as text (integers in decimal, reals in their shortest
  // round-trip form, choices as their word).
  std::map<std::string, std::string> text(const Config& config) const {
    std::map<std::string, std::string> values;
    for (size_t i = 0; i < entries_.size(); ++i) values[docs_[i].name] = entries_[i].write(config);
    return values;
  }

 private:
  template <class Field, class C>
  static decltype(auto) get(const Field& field, C& config) {
    return std::invoke(field, config);
  }

  template <class Field>
  ParamTable& add_real(std::string name, Field field, double min_value, double max_value, bool exclusive_min,
                       std::string help) {
    static_assert(std::is_floating_point_v<FieldType<Field>>, "real(): the field must be floating point");
    add(
        {name, format_number(get(field, defaults_)), std::move(help), real_range(min_value, max_value, exclusive_min)},
        [=](const Params& p, Config& c) { get(field, c) = p.real(name, min_value, max_value, exclusive_min); },
        [=](const Config& c) { return format_real(get(field, c)); });
    return *this;
  }

  struct Entry {
    std::function<void(const Params&, Config&)> read;
    std::function<std::string(const Config&)> write;
  };
  void add(ParamDoc doc, std::function<void(const Params&, Config&)> read,
           std::function<std::string(const Config&)> write) {
    for (const ParamDoc& other : docs_)
      if (other.name == doc.name) throw std::logic_error("parameter '" + doc.name + "' declared twice");
    docs_.push_back(std::move(doc));
    entries_.push_back({std::move(read), std::move(write)});
  }

  Config defaults_;
  std::vector<ParamDoc> docs_;
  std::vector<Entry> entries_;
};

}  // namespace tca
