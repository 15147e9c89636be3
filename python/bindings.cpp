// tcabench._core: the C++ core as a Python module (pybind11). The package around it
// (python/tcabench/__init__.py) gives it its documented API; docs/python.md describes it.
//
// What crosses: tasks (make, sample, metrics), batches as numpy arrays, networks and their
// parameters, every rule's gradient estimates and the exact gradient, computed by the probe's
// own steps (bench/experiments/probe.h), the probe's statistics (score_estimates), and the
// command line itself (bench/cli/cli.h) for probe, train, suite and leaderboard runs.
//
// Long calls release the GIL and run with a SIGINT handler that asks the computation to stop
// (core/cancellation.h); it stops within one step and the call raises KeyboardInterrupt.
// std::invalid_argument becomes ValueError, other errors RuntimeError, with the CLI's messages.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "algorithms/learner.h"
#include "algorithms/registry.h"
#include "bench/cli/cli.h"
#include "bench/cli/options.h"
#include "bench/experiments/gradient_stats.h"
#include "bench/experiments/probe.h"
#include "bench/report/probe_report.h"
#include "core/cancellation.h"
#include "models/registry.h"
#include "tasks/task.h"

namespace py = pybind11;

namespace tca::python {
namespace {

// ---- interruptible calls ------------------------------------------------------------------

// The token of the main thread's call in progress, which SIGINT sets.
std::atomic<CancellationToken*> sigint_target{nullptr};

extern "C" void on_sigint(int) {
  if (CancellationToken* token = sigint_target.load()) token->requested.store(true);
}

bool in_main_thread() {
  const py::module_ threading = py::module_::import("threading");
  return threading.attr("current_thread")().is(threading.attr("main_thread")());
}

// Runs fn without the GIL, as a computation of its own (core/cancellation.h). In the main
// thread, unless SIGINT is ignored, SIGINT meanwhile cancels it and the call raises
// KeyboardInterrupt (also when fn finished before it noticed). Calls in other threads run to
// their end.
template <typename F>
auto interruptible(F&& fn) -> decltype(fn()) {
  CancellationToken token;
  bool handle_sigint = in_main_thread();
  PyOS_sighandler_t previous = nullptr;
  CancellationToken* outer = nullptr;
  if (handle_sigint) {
    // A Ctrl-C that came before this call (while the GIL was held, e.g. during the checks before
    // it) raises now, before the computation starts.
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    previous = PyOS_getsig(SIGINT);
    handle_sigint = previous != SIG_IGN;
  }
  if (handle_sigint) {
    outer = sigint_target.exchange(&token);
    PyOS_setsig(SIGINT, on_sigint);
  }
  std::optional<decltype(fn())> result;
  std::exception_ptr error;
  {
    py::gil_scoped_release release;
    const CancellationScope scope(&token);
    try {
      result.emplace(fn());
    } catch (...) {
      error = std::current_exception();
    }
  }
  if (handle_sigint) {
    PyOS_setsig(SIGINT, previous);
    sigint_target.store(outer);
  }
  if (token.requested.load()) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

// ---- conversions --------------------------------------------------------------------------

py::array_t<double> array(const std::vector<double>& values, std::vector<py::ssize_t> shape) {
  py::array_t<double> out(shape);
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

py::array_t<int64_t> index_array(const std::vector<size_t>& indices) {
  py::array_t<int64_t> out(static_cast<py::ssize_t>(indices.size()));
  std::copy(indices.begin(), indices.end(), out.mutable_data());
  return out;
}

// The array's values when it has the given shape and (unless allow_non_finite) only finite
// values; else std::invalid_argument naming `what`.
std::vector<double> values_of(const py::array_t<double, py::array::c_style | py::array::forcecast>& a,
                              const std::vector<py::ssize_t>& shape, const std::string& what,
                              bool allow_non_finite = false) {
  bool same = static_cast<size_t>(a.ndim()) == shape.size();
  for (size_t i = 0; same && i < shape.size(); ++i) same = a.shape(static_cast<py::ssize_t>(i)) == shape[i];
  if (!same) {
    std::string want, got;
    for (py::ssize_t d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
    for (py::ssize_t i = 0; i < a.ndim(); ++i) got += (got.empty() ? "" : ", ") + std::to_string(a.shape(i));
    throw std::invalid_argument(what + " has shape (" + got + "), expected (" + want + ")");
  }
  std::vector<double> values(a.data(), a.data() + a.size());
  if (!allow_non_finite)
    for (size_t i = 0; i < values.size(); ++i)
      if (!std::isfinite(values[i]))
        throw std::invalid_argument(what + ": entry " + std::to_string(i) + " is " + std::to_string(values[i]) +
                                    "; values must be finite");
  return values;
}

std::string loss_name(LossKind loss) { return loss == LossKind::mse ? "mse" : "cross_entropy"; }

py::list param_docs(const std::vector<ParamDoc>& docs) {
  py::list out;
  for (const ParamDoc& p : docs)
    out.append(py::dict(py::arg("name") = p.name, py::arg("default") = p.default_value, py::arg("valid") = p.range,
                        py::arg("help") = p.help));
  return out;
}

py::object json_to_python(const nlohmann::json& value) {
  return py::module_::import("json").attr("loads")(value.dump());
}

// ---- tasks and batches ----------------------------------------------------------------------

struct TaskHandle {
  std::string id;
  std::map<std::string, std::string> params;  // the overrides it was made with
  std::shared_ptr<const Task> task;
};

struct PyBatch {
  Batch batch;
};

PyBatch batch_from_arrays(const py::array_t<double, py::array::c_style | py::array::forcecast>& inputs,
                          const py::array_t<double, py::array::c_style | py::array::forcecast>& targets,
                          const py::array_t<double, py::array::c_style | py::array::forcecast>& mask,
                          const std::string& loss) {
  if (inputs.ndim() != 3 || targets.ndim() != 3)
    throw std::invalid_argument("inputs and targets must be [T, B, m] and [T, B, o] arrays");
  if (loss != "mse" && loss != "cross_entropy") throw std::invalid_argument("loss must be mse or cross_entropy, got " + loss);
  for (py::ssize_t d = 0; d < 3; ++d)
    if (inputs.shape(d) < 1 || targets.shape(d) < 1)
      throw std::invalid_argument("inputs and targets need at least one step, sequence, input and output; got "
                                  "inputs of shape (" + std::to_string(inputs.shape(0)) + ", " +
                                  std::to_string(inputs.shape(1)) + ", " + std::to_string(inputs.shape(2)) +
                                  ") and targets of shape (" + std::to_string(targets.shape(0)) + ", " +
                                  std::to_string(targets.shape(1)) + ", " + std::to_string(targets.shape(2)) + ")");
  PyBatch b;
  b.batch.T = static_cast<int>(inputs.shape(0));
  b.batch.B = static_cast<int>(inputs.shape(1));
  b.batch.m = static_cast<int>(inputs.shape(2));
  b.batch.o = static_cast<int>(targets.shape(2));
  b.batch.loss = loss == "mse" ? LossKind::mse : LossKind::cross_entropy;
  b.batch.inputs = values_of(inputs, {b.batch.T, b.batch.B, b.batch.m}, "inputs");
  b.batch.targets = values_of(targets, {b.batch.T, b.batch.B, b.batch.o}, "targets");
  b.batch.loss_mask = values_of(mask, {b.batch.T, b.batch.B}, "mask");
  b.batch.trial_start.assign(static_cast<size_t>(b.batch.T) * b.batch.B, 0);
  for (int i = 0; i < b.batch.B; ++i) b.batch.trial_start[i] = 1;
  return b;
}

// ---- networks -------------------------------------------------------------------------------

// A network of the probe (its model, knobs, precision and device) at parameters theta, held as
// the run's precision holds them; group and recurrent indices of the flat layout [W | W_outb].
struct NetworkHandle {
  ProbeConfig config;  // task, model and knobs, seed, precision, device
  std::shared_ptr<const Task> task;
  int n = 0, m = 0, o = 0, k = 0;
  std::vector<double> flat;
  std::vector<std::pair<std::string, std::vector<size_t>>> groups;
  std::vector<size_t> recurrent;
  size_t W_size = 0;

  Learner learner(const std::string& rule, DType dtype, Device device) const {
    Learner l = probe_learner(config, *task, rule, dtype, device);
    l.set_params(flat);
    return l;
  }
  void set_flat(const std::vector<double>& values) {
    Learner l = probe_learner(config, *task, "bptt", config.dtype, Device::cpu);
    l.set_params(values);  // rounded to the network's precision
    flat = l.flat_params();
  }
};

// A batch the network can run: its task's sizes and loss.
void check_batch(const NetworkHandle& net, const PyBatch& b) {
  if (b.batch.m != net.m || b.batch.o != net.o || b.batch.loss != net.task->loss())
    throw std::invalid_argument("the batch has m = " + std::to_string(b.batch.m) + " inputs, o = " +
                                std::to_string(b.batch.o) + " outputs and loss " + loss_name(b.batch.loss) +
                                "; the network takes m = " + std::to_string(net.m) + ", o = " + std::to_string(net.o) +
                                " and its task's loss, " + loss_name(net.task->loss()));
}

// The rate network's hidden, alpha and gain, which the probe holds as numbers (the range checks
// come when the network is made, with the command line's messages).
double number_knob(const std::string& name, const std::string& text, bool integer) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || (integer && (value != std::floor(value) || std::abs(value) > 1e9)))
    throw std::invalid_argument("--model rate: parameter '" + name + "' must be " +
                                (integer ? "an integer" : "a number") + ", got '" + text + "'");
  return value;
}

NetworkHandle make_network_handle(const TaskHandle& task, const std::string& model, uint64_t seed,
                                  const std::string& precision, const std::string& device,
                                  const std::map<std::string, std::string>& knobs) {
  NetworkHandle net;
  net.task = task.task;
  net.config.task = task.id;
  net.config.task_params = task.params;
  net.config.model = model;
  net.config.seed = seed;
  if (precision != "float" && precision != "double")
    throw std::invalid_argument("precision must be float or double, got '" + precision + "'");
  net.config.dtype = parse_dtype(precision);
  if (device != "cpu" && device != "cuda" && device != "auto")
    throw std::invalid_argument("device must be cpu, cuda or auto, got '" + device + "'");
  net.config.device = cli::parse_device(device);
  for (const auto& [name, value] : knobs) {
    if (model == "rate" && name == "hidden") net.config.hidden = static_cast<int>(number_knob(name, value, true));
    else if (model == "rate" && name == "alpha") net.config.alpha = number_knob(name, value, false);
    else if (model == "rate" && name == "gain") net.config.gain = number_knob(name, value, false);
    else net.config.model_params[name] = value;
  }
  Learner l = probe_learner(net.config, *net.task, "bptt", net.config.dtype, Device::cpu);
  l.set_params(l.initial_flat_params(seed));
  net.flat = l.flat_params();
  net.n = l.network().n();
  net.m = l.network().m();
  net.o = l.network().o();
  net.k = l.network().k();
  net.groups = l.group_indices();
  net.recurrent = l.recurrent_indices();
  net.W_size = l.W_size();
  return net;
}

}  // namespace
}  // namespace tca::python

PYBIND11_MODULE(_core, m) {
  using namespace tca;
  using namespace tca::python;
  m.doc() = "tcabench's C++ core; use the package tcabench, which wraps it";

  py::register_exception<Cancelled>(m, "Cancelled", PyExc_KeyboardInterrupt);

  // ---- registries ----
  m.def("tasks", [] {
    py::list out;
    for (const TaskInfo& t : task_registry())
      out.append(py::dict(py::arg("id") = t.id, py::arg("summary") = t.summary, py::arg("params") = param_docs(t.params)));
    return out;
  });
  m.def("models", [] {
    py::list out;
    for (const NetworkInfo& n : network_registry())
      out.append(py::dict(py::arg("id") = n.id, py::arg("summary") = n.summary, py::arg("knobs") = param_docs(n.knobs)));
    return out;
  });
  m.def("rules", [](const std::string& model) {
    py::list out;
    for (const RuleInfo& r : rules_of(model))
      out.append(py::dict(py::arg("id") = r.id, py::arg("summary") = r.summary, py::arg("exact") = r.exact,
                          py::arg("baseline") = r.baseline, py::arg("params") = param_docs(r.params)));
    return out;
  });

  // ---- tasks and batches ----
  py::class_<PyBatch>(m, "Batch")
      .def(py::init(&batch_from_arrays), py::arg("inputs"), py::arg("targets"), py::arg("mask"), py::arg("loss"))
      .def_property_readonly("T", [](const PyBatch& b) { return b.batch.T; })
      .def_property_readonly("B", [](const PyBatch& b) { return b.batch.B; })
      .def_property_readonly("loss", [](const PyBatch& b) { return loss_name(b.batch.loss); })
      .def_property_readonly("inputs", [](const PyBatch& b) { return array(b.batch.inputs, {b.batch.T, b.batch.B, b.batch.m}); })
      .def_property_readonly("targets", [](const PyBatch& b) { return array(b.batch.targets, {b.batch.T, b.batch.B, b.batch.o}); })
      .def_property_readonly("mask", [](const PyBatch& b) { return array(b.batch.loss_mask, {b.batch.T, b.batch.B}); })
      .def_property_readonly("trial_start", [](const PyBatch& b) {
        std::vector<double> starts(b.batch.trial_start.begin(), b.batch.trial_start.end());
        return array(starts, {b.batch.T, b.batch.B});
      });

  py::class_<TaskHandle>(m, "Task")
      .def(py::init([](const std::string& id, const std::map<std::string, std::string>& params) {
             return TaskHandle{id, params, std::shared_ptr<const Task>(make_task(id, params))};
           }),
           py::arg("id"), py::arg("params"))
      .def_property_readonly("id", [](const TaskHandle& t) { return t.task->id(); })
      .def_property_readonly("T", [](const TaskHandle& t) { return t.task->steps(); })
      .def_property_readonly("input_size", [](const TaskHandle& t) { return t.task->input_size(); })
      .def_property_readonly("output_size", [](const TaskHandle& t) { return t.task->output_size(); })
      .def_property_readonly("loss", [](const TaskHandle& t) { return loss_name(t.task->loss()); })
      .def_property_readonly("config", [](const TaskHandle& t) { return t.task->config(); })
      .def("sample",
           [](const TaskHandle& t, int batch_size, uint64_t seed) {
             if (batch_size < 1) throw std::invalid_argument("batch_size must be at least 1, got " + std::to_string(batch_size));
             return PyBatch{interruptible([&] { return t.task->sample(batch_size, seed); })};
           },
           py::arg("batch_size"), py::arg("seed"))
      .def("metrics",
           [](const TaskHandle& t, const PyBatch& b, const py::array_t<double, py::array::c_style | py::array::forcecast>& y) {
             if (b.batch.T != t.task->steps() || b.batch.m != t.task->input_size() || b.batch.o != t.task->output_size())
               throw std::invalid_argument("the batch (T = " + std::to_string(b.batch.T) + ", m = " +
                                           std::to_string(b.batch.m) + ", o = " + std::to_string(b.batch.o) +
                                           ") is not one of " + t.task->id() + "'s");
             // Outputs may be non-finite (a diverged network): the metrics say what they are.
             const std::vector<double> outputs =
                 values_of(y, {b.batch.T, b.batch.B, t.task->output_size()}, "outputs", /*allow_non_finite=*/true);
             return t.task->metrics(b.batch, outputs);
           },
           py::arg("batch"), py::arg("outputs"));

  // ---- networks ----
  py::class_<NetworkHandle>(m, "Network")
      .def(py::init(&make_network_handle), py::arg("task"), py::arg("model"), py::arg("seed"), py::arg("precision"),
           py::arg("device"), py::arg("knobs"))
      .def_property_readonly("model", [](const NetworkHandle& h) { return h.config.model; })
      .def_property_readonly("n", [](const NetworkHandle& h) { return h.n; })
      .def_property_readonly("m", [](const NetworkHandle& h) { return h.m; })
      .def_property_readonly("o", [](const NetworkHandle& h) { return h.o; })
      .def_property_readonly("k", [](const NetworkHandle& h) { return h.k; })
      .def_property_readonly("seed", [](const NetworkHandle& h) { return h.config.seed; })
      .def_property_readonly("precision", [](const NetworkHandle& h) { return to_string(h.config.dtype); })
      .def_property_readonly("device", [](const NetworkHandle& h) { return to_string(h.config.device); })
      .def_property_readonly("W_size", [](const NetworkHandle& h) { return h.W_size; })
      .def_property_readonly("description", [](const NetworkHandle& h) {
        return json_to_python(h.learner("bptt", h.config.dtype, Device::cpu).network().description());
      })
      .def_property_readonly("flat_params", [](const NetworkHandle& h) { return array(h.flat, {static_cast<py::ssize_t>(h.flat.size())}); })
      .def("set_flat_params",
           [](NetworkHandle& h, const py::array_t<double, py::array::c_style | py::array::forcecast>& values) {
             h.set_flat(values_of(values, {static_cast<py::ssize_t>(h.flat.size())}, "flat parameters"));
           })
      .def_property_readonly("group_indices", [](const NetworkHandle& h) {
        py::dict out;
        for (const auto& [name, idx] : h.groups) out[py::str(name)] = index_array(idx);
        return out;
      })
      .def_property_readonly("recurrent_indices", [](const NetworkHandle& h) { return index_array(h.recurrent); });

  // ---- gradients and scores ----
  m.def(
      "gradient",
      [](const NetworkHandle& net, const std::string& rule, const PyBatch& b, int samples, uint64_t seed,
         const std::map<std::string, std::string>& params, int adapt_windows) {
        check_batch(net, b);
        ProbeConfig config = net.config;
        config.algorithms = {rule};
        if (!params.empty()) config.algo_params[rule] = params;
        config.samples = samples;
        config.seed = seed;
        config.batch = b.batch.B;
        config.adapt_windows = adapt_windows;
        config.data_batches = 0;
        check_probe(config);  // the probe's checks and messages: the rule, its parameters, sizes, memory
        const std::shared_ptr<const Task> task = net.task;
        const std::vector<double> theta = net.flat;  // copies: another thread may change the network
        const Batch batch = b.batch;
        const std::vector<std::vector<double>> estimates = interruptible([&] {
          Learner learner = probe_learner(config, *task, rule, config.dtype, config.device);
          learner.set_params(theta);
          learner.require_state_fits(batch.B, batch.T);
          if (learner.rule().adapts()) adapt_rule(config, *task, learner, 0);
          return rule_estimates(config, learner, to_device(batch, config.dtype, config.device), nullptr, nullptr);
        });
        std::vector<double> flat;
        for (const std::vector<double>& e : estimates) flat.insert(flat.end(), e.begin(), e.end());
        return array(flat, {static_cast<py::ssize_t>(estimates.size()), static_cast<py::ssize_t>(theta.size())});
      },
      py::arg("network"), py::arg("rule"), py::arg("batch"), py::arg("samples"), py::arg("seed"), py::arg("params"),
      py::arg("adapt_windows"));

  m.def(
      "rule_is_stochastic",
      [](const NetworkHandle& net, const std::string& rule, const std::map<std::string, std::string>& params) {
        ProbeConfig config = net.config;
        if (!params.empty()) config.algo_params[rule] = params;
        return probe_learner(config, *net.task, rule, config.dtype, Device::cpu).rule().stochastic();
      },
      py::arg("network"), py::arg("rule"), py::arg("params"));

  m.def(
      "exact_gradient",
      [](const NetworkHandle& net, const PyBatch& b) {
        check_batch(net, b);
        const NetworkHandle copy = net;  // another thread may change the network meanwhile
        const Batch batch = b.batch;
        std::vector<double> outputs;
        double loss = 0;
        const std::vector<double> g = interruptible([&] {
          Learner exact = copy.learner("bptt", DType::f64, Device::cpu);
          loss = exact.window(to_device(batch, DType::f64, Device::cpu), 0, &outputs);
          return exact.flat_gradient();
        });
        return py::make_tuple(array(g, {static_cast<py::ssize_t>(g.size())}), loss,
                              array(outputs, {batch.T, batch.B, copy.o}));
      },
      py::arg("network"), py::arg("batch"));

  m.def(
      "score",
      [](const NetworkHandle& net, const py::array_t<double, py::array::c_style | py::array::forcecast>& estimates,
         const py::array_t<double, py::array::c_style | py::array::forcecast>& reference, bool stochastic) {
        const py::ssize_t P = static_cast<py::ssize_t>(net.flat.size());
        if (estimates.ndim() != 2 || estimates.shape(0) < 1)
          throw std::invalid_argument("estimates must be a [K, P] array with K >= 1");
        const std::vector<double> flat = values_of(estimates, {estimates.shape(0), P}, "estimates");
        const std::vector<double> g = values_of(reference, {P}, "reference");
        std::vector<std::vector<double>> rows;
        for (py::ssize_t i = 0; i < estimates.shape(0); ++i)
          rows.emplace_back(flat.begin() + i * P, flat.begin() + (i + 1) * P);
        const auto groups = net.groups;
        const auto recurrent = net.recurrent;
        const EstimateScores scores =
            interruptible([&] { return score_estimates(rows, g, groups, recurrent, stochastic); });
        return json_to_python(estimate_scores_json(scores));
      },
      py::arg("network"), py::arg("estimates"), py::arg("reference"), py::arg("stochastic"));

  // ---- the command line ----
  m.def(
      "run_command_line",
      [](const std::vector<std::string>& args) {
        const cli::CommandLineResult result = interruptible([&] { return cli::run_command_line(args); });
        if (result.status == 2) throw std::invalid_argument(result.error);
        return result.status;
      },
      py::arg("args"));
}
