"""Mutators: a valid spec, IR or rnn-viz file in, a plausible broken or extreme one out.

Each takes a ``random.Random``, so the same functions drive hypothesis in the tests (``st.randoms()``,
shrinkable and replayable) and the seeded campaign in ``scripts/fuzz.py``. Mutations are of three
kinds: textual (delete, insert, replace or duplicate a span; swap lines), lexical (insert a token of
the format, an extreme number, a deep nest) and, for JSON, structural (replace a value at a random
path by another JSON value, drop a key, wrap a value in arrays). The seeds are the bundled examples
and the fixtures, so most mutants are one mistake away from a valid file: the inputs that reach the
deep parts of a command, not just its first syntax check.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SPEC_SEEDS = sorted((ROOT / "examples").glob("*.bns"))
IR_SEEDS = [ROOT / "tests/ir/data/seed_delay.ir", ROOT / "tests/fuzz/seeds/delay1.ir"]
JSON_SEEDS = sorted((ROOT / "tests/importers/fixtures").glob("*.json"))

EXTREME_NUMBERS = ["0", "-0", "1e999", "-1e999", "1.7976931348623157e308", "4.9e-324", "nan", "inf", "-inf",
                   "99999999999999999999999", "2147483648", "-9223372036854775809", "1e-400", "0x10", "1_000",
                   "00007", ".5", "5.", "1e", "--1", "+-1"]
SPEC_TOKENS = ["{", "}", "(", ")", "=", "==", "!=", "<", ">=", "?", ":", "..", "%", "-", "+", "not", "and", "or",
               "xor", "if", "elif", "else", "let", "true", "false", "x", "y", "state", "input", "output",
               "constraint", "step", "model", "train", "task", "at", "cell", "batch", "length", "restarts",
               "state_noise", "lr", "steps", "seed", "prune", "regularizer", "p", "bool", ",", "\n", "#", "\t",
               "\x00", "é", "\ufeff", "\r", "\\", '"', "𝑥", "*", "//", "<<", ">>", "&", "|", "^",
               "int(", "count(", "min(", "max(", "70"]
IR_TOKENS = ["bonsai-ir", "1", "2", "act", "input", "state", "neuron", "output", "spec", "end", "|", "<-", "=",
             "*", "+", "-", "(", ")", ",", "A", "L", "H", "linear", "ameo", "interpolated_ameo", "factor",
             "leakyness", "c0.s0", "c0.r0", "x", "y", "dense.0", '"', "\\q", "#", "\n", "\r\n", "\t", "\x00",
             "é", "\ufeff"]


def _text_mutation(text: str, rng: random.Random, tokens: list[str]) -> str:
    at = rng.randrange(len(text) + 1)
    span = rng.choice([1, 1, 2, 3, 5, 8, 20, 80])
    kind = rng.choice(["delete", "insert", "replace", "duplicate", "swap_lines", "number", "nest"])
    token = rng.choice(tokens + EXTREME_NUMBERS) if rng.random() < 0.9 else chr(rng.randrange(1, 0x2FF))
    if kind == "delete":
        return text[:at] + text[at + span:]
    if kind == "insert":
        return text[:at] + rng.choice(["", " "]) + token + rng.choice(["", " "]) + text[at:]
    if kind == "replace":
        return text[:at] + token + text[at + span:]
    if kind == "duplicate":
        return text[:at + span] + text[at:at + span] * rng.choice([2, 3, 50]) + text[at + span:]
    if kind == "swap_lines":
        lines = text.split("\n")
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)
    if kind == "number":  # replace the next number-looking word by an extreme one
        digits = [k for k in range(at, len(text)) if text[k].isdigit()]
        if not digits:
            return text
        start = end = digits[0]
        while end < len(text) and (text[end].isalnum() or text[end] in ".-+"):
            end += 1
        return text[:start] + rng.choice(EXTREME_NUMBERS) + text[end:]
    depth = rng.choice([3, 100, 300, 3000])  # nest
    return text[:at] + "(" * depth + text[at:at + span] + ")" * depth + text[at + span:]


def mutate_text(text: str, rng: random.Random, tokens: list[str], rounds: int | None = None) -> str:
    """``text`` after 1-4 (or ``rounds``) random text mutations."""
    for _ in range(rounds if rounds is not None else rng.randint(1, 4)):
        text = _text_mutation(text, rng, tokens)
    return text


def spec_text(rng: random.Random) -> str:
    """A mutant of a bundled example spec."""
    return mutate_text(rng.choice(SPEC_SEEDS).read_text(), rng, SPEC_TOKENS)


def ir_text(rng: random.Random) -> str:
    """A mutant of an IR fixture (one with an embedded spec, one without)."""
    return mutate_text(rng.choice(IR_SEEDS).read_text(), rng, IR_TOKENS)


def embed_spec(ir: str, spec: str, name: str = "task.bns") -> str:
    """``ir`` (which embeds a spec) with its spec block replaced by ``spec``, as the printer writes it."""
    head = ir[: ir.index("\nspec ")]
    body = "\n".join(f"| {line}" if line else "|" for line in spec.split("\n"))
    return f"{head}\nspec {json.dumps(name)}\n{body}\nend\n"


# -- JSON ------------------------------------------------------------------------------------------
def _random_json(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(10 if depth < 3 else 7)
    if pick == 0:
        return None
    if pick == 1:
        return rng.choice([True, False])
    if pick == 2:
        return rng.choice([0, -1, 1, 3, 2**31, 10**9, 10**30, -(10**400)])
    if pick == 3:
        return rng.choice([0.5, -1e308, 1e308, 5e-324, 1e-5])
    if pick in (4, 5):
        return rng.choice(["", "linear", "ameo", "tanh", "interpolatedAmeo", "leaky_ameo", "input_0", "é", "\x00"])
    if pick == 6:
        return float(rng.choice(["nan", "inf"]))
    if pick in (7, 8):
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(["weights", "bias", "index", "weight", "activation", "factor", "outputDim", "type",
                        "id", "leakyness", "neurons"]): _random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


def _structural(document: Any, rng: random.Random) -> Any:
    path = rng.choice(_paths(document))
    if not path:
        return _random_json(rng)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    kind = rng.choice(["replace", "replace", "delete", "wrap", "duplicate"])
    last = path[-1]
    if kind == "replace":
        parent[last] = _random_json(rng)
    elif kind == "delete":
        del parent[last]
    elif kind == "wrap":
        parent[last] = [[parent[last]]] if rng.random() < 0.8 else json.loads("[" * 200 + "0" + "]" * 200)
    elif isinstance(parent, list):
        parent.insert(last, parent[last])
    else:
        parent[last] = [parent[last], parent[last]]
    return document


def rnnviz_text(rng: random.Random) -> str:
    """A mutant of an rnn-viz fixture: structural JSON mutations, sometimes then textual ones."""
    document = json.loads(rng.choice(JSON_SEEDS).read_text())
    for _ in range(rng.randint(1, 3)):
        document = _structural(document, rng)
    text = json.dumps(document)  # NaN and Infinity come out as the non-standard literals rnn-viz never writes
    if rng.random() < 0.3:
        text = mutate_text(text, rng, ["{", "}", "[", "]", ",", ":", '"', "null", "1e999", "-", "\\u0000"], 1)
    return text
