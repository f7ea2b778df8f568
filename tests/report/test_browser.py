"""The report in a real browser: headless Chromium (Debian's, installed by scripts/setup.sh) driven
by Playwright. Each test opens a generated page and uses it as a person would (buttons, clicks on
input bits, hovering a node), then reads the page and compares it with bonsaic's own simulator and
spec interpreter. Skipped, with the reason, only where no browser can be had.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.ir import simulate
from bonsaic.ir.graph import Graph
from bonsaic.spec import compiled
from tests.report import models

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STEP_BUDGET_MS = 16.0  # one frame at 60 Hz: the time a step may take in the gate_switcher-sized page


def chromium() -> str | None:
    """The browser to drive: $BONSAIC_CHROMIUM, else Debian's chromium on the PATH."""
    return os.environ.get("BONSAIC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: `pip install -e '.[dev]'` (scripts/setup.sh does it)")
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium to drive: `apt-get install chromium` (scripts/setup.sh does it)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def report(tmp_path: Path, graph: Graph, *args: str) -> Path:
    model = models.write(graph, tmp_path / "model.ir")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(model), "-o", str(out), "-q", *args])
    assert result.exit_code == 0, result.output
    return out


class Page:
    """One opened report, with the page's errors collected (a test fails on any)."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.errors: list[str] = []
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("body[data-ready='1']", timeout=15_000)

    def step(self) -> int:
        return int(self.page.inner_text("#step-display").split()[1])

    def node_values(self) -> dict[str, float]:
        """Every node's value as the inspector shows it (the shortest text of the double)."""
        pairs = self.page.eval_on_selector_all(
            "#inspector tbody tr", "rows => rows.map(r => [r.dataset.node, r.querySelector('.value').textContent])")
        return {name: float(text) for name, text in pairs}

    def sequence(self) -> np.ndarray:
        """The input bits in the editor, [T, I] as ±1."""
        rows = self.page.eval_on_selector_all(
            "#editor td[data-input-index]", "cells => cells.map(c => [+c.dataset.step, +c.dataset.inputIndex, c.textContent])")
        steps = max(r[0] for r in rows) + 1
        inputs = max(r[1] for r in rows) + 1
        out = np.zeros((steps, inputs))
        for t, i, text in rows:
            out[t, i] = 1.0 if text == "1" else -1.0
        return out

    def row_bits(self, kind: str) -> list[str]:
        return self.page.eval_on_selector_all(f"#editor td.{kind}[data-output='0']", "cells => cells.map(c => c.textContent)")

    def close(self) -> None:
        assert not self.errors, self.errors
        self.page.close()


@pytest.fixture
def opened(browser: Any) -> Iterator[Any]:
    pages: list[Page] = []

    def open_page(path: Path) -> Page:
        pages.append(Page(browser, path))
        return pages[-1]

    yield open_page
    for page in pages:
        page.close()


MODELS = {"ameo kinds and linear": lambda: models.mixed_activations(tanh=False), "with tanh": models.mixed_activations,
          "replace111": models.replace111}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_stepping_shows_every_node_value_bonsaic_simulate_computes(tmp_path: Path, opened: Any, name: str) -> None:
    """Bit for bit, except where the library tanh rounds differently from numpy's in the last
    place (the one exception in every back end, see docs/backends.md): there to 1e-12."""
    graph = MODELS[name]()
    exact = all(act.kind != "tanh" for act in graph.acts.values())
    page = opened(report(tmp_path, graph, "--no-verify", "--length", "25"))
    inputs = page.sequence()
    trace = simulate(graph, inputs[None], trace=True).trace
    assert trace is not None
    for t in range(len(inputs)):
        assert page.step() == t
        shown = page.node_values()
        assert set(shown) == set(graph.node_names())
        if exact:
            assert shown == {node: trace[node][0, t] for node in shown}, t
        for node, value in shown.items():
            assert value == pytest.approx(trace[node][0, t], rel=0, abs=1e-12), (t, node)
        page.page.click("#btn-step")
    assert page.step() == len(inputs) - 1  # the last click stays at the end


def test_the_cli_trace_table_agrees_with_the_page(tmp_path: Path, opened: Any) -> None:
    """What `bonsaic simulate --trace` prints (six decimals) is what the page shows, rounded."""
    graph = models.mixed_activations()
    path = report(tmp_path, graph, "--no-verify", "--length", "8")
    page = opened(path)
    inputs = page.sequence()
    seq = ",".join("1" if v > 0 else "-1" for v in inputs[:, 0])
    result = CliRunner().invoke(app, ["simulate", str(tmp_path / "model.ir"), "--seq", seq, "--trace"])
    assert result.exit_code == 0, result.output
    table = {line.split()[0]: line.split()[2:] for line in result.output.split("\n\n")[1].splitlines()[1:]}
    for t in range(len(inputs)):
        shown = page.node_values()
        for name, value in shown.items():
            assert f"{value:+.6f}" == table[name][t], (t, name)
        page.page.click("#btn-step")


def test_toggling_an_input_bit_changes_the_outputs_as_the_spec_says(tmp_path: Path, opened: Any) -> None:
    graph = models.replace111()
    page = opened(report(tmp_path, graph, "--length", "30"))
    assert page.page.get_attribute("#verdict-badge", "data-mode") == "proved"
    before = page.sequence()
    expected_before = page.row_bits("spec")
    t = expected_before.index("0", 3)  # y false: x false here and on the two steps before
    page.page.click(f"#editor td[data-input-index='0'][data-step='{t}']")
    after = page.sequence()
    assert (after != before).sum() == 1 and after[t, 0] == 1.0
    assert page.step() == t  # clicking a bit also moves there
    program = compiled(graph.spec_source or "", "replace111.bns")
    state, spec_bits = program.initial_state(), []
    for bits in after:
        state, out = program.step(state, (bool(bits[0] > 0),))
        spec_bits.append("1" if out[0] else "0")
    assert page.row_bits("spec") == spec_bits
    assert page.row_bits("spec")[t : t + 3] == ["1", "1", "1"] != expected_before[t : t + 3]
    net = simulate(graph, after[None]).outputs[0, :, 0]
    assert page.row_bits("net") == ["1" if v > 0 else "0" for v in net]
    assert page.page.get_attribute("#mismatch-count", "data-count") == "0"
    assert page.page.input_value("#seq-select") == "edited"


def test_a_wrong_networks_counterexample_is_preloaded_and_its_mismatch_marked(tmp_path: Path, opened: Any) -> None:
    graph = models.drifting_all_ones(300)
    page = opened(report(tmp_path, graph))
    assert page.page.get_attribute("#verdict-badge", "data-mode") == "failed"
    assert page.page.input_value("#seq-select") == "counterexample"
    inputs = page.sequence()
    assert len(inputs) == 301 and (inputs == 1.0).all()  # 301 trues: the shortest word that fails
    marked = page.page.eval_on_selector_all("#editor td.net.mismatch", "cells => cells.map(c => +c.dataset.step)")
    assert marked == [300]
    assert page.page.get_attribute("#mismatch-count", "data-first") == "300"
    page.page.click("#btn-mismatch")
    assert page.step() == 300
    assert "mismatch" in page.page.inner_text("#now")


def test_play_pause_speed_and_reset(tmp_path: Path, opened: Any) -> None:
    page = opened(report(tmp_path, models.replace111(), "--no-verify", "--length", "200"))
    page.page.eval_on_selector("#speed", "s => { s.value = 60; s.dispatchEvent(new Event('input')); }")
    assert page.page.inner_text("#speed-value") == "60"
    page.page.click("#btn-play")
    page.page.wait_for_function("() => +document.querySelector('#step-display').textContent.split(' ')[1] >= 5")
    page.page.click("#btn-play")  # pause
    paused_at = page.step()
    page.page.wait_for_timeout(200)
    assert page.step() == paused_at >= 5
    page.page.click("#btn-back")
    assert page.step() == paused_at - 1
    page.page.click("#btn-reset")
    assert page.step() == 0
    page.page.click("#analyzer", position={"x": 12 * 40 + 3, "y": 5})  # the logic analyzer jumps to step 40
    assert page.step() == 40


def test_resampling_draws_a_new_sequence_the_spec_allows(tmp_path: Path, opened: Any) -> None:
    spec = models.EXAMPLES / "parens.bns"  # its constraint forbids closing more brackets than are open
    from tests.backends.graphs import parens

    graph = parens()
    graph.spec_source, graph.spec_name = spec.read_text(), spec.name
    page = opened(report(tmp_path, graph, "--no-verify", "--length", "40"))
    sample = page.sequence()
    page.page.fill("#resample-length", "120")
    page.page.click("#btn-resample")
    resampled = page.sequence()
    assert page.page.input_value("#seq-select") == "resampled" and len(resampled) == 120
    assert not np.array_equal(resampled[: len(sample)], sample)
    program = compiled(graph.spec_source, spec.name)
    state = program.initial_state()
    for bits in resampled:
        vector = tuple(bool(b > 0) for b in bits)
        assert vector in program.allowed_inputs(state)
        state, _ = program.step(state, vector)
    assert "·" not in page.row_bits("spec")


def test_hovering_and_clicking_a_node_shows_its_value_and_definition(tmp_path: Path, opened: Any) -> None:
    graph = models.mixed_activations()
    page = opened(report(tmp_path, graph, "--no-verify"))
    node = page.page.locator("#graph g.node", has=page.page.locator("title", has_text="c0.n2"))
    node.hover()
    tip = page.page.inner_text("#tooltip")
    assert "c0.n2 = L(2.7*c0.r0 - 1.9*c0.r1 + 0.3)" in tip and "leaky_ameo(leakyness=0.07)" in tip
    node.click()
    assert "c0.n2 = L(" in page.page.inner_text("#node-info")
    assert page.page.get_attribute("#inspector tr[data-node='c0.n2']", "class") == "selected"
    fill = page.page.eval_on_selector("#graph g.node.selected polygon", "p => p.getAttribute('fill')")
    assert fill.startswith("rgb(")


def test_opt_dump_and_loss_log_panels(tmp_path: Path, opened: Any) -> None:
    model = models.write(models.replace111(), tmp_path / "model.ir")
    dump = tmp_path / "dump"
    result = CliRunner().invoke(app, ["opt", str(model), "--dump-ir", str(dump), "-q", "-o", str(tmp_path / "opt.ir")])
    assert result.exit_code == 0, result.output
    log = tmp_path / "model.loss.jsonl"
    records = [{"bonsaic": "test", "log": "loss"}, {"step": 50, "event": "schedule: lr *= 0.5"}]
    records += [{"step": s, "mse": [1 / s, 2 / s], "reg": [0.1, 0.2], "accuracy": [0.5, 1.0], "sparsity": [0.1, s / 1000]}
                for s in (50, 100, 150)]
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", str(tmp_path / "opt.ir"), "-o", str(out), "-q", "--opt-dir", str(dump),
                                      "--loss-log", str(log)])
    assert result.exit_code == 0, result.output
    page = opened(out)
    rows = page.page.eval_on_selector_all("#passes tr", "rows => rows.map(r => r.children[1].textContent)")
    assert rows[1:] == [p.stem.split("-", 1)[1] for p in sorted(dump.glob("*.ir"))]
    metrics = page.page.eval_on_selector_all("#loss svg", "s => s.map(x => x.dataset.metric)")
    assert metrics == ["mse", "reg", "accuracy", "sparsity"]
    assert page.page.eval_on_selector_all("#loss svg[data-metric='mse'] polyline", "p => p.length") == 2
    assert "schedule: lr *= 0.5" in page.page.inner_text("#loss")
    assert "def step(state, inputs)" in page.page.inner_text("#bool-source")


def test_a_gate_switcher_sized_page_steps_within_one_frame(tmp_path: Path, opened: Any) -> None:
    """1,000 steps of a network with 11 states and 20 neurons: each step (the click's handler, then
    the style and layout it causes) must fit in 16 ms."""
    page = opened(report(tmp_path, models.gate_switcher_sized(), "--no-verify", "--length", "1000"))
    timing = page.page.evaluate("""() => {
        const button = document.getElementById('btn-step'), times = [];
        for (let i = 0; i < 999; i++) {
            const t0 = performance.now();
            button.click();
            document.getElementById('graph').getBoundingClientRect();  // force style and layout
            document.getElementById('scroller').offsetWidth;
            times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        return {mean: times.reduce((a, b) => a + b) / times.length, median: times[499], p95: times[949]};
    }""")
    assert page.step() == 999
    assert timing["mean"] < STEP_BUDGET_MS and timing["p95"] < STEP_BUDGET_MS, timing


def test_a_model_without_a_spec_says_why_it_is_not_verified(tmp_path: Path, opened: Any) -> None:
    graph = models.replace111()
    graph.spec_source = graph.spec_name = None
    page = opened(report(tmp_path, graph))
    assert page.page.get_attribute("#verdict-badge", "data-mode") == "not verified"
    assert "embeds no spec" in page.page.inner_text("#verdict")
    assert page.page.get_attribute("#mismatch-count", "data-count") == "0"
    assert set(page.row_bits("spec")) == {"·"}  # nothing expected, nothing marked
    page.page.click("#btn-resample")  # random bits without a spec's table
    assert len(page.sequence()) == 64
