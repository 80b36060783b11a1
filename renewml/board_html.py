"""The board as one HTML file that works offline: the table, a reliability plot and the track record.

Everything is inline (styles and the plot, drawn as SVG): nothing loads from the network, no scripts,
no fonts. On a narrow screen each row becomes a card, so no column is cut off on a phone. Rendered from
the board's JSON form (`Board.to_dict`), the same object `board.json` keeps.
"""

from __future__ import annotations

from html import escape

_STYLE = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; padding: 16px;
       max-width: 1200px; color: #1d2329; background: #fff; }
h1 { font-size: 1.5em; margin: 0 0 4px; } h2 { font-size: 1.2em; margin: 28px 0 6px; }
p.meta, p.note { color: #4a5560; margin: 4px 0 10px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #dde2e6; }
th { background: #f2f4f6; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
td.date { white-space: nowrap; }
td.prob { font-weight: 700; white-space: nowrap; }
.renewal { color: #0b6b2e; } .cancellation { color: #9b1c1c; }
.small { font-size: 0.88em; color: #4a5560; }
ul.reasons { margin: 0; padding-left: 18px; }
figure { margin: 12px 0; } svg { max-width: 100%; height: auto; }
@media (max-width: 760px) {
  table.board thead { display: none; }
  table.board, table.board tbody, table.board tr, table.board td { display: block; width: auto; }
  table.board tr { border: 1px solid #dde2e6; border-radius: 6px; margin: 0 0 10px; padding: 4px 0; }
  table.board td { border: none; padding: 3px 10px; text-align: left; }
  table.board td::before { content: attr(data-label) ": "; font-weight: 600; color: #4a5560; }
  table.bins th, table.bins td { padding: 4px 4px; font-size: 0.9em; }
  table.bins td.num { white-space: normal; }
}
"""

_COLUMNS = ("show", "season", "list", "debut week", "days since", "probability", "band", "top reasons", "renewal bar",
            "inputs assumed")  # fmt: skip


def _cell(label: str, content: str, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<td data-label="{escape(label)}"{klass}>{content}</td>'


def _row(row: dict[str, object]) -> str:
    shown = "no number" if row.get("percent") is None else f"{row['percent']}%"
    reasons = "".join(
        f"<li>{escape(str(r['value']))}: {float(r['contribution']):+.2f}</li>" for r in (row.get("reasons") or [])[:3]
    )
    cells = [
        _cell("show", escape(str(row["show_title"])) + (" <em>(unverified)</em>" if row.get("unverified") else "")),
        _cell("season", escape(str(row.get("season_number") or "")), "num"),
        _cell("list", "English" if row.get("list") == "english" else "non-English"),
        _cell("debut week", escape(str(row["debut_week"])), "date"),
        _cell("days since", str(row["days_since_debut"]), "num"),
        _cell("probability", shown, f"prob {row.get('call') or ''}".strip()),
        _cell("band", escape(str(row["band"]))),
        _cell("top reasons", f'<ul class="reasons">{reasons}</ul>' if reasons else ""),
        _cell("renewal bar", f'<span class="small">{escape(str(row.get("renewal_bar") or "n/a"))}</span>'),
        _cell("inputs assumed", f'<span class="small">{escape(str(row.get("assumed") or ""))}</span>'),
    ]
    return f'<tr data-row-id="{escape(str(row["row_id"]))}">' + "".join(cells) + "</tr>"


def _group_table(rows: list[dict[str, object]], group: str) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in _COLUMNS)
    body = "\n".join(_row(r) for r in rows)
    return f'<table class="board" id="{group}"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>'


def reliability_svg(bins: list[dict[str, object]], ongoing_bins: list[dict[str, object]]) -> str:
    """Share renewed against the mean probability per bin, with 95% intervals, for all seasons and for
    ongoing ones; the diagonal is a perfectly calibrated model."""
    size, pad = 360, 44
    span = size - 2 * pad

    def x(p: float) -> float:
        return pad + span * p

    def y(p: float) -> float:
        return size - pad - span * p

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        'role="img" aria-label="Reliability plot: share renewed against the predicted probability">',
        f'<rect x="{pad}" y="{pad}" width="{span}" height="{span}" fill="#fafbfc" stroke="#b8c0c8"/>',
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#9aa4ae" stroke-dasharray="4 4"/>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{size - pad + 16}" font-size="11" text-anchor="middle">{tick:.0%}</text>'
        )
        parts.append(f'<text x="{pad - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{tick:.0%}</text>')
    parts.append(
        f'<text x="{size / 2}" y="{size - 8}" font-size="12" text-anchor="middle">predicted (out of sample)</text>'
    )
    parts.append(
        f'<text x="12" y="{size / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 12 {size / 2})">'
        "share renewed</text>"
    )
    for series, colour, shift in ((bins, "#8a5a00", -3), (ongoing_bins, "#1f5fa8", 3)):
        points = []
        for b in series:
            cx, cy = x(float(b["mean_probability"])) + shift, y(float(b["share_renewed"]))
            parts.append(
                f'<line x1="{cx:.1f}" y1="{y(float(b["low"])):.1f}" x2="{cx:.1f}" y2="{y(float(b["high"])):.1f}" '
                f'stroke="{colour}" stroke-opacity="0.5"/>'
            )
            radius = 2.5 + min(float(b["count"]), 80) ** 0.5 / 2
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="{colour}" fill-opacity="0.75"/>')
            points.append(f"{cx:.1f},{cy:.1f}")
        if points:
            parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
    parts.append(f'<circle cx="{pad + 12}" cy="{pad + 14}" r="5" fill="#1f5fa8"/>')
    parts.append(f'<text x="{pad + 22}" y="{pad + 18}" font-size="11">ongoing seasons</text>')
    parts.append(f'<circle cx="{pad + 12}" cy="{pad + 32}" r="5" fill="#8a5a00"/>')
    parts.append(f'<text x="{pad + 22}" y="{pad + 36}" font-size="11">all seasons</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _bins_table(bins: list[dict[str, object]]) -> str:
    head = "<tr><th>bin</th><th>seasons</th><th>model said</th><th>renewed</th><th>95% interval</th></tr>"
    body = "".join(
        f'<tr><td>{float(b["from"]) * 100:.0f}-{float(b["to"]) * 100:.0f}%</td><td class="num">{b["count"]}</td>'
        f'<td class="num">{float(b["mean_probability"]):.0%}</td>'
        f'<td class="num">{b["renewed"]} ({float(b["share_renewed"]):.0%})</td>'
        f'<td class="num">{float(b["low"]):.0%}-{float(b["high"]):.0%}</td></tr>'
        for b in bins
    )
    return f'<table class="bins">{head}{body}</table>'


def _score(value: object, digits: int) -> str:
    return "n/a" if value is None else f"{float(value):.{digits}f}"


def board_html(board: dict[str, object]) -> str:
    """The whole page, from the board's JSON form."""
    rows = board["rows"]
    record = board["track_record"]
    window = board["decision_window_days"]
    sections = []
    for group, title in (
        ("awaiting", f"Awaiting a decision (within {window} days of the debut)"),
        ("overdue", f"Overdue (more than {window} days, no public decision)"),
    ):
        members = [r for r in rows if r["group"] == group]
        note = f'<p class="note">{escape(str(board["overdue_reading"]["text"]))}</p>' if group == "overdue" else ""
        table = _group_table(members, group) if members else "<p>None.</p>"
        sections.append(f"<h2>{escape(title)}: {len(members)}</h2>{note}{table}")
    before = board.get("decided_before_debut") or []
    if before:
        items = "".join(
            f"<li>{escape(str(r['show_title']))} season {r['season_number']} ({escape(str(r['debut_week']))}): "
            f"{escape(str(r['state']).replace('_', ' '))}</li>"
            for r in before
        )
        sections.append(f"<h2>Decided before their debut (not scored): {len(before)}</h2><ul>{items}</ul>")
    scores = (
        f"All {record['seasons']} seasons: ROC AUC {_score(record['roc_auc'], 3)}, Brier {_score(record['brier'], 3)}. "
        f"Ongoing ({record['ongoing_seasons']}): ROC AUC {_score(record['ongoing_roc_auc'], 3)}, "
        f"Brier {_score(record['ongoing_brier'], 3)}."
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>renewml board, {escape(str(board["date"]))}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Seasons awaiting a renewal decision</h1>
<p class="meta">{len(rows)} undecided seasons, scored on {escape(str(board["date"]))} from data whose newest debut week is
{escape(str(board["data_as_of"]))}. Sorted so the surest calls, renewals and cancellations alike, come first.
<span class="renewal">Green</span>: called a renewal (50% or more); <span class="cancellation">red</span>: a cancellation.
Data sha256 <code>{escape(str(board["data_sha256"]))[:12]}</code>, model sha256
<code>{escape(str(board["model_sha256"]))[:12]}</code>.</p>
{"".join(sections)}
<h2>Track record: how far to trust these numbers</h2>
<p>{escape(str(record["summary"]))}</p>
<p class="small">{escape(scores)} {escape(str(record["source"]).capitalize())}.</p>
<figure>{reliability_svg(record["bins"], record["ongoing_bins"])}
<figcaption class="small">Each dot is a probability bin: the share of its seasons that were renewed (line: 95%
interval) against what the model said. Dots on the dashed diagonal mean the probabilities held up.</figcaption></figure>
<h3>Ongoing seasons</h3>
{_bins_table(record["ongoing_bins"])}
<h3>All seasons</h3>
{_bins_table(record["bins"])}
</body>
</html>
"""
