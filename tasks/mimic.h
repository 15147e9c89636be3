// The fixed teacher network of mimic-v0 (tasks/mimic.cpp), exposed so that tests can run it
// through the model code of models/rate_rnn.h and compare.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "models/rate_rnn.h"

namespace tca {

// A leaky rate RNN of models/rate_rnn.h with identity readout, as host arrays in double.
struct MimicTeacher {
  RateRnnConfig config;        // n = teacher_hidden, m = inputs, o = outputs, alpha = teacher_alpha
  std::vector<double> W;       // n x k, k = n + m + 1: [W_rec | W_in | b]
  std::vector<double> W_outb;  // o x (n + 1): [W_out | b_out]
};

// The teacher of the mimic-v0 task made with these parameter overrides; throws
// std::invalid_argument on a bad parameter, as make_task does.
MimicTeacher mimic_teacher(const std::map<std::string, std::string>& params = {});

}  // namespace tca
