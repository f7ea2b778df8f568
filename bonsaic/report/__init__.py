"""``bonsaic report``: one self-contained HTML page to watch a network think.

The page holds everything it needs (no network access, no server): the graph drawn by the ``dot``
back end as inline SVG, the graph itself as JSON with a JavaScript simulator that computes what
:mod:`bonsaic.ir.simulate` computes (same float64 operations in the same order; the Ameo pieces are
rendered from :mod:`bonsaic.ir.ameo`, the one table), the spec's transition table so that an edited
input sequence is checked against the spec in the page, the verifier's verdict with its
counterexample, the decompiled ``bool`` program when there is one, and optionally the per-pass
sizes of an ``opt --dump-ir`` folder and the curves of a training loss log.

:mod:`bonsaic.report.data` gathers the facts (Python, tested without a browser);
:mod:`bonsaic.report.page` writes them into the HTML template in ``assets/``.
"""

from __future__ import annotations

from bonsaic.report.data import ReportData, gather
from bonsaic.report.page import render

__all__ = ["ReportData", "gather", "render"]
