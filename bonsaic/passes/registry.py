"""The one table of passes: ``-p`` names, ``bonsaic passes`` and the default pipeline read it."""

from __future__ import annotations

import importlib

from bonsaic.passes.base import Pass
from bonsaic.passes.bypass import Bypass
from bonsaic.passes.clip import Clip
from bonsaic.passes.cse import CommonSubexpressions
from bonsaic.passes.dce import DeadCodeElimination
from bonsaic.passes.fold import Fold
from bonsaic.passes.freeze import Freeze
from bonsaic.passes.inline import Inline
from bonsaic.passes.merge import Merge
from bonsaic.passes.prune import Prune
from bonsaic.passes.quantize import Quantize
from bonsaic.passes.reinit import Reinit


def _booleanize_passes() -> dict[str, type[Pass]]:
    """The ``booleanize`` analysis lives in its own module, owned by the bool back end; it is listed
    here when that module offers a :class:`Pass` subclass, and quietly left out when it does not."""
    try:
        module = importlib.import_module("bonsaic.passes.booleanize")
    except ImportError:
        return {}
    return {obj.name: obj for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, Pass) and obj is not Pass and obj.name}


PASSES: dict[str, type[Pass]] = {
    cls.name: cls for cls in (Clip, Prune, Freeze, Inline, CommonSubexpressions, Bypass, Quantize, Reinit, Fold, Merge,
                           DeadCodeElimination)
} | _booleanize_passes()

DEFAULT_PIPELINE = "clip,freeze,inline,cse,bypass,prune,quantize,reinit,fold,merge,dce"
