"""The report for people: a text table (terminal, e-mail) and a self-contained HTML page.

Both show the counts, the transitions table broken down by the rules that changed, and the
claims to look at. Long lists are cut at `limit` entries with a pointer to report.json, which
always has all of them: a page with 200,000 rows helps nobody.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from models.json_codec import dumps
from workers.replay.report import FINAL_SECTION, SECTIONS, ReplayReport
from workers.replay.work import (
    CHANGED,
    DECIDED,
    ERROR,
    INPUT_MISMATCH,
    NOT_REPLAYABLE,
    NOT_REPRODUCED,
    REPRODUCED,
    UNCHANGED,
)

COUNT_NAMES = (
    (REPRODUCED, "reproduced"),
    (NOT_REPRODUCED, "NOT REPRODUCED"),
    (UNCHANGED, "unchanged"),
    (CHANGED, "changed"),
    (INPUT_MISMATCH, "INPUT MISMATCH"),
    (DECIDED, "decided (no original)"),
    (NOT_REPLAYABLE, "not replayable"),
    (ERROR, "unreadable lines"),
)
TITLES = {
    NOT_REPRODUCED: "Claims that did not reproduce (alarm)",
    INPUT_MISMATCH: "Claims whose inputs differ from the original's (alarm)",
    CHANGED: "Claims the what-if decides differently",
    NOT_REPLAYABLE: "Claims that could not be replayed",
    ERROR: "Unreadable lines",
}


def title(report: ReplayReport) -> str:
    if report.what_if_version is None:
        return "Replay under the original policy versions"
    return f"What-if under ITDD-{report.what_if_version}"


def count_line(report: ReplayReport) -> str:
    parts = [f"{report.counts[kind]:,} {name}" for kind, name in COUNT_NAMES if report.counts[kind]]
    return f"{report.lines:,} lines: " + (", ".join(parts) or "nothing")


def _position(entry: dict[str, Any]) -> str:
    source = entry.get("source")
    if isinstance(source, dict) and {"topic", "partition", "offset"} <= source.keys():
        return f"{source['topic']}[{source['partition']}]@{source['offset']}"
    if isinstance(source, dict) and "events_line" in source:
        return f"events line {source['events_line']}"
    return f"line {entry.get('line')}"


def _entry_text(section: str, entry: dict[str, Any]) -> str:
    if section == "errors":
        return f"{_position(entry)}: {entry.get('stage')}: {entry.get('message')}"
    if section == "not_replayable":
        return f"{_position(entry)}  {entry.get('claim_id')}  {entry.get('reason')}"
    return (
        f"{_position(entry)}  {entry.get('claim_id')}  {entry['from']} → {entry['to']}"
        f"  [{', '.join(entry['fields'])}]"
    )


def rules_text(sub: dict[str, Any]) -> str:
    """`-ITDD-DRUG-02 +ITDD-EI-03`: what a transition took out of and put into `rule_ids`."""
    changes = [f"-{r}" for r in sub["rules_removed"]] + [f"+{r}" for r in sub["rules_added"]]
    return " ".join(changes) or "(same rule ids)"


FINAL_TITLE = "Final outcomes the what-if changes (claims, by their last record)"


def final_text(report: ReplayReport, limit: int) -> list[str]:
    """A what-if's changes to claims' final outcomes: from → to counts, then the claims."""
    total = report.final_transitions.total()
    out = ["", f"{FINAL_TITLE}: {total:,}"]
    for (before, after), claims in report.final_transitions.most_common():
        out.append(f"  {claims:>9,}  {before} → {after}")
    out += [
        f"  {_position(e)}  {e.get('claim_id')}  {e['from']} → {e['to']}"
        for e in report.entries(FINAL_SECTION, limit)
    ]
    if total > limit:
        out.append(f"  … and {total - limit:,} more (report.json lists all)")
    return out


def render_text(report: ReplayReport, limit: int = 200) -> str:
    out = [
        f"claims-adjudicator replay — {title(report)}",
        f"source: {report.source}   sink: {report.sink}   "
        f"elapsed: {report.elapsed_seconds or 0:.1f} s",
        count_line(report),
    ]
    if report.partial_originals:
        out.append(
            f"{report.partial_originals:,} originals were partial records; not checked: "
            f"{', '.join(sorted(report.unchecked_fields))}"
        )
    rows = report.transition_rows()
    if rows:
        out += ["", "Transitions (claims: from → to, then by rules removed (-) / added (+))"]
        for row in rows:
            out.append(f"  {row['claims']:>9,}  {row['from']} → {row['to']}")
            for sub in row["by_rules"]:
                out.append(f"  {sub['claims']:>9,}      {rules_text(sub)}")
    if report.what_if_version is not None:
        out += final_text(report, limit)
    for kind, section in SECTIONS.items():
        total = report.counts[kind]
        if not total:
            continue
        out += ["", f"{TITLES[kind]} ({total:,})"]
        out += [f"  {_entry_text(section, e)}" for e in report.entries(section, limit)]
        if total > limit:
            out.append(f"  … and {total - limit:,} more (report.json lists all)")
    return "\n".join(out) + "\n"


CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.n{text-align:right} .alarm{color:#b00020;font-weight:bold}
pre{font-size:.8rem;margin:0;white-space:pre-wrap} .pair{display:flex;gap:1rem}
.pair>div{flex:1;min-width:0}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _records(entry: dict[str, Any]) -> str:
    def pretty(record: Any) -> str:
        return _e(dumps(record, indent=True).decode())

    return (
        "<details><summary>both records</summary><div class='pair'>"
        f"<div><b>original</b><pre>{pretty(entry.get('original'))}</pre></div>"
        f"<div><b>replayed</b><pre>{pretty(entry.get('replayed'))}</pre></div></div></details>"
    )


def _section_html(kind: str, section: str, report: ReplayReport, limit: int) -> list[str]:
    total = report.counts[kind]
    css = " class='alarm'" if kind in (NOT_REPRODUCED, INPUT_MISMATCH) else ""
    out = [f"<h2{css}>{_e(TITLES[kind])} ({total:,})</h2><table>"]
    if section == "errors":
        out.append("<tr><th>where</th><th>stage</th><th>problem</th></tr>")
        out += [
            f"<tr><td>{_e(_position(e))}</td><td>{_e(e.get('stage'))}</td>"
            f"<td>{_e(e.get('message'))}</td></tr>"
            for e in report.entries(section, limit)
        ]
    elif section == "not_replayable":
        out.append("<tr><th>where</th><th>claim</th><th>reason</th></tr>")
        out += [
            f"<tr><td>{_e(_position(e))}</td><td>{_e(e.get('claim_id'))}</td>"
            f"<td>{_e(e.get('reason'))}</td></tr>"
            for e in report.entries(section, limit)
        ]
    else:
        out.append(
            "<tr><th>where</th><th>claim</th><th>from</th><th>to</th>"
            "<th>fields that differ</th><th>records</th></tr>"
        )
        out += [
            f"<tr><td>{_e(_position(e))}</td><td>{_e(e.get('claim_id'))}</td>"
            f"<td>{_e(e['from'])}</td><td>{_e(e['to'])}</td>"
            f"<td>{_e(', '.join(e['fields']))}</td><td>{_records(e)}</td></tr>"
            for e in report.entries(section, limit)
        ]
    out.append("</table>")
    if total > limit:
        out.append(f"<p>… and {total - limit:,} more: report.json lists all of them.</p>")
    return out


def _final_html(report: ReplayReport, limit: int) -> list[str]:
    total = report.final_transitions.total()
    out = [
        f"<h2>{_e(FINAL_TITLE)} ({total:,})</h2><table>",
        "<tr><th>where (last record)</th><th>claim</th><th>from</th><th>to</th></tr>",
    ]
    out += [
        f"<tr><td>{_e(_position(e))}</td><td>{_e(e.get('claim_id'))}</td>"
        f"<td>{_e(e['from'])}</td><td>{_e(e['to'])}</td></tr>"
        for e in report.entries(FINAL_SECTION, limit)
    ]
    out.append("</table>")
    if total > limit:
        out.append(f"<p>… and {total - limit:,} more: report.json lists all of them.</p>")
    return out


def render_html(report: ReplayReport, limit: int = 1000) -> str:
    heading = _e(title(report))
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{heading}</title><style>{CSS}</style></head><body>",
        f"<h1>{heading}</h1>",
        f"<p>source: {_e(report.source)} · sink: {_e(report.sink)} · "
        f"elapsed {report.elapsed_seconds or 0:.1f} s</p>",
        f"<p{' class=alarm' if report.alarm else ''}>{_e(count_line(report))}</p>",
    ]
    if report.partial_originals:
        out.append(
            f"<p>{report.partial_originals:,} originals were partial records; not "
            f"checked: {_e(', '.join(sorted(report.unchecked_fields)))}</p>"
        )
    rows = report.transition_rows()
    if rows:
        out.append(
            "<h2>Transitions</h2><table><tr><th>from</th><th>to</th><th>claims</th>"
            "<th>rules removed</th><th>rules added</th><th>claims</th></tr>"
        )
        for row in rows:
            span = len(row["by_rules"])
            for index, sub in enumerate(row["by_rules"]):
                head = (
                    f"<td rowspan={span}>{_e(row['from'])}</td><td rowspan={span}>"
                    f"{_e(row['to'])}</td><td class=n rowspan={span}>{row['claims']:,}</td>"
                    if index == 0
                    else ""
                )
                out.append(
                    f"<tr>{head}<td>{_e(', '.join(sub['rules_removed']) or '—')}</td>"
                    f"<td>{_e(', '.join(sub['rules_added']) or '—')}</td>"
                    f"<td class=n>{sub['claims']:,}</td></tr>"
                )
        out.append("</table>")
    if report.what_if_version is not None:
        out += _final_html(report, limit)
    for kind, section in SECTIONS.items():
        if report.counts[kind]:
            out += _section_html(kind, section, report, limit)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_reports(report: ReplayReport, directory: Path) -> list[Path]:
    """report.json, report.html and report.txt in `directory`; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / "report.json", directory / "report.html", directory / "report.txt"]
    report.write_json(paths[0])
    paths[1].write_text(render_html(report), encoding="utf-8")
    paths[2].write_text(render_text(report), encoding="utf-8")
    return paths
