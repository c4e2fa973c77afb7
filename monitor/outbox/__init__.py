"""From events to emails: routing (in the poll transaction), digests, composing, sending,
templates, transports."""

from __future__ import annotations
