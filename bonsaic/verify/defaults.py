"""The verifier's defaults, in one place: what "check a graph" means unless a flag says otherwise.

``bonsaic verify``, ``opt``'s check of its input and of its result, and ``train``'s judging of its
restarts all read these (the CLI's flag defaults too), so two commands given the same file and
the same settings reach the same verdict. This module imports nothing heavy: the CLI reads it to
build ``--help``.
"""

BUDGET = 200_000  # product states the exhaustive exploration may visit
MAX_DEPTH = 1_000  # breadth-first levels (a thin chain that never closes, a counter, stops here)
BATTERY_WORD_LENGTH = 4  # the falsification battery: every word of up to this many inputs ...
BATTERY_LENGTH = 65_536  # ... repeated to this many steps ...
BATTERY_SEQUENCES = 512  # ... at most this many sequences (wide alphabets get shorter words) ...
BATTERY_WORK = 2e9  # ... and words longer than one input only while sequences x length x (edges +
# neurons) stays within this (about 2 s on the OpenCL kernel): a large network gets every constant
# input from every spec state, a pruned one every word of up to 4 inputs
PROOF_SPEC_STATES = 100_000  # invariant searches run only on specs with at most this many reachable states
BATTERY_SPEC_STATES = 50_000  # new spec states the battery's planning may evaluate (~60 us each): a spec
# whose states never repeat gets a battery cut short, not an hour of planning
SEARCH_BATTERY_LENGTH = 8_192  # the battery inside a pass's searches; its results are audited in full
RANDOM_SEQUENCES = 1_000  # i.i.d. random sequences ...
RANDOM_LENGTH = 100  # ... of this length
LONG_SEQUENCES = 64  # then this many random and as many periodic ("lasso") sequences ...
LONG_LENGTH = 20_000  # ... of this length
SEED = 0
SNAP_BUDGET = 20_000  # product states one snapping candidate's exploration may visit (bonsaic snap, train)
