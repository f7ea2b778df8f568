"""Verified rewrites of the graph IR: one module per pass, one registry, one pipeline driver.

Kept import-free on purpose: the registry imports every pass, and a pass module (``booleanize``,
owned by the bool back end) importing :mod:`bonsaic.passes.base` must not pull the registry in.
Import :mod:`bonsaic.passes.registry` and :mod:`bonsaic.passes.pipeline` directly.
"""
