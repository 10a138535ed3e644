"""The tribunal's scores per round and reviewer as SVG geometry: one group of three bars per round, the
round's mean as a tick across the group, and the run's revision threshold (`revise_below`) as a dashed line. The
template draws it."""

from __future__ import annotations

from dataclasses import dataclass

from sovereign_graph.report.model import REVIEWERS, role_name
from sovereign_graph.scoring import aggregate
from sovereign_graph.state import Review

COLOURS = {"skeptic": "#b5473a", "validator": "#2f6f9f", "synthesizer": "#4f8a3c"}
HEIGHT, TOP, BOTTOM, LEFT = 180, 12, 28, 30  # px: plot height, and the margins for labels
BAR, GAP, GROUP_GAP = 22, 4, 26


@dataclass(frozen=True)
class Bar:
    x: int
    y: float
    height: float
    colour: str
    label: str  # the tooltip: "round 1 · SKEPTIC 4.5/10"


@dataclass(frozen=True)
class RoundGroup:
    label: str
    label_x: float
    mean: float
    mean_y: float
    x0: int
    x1: int
    bars: list[Bar]


@dataclass(frozen=True)
class TribunalChart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    left: int
    threshold_y: float
    ticks: list[tuple[int, float]]  # (score, y)
    groups: list[RoundGroup]
    legend: list[tuple[str, str]]  # (name, colour)


def _y(score: float) -> float:
    return round(TOP + (10 - max(0.0, min(10.0, score))) / 10 * HEIGHT, 1)


def tribunal_chart(reviews: list[Review], threshold: float) -> TribunalChart | None:
    """None when no reviewer has scored yet. `threshold`: the score under which the run revised."""
    rounds = sorted({r.round for r in reviews})
    if not rounds:
        return None
    groups: list[RoundGroup] = []
    x = LEFT + GROUP_GAP // 2
    for number in rounds:
        in_round = [r for r in reviews if r.round == number]
        bars = []
        x0 = x
        for role in REVIEWERS:
            for review in (r for r in in_round if r.role.lower() == role):
                bars.append(
                    Bar(
                        x=x,
                        y=_y(review.score),
                        height=round(TOP + HEIGHT - _y(review.score), 1),
                        colour=COLOURS[role],
                        label=f"round {number} · {role_name(role)} {review.score:.1f}/10",
                    )
                )
                x += BAR + GAP
        mean = aggregate(in_round)
        groups.append(
            RoundGroup(
                label=f"round {number}",
                label_x=(x0 + x - GAP) / 2,
                mean=mean,
                mean_y=_y(mean),
                x0=x0 - 3,
                x1=x - GAP + 3,
                bars=bars,
            )
        )
        x += GROUP_GAP
    return TribunalChart(
        width=x,
        height=TOP + HEIGHT + BOTTOM,
        plot_top=TOP,
        plot_bottom=TOP + HEIGHT,
        left=LEFT,
        threshold_y=_y(threshold),
        ticks=[(score, _y(score)) for score in (0, 2, 4, 6, 8, 10)],
        groups=groups,
        legend=[(role_name(role), COLOURS[role]) for role in REVIEWERS],
    )
