"""The tinygrad trainer: grows the seed post's sparse RNNs for a spec (see docs/train.md).

The only package that imports tinygrad; everything else in bonsaic works without it.
"""
