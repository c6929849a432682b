"""Charts of the theme report as inline SVG (matplotlib), deterministic and accessible.

Every chart has a title, axis labels, readable colours, and an SVG <title> for screen
readers; ids and metadata are fixed so the same data gives the same bytes.
"""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

PALETTE = ["#1f4e79", "#c55a11", "#2e7d32", "#6a1b9a", "#8d6e00", "#00838f"]
plt.rcParams.update(
    {
        "svg.hashsalt": "crp-report",
        "svg.fonttype": "none",
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def _svg(fig: plt.Figure, description: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    accessible = f'<svg role="img" aria-label="{_attr(description)}"'
    svg = svg.replace("<svg", accessible, 1)
    return re.sub(r"(<svg[^>]*>)", rf"\1<title>{_text(description)}</title>", svg, count=1)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def share_by_session(points: list[tuple[str, str, float]], theme_label: str) -> str:
    """Bar chart: the theme's share of paragraphs in each session, coloured by working group."""
    fig, ax = plt.subplots(figsize=(7, 2.8))
    groups = sorted({g for _, g, _ in points})
    colour = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    for i, (_session, group, share) in enumerate(points):
        ax.bar(i, share * 100, color=colour[group], label=group.replace("_", " "))
    ax.set_xticks(range(len(points)), [s for s, _, _ in points], rotation=30, ha="right")
    ax.set_ylabel("% of the session's paragraphs")
    ax.set_xlabel("Session")
    ax.set_title(f"{theme_label}: share by session")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    if unique:
        ax.legend(unique.values(), unique.keys(), frameon=False, fontsize=8)
    summary = ", ".join(f"{s}: {v:.0%}" for s, _, v in points) or "no paragraphs"
    return _svg(fig, f"Share of paragraphs on {theme_label} by session: {summary}")


def sparkline(values: list[float], label: str) -> str:
    """A small bar sparkline of a theme's share across sessions (index page)."""
    fig, ax = plt.subplots(figsize=(1.8, 0.45))
    ax.bar(range(len(values)), [v * 100 for v in values], color=PALETTE[0], width=0.8)
    ax.set_axis_off()
    ax.set_ylim(0, max([v * 100 for v in values] + [1]))
    summary = ", ".join(f"{v:.0%}" for v in values)
    return _svg(fig, f"{label}: share of paragraphs in each session, oldest first: {summary}")


def actor_bars(counts: list[tuple[str, int]], theme_label: str) -> str:
    """Horizontal bars: paragraphs on the theme in which each actor type speaks."""
    fig, ax = plt.subplots(figsize=(6, 0.35 * max(2, len(counts)) + 0.8))
    labels = [c[0].replace("_", " ") for c in counts]
    ax.barh(range(len(counts)), [c[1] for c in counts], color=PALETTE[1])
    ax.set_yticks(range(len(counts)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("Paragraphs")
    ax.set_title(f"Who raised {theme_label} (speakers)")
    summary = ", ".join(f"{a}: {n}" for a, n in counts) or "nobody"
    return _svg(fig, f"Speakers on {theme_label}, paragraphs by actor type: {summary}")
