"""redwatch: watches public sources for people at risk of abusive extradition."""

from __future__ import annotations

__version__ = "0.1.0"
