#include "core/batch.h"

namespace tca {

DeviceBatch to_device(const Batch& batch, DType dtype, Device device) {
  DeviceBatch out;
  out.T = batch.T;
  out.B = batch.B;
  out.inputs = Tensor::from_host(batch.inputs, {batch.T, batch.B, batch.m}, dtype, device);
  out.targets = Tensor::from_host(batch.targets, {batch.T, batch.B, batch.o}, dtype, device);
  out.mask = Tensor::from_host(batch.loss_mask, {batch.T, batch.B}, dtype, device);
  return out;
}

}  // namespace tca
