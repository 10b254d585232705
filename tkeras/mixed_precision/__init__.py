"""Mixed precision (Keras 2's `keras.mixed_precision`).

>>> from tkeras import mixed_precision
>>> mixed_precision.set_global_policy("mixed_bfloat16")   # layers created from now on
>>> mixed_precision.global_policy().variable_dtype
'float32'
>>> mixed_precision.set_global_policy("float32")

Layers with a mixed policy keep float32 weights and compute under `torch.autocast`
(bfloat16 or float16). Give the last layer `dtype="float32"` so the model's outputs
(and the loss) are float32, as Keras recommends. Under `'mixed_float16'`, `compile`
wraps the optimizer in a `LossScaleOptimizer`.
"""
from tkeras.mixed_precision.loss_scale_optimizer import LossScaleOptimizer
from tkeras.mixed_precision.policy import Policy, global_policy, set_global_policy


class experimental:  # noqa: N801 - the TF 2.1-2.3 names
    """`mixed_precision.experimental.set_policy` / `global_policy` / `Policy` (TF 2.1-2.3)."""

    Policy = Policy
    LossScaleOptimizer = LossScaleOptimizer

    @staticmethod
    def set_policy(policy):
        set_global_policy(policy)

    @staticmethod
    def global_policy():
        return global_policy()


__all__ = ["Policy", "LossScaleOptimizer", "global_policy", "set_global_policy"]
