"""Collectors: for each source type, fetch through monitor.http and parse with monitor.sources.

A collector returns a `Collected` (see monitor.poll); it writes nothing to the database.
"""
