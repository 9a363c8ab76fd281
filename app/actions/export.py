"""Actions out of Roundtable: a CSV of a filtered list and an iCalendar feed of due dates.

Pure functions of plain data, so each is tested by parsing its output with the
standard readers (csv, icalendar).
"""

import csv
import io
from datetime import timedelta

from icalendar import Calendar, Event

from app.actions.models import STATUS_LABELS, UNFINISHED
from app.actions.schemas import ActionPublic

CSV_COLUMNS = ["id", "title", "description", "status", "due_date", "overdue", "owners", "meeting", "source",
               "created_by", "created_at", "updated_at"]
# A spreadsheet runs a cell that starts with one of these as a formula
# (OWASP "CSV injection"); a leading apostrophe makes it plain text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def actions_csv(actions: list[ActionPublic], meeting_names: dict[int, str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for a in actions:
        source = f"{a.source.label or a.source.type}: {a.source.excerpt or ''}".strip(": ") if a.source else ""
        writer.writerow([safe_cell(v) for v in (
            a.id, a.title, a.description, STATUS_LABELS[a.status], a.due_date.isoformat() if a.due_date else "",
            "yes" if a.overdue else "no", "; ".join(o.display_name for o in a.owners),
            meeting_names.get(a.meeting_id, "") if a.meeting_id else "", source, a.created_by,
            a.created_at.isoformat(), a.updated_at.isoformat(),
        )])
    return buffer.getvalue()


def actions_calendar(community_name: str, actions: list[ActionPublic], link: str, uid_domain: str) -> bytes:
    """One all-day event per unfinished action with a due date (calendar apps show
    these in subscribed feeds; many ignore to-dos). UIDs stay the same across
    changes, and SEQUENCE grows with the action's version, so a re-dated action
    moves rather than appearing twice."""
    calendar = Calendar()
    calendar.add("prodid", "-//Roundtable//Actions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Actions: {community_name}"[:200])
    for a in actions:
        if a.due_date is None or a.status not in UNFINISHED:
            continue
        event = Event()
        event.add("uid", f"action-{a.id}@{uid_domain}")
        event.add("dtstamp", a.updated_at)
        event.add("last-modified", a.updated_at)
        event.add("sequence", max(a.version - 1, 0))
        event.add("dtstart", a.due_date)
        event.add("dtend", a.due_date + timedelta(days=1))
        event.add("summary", f"Due: {a.title}")
        owners = ", ".join(o.display_name for o in a.owners) or "nobody yet"
        details = [f"Owners: {owners}", f"Status: {STATUS_LABELS[a.status]}"]
        if a.description:
            details.append("")
            details.append(a.description)
        event.add("description", "\n".join(details))
        event.add("transp", "TRANSPARENT")  # a due date does not make anyone busy
        event.add("url", link)
        calendar.add_component(event)
    return calendar.to_ical()
