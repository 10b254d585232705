"""`tkeras.utils.io_utils`: the atomic write every writer uses, and its cleanup of the
temporary files that interrupted writes of the same target left behind."""
import os
import time

import pytest

from tkeras.utils import io_utils


def _age(path, seconds=60):
    past = time.time() - seconds
    os.utime(path, (past, past))


def _touch(path, data=b"x"):
    with open(path, "wb") as f:
        f.write(data)


def test_atomic_write_replaces_the_target_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "state.json"
    _touch(target, b"old")
    io_utils.atomic_write(target, lambda f: f.write("new"))
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["state.json"]


def test_atomic_write_in_binary_mode(tmp_path):
    target = tmp_path / "rng.pt"
    io_utils.atomic_write(target, lambda f: f.write(b"\x00\x01"), binary=True)
    assert target.read_bytes() == b"\x00\x01"


def test_failed_write_keeps_the_old_file_and_removes_its_temporary_file(tmp_path):
    target = tmp_path / "state.json"
    _touch(target, b"old")

    def write(f):
        f.write("partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        io_utils.atomic_write(target, write)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["state.json"]


def test_temporary_file_is_named_after_the_target_in_its_folder(tmp_path):
    target = tmp_path / "model.h5"
    with io_utils.atomic_path(target) as tmp:
        assert os.path.dirname(tmp) == str(tmp_path)
        name = os.path.basename(tmp)
        assert name.startswith(".model.h5.") and name.endswith(".tmp")
        assert len(name) == len(".model.h5.") + 8 + len(".tmp")
        _touch(tmp)


def test_successful_write_removes_stale_temporaries_of_the_same_target(tmp_path):
    target = tmp_path / "model.h5"
    stale = [tmp_path / ".model.h5.a1b2c3d4.tmp", tmp_path / ".model.h5.zz_9xk0q.tmp"]
    for path in stale:
        _touch(path, b"x" * 1000)
        _age(path)
    io_utils.atomic_write(target, lambda f: f.write(b"new"), binary=True)
    assert os.listdir(tmp_path) == ["model.h5"]


def test_cleanup_never_touches_other_files(tmp_path):
    target = tmp_path / "model.h5"
    keep = [
        ".other.h5.abcdefgh.tmp",      # another target's temporary file
        ".model.h5.notes.txt",         # not our suffix
        ".model.h5.abcdefghi.tmp",     # 9 random characters: not mkstemp's
        ".model.h5.ABCDEFGH.tmp",      # mkstemp never uses capitals
        "model.h5.abcdefgh.tmp",       # no leading dot
        ".model.h5.abcdefgh.tmp.bak",
        ".model.h5x.abcdefgh.tmp",
    ]
    for name in keep:
        _touch(tmp_path / name)
        _age(tmp_path / name)
    os.mkdir(tmp_path / ".model.h5.dir45678.tmp")  # a folder with our pattern: not ours
    io_utils.atomic_write(target, lambda f: f.write(b"new"), binary=True)
    assert sorted(os.listdir(tmp_path)) == sorted(keep + ["model.h5", ".model.h5.dir45678.tmp"])


def test_cleanup_leaves_a_concurrent_writers_file_in_progress(tmp_path):
    """A temporary file modified after this write started may belong to another
    process writing the same target right now: it stays."""
    target = tmp_path / "model.h5"
    busy = tmp_path / ".model.h5.busy1234.tmp"

    def write(f):
        _touch(busy)  # the other writer writes while we do
        f.write(b"new")

    io_utils.atomic_write(target, write, binary=True)
    assert sorted(os.listdir(tmp_path)) == [".model.h5.busy1234.tmp", "model.h5"]


def test_failed_write_removes_no_stale_temporaries(tmp_path):
    target = tmp_path / "model.h5"
    stale = tmp_path / ".model.h5.a1b2c3d4.tmp"
    _touch(stale)
    _age(stale)

    def write(f):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        io_utils.atomic_write(target, write)
    assert os.listdir(tmp_path) == [".model.h5.a1b2c3d4.tmp"]


def test_cleanup_does_not_follow_a_symlink_named_like_a_temporary(tmp_path):
    victim = tmp_path / "victim.txt"
    _touch(victim)
    link = tmp_path / ".model.h5.abcdefgh.tmp"
    os.symlink(victim, link)
    os.utime(link, (1, 1), follow_symlinks=False)
    io_utils.atomic_write(tmp_path / "model.h5", lambda f: f.write(b"x"), binary=True)
    assert victim.exists() and os.path.islink(link)


def test_ask_to_proceed_with_overwrite_reads_y_or_n(monkeypatch, capsys):
    answers = iter(["maybe", "n"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert io_utils.ask_to_proceed_with_overwrite("m.h5") is False
    assert "overwrite=True" in capsys.readouterr().out
    monkeypatch.setattr("builtins.input", lambda prompt="": "y")
    assert io_utils.ask_to_proceed_with_overwrite("m.h5") is True
