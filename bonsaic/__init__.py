"""bonsaic: grow bonsai networks (tiny, extremely sparse RNNs) and compile them to readable code.

Layout (imports flow one way): cli -> (train | passes | backends | importers) -> verify -> (spec, ir).
`ir` and `spec` never import tinygrad; only `bonsaic.train` does.
"""

__version__ = "0.1.0"
