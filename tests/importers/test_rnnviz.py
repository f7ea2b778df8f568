"""The rnn-viz importer: the seed post's network in both formats, rnn-viz's pruning semantics,
activation spellings, and errors that name the JSON path."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.importers import ImportFormatError, import_rnnviz, load_rnnviz
from bonsaic.ir.activations import Activation
from bonsaic.ir.simulate import simulate
from bonsaic.spec import load_spec
from bonsaic.verify import verify

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DUMP = FIXTURES / "seed_delay1_dump.json"
SERIALIZED = FIXTURES / "seed_delay1_graph.json"
DELAY1 = load_spec(ROOT / "examples" / "delay1.bns")


@pytest.mark.parametrize("path", [DUMP, SERIALIZED], ids=["dump", "serialized"])
def test_seed_post_network_imports_and_is_proved_a_delay(path: Path) -> None:
    graph = load_rnnviz(path, DELAY1)
    assert graph.stats()["states"] == 1 and graph.stats()["neurons"] == 6  # 1 recurrent, 4 outputs, dense
    assert graph.state("c0.s0").init == 0.54937315
    result = verify(graph)  # the spec is embedded by the import
    assert result.ok and result.mode == "proved"


def test_both_formats_give_the_same_graph() -> None:
    assert load_rnnviz(DUMP, DELAY1) == load_rnnviz(SERIALIZED, DELAY1)


def _graph_json(recurrent: object) -> dict:
    """One input; one cell whose output neuron passes its state through (linear)."""
    return {
        "inputLayer": {"neurons": [{"name": "input_0", "weights": [], "bias": 0, "activation": "linear"}]},
        "cells": [{
            "outputDim": 1,
            "outputNeurons": [{"name": "o", "bias": 0, "activation": "linear",
                               "weights": [{"weight": 1, "index": 1}]}],
            "recurrentNeurons": [recurrent],
            "stateNeurons": [{"name": "s", "bias": 0.75, "activation": "linear",
                              "weights": [{"weight": 1, "index": 0}]}],
        }],
        "postLayers": [],
        "outputs": {"neurons": [{"name": "out", "weights": [{"weight": 1, "index": 0}], "bias": 0}]},
    }


def _run(doc: dict, xs: list[float]) -> list[float]:
    graph = import_rnnviz(json.dumps(doc), "net.json", ["x"], ["y"])
    return simulate(graph, np.array(xs, dtype=np.float64).reshape(1, -1, 1)).values[0, :, 0].tolist()


def test_state_with_a_pruned_recurrent_neuron_is_zero_after_the_first_step() -> None:
    assert _run(_graph_json(None), [1.0, -1.0, 1.0]) == [0.75, 0.0, 0.0]


def test_state_follows_its_recurrent_neuron() -> None:
    recurrent = {"name": "r", "bias": 0.5, "activation": "linear", "weights": [{"weight": 2, "index": 0}]}
    # state at step t+1 = 2 * x[t] + 0.5
    assert _run(_graph_json(recurrent), [1.0, -1.0, 1.0]) == [0.75, 2.5, -1.5]


def test_output_bias_becomes_a_node_of_its_own() -> None:
    doc = _graph_json(None)
    doc["outputs"]["neurons"][0]["bias"] = 0.25
    assert _run(doc, [1.0, 1.0]) == [1.0, 0.25]


@pytest.mark.parametrize(("spelling", "expected"), [
    ("linear", Activation.linear()),
    (None, Activation.linear()),
    ("tanh", Activation.tanh()),
    ("ameo", Activation.ameo()),
    ({"type": "interpolatedAmeo", "factor": 0.3, "leakyness": 0.2}, Activation.interpolated_ameo(0.3, 0.2)),
    ({"id": "interpolated_ameo", "factor": 0.3, "leakyness": 0.2}, Activation.interpolated_ameo(0.3, 0.2)),
    ({"type": "leakyAmeo", "leakyness": 0.05}, Activation.leaky_ameo(0.05)),
    ({"id": "leaky_ameo", "leakyness": 0.05}, Activation.leaky_ameo(0.05)),
    ({"type": "leakyAmeo"}, Activation.leaky_ameo(0.0)),  # rnn-viz's graph code: leakyness ?? 0
])
def test_activation_spellings(spelling: object, expected: Activation) -> None:
    doc = json.loads(DUMP.read_text())
    doc["post_layers"][0]["activation"] = spelling
    graph = import_rnnviz(json.dumps(doc), "net.json", ["x"], ["y"])
    assert graph.acts[graph.neuron("dense.0").act] == expected


def _import_error(doc: object, inputs: tuple[str, ...] = ("x",)) -> ImportFormatError:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    with pytest.raises(ImportFormatError) as caught:
        import_rnnviz(text, "net.json", list(inputs), ["y"])
    return caught.value


def _dump() -> dict:
    return json.loads(DUMP.read_text())


def test_malformed_json_points_at_line_and_column() -> None:
    err = _import_error('{\n  "input_dim": 1,\n  "cells": [,]\n}\n')
    assert (err.line, err.column) == (3, 13)  # the stray comma
    assert err.render().startswith("net.json:3:13: error: malformed JSON")
    assert err.hint and "rnn-viz" in err.hint


def test_truncated_file_is_malformed_json() -> None:
    text = DUMP.read_text()
    err = _import_error(text[: len(text) // 2])
    assert err.message.startswith("malformed JSON") and err.line > 1


def test_missing_key_names_the_json_path() -> None:
    doc = _dump()
    del doc["cells"][0]["recurrent_kernel"]
    assert "$.cells[0]: missing key 'recurrent_kernel'" in _import_error(doc).message


def test_wrong_kernel_shape_names_the_json_path() -> None:
    doc = _dump()
    doc["cells"][0]["output_kernel"].append([0.0, 0.0, 0.0, 0.0])
    message = _import_error(doc).message
    assert message.startswith("$.cells[0].output_kernel: expected 2 rows") and "got 3" in message


def test_wrong_post_layer_width_names_the_json_path() -> None:
    doc = _dump()
    doc["post_layers"][0]["weights"][0].pop()
    assert _import_error(doc).message.startswith("$.post_layers[0].weights[0]: expected 4 numbers")


def test_non_numeric_weight_names_the_json_path() -> None:
    doc = _dump()
    doc["cells"][0]["recurrent_bias"] = ["big"]
    assert _import_error(doc).message == "$.cells[0].recurrent_bias[0]: expected a number, got a string"


def test_input_count_must_match_the_spec() -> None:
    assert "the spec declares 2" in _import_error(_dump(), inputs=("a", "b")).message


def test_reference_to_a_pruned_neuron_names_the_json_path() -> None:
    doc = json.loads(SERIALIZED.read_text())
    doc["cells"][0]["outputNeurons"][1] = None
    message = _import_error(doc).message
    assert message.startswith("$.postLayers[0].neurons[0].weights[1].index: index 1 refers to a neuron "
                              "that was pruned")


def test_unsupported_activation_is_named() -> None:
    doc = json.loads(SERIALIZED.read_text())
    doc["cells"][0]["recurrentNeurons"][0]["activation"] = {"type": "gcu"}
    err = _import_error(doc)
    assert err.message.startswith("$.cells[0].recurrentNeurons[0].activation.type: unsupported")
    assert err.hint and "interpolatedAmeo" in err.hint


@pytest.mark.parametrize("doc", [[], {}, {"weights": []}])
def test_other_json_is_not_an_rnnviz_network(doc: object) -> None:
    assert "not an rnn-viz network" in _import_error(copy.deepcopy(doc)).message


def test_cli_imports_then_verifies(tmp_path: Path) -> None:
    model = tmp_path / "seed.ir"
    spec = str(ROOT / "examples" / "delay1.bns")
    result = CliRunner().invoke(app, ["import", "rnnviz", str(SERIALIZED), "--spec", spec, "-o", str(model)])
    assert result.exit_code == 0, result.output
    assert "1 states, 6 neurons, 14 edges" in result.output
    verified = CliRunner().invoke(app, ["verify", str(model)])
    assert verified.exit_code == 0 and verified.output.startswith("proved")


def test_cli_reports_bad_json_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "net.json"
    bad.write_text('{"input_dim": 1,\n "cells": [}\n')
    result = CliRunner().invoke(app, ["import", "rnnviz", str(bad), "--spec", str(ROOT / "examples" / "delay1.bns"),
                                      "-o", str(tmp_path / "out.ir")])
    assert result.exit_code == 2
    assert f"{bad}:2:" in result.output and "malformed JSON" in result.output
    assert not (tmp_path / "out.ir").exists()
