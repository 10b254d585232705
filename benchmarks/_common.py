"""What the benchmark scripts share: device sync and the precision setup of both sides.

`--policy mixed_float16` (or `mixed_bfloat16`) runs the hand-written torch loop under
`torch.autocast` (with a `GradScaler` for float16, as the PyTorch AMP recipe does) and
the tkeras model under `tkeras.mixed_precision.set_global_policy`, with a float32 last
layer as Keras's mixed precision guide recommends.
"""
import contextlib

import torch

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


class TorchPrecision:
    """Autocast + loss scaling for the hand-written loop under `policy`."""

    def __init__(self, policy, device):
        self.dtype = {"mixed_float16": torch.float16,
                      "mixed_bfloat16": torch.bfloat16}.get(policy)
        self.device = device
        self.scaler = torch.amp.GradScaler(device.type) \
            if self.dtype is torch.float16 else None

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def step(self, loss, opt):
        if self.scaler is None:
            loss.backward()
            opt.step()
        else:
            self.scaler.scale(loss).backward()
            self.scaler.step(opt)
            self.scaler.update()


@contextlib.contextmanager
def tkeras_policy(policy):
    """Builds the tkeras model under `policy`, then restores float32."""
    from tkeras import mixed_precision

    mixed_precision.set_global_policy(policy)
    try:
        yield
    finally:
        mixed_precision.set_global_policy("float32")
