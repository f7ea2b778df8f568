"""Escalation: which configurations run, within what budget, and which result is kept."""

from __future__ import annotations

from dataclasses import dataclass, field

from bonsaic.spec import parse_spec
from bonsaic.train import escalation
from bonsaic.train.escalation import STAGES, RunOutcome, escalate, rank
from bonsaic.train.restarts import RestartResult
from bonsaic.train.settings import TrainSettings

SPEC = parse_spec("input x\noutput y\nstate p: bool = false\nstep {\n    p = p xor x\n    y = p\n}\n")


def _settings() -> TrainSettings:
    return TrainSettings.from_spec(SPEC, device="CPU")


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
    seen: list[tuple[str, int, int, float, int]] = field(default_factory=list)
    deadlines: list[float | None] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def __call__(self, spec, settings, label, index, deadline) -> RunOutcome:  # noqa: ANN001
        self.deadlines.append(deadline)
        self.now += self.seconds
        self.seen.append((label, settings.restarts, settings.seed, settings.state_noise, spec.model.cells[0].states))
        verdict, edges = self.verdicts[len(self.seen) - 1]
        return RunOutcome(_result(verdict, edges), False)


def test_a_proved_first_run_ends_it() -> None:
    runs = FakeRuns([("proved", 5)])
    best, count = escalate(SPEC, _settings(), runs, budget=600, clock=runs.clock)
    assert count == 1 and best.best.proved and best.label == "the spec's settings"


def test_stages_run_in_order_until_one_is_proved_and_the_proved_one_is_kept() -> None:
    runs = FakeRuns([(None, 0), ("bounded", 3), ("proved", 9), ("proved", 2)])
    best, count = escalate(SPEC, _settings(), runs, budget=10_000, clock=runs.clock)
    assert count == 3 and best.best.proved and best.best.edges_after_clip == 9 and best.label == STAGES[1].name
    first, more, wider = runs.seen
    assert more[1] == 8 and more[2] == first[2] + 1  # more restarts, another seed
    assert wider[4] == 2 * first[4]  # a wider cell


def test_a_stage_starts_while_half_a_run_is_left() -> None:
    runs = FakeRuns([(None, 0)] * 4, seconds=100)
    _best, count = escalate(SPEC, _settings(), runs, budget=250, clock=runs.clock)
    assert count == 3  # after 200 s, 50 s is half a run: a third starts (stopped at the deadline in life)
    runs = FakeRuns([(None, 0)] * 4, seconds=100)
    _best, count = escalate(SPEC, _settings(), runs, budget=240, clock=runs.clock)
    assert count == 2  # 40 s left is less than half of a 100 s run


def test_stages_stop_at_the_budgets_end_the_first_configuration_runs_its_steps() -> None:
    runs = FakeRuns([(None, 0)] * 4, seconds=10)
    runs.now = 1000.0
    escalate(SPEC, _settings(), runs, budget=250, clock=runs.clock)
    assert runs.deadlines[0] is None and runs.deadlines[1:] == [1250.0] * len(STAGES)
    bounded = FakeRuns([(None, 0)] * 4, seconds=10)
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
    runs = FakeRuns([(None, 0)] * 4)
    escalate(SPEC, _settings(), runs, budget=10_000, clock=runs.clock)
    assert runs.seen[-1][3] == 0.05 and len(runs.seen) == 1 + len(STAGES)


def test_ranking_prefers_proved_then_fewer_edges() -> None:
    proved_big, bounded_small, nothing = (RunOutcome(_result("proved", 9), False), RunOutcome(_result("bounded", 2), False),
                                          RunOutcome(None, False))
    assert rank(proved_big) < rank(bounded_small) < rank(nothing)


def test_the_cli_default_budget_is_the_escalation_modules() -> None:
    from bonsaic.cli import train

    assert train.DEFAULT_TIME_BUDGET == escalation.DEFAULT_TIME_BUDGET
