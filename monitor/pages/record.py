"""Recording a case page: a change of its followed text is an event for its person, with a diff."""

from __future__ import annotations

from monitor.events.observations import CHANGED, Counts, keep_evidence, upsert_observation
from monitor.events.recorder import Recorder
from monitor.items import Collected
from monitor.store import observations
from monitor.store.states import EventType, Severity
from monitor.text.diff import diff_text


def record_watch(recorder: Recorder, collected: Collected) -> Counts:
    """A case page: a change of its followed text is an event for its person, with a diff."""
    counts = Counts()
    person_id = str(recorder.source.config["person_id"])
    for item in collected.items:
        before = observations.text_of(recorder.session, recorder.source.id, item.key)
        row, change = upsert_observation(recorder.session, recorder.source, item, recorder.now)
        setattr(counts, change, getattr(counts, change) + 1)
        if change != CHANGED or before is None:
            continue  # the first sighting is the baseline of what the page says
        diff = diff_text(before, row.text)
        recorder.add_event(
            key=f"page_changed:{person_id}:{row.id}:{row.content_hash}",
            person_id=person_id,
            observation=row,
            event_type=EventType.PAGE_CHANGED,
            severity=Severity.HIGH,
            evidence=diff,
            details={"diff": diff, "headline": "case page changed"},
        )
        keep_evidence(recorder.session, row, item.raw, recorder.now, url=item.url)
    return counts
