import re

import pytest
import torch

from tkeras.utils import progbar as progbar_module
from tkeras.utils.progbar import Progbar

BS = "\b"


class FakeClock:
    """Stands in for the `time` module: returns the given instants in order."""

    def __init__(self, *instants):
        self._instants = list(instants)

    def time(self):
        return self._instants.pop(0)


@pytest.fixture
def clock(monkeypatch):
    def install(*instants):
        monkeypatch.setattr(progbar_module, "time", FakeClock(*instants))
    return install


def test_verbose_1_redraws_the_bar_and_ends_with_the_keras_final_line(clock, capsys):
    clock(1000.0, 1000.01, 1000.037)  # construction, step 1, step 10
    bar = Progbar(10, interval=0)
    bar.update(1, [("loss", 0.6931), ("accuracy", 0.5)])
    bar.update(10, [("loss", 0.6931), ("accuracy", 0.5)])
    first = " 1/10 [==>...........................] - ETA: 0s - loss: 0.6931 - accuracy: 0.5000"
    final = "10/10 [==============================] - 0s 3ms/step - loss: 0.6931 - accuracy: 0.5000"
    assert capsys.readouterr().out == "\r" + first + BS * len(first) + "\r" + final + "\n"


def test_a_shorter_line_is_padded_over_the_previous_one(clock, capsys):
    clock(1000.0, 1100.0, 1100.001)
    bar = Progbar(50, interval=0)
    bar.update(1)
    bar.update(2)
    first = " 1/50 [..............................] - ETA: 1:21:40"
    second = " 2/50 [>.............................] - ETA: 0s"
    assert capsys.readouterr().out == (
        "\r" + first + BS * len(first) + "\r" + second + " " * 5)


def test_redraws_wait_for_the_interval_but_the_last_step_always_draws(clock, capsys):
    clock(1000.0, 1000.01, 1000.03, 1000.07, 1000.08)
    bar = Progbar(4, interval=0.05)
    for step in range(1, 5):
        bar.update(step)
    lines = capsys.readouterr().out.replace(BS, "").split("\r")[1:]
    assert [line[:3] for line in lines] == ["1/4", "3/4", "4/4"]  # step 2 was too soon


def test_metrics_are_averaged_over_steps_unless_stateful(clock, capsys):
    clock(1000.0, 1000.1, 1000.2, 1000.3)
    bar = Progbar(3, interval=0, stateful_metrics=["acc"])
    bar.update(1, [("loss", 1.0), ("acc", 0.25)])
    bar.add(2, [("loss", 4.0), ("acc", 0.75)])  # counts for 2 steps: (1 + 4*2) / 3
    out = capsys.readouterr().out
    assert out.endswith(" - loss: 3.0000 - acc: 0.7500\n")


def test_small_values_use_scientific_notation(clock, capsys):
    clock(1000.0, 1000.002)
    bar = Progbar(1, interval=0, stateful_metrics=["lr", "neg"])
    bar.update(1, [("lr", 1e-4), ("neg", -2e-4), ("big", -3.5)])
    assert capsys.readouterr().out.endswith(
        " - 0s 2ms/step - lr: 1.0000e-04 - neg: -2.0000e-04 - big: -3.5000\n")


def test_eta_switches_to_minutes_and_hours(clock, capsys):
    clock(1000.0, 1100.0, 1200.0)
    bar = Progbar(50, interval=0)
    bar.update(1)
    bar.update(2)
    lines = capsys.readouterr().out.replace(BS, "").split("\r")[1:]
    assert lines[0].endswith("- ETA: 1:21:40")  # 100 s/step * 49
    assert lines[1].endswith("- ETA: 1:20:00")  # 100 s/step * 48


def test_unknown_target_counts_up(clock, capsys):
    clock(1000.0, 1000.5, 1001.0, 1001.0)
    bar = Progbar(None, interval=0)
    bar.update(1, [("loss", 2.0)])
    bar.update(2, [("loss", 2.0)])
    bar.update(2, finalize=True)
    lines = capsys.readouterr().out.replace(BS, "").split("\r")[1:]
    assert lines == [
        "      1/Unknown - 0s 500ms/step - loss: 2.0000",
        "      2/Unknown - 1s 500ms/step - loss: 2.0000",
        "      2/Unknown - 1s 500ms/step - loss: 2.0000\n",
    ]


def test_verbose_2_prints_one_line_when_the_target_is_reached(clock, capsys):
    clock(1000.0, *[1000.0 + 0.0025 * i for i in range(1, 11)])
    bar = Progbar(10, verbose=2)
    for step in range(1, 11):
        bar.update(step, [("loss", 0.6931), ("accuracy", 0.5)])
    assert capsys.readouterr().out == (
        "10/10 - 0s - loss: 0.6931 - accuracy: 0.5000 - 25ms/epoch - 2ms/step\n")


def test_verbose_2_like_keras_prints_negatives_in_scientific_notation(clock, capsys):
    clock(1000.0, 1002.0)
    Progbar(1, verbose=2).update(1, [("x", -0.5)])
    assert capsys.readouterr().out == "1/1 - 2s - x: -5.0000e-01 - 2s/epoch - 2s/step\n"


def test_verbose_0_prints_nothing(capsys):
    bar = Progbar(3, verbose=0)
    for step in range(1, 4):
        bar.update(step, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_time_units_are_seconds_milliseconds_or_microseconds():
    assert Progbar._format_time(2.4, "step") == " 2s/step"
    assert Progbar._format_time(0, "step") == " 0s/step"
    assert Progbar._format_time(0.0123, "epoch") == " 12ms/epoch"
    assert Progbar._format_time(0.000345, "sample") == " 345us/sample"


def test_without_dynamic_display_each_draw_starts_a_new_line(clock, capsys):
    clock(1000.0, 1000.001, 1000.002)
    bar = Progbar(2, interval=0)
    bar._dynamic_display = False
    bar.update(1)
    bar.update(2)
    out = capsys.readouterr().out
    assert out.startswith("\n1/2 [==============>...............] - ETA: 0s\n2/2 [")
    assert BS not in out and "\r" not in out


class CountingValue:
    """A tensor-like 0-d value that counts how often it is read back to the host."""

    reads = 0

    def __init__(self, value):
        self.value = value

    def detach(self):
        return self

    def numel(self):
        return 1

    def __float__(self):
        CountingValue.reads += 1
        return self.value


def test_values_are_read_back_only_when_a_line_is_drawn(clock, capsys):
    clock(1000.0, *[1000.0 + 0.001 * i for i in range(1, 101)])
    CountingValue.reads = 0
    bar = Progbar(100, interval=60, stateful_metrics=["loss"])
    for step in range(1, 101):
        bar.update(step, [("loss", CountingValue(0.25))])
    assert CountingValue.reads == 2  # the first draw and the final one
    assert capsys.readouterr().out.endswith(" - loss: 0.2500\n")


def test_torch_tensors_are_accepted_as_values(capsys):
    bar = Progbar(2, interval=0, stateful_metrics=["acc"])
    bar.update(1, [("loss", torch.tensor(1.0)), ("acc", torch.tensor(0.5))])
    bar.update(2, [("loss", torch.tensor(2.0)), ("acc", torch.tensor(0.75))])
    out = capsys.readouterr().out
    assert out.endswith(" - loss: 1.5000 - acc: 0.7500\n")


def test_real_timing_matches_the_keras_format(capsys):
    bar = Progbar(3, interval=0)
    for step in range(1, 4):
        bar.update(step, [("loss", 0.5)])
    final = capsys.readouterr().out.split("\r")[-1]
    assert re.fullmatch(r"3/3 \[={30}\] - \d+s \d+(s|ms|us)/step - loss: 0\.5000\n", final)
