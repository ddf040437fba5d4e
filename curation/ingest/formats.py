"""Input formats: the file's columns mapped to record fields (formats.yaml), and what peer formats
(AnswerCarefully, XSTest, AILuminate) need derived through the crosswalks."""

from __future__ import annotations

from ..contract import IN_PLAY
from ..errors import SourceError
from ..schema import alias_key, schemas
from .readers import header_name
from .sources import Source


class AmbiguousColumns(ValueError):
    """Two of a record's keys give one field (`prompt` and `text`): which one counts would be a guess."""


def column_map(fmt: dict, names: list[str], source: Source, strict: bool) -> dict[str, str]:
    """field -> the file's column name. `strict` (one header for the whole file): a missing required
    column, or two columns for one field, stop the file; otherwise (JSON records) the record reports a
    missing one and AmbiguousColumns is raised for two."""
    mapping = {}
    position = {alias_key(h): n for n, h in enumerate(names, start=1)}
    for column in fmt["columns"]:
        found = list(dict.fromkeys(position[alias_key(h)] for h in column["headers"] if alias_key(h) in position))
        if len(found) > 1:
            unit = "column" if strict else "key"
            named = " and ".join(header_name(source, names[n - 1], n, unit) for n in found)
            problem = (f"{unit}s {named} "
                       f"({', '.join(map(str, found))}) both give {column['field']}; keep one")
            if strict:
                raise SourceError(f"{source.relpath}: {problem}")
            raise AmbiguousColumns(problem)
        if found:
            mapping[column["field"]] = names[found[0] - 1]
        elif strict and column.get("required"):
            raise SourceError(
                f"{source.relpath}: no column for {column['field']} "
                f"(accepted headers: {', '.join(column['headers'])}; the first row has {len(names)} cells: "
                "is the header row missing?)"
            )
    return mapping


def derive_answercarefully(record: dict) -> list[tuple[str, str]]:
    harm_type = (record.get("meta") or {}).get("harm-type")
    viewpoint = schemas().crosswalks["answercarefully_harm_type"].get(harm_type)
    if viewpoint is None:
        return [("meta", "its harm-type has no viewpoint in schemas/crosswalks.yaml")]
    record["viewpoints"] = [viewpoint]
    return []


def derive_xstest(record: dict) -> list[tuple[str, str]]:
    xstest_type = record.get("xstest_type") or ""
    entry = schemas().crosswalks["xstest_type"].get(xstest_type.removeprefix("contrast_"))
    if entry is None:
        return [("xstest_type", "its type has no entry in schemas/crosswalks.yaml")]
    record["viewpoints"] = [entry["viewpoint"]]
    record["borderline"] = not xstest_type.startswith("contrast_")
    record["borderline_type"] = entry["borderline_type"] if record["borderline"] else None
    return []


def derive_ailuminate(record: dict) -> list[tuple[str, str]]:
    viewpoint = schemas().crosswalks["ailuminate_hazard"].get(record.get("hazard"))
    if viewpoint is None:
        return [("hazard", "its hazard has no viewpoint in schemas/crosswalks.yaml")]
    record["viewpoints"] = [viewpoint]
    return []


FORMAT_DERIVATIONS = {"answercarefully": derive_answercarefully, "xstest": derive_xstest,
                      "ailuminate": derive_ailuminate}


def pair_xstest(rows: list[dict]) -> None:
    """XSTest pairs a safe prompt with its `contrast_<type>` prompt through the shared `focus` word."""
    contrasts = {
        (r["xstest_type"].removeprefix("contrast_"), r.get("focus")): r["source_id"]
        for r in rows
        if r["fate"] in IN_PLAY and (r.get("xstest_type") or "").startswith("contrast_") and r.get("focus")
    }
    for r in rows:
        if r["fate"] in IN_PLAY and r.get("borderline") and r.get("focus"):
            r["contrast_of"] = contrasts.get((r["xstest_type"], r["focus"]))

