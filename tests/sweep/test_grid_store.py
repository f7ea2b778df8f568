"""Trials (grid x seeds, sampling, ids), the best proved network, and the results file -- without Ray."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bonsaic.diagnostics import BonsaicError
from bonsaic.sweep.grid import draw, make_trials, trial_id
from bonsaic.sweep.select import best
from bonsaic.sweep.space import Sample
from bonsaic.sweep.store import Store, summary


def test_grid_times_seeds_seeds_outermost() -> None:
    trials = make_trials("d", [("lr", [0.01, 0.02])], [], seeds=2, base_seed=5, count=None)
    assert [t.settings for t in trials] == [{"seed": 5, "lr": 0.01}, {"seed": 5, "lr": 0.02},
                                            {"seed": 6, "lr": 0.01}, {"seed": 6, "lr": 0.02}]
    assert len({t.id for t in trials}) == 4
    assert [t.id for t in make_trials("d", [("lr", [0.01, 0.02])], [], seeds=2, base_seed=5, count=3)] == \
        [t.id for t in trials[:3]]  # --trials 3 is a prefix: resuming with more trials adds, never reshuffles


def test_the_seed_is_always_part_of_a_trial() -> None:
    (trial,) = make_trials("d", [], [], seeds=None, base_seed=3, count=None)
    assert trial.settings == {"seed": 3}


def test_ids_depend_on_spec_and_settings_not_order() -> None:
    assert trial_id("a", {"lr": 0.1, "seed": 1}) == trial_id("a", {"seed": 1, "lr": 0.1})
    assert trial_id("a", {"seed": 1}) != trial_id("b", {"seed": 1})
    assert trial_id("a", {"seed": 1}) != trial_id("a", {"seed": 2})
    assert trial_id("a", {"seed": 1}, "clip,dce") != trial_id("a", {"seed": 1})  # another opt: another trial
    assert trial_id("a", {"seed": 1}, None) == trial_id("a", {"seed": 1})
    (trial,) = make_trials("a", [], [], seeds=None, base_seed=1, count=None, pipeline="clip,dce")
    assert trial.id == trial_id("a", {"seed": 1}, "clip,dce")


def test_sampling_is_reproducible_and_in_range() -> None:
    lr = Sample("lr", 0.001, 0.1, log=True)
    values = [draw(lr, i) for i in range(200)]
    assert values == [draw(lr, i) for i in range(200)]
    assert all(0.001 <= v <= 0.1 for v in values) and len(set(values)) > 150
    assert sum(v < 0.01 for v in values) > 60  # log-uniform: about half below the geometric middle
    restarts = [draw(Sample("restarts", 1, 4), i) for i in range(100)]
    assert set(restarts) == {1, 2, 3, 4}
    few = make_trials("d", [], [lr], seeds=None, base_seed=0, count=3)
    many = make_trials("d", [], [lr], seeds=None, base_seed=0, count=10)
    assert [t.settings for t in few] == [t.settings for t in many[:3]]


def test_grid_errors() -> None:
    with pytest.raises(BonsaicError, match="more trials than"):
        make_trials("d", [("lr", [0.1])], [], seeds=None, base_seed=0, count=2)
    with pytest.raises(BonsaicError, match="--seeds"):
        make_trials("d", [("seed", [1, 2])], [], seeds=2, base_seed=0, count=None)
    with pytest.raises(BonsaicError, match="more than once"):
        make_trials("d", [("lr", [0.1])], [Sample("lr", 0.1, 0.2)], seeds=None, base_seed=0, count=None)


def _record(index: int, verdict: str, n: int, s: int, e: int, margin: float | None = 0.5) -> dict:
    return {"id": f"t{index}", "index": index, "settings": {"seed": index}, "verdict": verdict, "neurons": n,
            "states": s, "edges": e, "margin": margin, "ir": f"bonsai-ir 1\n# {index}\nend\n", "wall_s": 1.0}


def test_best_is_the_smallest_proved_then_fewer_edges_then_larger_margin() -> None:
    records = [_record(0, "bounded", 0, 1, 0), _record(1, "proved", 3, 2, 9), _record(2, "proved", 2, 2, 7, 0.2),
               _record(3, "proved", 2, 2, 7, 0.9), _record(4, "proved", 2, 2, 8, 0.99), _record(5, "failed", 0, 0, 0)]
    assert best(records)["id"] == "t3"
    assert best(records[::-1])["id"] == "t3"  # arrival order does not matter
    assert best([_record(0, "bounded", 0, 1, 0)]) is None
    tie = [_record(7, "proved", 1, 1, 1), _record(6, "proved", 1, 1, 1)]
    assert best(tie)["id"] == "t6"


def test_store_appends_resumes_and_survives_a_torn_line(tmp_path: Path) -> None:
    store = Store(tmp_path / "sweep", "digest", "x.bns")
    store.append(_record(0, "proved", 2, 1, 3))
    store.append(_record(1, "proved", 1, 1, 2))
    assert (tmp_path / "sweep" / "best.ir").read_text().startswith("bonsai-ir 1\n# 1")
    assert "**(best)**" in (tmp_path / "sweep" / "summary.md").read_text()
    with (tmp_path / "sweep" / "trials.jsonl").open("a") as fh:
        fh.write('{"id": "t2", "verd')  # the driver died in the middle of a write
    again = Store(tmp_path / "sweep", "digest", "x.bns")
    assert set(again.records) == {"t0", "t1"}
    again.append(_record(2, "bounded", 0, 0, 0))
    lines = (tmp_path / "sweep" / "trials.jsonl").read_text().splitlines()
    assert [json.loads(line).get("id") for line in lines[1:]] == ["t0", "t1", "t2"]


def test_store_refuses_another_specs_directory(tmp_path: Path) -> None:
    Store(tmp_path, "one", "a.bns").append(_record(0, "failed", 0, 0, 0))
    with pytest.raises(BonsaicError, match="another spec"):
        Store(tmp_path, "two", "b.bns")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "trials.jsonl").write_text("my own notes\n")
    with pytest.raises(BonsaicError, match="not written by bonsaic"):
        Store(tmp_path / "other", "one", "a.bns")


def test_summary_says_when_nothing_is_proved() -> None:
    text = summary("x.bns", [_record(0, "bounded", 1, 1, 1)])
    assert "No trial was proved" in text and "| 0 | t0 |" in text


def test_live_table_shows_running_done_and_the_best_so_far() -> None:
    import io

    from rich.console import Console

    from bonsaic.sweep.display import LiveTable
    from bonsaic.sweep.grid import Trial

    sink = io.StringIO()
    console = Console(file=sink, force_terminal=True, width=160, color_system=None)
    running, done, bounded = (Trial(i, {"seed": i}, f"id{i}") for i in range(3))
    proved = {"id": "id1", "index": 1, "settings": {"seed": 1}, "verdict": "proved", "neurons": 2, "states": 1,
              "edges": 3, "margin": 0.5, "wall_s": 12.0, "ir": "bonsai-ir 1\n"}
    other = {**proved, "id": "id2", "index": 2, "settings": {"seed": 2}, "verdict": "bounded", "neurons": 1}
    with LiveTable(4, [], console=console) as table:
        for trial in (running, done, bounded):
            table.started(trial)
        table.finished(done, proved)
        table.finished(bounded, other)
        table.refresh()
    text = sink.getvalue()
    assert "2/4 done, 1 running, best proved 2 / 1 / 3 (trial 1)" in text
    assert "running" in text and "proved (best)" in text and "bounded" in text
    assert "nothing proved yet" in text  # the first frame, before any trial finished
