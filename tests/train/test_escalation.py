"""Escalation: which configurations run, within what budget, and which result is kept."""

from __future__ import annotations

from dataclasses import dataclass, field

from bonsaic.spec import parse_spec
from bonsaic.train import escalation
from bonsaic.train.escalation import STAGES, RunOutcome, escalate, planned, rank
from bonsaic.train.restarts import RestartResult
from bonsaic.train.settings import TrainSettings

SPEC = parse_spec("input x\noutput y\nstate p: bool = false\nstep {\n    p = p xor x\n    y = p\n}\n")


def _settings() -> TrainSettings:
    return TrainSettings.from_spec(SPEC, device="CPU")


PLAN = planned(SPEC, _settings())  # SPEC's states are continuous: the binary stage applies, not its twin


def _result(verdict: str | None, edges: int = 5) -> RestartResult | None:
    if verdict is None:
        return None
    from bonsaic.ir.graph import Graph

    return RestartResult(0, 1.0, 100, 0.05, True, edges, Graph(), verdict=verdict)


@dataclass
class FakeRuns:
    """Each run takes ``seconds`` on a fake clock and gives the next verdict of ``verdicts``."""

    verdicts: list[tuple[str | None, int]]
    seconds: float = 60.0
    now: float = 0.0
    seen: list[tuple[str, int, int, float, int, bool]] = field(default_factory=list)
    deadlines: list[float | None] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def __call__(self, spec, settings, label, index, deadline) -> RunOutcome:  # noqa: ANN001
        self.deadlines.append(deadline)
        self.now += self.seconds
        self.seen.append((label, settings.restarts, settings.seed, settings.state_noise, spec.model.cells[0].states,
                          spec.model.binary_states))
        verdict, edges = self.verdicts[len(self.seen) - 1]
        return RunOutcome(_result(verdict, edges), False)


def test_a_proved_first_run_ends_it() -> None:
    runs = FakeRuns([("proved", 5)])
    best, count = escalate(SPEC, _settings(), runs, budget=600, clock=runs.clock)
    assert count == 1 and best.best.proved and best.label == "the spec's settings"


def test_stages_run_in_order_until_one_is_proved_and_the_proved_one_is_kept() -> None:
    runs = FakeRuns([(None, 0), ("bounded", 3), ("proved", 9), ("proved", 2)])
    best, count = escalate(SPEC, _settings(), runs, budget=10_000, clock=runs.clock)
    assert count == 3 and best.best.proved and best.best.edges_after_clip == 9 and best.label == PLAN[1].name
    runs = FakeRuns([(None, 0)] * (1 + len(PLAN)))
    escalate(SPEC, _settings(), runs, budget=10_000, clock=runs.clock)
    stage = {label: seen for label, *seen in runs.seen}
    first = stage["the spec's settings"]
    binary, more = stage["binary states, 8 restarts"], stage["8 restarts, another seed"]
    wider = stage["a cell twice as wide"]
    assert binary[4] and not first[4] and binary[0] == 8 and binary[1] != first[1]  # binary states
    assert more[0] == 8 and more[1] == first[1] + 1 and not more[4]  # more restarts, another seed
    assert wider[3] == 2 * first[3] and wider[0] == first[0] and wider[1] != first[1]  # a wider cell, same restarts


def test_the_other_kind_of_states_is_tried_unless_the_spec_pins_it() -> None:
    """Continuous states try binary ones first and binary ones (a sized model's default) continuous
    ones; a spec that sets binary_states itself, or has a cell without an Ameo, skips that stage."""
    from dataclasses import replace

    names = [stage.name for stage in STAGES]
    assert len(PLAN) == len(STAGES) - 1 and PLAN[0].name == "binary states, 8 restarts"
    binary = replace(SPEC, model=replace(SPEC.model, binary_states=True))
    assert [s.name for s in planned(binary, _settings())] == [n for n in names if n != "binary states, 8 restarts"]
    runs = FakeRuns([(None, 0)] * len(STAGES))
    escalate(binary, _settings(), runs, budget=10_000, clock=runs.clock)
    # after binary states: a cell twice as wide (still binary), a second cell, then continuous states
    assert runs.seen[1][0] == "a cell twice as wide" and runs.seen[1][5] and runs.seen[1][4] == 2 * runs.seen[0][4]
    assert runs.seen[2][0] == "a second cell" and runs.seen[2][5] and runs.seen[2][2] == runs.seen[0][2]
    assert runs.seen[3][0] == "continuous states, 8 restarts" and not runs.seen[3][5] and runs.seen[0][5]
    pinned = parse_spec(SPEC.source + "model { binary_states = true }\n")
    tanh = parse_spec(SPEC.source + "model { cell(4, 2, tanh) }\n")
    for spec in (pinned, tanh):
        kept = [s.name for s in planned(spec, _settings())]
        assert len(kept) == len(STAGES) - 2 and not any("states, 8 restarts" in n for n in kept)


def test_a_stage_starts_while_half_a_run_is_left() -> None:
    runs = FakeRuns([(None, 0)] * 4, seconds=100)
    _best, count = escalate(SPEC, _settings(), runs, budget=250, clock=runs.clock)
    assert count == 3  # after 200 s, 50 s is half a run: a third starts (stopped at the deadline in life)
    runs = FakeRuns([(None, 0)] * 4, seconds=100)
    _best, count = escalate(SPEC, _settings(), runs, budget=240, clock=runs.clock)
    assert count == 2  # 40 s left is less than half of a 100 s run


def test_stages_stop_at_the_budgets_end_the_first_configuration_runs_its_steps() -> None:
    runs = FakeRuns([(None, 0)] * (1 + len(PLAN)), seconds=10)
    runs.now = 1000.0
    escalate(SPEC, _settings(), runs, budget=250, clock=runs.clock)
    assert runs.deadlines[0] is None and runs.deadlines[1:] == [1250.0] * len(PLAN)
    bounded = FakeRuns([(None, 0)] * (1 + len(PLAN)), seconds=10)
    escalate(SPEC, _settings(), bounded, budget=250, clock=bounded.clock, bound_first=True)  # default steps
    assert bounded.deadlines[0] == 250.0


def test_the_spec_says_whether_it_chose_the_step_count() -> None:
    body = "input x\noutput y\nstep {\n    y = x\n}\n"
    assert not parse_spec(body).steps_given
    assert not parse_spec(body + "train {\n    batch = 8\n}\n").steps_given
    assert parse_spec(body + "train {\n    steps = 10\n}\n").steps_given


def test_no_escalation_without_a_budget_or_after_an_interrupt() -> None:
    runs = FakeRuns([(None, 0)] * 4)
    assert escalate(SPEC, _settings(), runs, budget=None, clock=runs.clock)[1] == 1

    def interrupted(spec, settings, label, index, deadline) -> RunOutcome:  # noqa: ANN001
        return RunOutcome(_result("bounded"), True)

    best, count = escalate(SPEC, _settings(), interrupted, budget=10_000)
    assert count == 1 and best.interrupted


def test_the_state_noise_stage_adds_noise() -> None:
    runs = FakeRuns([(None, 0)] * (1 + len(PLAN)))
    escalate(SPEC, _settings(), runs, budget=10_000, clock=runs.clock)
    noisy = next(seen for seen in runs.seen if seen[0] == "state noise 0.05, 8 restarts")
    assert noisy[3] == 0.05 and len(runs.seen) == 1 + len(PLAN)


def test_ranking_prefers_proved_then_fewer_edges() -> None:
    proved_big, bounded_small, nothing = (RunOutcome(_result("proved", 9), False), RunOutcome(_result("bounded", 2), False),
                                          RunOutcome(None, False))
    assert rank(proved_big) < rank(bounded_small) < rank(nothing)


def test_the_cli_default_budget_is_the_escalation_modules() -> None:
    from bonsaic.cli import train

    assert train.DEFAULT_TIME_BUDGET == escalation.DEFAULT_TIME_BUDGET


def test_a_second_cell_copies_the_first_and_applies_only_to_one_cell() -> None:
    stage = next(s for s in STAGES if s.name == "a second cell")
    spec, settings = stage.change(SPEC, _settings())
    assert spec.model.cells == [SPEC.model.cells[0], SPEC.model.cells[0]] and settings == _settings()
    assert stage.change(spec, settings) is None  # two cells already
