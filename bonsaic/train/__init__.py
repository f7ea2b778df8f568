"""The tinygrad trainer: grows the seed post's sparse RNNs for a spec (see docs/train.md).

The only package that imports tinygrad; everything else in bonsaic works without it. Importing this
package first shields tinygrad from environment variables it would misread and turns on its
one-command-buffer replay, ``HCQ2`` (:mod:`.environment`).
"""

from bonsaic.train.environment import default_hcq2 as _default_hcq2
from bonsaic.train.environment import shield as _shield

_shield()
_default_hcq2()
