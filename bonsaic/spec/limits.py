"""Size limits shared by the interpreter's modules (kept apart to avoid an import cycle)."""

MAX_ENUMERATED_INPUTS = 16  # 2**16 input vectors is the most the interpreter will enumerate
MAX_NESTING = 256  # deepest parse tree accepted: every later stage walks it recursively (about 250 nested
# operators or 125 nested `if` blocks, far beyond anything written by hand)
CHECK_STATES = 20_000  # reachable spec states `bonsaic check` (and every reader of an embedded spec) explores
