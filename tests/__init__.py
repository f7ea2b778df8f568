"""bonsaic's tests; the constants here are shared by several test packages."""

from pathlib import Path

# delay1 with the one-cell continuous model and settings the bundled example carried before they
# were deleted: the tests that train fix their seeds and step counts on it (tests/fixtures/delay1.bns)
DELAY1_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "delay1.bns"
