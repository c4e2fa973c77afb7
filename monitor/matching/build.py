"""Which build of the matching engine runs: compiled to C by mypyc (a wheel built with
REDWATCH_COMPILE=1, as the Docker image's is; setup.py) or the pure Python sources."""

from __future__ import annotations

from pathlib import Path

from monitor.matching import score


def compiled() -> bool:
    """True when the engine's modules are compiled extension modules, not .py sources."""
    return Path(str(score.__file__)).suffix != ".py"


def described() -> str:
    """One line for the start of `monitor run`."""
    if compiled():
        return "matching engine: compiled"
    return (
        "matching engine: pure Python (REDWATCH_COMPILE=1 pip install . compiles it, as the"
        " Docker image does: records are matched about 1.4 times as fast)"
    )
