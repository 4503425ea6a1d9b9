"""torch's lazy imports of an optimizer's first step, done up front on the calling thread.

``torch.optim`` imports ``torch._dynamo`` (and with it sympy, about a second)
the first time an optimizer steps. A run of the app's tests once hung with a
training worker thread inside that import and the GUI thread idle in its
event loop. Calling :func:`import_optimizer_dependencies` on the main thread
before any worker thread starts keeps that import out of worker threads.
"""
from __future__ import annotations

import functools

__all__ = ["import_optimizer_dependencies"]


@functools.cache
def import_optimizer_dependencies() -> None:
    """Import what an optimizer's first ``step()`` would import lazily (once per process)."""
    import torch._dynamo  # noqa: F401  (the import is the point)
