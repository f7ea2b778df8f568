"""What both rnn-viz formats share: activation identifiers and interface checks."""

from __future__ import annotations

from bonsaic.importers.json_access import JsonNode
from bonsaic.ir.activations import Activation

HINT = "expected a JSON file written by rnn-viz: a weight dump (dump_weights) or a serialized graph"

_NAMED = {"linear": Activation.linear, "tanh": Activation.tanh, "ameo": Activation.ameo}
_PARAMETERISED = {"interpolatedAmeo": "interpolated_ameo", "interpolated_ameo": "interpolated_ameo",
                  "leakyAmeo": "leaky_ameo", "leaky_ameo": "leaky_ameo"}
_ACT_HINT = ('supported: "linear", "tanh", "ameo", or {"type"|"id": "interpolatedAmeo"|'
             '"interpolated_ameo"|"leakyAmeo"|"leaky_ameo", "factor", "leakyness"}')


def activation(node: JsonNode | None) -> Activation:
    """An rnn-viz activation identifier. Absent or null means linear (as rnn-viz reads it); a
    missing ``leakyness`` is 0, as in rnn-viz's graph code."""
    if node is None or node.is_null:
        return Activation.linear()
    if isinstance(node.value, str):
        if node.value not in _NAMED:
            raise node.error(f"unsupported activation {node.value!r}", _ACT_HINT)
        return _NAMED[node.value]()
    key = "type" if node.has("type") else "id"
    kind_name = node.get(key).string()
    kind = _PARAMETERISED.get(kind_name)
    if kind is None:
        raise node.get(key).error(f"unsupported activation {kind_name!r}", _ACT_HINT)
    leak_node = node.optional("leakyness")
    leak = leak_node.number() if leak_node is not None else 0.0
    if kind == "leaky_ameo":
        return Activation.leaky_ameo(leak)
    return Activation.interpolated_ameo(node.get("factor").number(), leak)


def check_count(node: JsonNode, found: int, names: list[str], what: str) -> None:
    """The network's input/output count must be the spec's."""
    if found != len(names):
        raise node.error(f"the network has {found} {what} but the spec declares {len(names)} "
                         f"({', '.join(names) or 'none'})", "import with the spec the network was trained on")
