// The core types that tie networks and rules together: the network and rule registries, the
// checked cast to a concrete network, and the Learner's flat layout and parameter groups.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "algorithms/learner.h"
#include "algorithms/registry.h"
#include "models/lif_rnn.h"
#include "models/rate_rnn.h"
#include "models/registry.h"
#include "test_util.h"

namespace tca {
namespace {

const TaskShape kShape{2, 3, LossKind::mse};

std::unique_ptr<Network> network(const std::string& id, int n) {
  return make_network(id, sized_knobs(id, n), kShape, DType::f64, Device::cpu);
}

bool mentions(const std::exception& e, const std::string& text) {
  return std::string(e.what()).find(text) != std::string::npos;
}

TEST(Registries, EveryRuleRunsOnARegisteredNetworkAndRulesOfPartitionsThem) {
  std::set<std::string> networks;
  for (const NetworkInfo& info : network_registry()) networks.insert(info.id);
  EXPECT_EQ(networks, (std::set<std::string>{"rate", "lif"}));
  size_t listed = 0;
  for (const std::string& id : networks) {
    for (const RegisteredRuleInfo& rule : rules_of(id)) {
      EXPECT_EQ(rule.network, id);
      auto net = network(id, 4);
      EXPECT_EQ(make_rule(*net, rule.id)->id(), rule.id) << id << "/" << rule.id;
    }
    listed += rules_of(id).size();
  }
  EXPECT_EQ(listed, rule_registry().size());
  EXPECT_TRUE(rules_of("gru").empty());
}

TEST(Registries, RefuseUnknownNetworksAndRulesOfAnotherNetwork) {
  try {
    make_network("gru", {}, kShape, DType::f64, Device::cpu);
    FAIL() << "no error for an unknown network";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(mentions(e, "unknown model 'gru'") && mentions(e, "rate, lif")) << e.what();
  }
  auto lif = network("lif", 4);
  try {
    make_rule(*lif, "uoro");  // a rule of the rate network only
    FAIL() << "no error for a rule of another network";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(mentions(e, "uoro") && mentions(e, "lif network") && mentions(e, "eprop")) << e.what();
  }
  EXPECT_THROW(make_network("rate", {{"hidden", "0"}}, kShape, DType::f64, Device::cpu), std::invalid_argument);
  EXPECT_THROW(make_network("rate", {{"n_lif", "3"}}, kShape, DType::f64, Device::cpu), std::invalid_argument);
}

TEST(Registries, SizedKnobsGiveTheAskedSize) {
  for (const int n : {1, 7, 16}) {
    EXPECT_EQ(network("rate", n)->n(), n);
    EXPECT_EQ(network("lif", n)->n(), n);
  }
  EXPECT_EQ(sized_knobs("lif", 7), (std::map<std::string, std::string>{{"n_lif", "3"}, {"n_alif", "4"}}));
}

TEST(Network, ACastToAnotherNetworkIsRefusedAndCellTypesDefaultToOne) {
  auto rate = network("rate", 5);
  EXPECT_NO_THROW(network_as<RateRnn>(*rate, "test"));
  EXPECT_THROW(network_as<LifRnn>(*rate, "test"), std::logic_error);
  EXPECT_EQ(rate->cell_types(), std::vector<int>(5, 0));
  // A rule of the spiking network stepped with the rate network.
  auto lif = network("lif", 4);
  auto rule = make_rule(*lif, "eprop");
  const NetworkParams params = lif->initial_params(1, DType::f64, Device::cpu);
  rule->reset(params, 2, 0);
  EXPECT_THROW(rule->step(*rate), std::logic_error);
}

TEST(Learner, FlatLayoutIsWThenWoutbAndGroupsCoverEveryParameterOnce) {
  for (const std::string id : {"rate", "lif"}) {
    Learner learner(network(id, 6), "bptt");
    learner.initialise(3);
    const NetworkParams expected = learner.network().initial_params(3, DType::f64, Device::cpu);
    EXPECT_EQ(learner.params().W.to_host(), expected.W.to_host()) << id;
    const DeviceBatch batch = to_device(test::random_batch(5, 2, kShape.m, kShape.o, kShape.loss, 9), DType::f64,
                                        Device::cpu);
    learner.window(batch, 0);
    std::vector<double> flat = learner.gradient().W.to_host();
    const std::vector<double> out = learner.gradient().W_outb.to_host();
    flat.insert(flat.end(), out.begin(), out.end());
    EXPECT_EQ(learner.flat_gradient(), flat) << id;

    const size_t n = learner.network().n(), total = flat.size();
    std::vector<int> seen(total, 0);
    for (const auto& [name, idx] : learner.group_indices())
      for (size_t i : idx) ++seen.at(i);
    for (size_t i = 0; i < total; ++i) {
      const bool diagonal = i < n * learner.network().k() && i / learner.network().k() == i % learner.network().k();
      // The spiking network's W_rec diagonal is no parameter: in no group. Everything else: once.
      EXPECT_EQ(seen[i], id == "lif" && diagonal ? 0 : 1) << id << " index " << i;
    }
  }
}

TEST(Learner, SetParamsRefusesAWrongSizeAndOnlineUpdatesAreCheckedPerRule) {
  Learner learner(network("rate", 3), "rtrl");
  EXPECT_THROW(learner.set_params(std::vector<double>(5, 0.0)), std::invalid_argument);
  learner.set_params(learner.initial_flat_params(1));
  const DeviceBatch batch =
      to_device(test::random_batch(4, 2, kShape.m, kShape.o, kShape.loss, 2), DType::f64, Device::cpu);
  EXPECT_NO_THROW(learner.begin(batch, 0));
  Learner window_only(network("rate", 3), "bptt");
  window_only.set_params(window_only.initial_flat_params(1));
  try {
    window_only.begin(batch, 0);
    FAIL() << "bptt accepted online updates";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(mentions(e, "end of the window")) << e.what();
  }
}

TEST(RateInitialisation, OrthogonalRecurrentWeightsAreGainTimesAnOrthogonalMatrix) {
  RateRnnConfig c;
  c.n = 12;
  c.m = 3;
  c.o = 2;
  InitOptions gaussian, orthogonal;
  gaussian.gain = orthogonal.gain = 1.5;
  orthogonal.recurrent = RecurrentInit::orthogonal;
  const std::vector<double> G = init_params(c, 7, DType::f64, Device::cpu, gaussian).W.to_host();
  const NetworkParams p = init_params(c, 7, DType::f64, Device::cpu, orthogonal);
  const std::vector<double> W = p.W.to_host();
  const int n = c.n, k = c.k();
  // W_rec^T W_rec = gain^2 I: every singular value is the gain.
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) {
      double dot = 0.0;
      for (int i = 0; i < n; ++i) dot += W[i * k + a] * W[i * k + b];
      EXPECT_NEAR(dot, a == b ? 1.5 * 1.5 : 0.0, 1e-12) << a << "," << b;
    }
  // It is the Q of the Gaussian draws' QR decomposition with R's diagonal positive: Q^T G is
  // upper triangular with a positive diagonal (G = the Gaussian W_rec, the same draws).
  for (int a = 0; a < n; ++a)
    for (int b = 0; b <= a; ++b) {
      double r = 0.0;
      for (int i = 0; i < n; ++i) r += W[i * k + a] * G[i * k + b];
      if (b < a) EXPECT_NEAR(r, 0.0, 1e-12) << a << "," << b;
      else EXPECT_GT(r, 0.0) << a;
    }
  // The other parameters are the Gaussian initialisation's, draw for draw.
  for (int i = 0; i < n; ++i)
    for (int j = n; j < k; ++j) EXPECT_EQ(W[i * k + j], G[i * k + j]);
  EXPECT_EQ(p.W_outb.to_host(), init_params(c, 7, DType::f64, Device::cpu, gaussian).W_outb.to_host());
  // From the registry: --model-param init=orthogonal.
  const auto net = make_network("rate", {{"hidden", "12"}, {"init", "orthogonal"}, {"gain", "1.5"}}, {3, 2, LossKind::mse},
                                DType::f64, Device::cpu);
  EXPECT_EQ(net->initial_params(7, DType::f64, Device::cpu).W.to_host(), W);
}

}  // namespace
}  // namespace tca
