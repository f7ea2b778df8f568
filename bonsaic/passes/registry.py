"""The one table of passes: ``-p`` names, ``bonsaic passes`` and the default pipeline read it."""

from __future__ import annotations

from bonsaic.passes.base import Pass
from bonsaic.passes.booleanize import Booleanize
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
from bonsaic.passes.refit import Refit
from bonsaic.passes.reinit import Reinit

PASSES: dict[str, type[Pass]] = {
    cls.name: cls for cls in (Clip, Prune, Freeze, Inline, CommonSubexpressions, Bypass, Quantize, Reinit, Fold, Merge,
                           Refit, DeadCodeElimination, Booleanize)
}

DEFAULT_PIPELINE = "clip,freeze,inline,cse,bypass,refit,prune,quantize,reinit,fold,merge,refit,dce"
