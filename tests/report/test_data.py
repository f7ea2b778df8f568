"""What the report gathers, checked without a browser: the data the page computes from."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bonsaic.diagnostics import BonsaicError
from bonsaic.ir.graph import Neuron
from bonsaic.report import data as D
from bonsaic.spec import compiled
from tests.backends.graphs import parens
from tests.report import models


def test_a_neurons_definition_lists_its_terms_in_the_simulators_order() -> None:
    neuron = Neuron("n", "A", [("x", 1.5), ("s", -0.25), ("t", -0.0)], -2.0)
    assert D.neuron_definition(neuron) == "A(1.5*x - 0.25*s - 0.0*t - 2.0)"
    assert D.neuron_definition(Neuron("n", "A", [], 0.0)) == "A(0.0)"
    assert D.neuron_definition(Neuron("n", "A", [("x", -1.0)])) == "A(-1.0*x)"


def test_the_input_index_follows_the_programs_input_vector_order() -> None:
    program = compiled((models.EXAMPLES / "gate_switcher.bns").read_text(), "gate_switcher.bns")
    for index, vector in enumerate(program.input_vectors.tolist()):
        assert D._input_index(tuple(vector)) == index


def test_the_spec_table_is_the_programs_transition_table() -> None:
    graph = parens()
    program = compiled(graph.spec_source or "", "parens.bns")
    table = D.spec_json(graph, program)["table"]
    transitions = program.transitions()
    assert transitions is not None
    assert table["next"] == transitions.next.tolist()
    assert len(table["states"]) == len(transitions.states) == 9
    assert table["states"][0] == "depth=0"
    assert -1 in table["next"][0]  # the constraint: no closing bracket at depth 0


def test_a_spec_too_large_for_the_page_gets_expected_outputs_for_the_preloaded_sequences(monkeypatch) -> None:
    monkeypatch.setattr(D, "PAGE_SPEC_STATES", 3)
    graph = parens()
    program = compiled(graph.spec_source or "", "parens.bns")
    data = D.gather(graph, title="t", program=program, sample_length=12).payload
    assert data["spec"]["table"] is None and "preloaded" in data["spec"]["note"]
    sample = np.array(data["sequences"]["sample"])
    assert data["spec"]["expected"]["sample"] == D.expected_outputs(program, sample)
    assert len(data["spec"]["expected"]["sample"]) == 12


def test_the_sample_respects_the_specs_constraint() -> None:
    graph = parens()
    program = compiled(graph.spec_source or "", "parens.bns")
    sample = D.sample_sequence(program, 1, 200, seed=3)
    assert D.expected_outputs(program, sample) is not None  # None if a step were forbidden


def test_a_model_without_a_spec_still_gets_a_page() -> None:
    graph = models.replace111()
    graph.spec_source = graph.spec_name = None
    payload = D.gather(graph, title="bare").payload
    assert payload["spec"]["table"] is None and "no spec" in payload["spec"]["note"]
    assert len(payload["sequences"]["sample"]) == D.SAMPLE_LENGTH


def test_loss_log_records_events_and_non_finite_values(tmp_path: Path) -> None:
    log = tmp_path / "x.loss.jsonl"
    lines = ['{"bonsaic": "0.1.0", "log": "loss"}', '{"step": 10, "event": "NaN: restart 1 reset"}',
             '{"step": 10, "mse": [NaN, 0.5], "reg": [1, 2], "accuracy": [0.5, 1.0], "sparsity": [0, 0]}', ""]
    log.write_text("\n".join(lines))
    curves = D.loss_curves(log)
    assert curves["records"][0]["mse"] == [None, 0.5]
    assert curves["events"] == [{"step": 10, "event": "NaN: restart 1 reset"}]
    json.dumps(curves, allow_nan=False)


@pytest.mark.parametrize(("text", "message"), [
    ('{"bonsaic": "0.1.0", "log": "loss"}\n{"step": 1, "mse": [0.1]\n', ":2:"),
    ('{"bonsaic": "0.1.0", "log": "loss"}\n', "no evaluations"),
])
def test_a_bad_loss_log_is_a_located_error(tmp_path: Path, text: str, message: str) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_text(text)
    with pytest.raises(BonsaicError, match=message):
        D.loss_curves(log)


def test_opt_table_needs_a_dump_folder(tmp_path: Path) -> None:
    with pytest.raises(BonsaicError, match="not a folder"):
        D.opt_table(tmp_path / "missing")
    with pytest.raises(BonsaicError, match="no NN-pass.ir files"):
        D.opt_table(tmp_path)
