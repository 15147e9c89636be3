// Truncated backpropagation through time, the chunked variant BPTT(h, h) of Williams & Peng
// (1990, Neural Computation 2:490, "An efficient gradient-based algorithm for on-line training
// of recurrent network trajectories"), and with mode = future the future-facing variant of
// Marschall et al. 2020 (algorithms/future_tbptt.h), in which every step gets a full h-step
// horizon and the rule updates online.
#pragma once

#include <string>

#include "algorithms/bptt.h"
#include "core/param_table.h"

namespace tca {

// The window is cut into consecutive chunks [0, h), [h, 2h), ... (the last one may be shorter).
// At the end of each chunk exact BPTT runs over that chunk only:
//   delta_t = c_t + J_{t+1}^T delta_{t+1} within the chunk, delta = 0 past the chunk's end,
//   gW += (D_t delta_t) ahat_t^T,
// so the loss at step t is credited to the steps from the chunk's start up to t, and no error
// crosses a chunk boundary; the network's state itself runs on across chunks (a chunk's first
// ahat holds the previous chunk's last state, as a constant). Each error is thus propagated
// between 0 and h - 1 steps back (BPTT(h, h); the sliding BPTT(h, 1) would cost h backward
// steps per step). h >= T gives exact BPTT; h = 1 keeps only the immediate term (D_t c_t) ahat_t^T.
// Reuses Bptt's storage and backward pass (algorithms/bptt.h); memory: h steps. Online (updates
// after every step, the online regime's streams) it updates once per chunk.
enum class TbpttMode { chunks, future };
struct TbpttConfig {
  int h = 10;  // chunk length in steps (future: the horizon)
  TbpttMode mode = TbpttMode::chunks;
};
const ParamTable<TbpttConfig>& tbptt_params();

class Tbptt final : public Bptt {
 public:
  Tbptt(const RateRnnConfig& config, DType dtype, Device device, const TbpttConfig& tbptt)
      : Bptt(config, dtype, device, tbptt.h) {}
  std::string id() const override { return "tbptt"; }
  std::map<std::string, std::string> config() const override {
    return tbptt_params().text({truncation(), TbpttMode::chunks});
  }
  // The estimate is complete at the end of every chunk (and zero between): updates after every
  // step apply it every h steps, the E-BPTT of Marschall et al. 2020. In a stream the chunks
  // run on across windows.
  bool supports_online_updates() const override { return true; }
};

}  // namespace tca
