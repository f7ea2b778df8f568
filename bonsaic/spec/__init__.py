"""The ``.bns`` task language: parser, checker and reference interpreter.

``load_spec``/``parse_spec`` give a checked :class:`Spec`; :class:`Program` runs it (step function
for the verifier, reachable states for ``bonsaic check``, vectorised data for the trainer).
The language itself is described in ``docs/dsl.md``; the grammar is ``grammar.lark``.
"""

from bonsaic.spec.config import CellConfig, ModelConfig, RegularizerConfig, ScheduleEvent, TrainConfig
from bonsaic.spec.errors import SpecError
from bonsaic.spec.load import compiled, load_spec, parse_spec
from bonsaic.spec.program import Program, Transitions
from bonsaic.spec.task import InputDecl, Spec, StateVar

__all__ = [
    "CellConfig", "InputDecl", "ModelConfig", "Program", "RegularizerConfig", "ScheduleEvent", "Spec",
    "SpecError", "StateVar", "TrainConfig", "Transitions", "compiled", "load_spec", "parse_spec",
]
