"""From events to messages: routing (in the poll transaction), quiet hours, digests, composing in
the advocate's language, sending by email and through Apprise's channels, templates, transports."""

from __future__ import annotations
