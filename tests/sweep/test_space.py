"""The settings table: parsing --set/--sample, clean errors naming the key, applying values to a spec."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.diagnostics import BonsaicError
from bonsaic.spec import load_spec
from bonsaic.sweep.space import KEYS, Sample, apply, parse_sample, parse_set, split_values
from tests import DELAY1_FIXTURE


def test_set_parses_typed_values() -> None:
    assert parse_set("lr=0.01,0.02") == ("lr", [0.01, 0.02])
    assert parse_set("steps=100") == ("steps", [100])
    assert parse_set("regularizer.biases=true,false") == ("regularizer.biases", [True, False])
    assert parse_set("data=iid") == ("data", ["iid"])
    key, values = parse_set("cell.activation=ameo,interpolated_ameo(0.4, 0.2)")
    assert key == "cell.activation" and values[0] == "ameo" and "0.4" in values[1] and "0.2" in values[1]


def test_split_keeps_commas_inside_parentheses() -> None:
    assert split_values("a,b(1,2),c") == ["a", "b(1,2)", "c"]


@pytest.mark.parametrize(("text", "needle"), [
    ("lrr=0.1", "unknown setting `lrr`"),
    ("steps=1.5", "`steps` must be an integer"),
    ("lr=-1", "`lr` must be positive"),
    ("state_noise=11", "`state_noise` must be at most 10"),
    ("optimizer=rmsprop", "`optimizer` must be one of adam, adamw, sgd"),
    ("prune.rate=1", "`prune.rate` must be below 1"),
    ("cell.activation=relu", "must be an activation"),
    ("cell.activation=sign_ameo", "must be an activation"),  # the two-valued kind is binary_states's
    ("lr", "expected KEY=V1,V2"),
    ("seed=1,1", "lists a value twice"),
])
def test_bad_set_is_a_clean_error(text: str, needle: str) -> None:
    with pytest.raises(BonsaicError) as err:
        parse_set(text)
    assert needle in err.value.render()


def test_unknown_key_names_the_valid_keys() -> None:
    with pytest.raises(BonsaicError) as err:
        parse_set("regularizer.intensty=0.1")
    text = err.value.render()
    assert "did you mean `regularizer.intensity`" in text and "state_noise" in text and "cell.states" in text


def test_sample_parses_ranges() -> None:
    assert parse_sample("lr=0.001:0.1:log") == Sample("lr", 0.001, 0.1, True)
    assert parse_sample("state_noise=0:0.1") == Sample("state_noise", 0.0, 0.1, False)
    for bad, needle in [("optimizer=a:b", "cannot be sampled"), ("lr=0.1:0.01", "LOW must be below HIGH"),
                        ("state_noise=0:0.1:log", "must be positive"), ("lr=1", "expected KEY=LOW:HIGH")]:
        with pytest.raises(BonsaicError, match=needle):
            parse_sample(bad)


def test_apply_reaches_every_section() -> None:
    spec = load_spec(DELAY1_FIXTURE)
    changed = apply(spec, {"steps": 7, "state_noise": 0.05, "regularizer.intensity": 0.2, "prune.every": 100,
                           "cell.states": 3, "cell.initializer": "zeros", "dense_activation": "tanh"})
    assert changed.train.steps == 7 and changed.train.state_noise == 0.05
    assert changed.train.regularizer.intensity == 0.2 and changed.train.regularizer.threshold == 0.025
    assert changed.train.prune.every == 100
    assert [c.states for c in changed.model.cells] == [3] and changed.model.cells[0].initializer == "zeros"
    assert changed.model.dense_activation.kind == "tanh"
    assert apply(changed, {"prune.rate": 0}).train.prune is None
    assert apply(spec, {"binary_states": True}).model.binary_states and not spec.model.binary_states
    with pytest.raises(BonsaicError, match="binary_states needs an Ameo activation"):
        apply(spec, {"cell.activation": "tanh", "binary_states": True})
    assert spec.train.steps != 7  # the original is untouched


def test_every_key_applies() -> None:
    spec = load_spec(DELAY1_FIXTURE)
    samples = {"int": "2", "float": "0.5", "bool": "true", "activation": "ameo"}
    for key in KEYS.values():
        text = key.choices[0] if key.kind == "choice" else samples[key.kind]
        name, (value,) = parse_set(f"{key.name}={text}")
        apply(spec, {name: value})


def test_cli_bad_key_exits_2_naming_the_valid_keys(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sweep", str(DELAY1_FIXTURE), "-o", str(tmp_path / "s"),
                                      "--set", "noise=0.1"])
    assert result.exit_code == 2, result.output
    assert "unknown setting `noise`" in result.output and "valid keys" in result.output
    assert not (tmp_path / "s").exists()
    result = CliRunner().invoke(app, ["sweep", str(DELAY1_FIXTURE), "-o", str(tmp_path / "s"),
                                      "--sample", "lr=abc:1"])
    assert result.exit_code == 2 and "`lr` must be a number" in result.output
    result = CliRunner().invoke(app, ["sweep", str(DELAY1_FIXTURE), "-o", str(tmp_path / "s"),
                                      "-p", "clip,dcee"])
    assert result.exit_code == 2 and "dcee" in result.output, result.output
    assert not (tmp_path / "s").exists()
