"""Translation validation: decide whether a graph computes exactly what its spec says."""

from bonsaic.verify.explore import Exploration
from bonsaic.verify.verifier import Counterexample, Verifier, VerifyResult, explore, verify

__all__ = ["Counterexample", "Exploration", "Verifier", "VerifyResult", "explore", "verify"]
