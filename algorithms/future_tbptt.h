// Future-facing truncated BPTT: tbptt with mode = future (algorithms/tbptt.h), the F-BPTT of
// Marschall, Cho & Savin 2020 (JMLR 21, "A unified framework of online learning algorithms for
// training recurrent neural networks"; their vanilla-rtrl code, learning_algorithms/
// Future_BPTT.py).
//
// Every step's activity is credited with the h losses from that step on:
//   q_s = sum_{u = s}^{s + h - 1} dL_u/da_s   (through the network, u < window end),
//   gW += (D_s q_s) ahat_s^T,   D_s = alpha diag phi'(h_s),
// so each loss L_u reaches exactly h steps back (fewer only at the start of the data), where
// the chunked tbptt reaches between 1 and h. Summed over a window this is the gradient of
// Williams & Peng's BPTT(h, 1); what differs online is when it arrives: q_s is complete h - 1
// steps after s, and that is when it enters the gradient.
//
// Per step t the rule stores ahat_t, phi'(h_t) and q_t = c_t, sends c_t back through the stored
// steps, q_s += J_{s+1}^T ... J_t^T c_t for s = t - 1 down to t - h + 1, and hands out the
// oldest step's term once its h losses are in. finish() hands out the rest (their credit cut at
// the window's end); in the online regime's streams the stored steps carry over instead, so no
// credit is cut. Memory: h steps; cost per step: h - 1 backward steps.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "algorithms/rate_rule.h"

namespace tca {

class FutureFacingTbptt final : public RateRule {
 public:
  FutureFacingTbptt(const RateRnnConfig& config, DType dtype, Device device, int h)
      : RateRule(config, dtype, device), h_(h) {}
  std::string id() const override { return "tbptt"; }
  std::map<std::string, std::string> config() const override;
  void finish() override;
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& s) override;
  Tensor& stored(std::vector<Tensor>& v, int age) { return v[static_cast<size_t>((oldest_ + age) % h_)]; }
  void hand_out_oldest();  // gW += (D_s q_s) ahat_s^T for the oldest stored step s, then drops it

  int h_;
  int oldest_ = 0, count_ = 0;            // the ring of stored steps
  std::vector<Tensor> ahat_, dphi_, q_;   // h tensors each: [B, k], [B, n], [B, n]
  Tensor delta_, scaled_;                 // [B, n]
};

}  // namespace tca
