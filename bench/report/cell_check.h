// The checks a suite cell must pass before the leaderboard reads it: every field the leaderboard
// uses is present, of its type and in range (integers that are integers, sizes that are
// positive, intervals of two numbers, at least one run at the cell's chosen learning rate).
// A cell that fails is an error naming its file and the field, never a crash or an undefined
// conversion. The leaderboard's own output has a JSON schema
// (results/schema/leaderboard.schema.json), checked in the tests with python3-jsonschema; cells
// are checked here, in C++, where they are read.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace tca {

// Throws std::invalid_argument "FILE: FIELD must be ..., got EXCERPT".
void check_cell(const nlohmann::json& cell, const std::string& file);

}  // namespace tca
