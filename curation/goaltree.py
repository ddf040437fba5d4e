"""AISI's goal trees (GSN) as aisev ships them (schemas/gsn/): every goal with its parents, children,
leaf flag and weight. Kept apart from schema.py: the trees change with AISI's files, not with ours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .yamlfile import read_yaml


@dataclass(frozen=True)
class Goal:
    """One goal of AISI's GSN tree (schemas/gsn/)."""

    id: str  # G<n>-k
    viewpoint: int  # n
    level: str  # TopGoal, SecondGoal or SubGoal
    text: str  # what the system must do, in Japanese
    question: str
    name: str  # short Japanese name: the guide's heading for top and second goals, else the text
    parents: tuple[str, ...]  # the chain from the top goal down to the parent
    children: tuple[str, ...]
    weight: float | None  # the parent strategy's scoreRate for this goal (aisev weights results by it)

    @property
    def leaf(self) -> bool:
        return not self.children


class GoalTree:
    """AISI's ten GSN trees as aisev ships them, read unchanged: goals by id, in tree order."""

    GOAL = re.compile(r"^G\d+-\d+$")

    def __init__(self, folder: Path, second_names: dict[str, str]):
        self.goals: dict[str, Goal] = {}
        for path in sorted(folder.glob("*.yaml"), key=lambda p: int(p.name.split("_")[0])):
            nodes = read_yaml(path)  # it drops the U+000B two of aisev's files hold inside URLs
            top = next(k for k, v in nodes.items() if v.get("goalType") == "TopGoal")
            self._walk(nodes, top, (), None, second_names)

    def _walk(self, nodes: dict, node_id: str, parents: tuple, weight: float | None, names: dict) -> None:
        node = nodes[node_id]
        children, weights = [], []
        for sub in node.get("supportedBy") or []:  # a goal is supported by goals or by strategies
            if self.GOAL.match(sub):
                children.append(sub)
                weights.append(None)
            else:
                rates = nodes[sub].get("scoreRate") or [None] * len(nodes[sub]["supportedBy"])
                children += nodes[sub]["supportedBy"]
                weights += rates
        if node.get("scoreRate") and len(node["scoreRate"]) == len(children):
            weights = list(node["scoreRate"])
        heading = str(node.get("definition") or "").split(":", 1)[-1].strip()
        self.goals[node_id] = Goal(
            id=node_id, viewpoint=int(node_id[1:].split("-")[0]), level=node.get("goalType", "SubGoal"),
            text=str(node["text"]), question=str(node.get("question") or ""),
            name=names.get(node_id) or heading or str(node["text"]), parents=parents, children=tuple(children),
            weight=weight)
        for child, rate in zip(children, weights):
            self._walk(nodes, child, (*parents, node_id), rate, names)

    def __getitem__(self, goal_id: str) -> Goal:
        return self.goals[goal_id]

    def __contains__(self, goal_id: str) -> bool:
        return goal_id in self.goals

    def top(self, number: int) -> Goal:
        """A viewpoint's own goal, G<n>-1: the root of its tree."""
        return self.goals[f"G{number}-1"]

    def leaves_under(self, goal_id: str) -> list[str]:
        """The leaf goals at or below a goal, in tree order."""
        if self.goals[goal_id].leaf:
            return [goal_id]
        return [g.id for g in self.goals.values() if g.leaf and goal_id in g.parents]

    def lineage(self, goal_id: str) -> tuple[str, ...]:
        """The goal and every goal above it, top goal first."""
        return (*self.goals[goal_id].parents, goal_id)
