// A bounded fuzz test of the parsers of user input: the suite config (suites/smoke.json), a
// suite cell (computed here by a tiny suite) on its way into the leaderboard, a Google Benchmark
// run (results/baselines/cpu/micro.json) and the quality baseline (results/baselines/
// quality.json). Each is mutated a few hundred times from a fixed seed, structurally (a value
// replaced by one of another type, a huge or deeply nested one, a key removed, an element
// duplicated) and as text (cut, a byte changed). Every mutation must be accepted or refused with
// std::invalid_argument or std::runtime_error: no crash, and no raw json.exception, whose message
// names no file.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/gates/bench_compare.h"
#include "bench/gates/quality.h"
#include "bench/report/cell_check.h"
#include "bench/report/json_io.h"
#include "bench/report/leaderboard.h"
#include "bench/suite/suite.h"

namespace tca {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kMutations = 300;

std::string source_file(const std::string& relative) {
  std::ifstream in(std::string(TCABENCH_SOURCE_DIR) + "/" + relative);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A key as a JSON pointer token (RFC 6901: ~ as ~0, / as ~1).
std::string escape(const std::string& key) {
  std::string out;
  for (const char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

// The JSON pointers of every value in `doc`.
void pointers(const json& v, const std::string& at, std::vector<std::string>& out) {
  out.push_back(at);
  if (v.is_object())
    for (const auto& item : v.items()) pointers(item.value(), at + "/" + escape(item.key()), out);
  else if (v.is_array())
    for (size_t i = 0; i < v.size(); ++i) pointers(v[i], at + "/" + std::to_string(i), out);
}

json nested(int depth) {
  json v = 1;
  for (int i = 0; i < depth; ++i) v = json::array({v});
  return v;
}

// One structural mutation of a copy of `doc`.
json mutate(const json& doc, std::mt19937_64& rng, std::string& what) {
  std::vector<std::string> all;
  pointers(doc, "", all);
  const std::string at = all[rng() % all.size()];
  json out = doc;
  const json replacements[] = {nullptr, true, -5, 0, 1e300, -1e300, 0.5, "", "x", json::array(), json::object(),
                               std::string(10000, 'y'), nested(60), json::array({nullptr, nullptr})};
  const size_t kind = rng() % (std::size(replacements) + 3);
  if (kind < std::size(replacements)) {
    what = "replace " + at + " by " + json_excerpt(replacements[kind], 40);
    if (at.empty()) return replacements[kind];
    out[json::json_pointer(at)] = replacements[kind];
  } else if (kind == std::size(replacements) && !at.empty()) {
    what = "remove " + at;
    const json::json_pointer p(at);
    json& parent = out[p.parent_pointer()];
    if (parent.is_object()) parent.erase(p.back());
    else if (parent.is_array()) parent.erase(parent.begin() + static_cast<long>(std::stoul(p.back())));
  } else {
    const std::string other = all[rng() % all.size()];
    what = "copy " + other + " to " + at;
    const json value = doc[json::json_pointer(other)];
    if (at.empty()) return value;
    out[json::json_pointer(at)] = value;
  }
  return out;
}

// One text mutation: cut the text, or change one byte.
std::string mutate_text(const std::string& text, std::mt19937_64& rng, std::string& what) {
  const size_t at = rng() % text.size();
  if (rng() % 2) {
    what = "cut at " + std::to_string(at);
    return text.substr(0, at);
  }
  std::string out = text;
  const char bytes[] = {'"', '{', '}', '[', ']', ',', ':', '0', '-', 'e', '\\', '\0', '\xff'};
  out[at] = bytes[rng() % sizeof(bytes)];
  what = "byte " + std::to_string(at);
  return out;
}

// Runs `parse` on kMutations structural and kMutations text mutations of `text`.
void fuzz(const std::string& name, const std::string& text, uint64_t seed,
          const std::function<void(const json&)>& parse) {
  std::mt19937_64 rng(seed);
  const json doc = parse_json_text(text, name);
  ASSERT_NO_THROW(parse(doc)) << name << ": the unmutated input must be accepted";
  int refused = 0;
  for (int i = 0; i < 2 * kMutations; ++i) {
    std::string what;
    try {
      if (i < kMutations) {
        parse(mutate(doc, rng, what));
      } else {
        parse(parse_json_text(mutate_text(text, rng, what), name));
      }
    } catch (const json::exception& e) {
      ADD_FAILURE() << name << ", " << what << ": a raw json.exception: " << e.what();
    } catch (const std::invalid_argument&) {
      ++refused;
    } catch (const std::runtime_error&) {
      ++refused;
    }
  }
  std::printf("fuzz %s: %d of %d mutations refused with a message, the rest accepted\n", name.c_str(), refused,
              2 * kMutations);
  EXPECT_GT(refused, kMutations / 2) << name << ": the mutations should mostly be refused";
}

TEST(FuzzInputs, SuiteConfig) {
  fuzz("suites/smoke.json", source_file("suites/smoke.json"), 1,
       [](const json& doc) { parse_suite_config(doc, "suites/smoke.json"); });
}

TEST(FuzzInputs, BenchmarkRun) {
  fuzz("results/baselines/cpu/micro.json", source_file("results/baselines/cpu/micro.json"), 2,
       [](const json& doc) { parse_benchmark_run(doc, "micro.json"); });
}

TEST(FuzzInputs, QualityBaseline) {
  const std::string text = source_file("results/baselines/quality.json");
  const json committed = json::parse(text);
  fuzz("results/baselines/quality.json", text, 3, [&](const json& doc) { check_quality(committed, doc); });
}

TEST(FuzzInputs, SuiteCellIntoTheLeaderboard) {
  const fs::path dir = fs::path(testing::TempDir()) / "tca_fuzz_cell";
  fs::remove_all(dir);
  const SuiteConfig config = parse_suite_config(json::parse(R"({
    "tasks": [{"id": "add-v0", "params": {"T": 6}, "metric": "ce", "better": "lower", "criterion": "ce<=0.7"}],
    "algorithms": [{"id": "uoro"}], "hidden": [3], "seeds": [1, 2],
    "training": {"iterations": 2, "batch": 2, "eval_every": 1, "eval_batch": 4, "learning_rates": [0.01, 0.1],
                 "curvature_batch": 2},
    "probe": {"samples": 3, "batch": 2, "data_batches": 2}})"));
  SuiteOptions options;
  options.out_dir = dir.string();
  options.quiet = true;
  run_suite(config, options, nullptr);
  std::ifstream in(dir / "cells" / "add-v0.uoro.n3.json");
  std::ostringstream cell;
  cell << in.rdbuf();
  fuzz("a suite cell", cell.str(), 4, [](const json& doc) {
    check_cell(doc, "cell.json");
    json named = doc;
    named["cell"]["file"] = "cell.json";
    leaderboard_markdown(build_leaderboard({named}));
  });
}

}  // namespace
}  // namespace tca
