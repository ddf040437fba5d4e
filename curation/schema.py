"""The schemas in `schemas/` as Python objects: vocabularies, the Arrow schema and record validation.

Everything the pipeline knows about viewpoints, labels, regions and record fields comes from the YAML
files; this module only derives what the code needs from them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from .errors import SourceError
from .goaltree import GoalTree
from .text.normalize import INVISIBLE
from .yamlfile import read_yaml

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"

# SemVer core: no leading zeros.
VERSION = r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
VERSION_PATTERN = re.compile(f"^{VERSION}$")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
GOAL_PATTERN = re.compile(r"^G(\d+)-\d+$")


@lru_cache(maxsize=65536)  # contributors repeat the same few spellings thousands of times
def alias_key(value: str) -> str:
    """How a contributor's spelling of a vocabulary value is compared: width, case and spaces ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).casefold()


class UnknownValue(ValueError):
    """A value that is not in its vocabulary."""


@dataclass(frozen=True)
class Vocabulary:
    """A closed set of codes, each reachable from its code and its aliases (Japanese and English)."""

    name: str
    codes: tuple[str, ...]
    aliases: dict[str, str]

    def code(self, value: str) -> str:
        found = self.aliases.get(alias_key(value))
        if found is None:
            shown = ", ".join(self.codes[:12]) + (" …" if len(self.codes) > 12 else "")
            raise UnknownValue(f"not a known {self.name} (expected one of: {shown})")
        return found

    @classmethod
    def build(cls, name: str, entries: list[dict], alias_keys: tuple[str, ...]) -> Vocabulary:
        aliases: dict[str, str] = {}
        for entry in entries:
            names = [entry["code"], *(str(entry[k]) for k in alias_keys if k in entry)]
            names += entry.get("aliases") or []
            for spelled in names:
                aliases[alias_key(str(spelled))] = entry["code"]
        return cls(name, tuple(e["code"] for e in entries), aliases)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    items: str | None
    required: bool
    min_items: int
    judgement: bool
    screened: bool
    en: str
    ja: str


# Schemas' attributes that are one file each, read when first used (a command reads only what it needs).
FILES = {"regions_doc": "regions.yaml", "record_doc": "record.yaml", "response_doc": "response.yaml",
         **{name: f"{name}.yaml" for name in ("taxonomy", "formats", "crosswalks", "dataset", "contamination",
                                              "pipeline", "lexicons", "gazetteer")}}


class Schemas:
    """All of `schemas/`, each file loaded once, when first used."""

    def __init__(self, root: Path = SCHEMAS_DIR):
        self.root = root

    def load(self, name: str) -> Any:
        return read_yaml(self.root / name)

    def __getattr__(self, name: str) -> Any:  # only for attributes not set yet: FILES
        if name not in FILES:
            raise AttributeError(name)
        setattr(self, name, self.load(FILES[name]))
        return self.__dict__[name]

    @cached_property
    def dedup(self) -> dict:
        dedup = self.load("dedup.yaml")["near_duplicates"]
        if dedup["shingle"] not in (1, 2, 3):  # shingle codes are exact 64-bit integers up to 3 characters
            raise SourceError(f"{self.root / 'dedup.yaml'}: shingle must be 1, 2 or 3 characters")
        return dedup

    @cached_property
    def tuning(self) -> dict:
        return self.pipeline["tuning"]

    @cached_property
    def goal_tree(self) -> GoalTree:
        """AISI's GSN trees (schemas/gsn/), with the guide's short names of the second-level goals."""
        names = {g: name for v in self.viewpoints for g, name in v["goals"].items()}
        names.update({f"G{v['number']}-1": v["ja"] for v in self.viewpoints})
        return GoalTree(self.root / "gsn", names)

    @cached_property
    def region_topics(self) -> list[dict]:
        return self.load("region_topics.yaml")["topics"]

    # -- vocabularies -------------------------------------------------------------------------
    @cached_property
    def viewpoints(self) -> list[dict]:
        return self.taxonomy["viewpoints"]

    @cached_property
    def viewpoint(self) -> Vocabulary:
        entries = [{**v, "number_alias": str(v["number"])} for v in self.viewpoints]
        return Vocabulary.build("viewpoint", entries, ("ja", "en", "number_alias"))

    @cached_property
    def viewpoint_by_code(self) -> dict[str, dict]:
        return {v["code"]: v for v in self.viewpoints}

    @cached_property
    def label(self) -> Vocabulary:
        return Vocabulary.build("label", self.taxonomy["labels"], ("ja",))

    @cached_property
    def borderline_type(self) -> Vocabulary:
        return Vocabulary.build("borderline type", self.taxonomy["borderline_types"], ("ja", "en"))

    @cached_property
    def origin(self) -> Vocabulary:
        return Vocabulary.build("origin", self.taxonomy["origins"], ("ja",))

    @cached_property
    def label_source(self) -> Vocabulary:
        return Vocabulary.build("label source", self.taxonomy["label_sources"], ("ja",))

    @cached_property
    def regions(self) -> list[dict]:
        """Every region code's entry: the 47 prefectures, then the countries."""
        return self.regions_doc["prefectures"] + self.regions_doc["countries"]

    @cached_property
    def region_area(self) -> dict[str, str]:
        """Region code -> the area annotators find it under (regions.yaml `areas`: 地方, or the world)."""
        world = next(a["code"] for a in self.regions_doc["areas"] if a.get("countries"))
        out = {c["code"]: world for c in self.regions_doc["countries"]}
        out.update({code: a["code"] for a in self.regions_doc["areas"] for code in a.get("prefectures") or []})
        return out

    @cached_property
    def region(self) -> Vocabulary:
        return Vocabulary.build("region", self.regions, ("ja", "en"))

    @cached_property
    def vocabularies(self) -> dict[str, Vocabulary]:
        """Record types that are closed vocabularies, by type name (as record.yaml writes them)."""
        return {
            "viewpoint": self.viewpoint,
            "label": self.label,
            "borderline_type": self.borderline_type,
            "origin": self.origin,
            "region": self.region,
            "label_source": self.label_source,
            **{name: Vocabulary.build(name.replace("_", " "), self.taxonomy[key], ("ja", "en")) for name, key in
               (("verdict", "verdicts"), ("severity", "severities"), ("withheld_reason", "withheld_reasons"))},
        }

    def vocabulary(self, type_name: str) -> Vocabulary | None:
        return self.vocabularies.get(type_name)

    @cached_property
    def input_formats(self) -> dict[str, dict]:
        """The input formats a source may declare (formats.yaml entries that have columns)."""
        return {name: f for name, f in self.formats.items() if isinstance(f, dict) and "columns" in f}

    @cached_property
    def origin_rank(self) -> dict[str, int]:
        """taxonomy.yaml lists origins in the order exact duplicates are kept."""
        return {o["code"]: i for i, o in enumerate(self.taxonomy["origins"])}

    # -- record schemas: prompts (record.yaml) and model responses (response.yaml) -------------
    @cached_property
    def fields(self) -> list[Field]:
        return read_fields(self.record_doc)

    @cached_property
    def response_fields(self) -> list[Field]:
        return read_fields(self.response_doc)

    @cached_property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @cached_property
    def judgement_fields(self) -> list[str]:
        """What annotators decide about a prompt: compared across duplicates and across versions."""
        return [f.name for f in self.fields if f.judgement]

    @cached_property
    def screened_fields(self) -> list[str]:
        """Free text released to researchers: screened for personal data."""
        return [f.name for f in self.fields if f.screened]

    @cached_property
    def arrow_schema(self) -> pa.Schema:
        """The `default` config's Arrow schema, derived from record.yaml."""
        return arrow_schema_of(self.fields)

    @cached_property
    def response_arrow_schema(self) -> pa.Schema:
        """A stored or released response's Arrow schema, derived from response.yaml."""
        return arrow_schema_of(self.response_fields)

    @cached_property
    def aisev_columns(self) -> list[str]:
        return list(self.dataset["configs"]["aisev"]["columns"])

    @cached_property
    def aisev_arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(name, pa.string()) for name in self.aisev_columns])

    # -- validation ---------------------------------------------------------------------------
    @cached_property
    def decided(self) -> dict[str, list[str]]:
        """record.yaml `decided`: the fields that make a record releasable (`all`, and one of `any`)."""
        return self.record_doc["decided"]

    def undecided(self, record: dict) -> list[str]:
        """The judgement a record still lacks (empty: decided), as field names: `label or requirement`."""
        def empty(name: str) -> bool:
            value = record.get(name)
            return value is None or (isinstance(value, list) and not value)

        missing = [name for name in self.decided["all"] if empty(name)]
        if all(empty(name) for name in self.decided["any"]):
            missing.append(" or ".join(self.decided["any"]))
        return missing

    def requirement_of(self, label: str | None, requirement: str | None) -> str:
        """The requirement an item is judged by (aisev's `requirement` scorer, the Inspect task's grader):
        its own, else its label's default from taxonomy.yaml."""
        if isinstance(requirement, str) and requirement:
            return requirement
        return self.default_requirement[label]

    @cached_property
    def default_requirement(self) -> dict[str, str]:
        return {entry["code"]: entry["requirement"] for entry in self.taxonomy["labels"]}

    def viewpoint_of_goal(self, goal: str) -> str:
        """The code of the viewpoint whose tree holds the goal id (G<n>-k: the n-th viewpoint)."""
        return self.viewpoints[int(GOAL_PATTERN.match(goal).group(1)) - 1]["code"]

    def goal_fits(self, goal: str, viewpoints) -> bool:
        """Whether a goal id lies in the tree of one of the viewpoints (codes)."""
        return self.viewpoint_of_goal(goal) in viewpoints

    def check_value(self, field: Field, value: Any) -> str | None:
        """The problem with one field's value, in plain words, or None. It never quotes the value: problems
        are written to reports, and a bad value may be personal data."""
        if value is None or (field.type == "list" and len(value) == 0):
            if field.required:
                return "is required but empty"
            if field.min_items:
                return f"needs at least {field.min_items} value(s)"
            return None
        if field.type == "list":
            if not isinstance(value, list):
                return f"must be a list, got {type(value).__name__}"
            for item in value:
                problem = self.check_scalar(field.items or "string", item)
                if problem:
                    return problem
            return None
        return self.check_scalar(field.type, value)

    def check_scalar(self, type_name: str, value: Any) -> str | None:
        if type_name == "bool":
            return None if isinstance(value, bool) else f"must be true or false, got {type(value).__name__}"
        if type_name == "int":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            return None if ok else "must be a whole number, 0 or more"
        if not isinstance(value, str):
            return f"must be text, got {type(value).__name__}"
        if type_name == "string":
            if not INVISIBLE.sub("", value).strip():
                return "is blank (no visible characters)"
            control = CONTROL.search(value)
            return f"contains the control character U+{ord(control.group()):04X}" if control else None
        if type_name == "goal":
            if value not in self.goal_tree:
                return "is not a goal id of AISI's goal trees (schemas/gsn/), like G1-3 or G1-32"
            return None
        if type_name == "version":
            return None if VERSION_PATTERN.match(value) else "is not a version like 1.2.0"
        vocabulary = self.vocabulary(type_name)
        if vocabulary is None:
            raise ValueError(f"record.yaml names an unknown type {type_name!r}")
        return None if value in vocabulary.codes else f"not a known {vocabulary.name}"

    def validate(self, record: dict, skip: tuple[str, ...] = (), only: tuple[str, ...] | None = None
                 ) -> list[tuple[str, str]]:
        """Problems of a record as (field, message); fields in `skip` are filled in later stages, and
        with `only`, just those fields (and the rules among them) are checked."""
        problems = self.field_problems([f for f in self.fields if f.name not in skip
                                        and (only is None or f.name in only)], record)
        if problems:
            return problems
        for rule in self.record_doc.get("rules", []):
            fields = set(self._rule_fields(rule))
            if (only is not None and not fields <= set(only)) or fields & set(skip):
                continue
            failed_field = self._rule_fails(rule, record)
            if failed_field:
                problems.append((failed_field, rule["en"]))
        return problems

    def field_problems(self, fields: list[Field], record: dict) -> list[tuple[str, str]]:
        """(field, message) for every field of `fields` whose value in `record` is wrong."""
        problems = [(field.name, self.check_value(field, record.get(field.name))) for field in fields]
        return [(name, problem) for name, problem in problems if problem]

    @staticmethod
    def _rule_fields(rule: dict) -> list[str]:
        return rule.get("member_of") or rule.get("goal_of") or [*rule["when"], *rule["require"]]

    def _rule_fails(self, rule: dict, record: dict) -> str | None:
        if "member_of" in rule:
            member, collection = rule["member_of"]
            return member if record.get(member) not in (record.get(collection) or []) else None
        if "goal_of" in rule:
            goal_field, viewpoints_field = rule["goal_of"]
            goal = record.get(goal_field)
            if goal is None:
                return None
            return goal_field if not self.goal_fits(goal, record.get(viewpoints_field) or []) else None
        if all(record.get(k) == v for k, v in rule["when"].items()):
            for name, wanted in rule["require"].items():
                if record.get(name) != wanted:
                    return name
        return None


def read_fields(doc: dict) -> list[Field]:
    """A record document's fields (record.yaml, response.yaml)."""
    return [Field(name=f["name"], type=f["type"], items=f.get("items"), required=bool(f.get("required")),
                  min_items=int(f.get("min_items", 0)), judgement=bool(f.get("judgement")),
                  screened=bool(f.get("screened")), en=f["en"], ja=f["ja"])
            for f in doc["fields"]]


def arrow_schema_of(fields: list[Field]) -> pa.Schema:
    """Lists of strings, booleans, whole numbers; everything else (vocabularies included) is text."""
    def arrow_type(field: Field) -> pa.DataType:
        if field.type == "list":
            return pa.list_(pa.string())
        return {"bool": pa.bool_(), "int": pa.int64()}.get(field.type, pa.string())

    return pa.schema([pa.field(f.name, arrow_type(f), nullable=not (f.required or f.min_items)) for f in fields])


@lru_cache(maxsize=1)
def schemas() -> Schemas:
    return Schemas()
