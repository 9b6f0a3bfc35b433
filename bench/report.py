"""Printing a benchmark's figures as one aligned table, with the goal beside each figure.

Every benchmark reports the same way so that README tables can be pasted from a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    """Rows of (what, figure, goal) under a title, with notes saying how it was measured.

    Attributes:
        title: the benchmark and its configuration in one line.
        rows: (label, formatted figure, goal or "") in print order.
        notes: lines printed under the table (configuration, caveats).
    """

    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self, label: str, value: float | int | str, goal: str = "", met: bool | None = None, fmt: str = ",.0f"
    ) -> None:
        """Adds a row; ``met`` (when a goal is given) prints whether the figure reaches it."""
        figure = value if isinstance(value, str) else format(value, fmt)
        if goal and met is not None:
            goal = f"{goal}  ({'met' if met else 'NOT met'})"
        self.rows.append((label, figure, goal))

    def render(self) -> str:
        width = max([len(r[0]) for r in self.rows] + [10])
        figures = max([len(r[1]) for r in self.rows] + [6])
        lines = [self.title, "-" * len(self.title)]
        for label, figure, goal in self.rows:
            lines.append(f"  {label:<{width}}  {figure:>{figures}}" + (f"   goal {goal}" if goal else ""))
        lines += [f"  * {n}" for n in self.notes]
        return "\n".join(lines)

    def print(self) -> None:
        print(self.render() + "\n", flush=True)
