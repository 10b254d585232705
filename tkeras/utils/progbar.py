"""The Keras 2 progress bar (`keras.utils.Progbar`), character for character.

Values may be 0-d torch tensors on any device. They are stored as given and read back
(`float()`) only when a line is actually drawn, so a training loop that updates the bar
every step does not force a host sync every step.
"""
import os
import sys
import time

import numpy as np


def _to_number(value):
    """A Python float (or a NumPy array) from a float, a NumPy value or a torch tensor."""
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch here
        value = value.detach()
        return float(value) if value.numel() == 1 else value.cpu().double().numpy()
    return value


def _write(message):
    sys.stdout.write(message)
    sys.stdout.flush()


def _count_digits(target):
    return int(np.log10(target)) + 1 if target > 0 else 1


class Progbar:
    """Displays a progress bar.

    Args:
        target: Total number of steps expected, `None` if unknown.
        width: Width of the bar on screen, in characters. Defaults to `30`.
        verbose: `0` (silent), `1` (a bar redrawn in place) or `2` (one line
            when the target is reached). Defaults to `1`.
        interval: Minimum time in seconds between two redraws. Defaults to `0.05`.
        stateful_metrics: Names of metrics displayed as given. Every other metric
            is averaged over the steps seen so far. Defaults to `None`.
        unit_name: Name of one step in the timing. Defaults to `'step'`.

    Example:

    >>> bar = Progbar(10, verbose=2)
    >>> for step in range(1, 11):
    ...     bar.update(step, [("loss", 0.5)])  # doctest: +ELLIPSIS
    10/10 - 0s - loss: 0.5000 - ...
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05,
                 stateful_metrics=None, unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()

        # Same test as Keras 2: redraw in place with backspaces and \r, else new lines.
        self._dynamic_display = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "posix" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        self._total_width = 0
        self._seen_so_far = 0
        # name -> [value sum weighted by steps (or the value itself), step count]
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        self._time_at_epoch_start = self._start
        self._time_at_epoch_end = None
        self._time_after_first_step = None

    def __repr__(self):
        return (f"Progbar(target={self.target!r}, seen={self._seen_so_far}, "
                f"verbose={self.verbose})")

    def update(self, current, values=None, finalize=None):
        """Updates the progress bar.

        Args:
            current: Index of the current step (1-based count of steps done).
            values: List of `(name, value)` pairs for the last step. Stateful
                metrics are shown as given; the others are averaged over steps.
            finalize: Whether this is the last update. Defaults to `None`, which
                means `current >= target`.
        """
        if finalize is None:
            finalize = False if self.target is None else current >= self.target

        for k, v in values or ():
            if k not in self._values:
                self._values_order.append(k)
            if k in self.stateful_metrics:
                self._values[k] = [v, 1]
            else:
                # max(..., 1): with an unknown target the last batch and the finalizing
                # call carry the same `current`; the value must still count once.
                base = max(current - self._seen_so_far, 1)
                if hasattr(v, "detach"):
                    v = v.detach()
                if k not in self._values:
                    self._values[k] = [v * base, base]
                else:
                    entry = self._values[k]
                    entry[0] = entry[0] + v * base
                    entry[1] += base
        self._seen_so_far = current

        now = time.time()
        info = f" - {now - self._start:.0f}s"
        if current == self.target:
            self._time_at_epoch_end = now

        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw_bar(current, now, info, finalize)
        elif self.verbose == 2 and finalize:
            self._draw_line(current, now, info)
        self._last_update = now

    def add(self, n, values=None):
        """Advances the bar by `n` steps (see `update`)."""
        self.update(self._seen_so_far + n, values)

    def _average(self, k):
        total, count = self._values[k]
        return np.mean(_to_number(total) / max(1, count))

    def _draw_bar(self, current, now, info, finalize):
        prev_total_width = self._total_width
        message = "\b" * prev_total_width + "\r" if self._dynamic_display else "\n"

        if self.target is not None:
            bar = f"%{_count_digits(self.target)}d/%d [" % (current, self.target)
            prog_width = int(self.width * (float(current) / self.target)) if self.target else self.width
            if prog_width > 0:
                bar += "=" * (prog_width - 1)
                bar += ">" if current < self.target else "="
            bar += "." * (self.width - prog_width)
            bar += "]"
        else:
            bar = "%7d/Unknown" % current
        self._total_width = len(bar)
        message += bar

        time_per_unit = self._estimate_step_duration(current, now)
        if self.target is None or finalize:
            info += self._format_time(time_per_unit, self.unit_name)
        else:
            eta = time_per_unit * (self.target - current)
            if eta > 3600:
                eta_format = "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
            elif eta > 60:
                eta_format = "%d:%02d" % (eta // 60, eta % 60)
            else:
                eta_format = "%ds" % eta
            info = f" - ETA: {eta_format}"

        for k in self._values_order:
            avg = self._average(k)
            info += f" - {k}: {avg:.4f}" if abs(avg) > 1e-3 else f" - {k}: {avg:.4e}"

        self._total_width += len(info)
        if prev_total_width > self._total_width:
            info += " " * (prev_total_width - self._total_width)
        if finalize:
            info += "\n"
        _write(message + info)

    def _draw_line(self, current, now, info):
        target = self.target if self.target is not None else current
        info = f"%{_count_digits(target)}d/%d" % (current, target) + info
        for k in self._values_order:
            avg = self._average(k)
            # Keras 2 tests `avg > 1e-3` here (not abs): negatives print as %.4e.
            info += f" - {k}: {avg:.4f}" if avg > 1e-3 else f" - {k}: {avg:.4e}"
        # As Keras 2, the timing (and the newline) only come once the target is hit.
        if self._time_at_epoch_end:
            time_per_epoch = self._time_at_epoch_end - self._time_at_epoch_start
            avg_time_per_step = time_per_epoch / self.target if self.target else 0
            self._time_at_epoch_start = now
            self._time_at_epoch_end = None
            info += " -" + self._format_time(time_per_epoch, "epoch")
            info += " -" + self._format_time(avg_time_per_step, self.unit_name)
            info += "\n"
        _write(info)

    @staticmethod
    def _format_time(seconds, unit_name):
        if seconds >= 1 or seconds == 0:
            return f" {seconds:.0f}s/{unit_name}"
        if seconds >= 1e-3:
            return f" {seconds * 1e3:.0f}ms/{unit_name}"
        return f" {seconds * 1e6:.0f}us/{unit_name}"

    def _estimate_step_duration(self, current, now):
        """Seconds per step, leaving out the (usually slow) first step when possible."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit

    def _update_stateful_metrics(self, stateful_metrics):
        self.stateful_metrics = self.stateful_metrics.union(stateful_metrics)
