"""A campaign's charts as PNG, drawn on the server with matplotlib's Agg backend (no display, no
pyplot state: one `Figure` per image, safe in the web app's threads).

Readable in light and dark chat themes alike: a transparent background, mid-grey text and axes,
and mid-tone colours that keep their contrast on white and on near-black. Labels, numbers and
dates are in the language being spoken (the signed URL carries the member's)."""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.conversation.analytics_cards import STAGE_LABELS, rate_text
from core.analytics.queries import FUNNEL, Report
from core.i18n import number, skeleton_text, t

INK = "#8b8f98"  # text, axes and grid: mid grey, legible on white and on Slack's/Teams' dark grey
COLOURS = {"invited": "#4a90d9", "accepted": "#3fb07f", "welcomed": "#36a3a3", "replied": "#e0913a",
           "positive": "#d9694a", "clicked": "#9b7ad8"}
SIZE = (6.4, 3.2)  # inches; at DPI 100: 640 × 320 px, the width Slack and Teams show without scaling up
DPI = 100
WEEKS = 12
UPPER_LEFT = 2  # matplotlib's code for a legend in the upper left corner


def _figure() -> tuple[Figure, Axes]:
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_facecolor("none")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(INK)
    ax.tick_params(colors=INK, labelcolor=INK)
    return fig, ax


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", transparent=True)
    return out.getvalue()


def funnel_png(report: Report) -> bytes:
    """Horizontal bars from invited to clicked, each with its count and its share of the invited."""
    fig, ax = _figure()
    total = report.total
    stages = [s.value for s in FUNNEL]
    values = [total.stage(s) for s in FUNNEL]
    y = list(range(len(stages)))[::-1]
    ax.barh(y, values, color=[COLOURS[s] for s in stages], height=0.62)
    ax.set_yticks(y, [t(STAGE_LABELS[s]) for s in stages])
    ax.set_title(t("analytics.funnel") if total.invited else t("analytics.funnel_empty"), color=INK, loc="left")
    top = max(values) or 1
    ax.set_xlim(0, top * 1.3)
    for stage, row, value in zip(FUNNEL, y, values, strict=True):
        label = number(value) if stage.value == "invited" else f"{number(value)}  ({rate_text(total.rate(stage))})"
        ax.text(value + top * 0.02, row, label, va="center", color=INK, fontsize=9)
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    return _png(fig)


def weekly_png(report: Report, weeks: int = WEEKS) -> bytes:
    """The last `weeks` weeks: invitations as bars, acceptances and replies as lines."""
    fig, ax = _figure()
    periods = report.weeks[-weeks:]
    if not periods:
        ax.set_title(t("analytics.weekly_empty"), color=INK, loc="left")
        ax.set_xticks([])
        ax.set_yticks([])
        return _png(fig)
    x = list(range(len(periods)))
    ax.bar(x, [p.counts.invited for p in periods], color=COLOURS["invited"], width=0.6,
           label=t(STAGE_LABELS["invited"]))
    for series in ("accepted", "replied"):
        ax.plot(x, [getattr(p.counts, series) for p in periods], color=COLOURS[series], marker="o", linewidth=2,
                label=t(STAGE_LABELS[series]))
    step = 1 if len(periods) <= 6 else 2  # labels that do not overlap
    weeks_shown = [skeleton_text(p.start, "MMMd") for p in periods]  # the Monday of each: `Nov 2` / `2 nov.`
    ax.set_xticks(x[::-1][::step][::-1], weeks_shown[::-1][::step][::-1], fontsize=8)
    top = max(max(p.counts.invited, p.counts.accepted, p.counts.replied) for p in periods) or 1
    ax.set_ylim(0, top * 1.3)  # room for the legend above the bars
    ax.grid(axis="y", color=INK, alpha=0.25)
    ax.set_title(t("analytics.weekly"), color=INK, loc="left")
    legend = ax.legend(frameon=False, loc=UPPER_LEFT, fontsize=8, ncols=3)
    for item in legend.get_texts():
        item.set_color(INK)
    return _png(fig)
