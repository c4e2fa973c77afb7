"""The build backend: setuptools', asking for mypy (whose mypyc compiles the matching engine) only
when the build is to compile it (REDWATCH_COMPILE=1, see setup.py).

A plain `pip install .` or wheel stays pure Python and needs no compiler; the Docker image and
`REDWATCH_COMPILE=1 pip install .` get the compiled engine.
"""

from __future__ import annotations

import os
from typing import Any

from setuptools import build_meta
from setuptools.build_meta import *  # noqa: F403 (the rest of the backend, unchanged)

# The mypy that compiles: the one constraints.txt pins for CI's type check. Only a wheel asks for
# it: setup.py refuses to compile an editable install, and an sdist holds only sources.
MYPYC = "mypy==2.4.1"


def compiling() -> bool:
    return os.environ.get("REDWATCH_COMPILE", "") == "1"


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    requires: list[str] = build_meta.get_requires_for_build_wheel(config_settings)
    return [*requires, MYPYC] if compiling() else requires
