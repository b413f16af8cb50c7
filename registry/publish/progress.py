"""How the publishing steps report progress: a ``Log`` callback, silent by default."""

from __future__ import annotations

from collections.abc import Callable

Log = Callable[[str], None]


def quiet(_: str) -> None:
    """The default :data:`Log`: says nothing."""
