"""Operator control of runs from outside their process: identity, liveness, the keeper thread,
and the one orphan policy (:mod:`engine.control.orphan_policy`).

Nothing is imported here, so that any adapter may import one module of this package
(``engine.control.orphan_policy`` is a leaf) without pulling in the others.
"""
