"""Screenshots of `bonsaic report` for bundled examples, for docs/ (made by this script, not by hand).

For each example: train it with its spec's own settings (skipped when WORKDIR already holds the
model), optimise it with the default pipeline (dumping every pass), write the report with the
pass table and the loss curves, open it in headless Chromium, step a few times, hover a neuron,
and save the window as docs/images/report-EXAMPLE.png.

    .venv/bin/python scripts/report_screenshots.py                     # delay2 loop3 replace111 parens
    .venv/bin/python scripts/report_screenshots.py --examples loop3 --workdir /tmp/shots
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def bonsaic(*args: str) -> None:
    """Run this tree's bonsaic (not whatever is installed) and stop on failure."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", "from bonsaic.cli.main import main; main()", *args]
    print("$ bonsaic", " ".join(args), flush=True)
    subprocess.run(command, check=True, env=env)


def build(example: str, workdir: Path) -> Path:
    model, opt = workdir / f"{example}.ir", workdir / f"{example}.opt.ir"
    if not model.exists():
        bonsaic("train", str(ROOT / "examples" / f"{example}.bns"), "-o", str(model), "-q")
    dump = workdir / f"{example}.passes"
    shutil.rmtree(dump, ignore_errors=True)
    bonsaic("opt", str(model), "--dump-ir", str(dump), "-o", str(opt), "-q", "--force")
    page = workdir / f"{example}.html"
    args = ["report", str(opt), "-o", str(page), "--opt-dir", str(dump), "-q", "--force"]
    log = workdir / f"{example}.loss.jsonl"
    if log.exists():
        args += ["--loss-log", str(log)]
    bonsaic(*args)
    return page


def screenshot(page_path: Path, image: Path, steps: int) -> None:
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("BONSAIC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        sys.exit("no Chromium found: apt-get install chromium (scripts/setup.sh does it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(page_path.resolve().as_uri())
        page.wait_for_selector("body[data-ready='1']")
        for _ in range(steps):
            page.click("#btn-step")
        neurons = page.evaluate("() => window.bonsaiReport.DATA.graph.neurons.map(n => n.name)")
        if neurons:  # hover the first neuron: its tooltip shows its value and definition
            title = page.locator("title", has_text=neurons[0])
            page.locator("#graph g.node", has=title).first.hover(force=True)
        image.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(image))
        browser.close()
    print(f"wrote {image}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", nargs="+", default=["delay2", "loop3", "replace111", "parens"])
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "report-examples")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--steps", type=int, default=5, help="steps to take before the screenshot")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    for example in args.examples:
        screenshot(build(example, args.workdir), args.out / f"report-{example}.png", args.steps)


if __name__ == "__main__":
    main()
