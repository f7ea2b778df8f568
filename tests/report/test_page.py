"""The page as text: self-contained, safe to inline, and its JavaScript Ameo equal to numpy's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from bonsaic.ir import ameo
from bonsaic.report import data as D
from bonsaic.report.page import ameo_script, render, script_json
from bonsaic.spec import compiled
from tests.report import models


def test_script_json_cannot_close_its_script_element() -> None:
    payload = {"spec": "# a comment with </script><script>alert(1)</script> and <!-- in it"}
    text = script_json(payload)
    assert "</script" not in text and "<!--" not in text
    assert json.loads(text) == payload


def test_the_page_loads_nothing_from_the_network() -> None:
    graph = models.replace111()
    page = render(D.gather(graph, title="replace111", svg="<svg xmlns='http://www.w3.org/2000/svg'></svg>"))
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "fetch(" not in page and "XMLHttpRequest" not in page
    assert page.count("@DATA@") == 0 and page.count("/*@JS@*/") == 0  # every marker replaced


def test_text_in_the_data_is_never_taken_for_a_marker() -> None:
    graph = models.replace111()
    graph.spec_source = (graph.spec_source or "") + "# @SVG@ /*@JS@*/ @TITLE@\n"
    page = render(D.gather(graph, title="t", program=compiled(graph.spec_source, "replace111.bns")))
    payload = json.loads(re.search(r'id="bonsai-data">(.*?)</script>', page, re.S).group(1))
    assert payload["spec"]["source"].endswith("# @SVG@ /*@JS@*/ @TITLE@\n")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed to run the JavaScript")
@pytest.mark.parametrize("piece", ameo.TABLE, ids=lambda p: p.name)
def test_the_javascript_ameo_matches_numpy_bit_for_bit(piece: ameo.Piecewise) -> None:
    grid = np.concatenate([np.linspace(-6, 6, 2401), [-3.0, -1.0, 1.0, 3.0, -0.0, 0.0, 1e-300, -7.5, 1e6]])
    for leak in (0.0, 0.1, 0.07):
        expected = ameo.evaluate(piece, grid, leak, np.where)
        program = (ameo_script() + f"\nconst xs = {json.dumps(grid.tolist())};\n"
                   f"console.log(JSON.stringify(xs.map(x => ameo_{piece.name}(x, {leak!r}))));\n")
        out = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True).stdout
        got = np.array(json.loads(out))
        assert np.array_equal(got, expected), np.flatnonzero(got != expected)[:5]
