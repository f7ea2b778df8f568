"""The report's HTML: the template in ``assets/`` with the data, the drawing and the scripts inlined.

One file, nothing fetched when it is opened: the CSS and JavaScript are copied in, the Ameo
helpers are rendered from :mod:`bonsaic.ir.ameo` (the same table numpy, OpenCL and the ``py`` back
end use), the data is a ``<script type="application/json">`` block and the graph an inline SVG.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources

from bonsaic import __version__
from bonsaic.ir.ameo import TABLE, javascript_source
from bonsaic.report.data import ReportData

_ASSETS = resources.files("bonsaic.report") / "assets"


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def script_json(payload: object) -> str:
    """JSON that is safe inside a ``<script>`` element: every ``<`` is written ``\\u003c`` (``<`` can
    only occur inside JSON strings, where the escape reads back as the same character), so neither
    ``</script>`` nor ``<!--`` can end or confuse the element."""
    return json.dumps(payload, allow_nan=False, separators=(",", ":")).replace("<", "\\u003c")


def inline_svg(svg: str) -> str:
    """Graphviz's SVG without its XML prolog and doctype, ready to sit in the page."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.S)
    return svg.strip()


def ameo_script() -> str:
    """The four Ameo functions as JavaScript, from the one table."""
    return "\n".join(javascript_source(f) for f in TABLE)


def render(data: ReportData) -> str:
    """The whole page as text."""
    page = _asset("report.html")
    replacements = {
        "@TITLE@": html.escape(data.title),
        "@VERSION@": html.escape(__version__),
        "/*@CSS@*/": _asset("report.css"),
        "/*@AMEO@*/": ameo_script(),
        "/*@JS@*/": _asset("report.js"),
        "@DATA@": script_json(data.payload),
        "@SVG@": inline_svg(data.svg) if data.svg else "<p class='note'>no drawing (Graphviz's dot was not found)</p>",
    }
    # one pass over the markers, so text substituted in (a spec, an SVG) is never searched again
    pattern = re.compile("|".join(re.escape(k) for k in replacements))
    return pattern.sub(lambda m: replacements[m.group(0)], page)
