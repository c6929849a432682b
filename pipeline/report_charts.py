"""Charts of the theme report as inline SVG written directly: fast, deterministic, accessible.

Every chart has a title, axis labels, readable colours (dark blue and orange on white,
contrast above 4.5:1), and `role="img"` with an `aria-label` that states the values, so a
screen reader gets the same information as the eye.
"""

from __future__ import annotations

from markupsafe import escape

PALETTE = ["#1f4e79", "#c55a11", "#2e7d32", "#6a1b9a", "#8d6e00", "#00838f"]
FONT = 'font-family="Arial, Helvetica, sans-serif"'


def _open(width: int, height: int, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(label)}</title>"
    )


def share_by_session(points: list[tuple[str, str, float]], theme_label: str) -> str:
    """Bars: the theme's share of paragraphs in each session, coloured by working group."""
    groups = sorted({g for _, g, _ in points})
    colour = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    left, top, plot_h, bar_w, gap = 56, 34, 150, 34, 14
    width = left + max(1, len(points)) * (bar_w + gap) + 130  # room for the slanted labels
    height = top + plot_h + 110 + 18 * len(groups)
    peak = max([s for _, _, s in points] + [0.01])
    summary = ", ".join(f"{s}: {v:.0%}" for s, _, v in points) or "no sessions"
    parts = [
        _open(width, height, f"Share of paragraphs on {theme_label} by session: {summary}"),
        f'<text x="{left}" y="18" {FONT} font-size="14" fill="#1a1a1a">'
        f"{escape(theme_label)}: share of paragraphs by session</text>",
    ]
    fmt = ".0%" if peak >= 0.2 else ".1%"
    for tick in range(5):
        value = peak * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" {FONT} font-size="10" text-anchor="end" '
            f'fill="#333">{value:{fmt}}</text>'
        )
    for i, (session, group, share) in enumerate(points):
        x = left + gap / 2 + i * (bar_w + gap)
        h = plot_h * share / peak
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w}" height="{h:.1f}" '
            f'fill="{colour[group]}"><title>{escape(session)}: {share:.1%}</title></rect>'
            f'<text transform="translate({x + bar_w / 2:.1f},{top + plot_h + 10}) rotate(40)" '
            f'{FONT} font-size="10" fill="#333">{escape(session)}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#333"/>'
        f'<line x1="{left}" x2="{width - 10}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="#333"/>'
        f'<text transform="translate(14,{top + plot_h / 2}) rotate(-90)" {FONT} font-size="11" '
        f'text-anchor="middle" fill="#333">% of the session\'s paragraphs</text>'
        f'<text x="{left}" y="{top + plot_h + 96}" {FONT} font-size="11" fill="#333">Session</text>'
    )
    for i, group in enumerate(groups):
        y = top + plot_h + 112 + 18 * i
        parts.append(
            f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="{colour[group]}"/>'
            f'<text x="{left + 16}" y="{y}" {FONT} font-size="10" fill="#333">'
            f"{escape(group.replace('_', ' '))}</text>"
        )
    return "".join(parts) + "</svg>"


def sparkline(values: list[float], label: str) -> str:
    """A small bar sparkline of a theme's share across sessions (index page)."""
    bar_w, gap, height = 10, 3, 28
    width = max(1, len(values)) * (bar_w + gap)
    peak = max([*values, 0.01])
    summary = ", ".join(f"{v:.0%}" for v in values)
    parts = [
        _open(
            width, height, f"{label}: share of paragraphs in each session, oldest first: {summary}"
        )
    ]
    for i, value in enumerate(values):
        h = max(1.0, (height - 2) * value / peak) if value > 0 else 0.0
        parts.append(
            f'<rect x="{i * (bar_w + gap)}" y="{height - h:.1f}" width="{bar_w}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"/>'
        )
    parts.append(
        f'<line x1="0" x2="{width}" y1="{height - 0.5}" y2="{height - 0.5}" stroke="#999"/>'
    )
    return "".join(parts) + "</svg>"


def actor_bars(counts: list[tuple[str, int]], theme_label: str) -> str:
    """Horizontal bars: paragraphs on the theme in which each actor type speaks."""
    left, top, row, plot_w = 120, 30, 22, 320
    height = top + row * max(1, len(counts)) + 40
    peak = max([n for _, n in counts] + [1])
    summary = ", ".join(f"{a.replace('_', ' ')}: {n}" for a, n in counts) or "nobody"
    parts = [
        _open(
            left + plot_w + 60,
            height,
            f"Speakers on {theme_label}, paragraphs by actor type: {summary}",
        ),
        f'<text x="{left}" y="18" {FONT} font-size="14" fill="#1a1a1a">'
        f"Who raised {escape(theme_label)} (speakers)</text>",
    ]
    for i, (actor, n) in enumerate(counts):
        y = top + i * row
        w = plot_w * n / peak
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" {FONT} font-size="11" text-anchor="end" '
            f'fill="#333">{escape(actor.replace("_", " "))}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{PALETTE[1]}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 14}" {FONT} font-size="11" '
            f'fill="#333">{n}</text>'
        )
    parts.append(
        f'<text x="{left}" y="{height - 8}" {FONT} font-size="11" fill="#333">Paragraphs</text>'
    )
    return "".join(parts) + "</svg>"
