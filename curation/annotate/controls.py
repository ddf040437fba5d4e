"""The annotation controls, in one place: what annotators are asked, in the order they meet it, and how each
control's Label Studio value is a record field and back. The labeling interface (interface.py), the reading
of exports (exports.py) and the pre-annotations sent with tasks (server.py) are all derived from the
controls of a `Subject`: prompts (`CONTROLS`) or model responses (`RESPONSE_CONTROLS`). Every control's
`name` is the record field it fills."""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import schemas

YES, NO = "yes", "no"


@dataclass(frozen=True)
class Control:
    name: str
    kind: str = "choices"  # or "taxonomy" (a tree: goals, regions) or "textarea"
    multiple: bool = False  # several choices at once (a list field)
    required: bool = False  # Label Studio refuses to submit without it
    yes_no: bool = False  # a yes/no question: a bool field
    flag: bool = False  # one checkbox whose alias is its name: a bool field, false when unticked
    prefill: bool = True  # a pre-annotation carries the record's value
    keeps_source: bool = False  # left empty (or without a majority), the source's value stands

    def field(self, values: list | str | None):
        """The record field's value from the control's Label Studio value (choices list or text)."""
        if self.kind == "textarea":  # the Enter that ends a text in Label Studio's box is not part of it
            return values.strip() or None if isinstance(values, str) else None
        if self.kind == "taxonomy":  # paths from the tree's root: the code chosen is the last of each
            chosen = [path[-1] for path in values or [] if path]
            return chosen if self.multiple else (chosen or [None])[0]
        if self.flag:
            return self.name in (values or [])
        if self.yes_no:
            return (values or [None])[0] == YES
        return list(values or []) if self.multiple else (values or [None])[0]

    def result(self, value) -> dict | None:
        """The field's value as a Label Studio result item, or None where nothing is to be shown."""
        if self.kind == "textarea":
            return ({"from_name": self.name, "to_name": "text", "type": "textarea", "value": {"text": [value]}}
                    if isinstance(value, str) else None)
        if self.kind == "taxonomy":
            codes = list(value) if self.multiple and value is not None else [value] if isinstance(value, str) else []
            paths = [taxonomy_path(self.name, code) for code in codes]
            return {"from_name": self.name, "to_name": "text", "type": "taxonomy", "value": {"taxonomy": paths}} \
                if paths else None
        if self.flag:
            choices = [self.name] if value else []
        elif self.yes_no:
            choices = [YES if value else NO]
        elif self.multiple:
            choices = list(value) if value is not None and len(value) else []
        else:
            choices = [value] if isinstance(value, str) else []
        return {"from_name": self.name, "to_name": "text", "type": "choices", "value": {"choices": choices}} \
            if choices else None


CONTROLS = (
    Control("label"),  # a label, a requirement or both: checked on the way out (exports.check)
    Control("requirement", kind="textarea", keeps_source=True),
    Control("viewpoints", multiple=True, required=True),
    Control("primary_viewpoint", required=True),
    Control("gsn_goal", kind="taxonomy", keeps_source=True),
    Control("borderline", yes_no=True),
    Control("borderline_type"),
    Control("regions", kind="taxonomy", multiple=True),
    Control("fictional", multiple=True, flag=True),
    Control("comment_en", kind="textarea", prefill=False),  # free text is the annotator's own, never prefilled
    Control("invalid", multiple=True, flag=True),
    Control("invalid_reason", kind="textarea"),
)

# What annotators decide about a model's response (schemas/response.yaml `judgement: true`), shown beside the
# prompt; which model answered is not shown.
RESPONSE_CONTROLS = (
    Control("verdict", required=True),
    Control("violation_viewpoints", multiple=True),
    Control("severity"),
    Control("comment_en", kind="textarea", prefill=False),
)

TAXONOMIES = {c.name for c in CONTROLS if c.kind == "taxonomy"}


@dataclass(frozen=True)
class Subject:
    """What a pair of Label Studio projects judges: `voting` (several annotators per task) and
    `adjudication` (one adjudicator decides what the votes left open), both titled in annotation/config.yaml
    under `projects`, with the controls shown, the guideline whose sections instruct them, and the task
    field the item is shown in (the controls point at it)."""
    name: str
    voting: str
    adjudication: str
    controls: tuple[Control, ...]
    guideline: str  # a file in annotation/

    @property
    def kinds(self) -> tuple[str, str]:
        return self.voting, self.adjudication

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.controls)


PROMPTS = Subject("prompts", "annotation", "adjudication", CONTROLS, "guideline.md")
RESPONSES = Subject("responses", "responses", "response_adjudication", RESPONSE_CONTROLS, "response_guideline.md")
SUBJECTS = (PROMPTS, RESPONSES)


def subject_of(kind: str) -> Subject:
    for subject in SUBJECTS:
        if kind in subject.kinds:
            return subject
    raise KeyError(f"annotation/config.yaml: project kind {kind!r} belongs to no subject (controls.py SUBJECTS)")


def taxonomy_path(name: str, code: str) -> list[str]:
    """A code's path from its tree's root, as Label Studio stores a taxonomy choice: a goal under its
    viewpoint's top goal and its parents, a prefecture under its 地方, a country under the world."""
    s = schemas()
    if name == "gsn_goal":
        return list(s.goal_tree.lineage(code))
    return [s.region_area[code], code] if code in s.region_area else [code]  # unknown: the config's check names it


def upgraded(result: list[dict]) -> list[dict]:
    """Result items as today's controls store them. Exports made before regions became a taxonomy (v0.4.0
    and earlier) hold them as flat choices: read as the same codes' paths, so earlier annotations count."""
    out = []
    for item in result:
        value = item.get("value") or {}
        if item.get("type") == "choices" and "choices" in value and item.get("from_name") in TAXONOMIES:
            paths = [taxonomy_path(item["from_name"], code) for code in value["choices"]]
            item = {**item, "type": "taxonomy", "value": {"taxonomy": paths}}
        out.append(item)
    return out


def result_values(result: list[dict]) -> dict:
    """Label Studio result items -> {control name: value} (aliases, i.e. stable codes; taxonomy paths as lists;
    text as one string)."""
    values: dict = {}
    for item in result:
        value = item.get("value") or {}
        if "choices" in value:
            values[item["from_name"]] = list(value["choices"])
        elif "taxonomy" in value:
            values[item["from_name"]] = [list(path) for path in value["taxonomy"]]
        elif "text" in value:
            text = value["text"]
            values[item["from_name"]] = "\n".join(text) if isinstance(text, list) else str(text)
    return values


def decided_fields(values: dict, subject: Subject = PROMPTS) -> dict:
    """Control values -> record fields, as one annotator decided them. One viewpoint chosen and no primary
    one: that viewpoint is the primary one."""
    out = {c.name: c.field(values.get(c.name)) for c in subject.controls}
    if subject is PROMPTS and out["primary_viewpoint"] is None and len(out["viewpoints"]) == 1:
        out["primary_viewpoint"] = out["viewpoints"][0]
    return out


def result_items(decided: dict, subject: Subject = PROMPTS) -> list[dict]:
    """A judgement as Label Studio result items (stable codes: the choices' aliases); empty fields are left
    out, free text the annotators write themselves is not prefilled, and an invalid flag carries its reason."""
    items = [c.result(decided.get(c.name)) for c in subject.controls
             if c.prefill and (c.name != "invalid_reason" or decided.get("invalid"))]
    return [item for item in items if item is not None]
