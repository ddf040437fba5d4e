"""What a stage did, in words a maintainer reads: counts, problems (with file, row and field), notes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StageReport:
    stage: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def lines(self, max_problems: int = 20) -> list[str]:
        out = [f"[{self.stage}] " + ", ".join(f"{k}: {v}" for k, v in self.counts.items())]
        out += [f"  ! {p}" for p in self.problems[:max_problems]]
        if len(self.problems) > max_problems:
            out.append(f"  ! … and {len(self.problems) - max_problems} more (see the release's reports/)")
        out += [f"  - {n}" for n in self.notes]
        return out


def summary_markdown(reports: list[StageReport]) -> str:
    return "\n".join(["# Curation report", "", "```", *[l for r in reports for l in r.lines(10**9)], "```", ""])
