// path_integration-v0: 2-D path integration of a simulated rat's random walk.
//
// Sources: Cueva & Wei 2018 (ICLR, "Emergence of grid-like representations by training
// recurrent neural networks to perform spatial localization"); Banino et al. 2018 (Nature,
// "Vector-based navigation using grid-like representations in artificial agents"). The walk
// follows their trajectory generator (also used by Sorscher et al.): Rayleigh speed with scale
// 0.13 * 2 pi m/s, Gaussian turning with sd 11.52 rad/s, and near a wall a turn to run parallel
// to it at a quarter of the speed.
//
// Arena: a square of side arena_size centred at the origin. Start position uniform in the
// square shrunk by `border` on each side, heading uniform in [0, 2 pi). Each step:
//   1. heading += N(0, (11.52 rad/s * dt)^2); speed ~ Rayleigh(0.13 * 2 pi m/s);
//   2. wall avoidance: if the position after the step would lie within `border` of a wall the
//      heading points towards, the heading turns by the needed angle to run parallel to that
//      wall (the parallel direction nearer the old heading, or the other one when that would
//      run into a second wall, as in a corner), and the speed drops to 0.25 * speed;
//   3. position += speed * dt * (cos heading, sin heading).
// This keeps every position at least `border` from every wall (a step towards a wall never
// ends inside the border band, a step parallel to or away from it never gets closer), so the
// path never leaves the arena.
//
// Inputs m = 4: channels 0, 1 = displacement (dx, dy) of the step in metres (velocity * dt);
// channels 2, 3 = the start position (x0, y0) at t = 0 only, 0 afterwards (a network cannot
// know where it starts otherwise). Targets o = 2: the absolute position (x, y) after the step,
// MSE, loss mask 1 everywhere.
//
// Parameters: path_integration_params() below. velocity_noise is added to the velocity seen
// in the input only (each displacement channel gets sd velocity_noise * dt metres; the targets
// stay the true positions, and the noise has its own random stream, so the path does not
// change with it).
//
// Metrics (outputs are (x, y) directly): "position_error" mean Euclidean distance between
// output and target over masked steps; "baseline_hold_start" the same for a predictor that
// holds the start position; "mse" mean squared error per masked step and coordinate.
#include <algorithm>
#include <array>
#include <cmath>

#include "kernels/philox.h"
#include "tasks/task_params.h"

namespace tca {
namespace {

constexpr double kTwoPi = 6.283185307179586;
constexpr double kSpeedScale = 0.13 * kTwoPi;  // Rayleigh scale of the speed, m/s
constexpr double kTurnSd = 11.52;              // sd of the turning rate, rad/s
constexpr double kWallSlowdown = 0.25;         // speed factor while turning away from a wall
constexpr int kDisplacementChannels = 2;       // inputs 0, 1
constexpr int kStartChannels = 2;              // inputs 2, 3, at t = 0 only
constexpr int kCoordinates = 2;
// Step tag of the generator of the input noise of sequence b (the walk uses step = b < 2^31):
// a separate stream, so the noise level changes the inputs and never the path.
constexpr uint64_t kInputNoiseTag = uint64_t{1} << 62;

struct Vec2 {
  double x, y;
};
// Outward normals of the four walls: right, top, left, bottom. Axis-aligned with exact 0/+-1
// entries, so a step parallel to a wall leaves that coordinate exactly unchanged.
constexpr std::array<Vec2, 4> kWallNormals{{{1, 0}, {0, 1}, {-1, 0}, {0, -1}}};

struct PathIntegrationConfig {
  int steps = 100;
  double arena_size = 2.2;
  double border = 0.03;
  double dt = 0.02;
  double velocity_noise = 0.0;
};

const ParamTable<PathIntegrationConfig>& path_integration_params() {
  static const auto table =
      ParamTable<PathIntegrationConfig>()
          .integer("T", &PathIntegrationConfig::steps, 1, kMaxTaskLength, "steps")
          .positive("arena_size", &PathIntegrationConfig::arena_size, 1e6,
                    "side of the square arena in metres (> 2 border)")
          .real("border", &PathIntegrationConfig::border, 0.0, 1e6, "wall-avoidance distance in metres")
          .positive("dt", &PathIntegrationConfig::dt, 1e3, "time step in seconds")
          .real("velocity_noise", &PathIntegrationConfig::velocity_noise, 0.0, 1e6,
                "sd in m/s of Gaussian noise on the velocity input only");
  return table;
}

class PathIntegrationTask final : public Task {
 public:
  explicit PathIntegrationTask(const PathIntegrationConfig& config) : config_(config) {
    if (!(config_.arena_size > 2.0 * config_.border)) {
      throw constraint_error("path_integration-v0", 
          "arena_size must exceed 2 * border (= " + format_real(2.0 * config_.border) + "), got " +
          format_real(config_.arena_size));
    }
  }

  std::string id() const override { return "path_integration-v0"; }
  int input_size() const override { return kDisplacementChannels + kStartChannels; }
  int output_size() const override { return kCoordinates; }
  int steps() const override { return config_.steps; }
  LossKind loss() const override { return LossKind::mse; }

  Batch sample(int batch_size, uint64_t seed) const override {
    Batch batch = make_empty_batch(*this, batch_size);
    std::fill(batch.loss_mask.begin(), batch.loss_mask.end(), 1.0);
    const double half = 0.5 * config_.arena_size;
    for (int b = 0; b < batch.B; ++b) {
      Philox rng(seed, RandomStream::task, static_cast<uint64_t>(b));
      Philox noise_rng(seed, RandomStream::task, kInputNoiseTag | static_cast<uint64_t>(b));
      Vec2 position{(2.0 * rng.uniform() - 1.0) * (half - config_.border),
                    (2.0 * rng.uniform() - 1.0) * (half - config_.border)};
      double heading = kTwoPi * rng.uniform();
      double* start_input = &batch.inputs[static_cast<size_t>(b) * batch.m];
      start_input[kDisplacementChannels + 0] = position.x;
      start_input[kDisplacementChannels + 1] = position.y;

      for (int t = 0; t < batch.T; ++t) {
        heading += kTurnSd * config_.dt * rng.normal();
        double step_length = kSpeedScale * std::sqrt(-2.0 * std::log(rng.uniform())) * config_.dt;
        Vec2 direction{std::cos(heading), std::sin(heading)};
        const int wall = approached_wall(position, direction, step_length);
        if (wall >= 0) {
          step_length *= kWallSlowdown;
          direction = parallel_direction(wall, position, direction, step_length);
          heading = std::atan2(direction.y, direction.x);
          // Only in an arena barely wider than 2 * border can both parallel directions run
          // into a wall; then stand still for this step.
          if (approached_wall(position, direction, step_length) >= 0) step_length = 0.0;
        }
        const Vec2 next{position.x + step_length * direction.x,
                        position.y + step_length * direction.y};
        double* x = &batch.inputs[(static_cast<size_t>(t) * batch.B + b) * batch.m];
        x[0] = next.x - position.x;
        x[1] = next.y - position.y;
        if (config_.velocity_noise > 0.0) {
          x[0] += config_.velocity_noise * config_.dt * noise_rng.normal();
          x[1] += config_.velocity_noise * config_.dt * noise_rng.normal();
        }
        position = next;
        double* y = &batch.targets[(static_cast<size_t>(t) * batch.B + b) * batch.o];
        y[0] = position.x;
        y[1] = position.y;
      }
    }
    return batch;
  }

  std::map<std::string, double> metrics(const Batch& batch,
                                        const std::vector<double>& outputs) const override {
    check_output_size(*this, batch, outputs);
    double error = 0.0, hold_start_error = 0.0, squared_error = 0.0, weight = 0.0;
    for (int b = 0; b < batch.B; ++b) {
      const double start_x = batch.input(0, b, kDisplacementChannels + 0);
      const double start_y = batch.input(0, b, kDisplacementChannels + 1);
      for (int t = 0; t < batch.T; ++t) {
        const double w = batch.mask(t, b);
        if (w == 0.0) continue;
        const size_t at = (static_cast<size_t>(t) * batch.B + b) * batch.o;
        const double ex = outputs[at] - batch.targets[at];
        const double ey = outputs[at + 1] - batch.targets[at + 1];
        error += w * std::hypot(ex, ey);
        squared_error += w * 0.5 * (ex * ex + ey * ey);
        hold_start_error +=
            w * std::hypot(start_x - batch.targets[at], start_y - batch.targets[at + 1]);
        weight += w;
      }
    }
    const double scale = weight > 0.0 ? 1.0 / weight : 0.0;
    return {{"position_error", error * scale},
            {"baseline_hold_start", hold_start_error * scale},
            {"mse", squared_error * scale}};
  }

  std::map<std::string, std::string> config() const override {
    return path_integration_params().text(config_);
  }

 private:
  PathIntegrationConfig config_;
  // The wall (index into kWallNormals) that a step of step_length along direction would bring
  // within config_.border while heading towards it, the nearest such; -1 when none.
  int approached_wall(const Vec2& position, const Vec2& direction, double step_length) const {
    const double half = 0.5 * config_.arena_size;
    const Vec2 next{position.x + step_length * direction.x, position.y + step_length * direction.y};
    int nearest = -1;
    double nearest_distance = 0.0;
    for (int w = 0; w < static_cast<int>(kWallNormals.size()); ++w) {
      const Vec2& n = kWallNormals[w];
      if (direction.x * n.x + direction.y * n.y <= 0.0) continue;  // not heading towards it
      const double distance = half - (next.x * n.x + next.y * n.y);
      if (distance < config_.border && (nearest < 0 || distance < nearest_distance)) {
        nearest = w;
        nearest_distance = distance;
      }
    }
    return nearest;
  }

  // The direction parallel to the approached wall: the one nearer the current direction
  // (the smaller turn), or the opposite one when that would run into another wall (a corner).
  Vec2 parallel_direction(int wall, const Vec2& position, const Vec2& direction,
                          double step_length) const {
    const Vec2& n = kWallNormals[wall];
    Vec2 tangent{-n.y, n.x};
    if (tangent.x * direction.x + tangent.y * direction.y < 0.0) {
      tangent = {-tangent.x, -tangent.y};
    }
    if (approached_wall(position, tangent, step_length) >= 0) {
      tangent = {-tangent.x, -tangent.y};
    }
    return tangent;
  }
};

}  // namespace

const TaskInfo& path_integration_task_info() {
  static const TaskInfo info{"path_integration-v0",
                             "2-D path integration of a random walk in a square arena: displacement inputs (start "
                             "position at t = 0), absolute (x, y) targets; MSE",
                             path_integration_params().docs()};
  return info;
}

std::unique_ptr<Task> make_path_integration_task(const std::map<std::string, std::string>& params) {
  return std::make_unique<PathIntegrationTask>(
      path_integration_params().parse(path_integration_task_info().id, params));
}

}  // namespace tca
