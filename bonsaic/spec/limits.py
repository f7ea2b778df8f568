"""Size limits shared by the interpreter's modules (kept apart to avoid an import cycle)."""

MAX_ENUMERATED_INPUTS = 16  # 2**16 input vectors is the most the interpreter will enumerate
