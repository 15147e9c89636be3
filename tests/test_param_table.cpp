// The parameter table (core/param_table.h): what it documents, parses and reports, and that
// every registered task, rule and network reports each of its parameters at its default.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "algorithms/registry.h"
#include "core/param_table.h"
#include "models/registry.h"
#include "tasks/task.h"

namespace tca {
namespace {

enum class Shape { square, round };

struct Example {
  int steps = 100;
  double rate = 0.05;
  double scale = 2e-7;
  uint64_t seed = 3;
  Shape shape = Shape::round;
  struct {
    double gain = 1.5;
  } init;
};

ParamTable<Example> example_table() {
  return ParamTable<Example>()
      .integer("T", &Example::steps, 1, 1000, "steps")
      .real("rate", &Example::rate, 0.0, 1.0, "a rate")
      .positive("scale", &Example::scale, 1e6, "a scale")
      .integer("seed", &Example::seed, 0, std::numeric_limits<long>::max(), "a seed")
      .choice("shape", &Example::shape, {{"square", Shape::square}, {"round", Shape::round}}, "a shape")
      .real(
          "gain", [](auto& e) -> auto& { return e.init.gain; }, 0.0, 10.0, "a nested member");
}

TEST(ParamTable, DocumentsEachParameterWithItsDefaultAndValidValues) {
  const std::vector<ParamDoc> docs = example_table().docs();
  ASSERT_EQ(docs.size(), 6u);
  const auto expect = [&](size_t i, const std::string& name, const std::string& default_value,
                          const std::string& range) {
    EXPECT_EQ(docs[i].name, name);
    EXPECT_EQ(docs[i].default_value, default_value) << name;
    EXPECT_EQ(docs[i].range, range) << name;
    EXPECT_FALSE(docs[i].help.empty()) << name;
  };
  expect(0, "T", "100", "an integer in [1, 1000]");
  expect(1, "rate", "0.05", "a number in [0, 1]");
  expect(2, "scale", "2e-7", "a number in (0, 1e6]");
  expect(3, "seed", "3", "an integer >= 0");
  expect(4, "shape", "round", "one of square, round");
  expect(5, "gain", "1.5", "a number in [0, 10]");
}

TEST(ParamTable, ParsesOverridesIntoTheirMembersAndReportsThem) {
  const ParamTable<Example> table = example_table();
  const Example defaults = table.parse("example", {});
  EXPECT_EQ(defaults.steps, 100);
  EXPECT_EQ(defaults.shape, Shape::round);
  const Example e = table.parse(
      "example", {{"T", "7"}, {"rate", "0.5"}, {"scale", "3"}, {"seed", "9"}, {"shape", "square"}, {"gain", "0.25"}});
  EXPECT_EQ(e.steps, 7);
  EXPECT_EQ(e.rate, 0.5);
  EXPECT_EQ(e.scale, 3.0);
  EXPECT_EQ(e.seed, 9u);
  EXPECT_EQ(e.shape, Shape::square);
  EXPECT_EQ(e.init.gain, 0.25);
  const std::map<std::string, std::string> text = table.text(e);
  EXPECT_EQ(text,
            (std::map<std::string, std::string>{
                {"T", "7"}, {"rate", "0.5"}, {"scale", "3"}, {"seed", "9"}, {"shape", "square"}, {"gain", "0.25"}}));
  // The reported text parses back to the same configuration.
  const Example again = table.parse("example", text);
  EXPECT_EQ(table.text(again), text);
}

TEST(ParamTable, RefusesValuesOutsideTheirRangeNamingTheParameterAndTheRange) {
  const ParamTable<Example> table = example_table();
  const auto message = [&](const std::map<std::string, std::string>& overrides) {
    try {
      table.parse("example", overrides);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(message({{"T", "0"}}), "example: parameter 'T' must be an integer in [1, 1000], got '0'");
  EXPECT_EQ(message({{"T", "1.5"}}), "example: parameter 'T' must be an integer in [1, 1000], got '1.5'");
  EXPECT_EQ(message({{"scale", "0"}}), "example: parameter 'scale' must be a number in (0, 1e6], got '0'");
  EXPECT_EQ(message({{"rate", "nan"}}), "example: parameter 'rate' must be a number in [0, 1], got 'nan'");
  EXPECT_EQ(message({{"seed", "-1"}}), "example: parameter 'seed' must be an integer >= 0, got '-1'");
  EXPECT_EQ(message({{"shape", "oval"}}), "example: parameter 'shape' must be one of square, round, got 'oval'");
  EXPECT_NE(message({{"steps", "5"}}).find("unknown parameter 'steps'"), std::string::npos);
}

TEST(ParamTable, OtherDefaultsAndCustomEntries) {
  Example other;
  other.shape = Shape::square;
  const ParamTable<Example> table =
      ParamTable<Example>(other)
          .choice("shape", &Example::shape, {{"square", Shape::square}, {"round", Shape::round}}, "a shape")
          .custom(
              {"T", "auto", "steps; auto: 10 per unit of gain", "auto, or an integer in [1, 1000]"},
              [](const Params& p, Example& e) {
                e.steps = p.text("T") == "auto" ? static_cast<int>(10 * e.init.gain)
                                                : static_cast<int>(p.integer("T", 1, 1000));
              },
              [](const Example& e) { return std::to_string(e.steps); });
  EXPECT_EQ(table.docs()[0].default_value, "square");
  EXPECT_EQ(table.docs()[1].range, "auto, or an integer in [1, 1000]");
  EXPECT_EQ(table.parse("x", {}).steps, 15);
  EXPECT_EQ(table.parse("x", {{"T", "4"}}).steps, 4);
  EXPECT_EQ(table.text(table.parse("x", {})).at("T"), "15");
  EXPECT_THROW(ParamTable<Example>().integer("T", &Example::steps, 1, 2, "a").integer("T", &Example::steps, 1, 2, "b"),
               std::logic_error);
}

// A documented default and the value a default-built object reports agree (as numbers where
// the texts differ only in format, e.g. 1e-7 and 1e-07; beta's "auto" reports its value).
void expect_reports_defaults(const std::string& owner, const std::vector<ParamDoc>& docs,
                             const std::map<std::string, std::string>& reported) {
  for (const ParamDoc& doc : docs) {
    ASSERT_EQ(reported.count(doc.name), 1u) << owner << "." << doc.name;
    if (doc.default_value == "auto") continue;
    const std::string& value = reported.at(doc.name);
    if (value == doc.default_value) continue;
    EXPECT_EQ(std::stod(value), std::stod(doc.default_value)) << owner << "." << doc.name;
  }
}

TEST(ParamTable, EveryTaskReportsEachParameterAtItsDefault) {
  for (const TaskInfo& info : task_registry()) {
    ASSERT_FALSE(info.params.empty()) << info.id;
    for (const ParamDoc& doc : info.params) EXPECT_FALSE(doc.range.empty() || doc.help.empty()) << info.id;
    expect_reports_defaults(info.id, info.params, make_task(info.id)->config());
  }
}

TEST(ParamTable, EveryRuleReportsEachHyperparameterAtItsDefault) {
  const TaskShape shape{2, 2, LossKind::mse};
  for (const RegisteredRuleInfo& info : rule_registry()) {
    const auto network = make_network(info.network, sized_knobs(info.network, 4), shape, DType::f64, Device::cpu);
    const auto rule = make_rule(*network, info.id);
    for (const ParamDoc& doc : info.params) EXPECT_FALSE(doc.range.empty() || doc.help.empty()) << info.id;
    expect_reports_defaults(info.network + "/" + info.id, info.params, rule->config());
    EXPECT_EQ(rule->config().size(), info.params.size()) << info.network << "/" << info.id;
  }
}

TEST(ParamTable, EveryNetworkDocumentsItsKnobsWithRanges) {
  for (const NetworkInfo& info : network_registry()) {
    ASSERT_FALSE(info.knobs.empty()) << info.id;
    for (const ParamDoc& doc : info.knobs) EXPECT_FALSE(doc.range.empty() || doc.help.empty()) << info.id;
    // Every documented default is accepted as an explicit value.
    std::map<std::string, std::string> explicit_defaults;
    for (const ParamDoc& doc : info.knobs) explicit_defaults[doc.name] = doc.default_value;
    EXPECT_NO_THROW(make_network(info.id, explicit_defaults, TaskShape{1, 1, LossKind::mse}, DType::f64, Device::cpu))
        << info.id;
  }
}

}  // namespace
}  // namespace tca
