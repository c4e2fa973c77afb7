"""Prometheus metrics of the service. Labels carry source ids and event types, never names.

Rules:
- counters and the poll-duration histogram count what THIS process did (Prometheus sums the
  instances);
- gauges read from the database when /metrics is scraped (queue depth, sources' consecutive
  failures) show the state shared by every instance.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

POLLS = Counter(
    "redwatch_polls", "Source polls, by outcome", ["source", "outcome"], registry=REGISTRY
)
ITEMS = Counter("redwatch_items", "Items seen in source polls", ["source"], registry=REGISTRY)
NEW_ITEMS = Counter("redwatch_new_items", "New or changed items", ["source"], registry=REGISTRY)
MATCHES = Counter(
    "redwatch_matches",
    "Watched people found in new or changed items",
    ["source"],
    registry=REGISTRY,
)
EVENTS = Counter("redwatch_events", "Events created, by type", ["type"], registry=REGISTRY)
ALERTS = Counter(
    "redwatch_emails", "Emails handed over, by outcome", ["outcome"], registry=REGISTRY
)
QUEUE = Gauge("redwatch_delivery_queue", "Deliveries by status", ["status"], registry=REGISTRY)
FAILING = Gauge(
    "redwatch_source_consecutive_failures",
    "Consecutive failed polls of each source (0 when its last poll succeeded)",
    ["source"],
    registry=REGISTRY,
)
UNCONFIRMABLE = Gauge(
    "redwatch_withdrawals_unconfirmable_notices",
    "Stored INTERPOL notices whose withdrawal the sweeps cannot confirm now (incomplete sweeps)",
    ["source", "reason"],
    registry=REGISTRY,
)
UNCONFIRMABLE_SINCE = Gauge(
    "redwatch_withdrawals_unconfirmable_since_timestamp_seconds",
    "Since when the sweeps of an INTERPOL source are incomplete (0: they are complete)",
    ["source"],
    registry=REGISTRY,
)
UNCHECKED = Gauge(
    "redwatch_watched_notices_unchecked",
    "Watched people's INTERPOL notices the last full sweep could neither list nor check directly",
    ["source"],
    registry=REGISTRY,
)
OVERDUE = Gauge(
    "redwatch_watched_notices_unchecked_over_two_days",
    "Watched people's INTERPOL notices not checked for more than two days",
    ["source"],
    registry=REGISTRY,
)
CYCLE = Histogram(
    "redwatch_poll_duration_seconds",
    "Duration of one source poll",
    ["source"],
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800),
    registry=REGISTRY,
)
