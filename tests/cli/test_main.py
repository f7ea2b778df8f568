"""The top-level CLI: every command is listed with a description, and --version works."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from bonsaic import __version__
from bonsaic.cli.main import app

COMMANDS = ["check", "sample", "train", "simulate", "stats", "verify", "import", "opt", "passes"]


def test_help_lists_every_command_with_a_description() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for cmd in COMMANDS:
        rows = [ln for ln in lines if ln.strip().startswith(cmd + " ")]
        assert rows, f"{cmd} missing from --help:\n{result.output}"
        assert len(rows[0].split()) > 1, f"{cmd} has no description"


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_is_fast_and_does_not_import_tinygrad() -> None:
    code = "import sys; from bonsaic.cli import main; print('tinygrad' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bonsaic.cli.main", *args], capture_output=True, text=True)


def test_an_unwritable_output_path_is_a_clean_error(tmp_path) -> None:
    spec = tmp_path / "t.bns"
    spec.write_text("task t\ninput x\noutput y\nstep {\n    y = x\n}\n")
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = _run_cli("sample", str(spec), "-n", "1")
    assert out.returncode == 0, out.stderr
    ir_text = (tmp_path / "m.ir")
    ir_text.write_text("bonsai-ir 1\n")  # truncated on purpose: a user error, not a crash
    bad = _run_cli("stats", str(ir_text))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    target = blocker / "sub" / "x.dot"  # a path under a regular file can never be created
    result = _run_cli("opt", str(_tiny_ir(tmp_path)), "-p", "dce", "--emit", "dot", "-o", str(target))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert str(blocker) in result.stderr


def test_an_internal_error_says_it_is_a_bug_and_exits_70(monkeypatch, capsys) -> None:
    from bonsaic.cli import main as main_module

    def explode() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(main_module, "app", explode)
    try:
        main_module.main()
    except SystemExit as stop:
        assert stop.code == 70
    else:
        raise AssertionError("main() did not exit")
    err = capsys.readouterr().err
    assert "boom" in err and "bug in bonsaic" in err


def _tiny_ir(tmp_path):
    path = tmp_path / "tiny.ir"
    path.write_text(
        "bonsai-ir 1\n\nact linear = linear\n\ninput x\n\nneuron dense.0 = linear(1.0*x)\n\noutput y = dense.0\n\n"
        'spec "t.bns"\n| task t\n| input x\n| output y\n| step {\n|     y = x\n| }\nend\n')
    return path


def test_a_closed_pipe_ends_quietly_with_141(monkeypatch) -> None:  # noqa: ANN001
    import os

    import typer

    monkeypatch.setattr(os, "dup2", lambda *args: None)  # keep pytest's own stdout intact

    from bonsaic.cli.common import user_errors

    @user_errors
    def reader_went_away() -> None:
        raise BrokenPipeError(32, "Broken pipe")

    try:
        reader_went_away()
    except typer.Exit as done:
        assert done.exit_code == 141
    else:
        raise AssertionError("expected typer.Exit")


def test_ctrl_c_ends_any_command_with_one_line_and_130(capsys) -> None:  # noqa: ANN001
    import typer

    from bonsaic.cli.common import user_errors

    @user_errors
    def long_search() -> None:
        raise KeyboardInterrupt

    try:
        long_search()
    except typer.Exit as done:
        assert done.exit_code == 130
    else:
        raise AssertionError("expected typer.Exit")
    assert capsys.readouterr().err == "interrupted\n"


def test_every_command_help_has_an_example() -> None:
    for command in (["check"], ["sample"], ["train"], ["simulate"], ["stats"], ["verify"], ["snap"], ["opt"],
                    ["passes"], ["import", "rnnviz"]):
        result = CliRunner().invoke(app, [*command, "--help"])
        assert result.exit_code == 0 and f"Example: bonsaic {' '.join(command)}" in result.stdout, command


def test_shell_completion_is_offered() -> None:
    assert "--install-completion" in CliRunner().invoke(app, ["--help"]).stdout
