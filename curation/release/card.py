"""The dataset card (the release's README.md): YAML front matter the Hub and `datasets` read, and a
Markdown body whose tables (fields, viewpoints, borderline types) are generated from schemas/."""

from __future__ import annotations

import pandas as pd
import yaml

from ..schema import schemas
from .coverage import goal_tree_use
from .layout import COVERAGE_PNG, Tables, row_counts, shard_path

# The Hub's size categories, by upper bound; anything larger is "n>1T".
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                   (10**7, "1M<n<10M"), (10**8, "10M<n<100M"), (10**9, "100M<n<1B"), (10**10, "1B<n<10B"),
                   (10**11, "10B<n<100B"), (10**12, "100B<n<1T"))


def size_category(n: int) -> str:
    return next((name for limit, name in SIZE_CATEGORIES if n < limit), "n>1T")


def dataset_license(licenses: list[str]) -> dict:
    unique = sorted(set(licenses))
    if len(unique) == 1:
        return {"license": unique[0].lower()}
    return {"license": "other", "license_name": "mixed", "license_details": " / ".join(unique)}


def front_matter(records: pd.DataFrame, tables: Tables) -> dict:
    """The card's metadata: `configs` tells `load_dataset` which files make each config and split, `dataset_info`
    gives features (from the Arrow schema, itself from schemas/) and exact split sizes, which `load_dataset`
    checks. Both are written by `datasets` itself so the Hub and `load_dataset` read them as they expect."""
    # only when a card is written: `datasets` is slow to import
    from datasets import DatasetInfo, Features, SplitDict
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    dataset = schemas().dataset
    fields = {
        **dataset_license(records["license"].tolist()),
        "language": dataset["language"],
        "pretty_name": dataset["pretty_name"],
        "size_categories": [size_category(len(records))],
        "task_categories": dataset["task_categories"],
        "tags": dataset["tags"],
        "extra_gated_prompt": dataset["gating"]["extra_gated_prompt"],
        "extra_gated_fields": dataset["gating"]["extra_gated_fields"],
    }
    data = DatasetCardData(**fields)
    MetadataConfigs({
        config: {**({"default": True} if config == "default" else {}),
                 "data_files": [{"split": s, "path": shard_path(config, s).replace("-00000-of-00001.parquet", "-*")}
                                for s in splits]}
        for config, splits in tables.items()
    }).to_dataset_card_data(data)
    DatasetInfosDict({
        config: DatasetInfo(
            features=Features.from_arrow_schema(next(iter(splits.values())).schema),
            splits=SplitDict.from_split_dict([{"name": s, "num_bytes": t.nbytes, "num_examples": t.num_rows}
                                              for s, t in splits.items()]))
        for config, splits in tables.items()
    }).to_dataset_card_data(data)
    # `datasets` sorts configs by name and DatasetCardData keeps its own key order: restore the order earlier
    # releases were written in (default config first), so unchanged metadata reads the same across versions.
    order = list(tables)
    for key in ("configs", "dataset_info"):
        data[key] = sorted(data[key], key=lambda entry: order.index(entry["config_name"]))
    meta = data.to_dict()
    return {key: meta[key] for key in [*fields, "configs", "dataset_info"]}


def table(header: list[str], rows: list[list]) -> list[str]:
    def cell(v) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(cell(v) for v in row) + " |" for row in rows
    ]


def coverage_rows(coverage: pd.DataFrame, splits: list[str]) -> list[str]:
    return table(["code", "名称", *splits, "all", "under target"], [
        [f"`{r['code']}`", r["name"], *(r[sp] for sp in splits), r["all"], r["under_target"] or "–"]
        for r in coverage.to_dict("records")])


def decontamination_section() -> list[str]:
    """How a model builder checks a corpus for this release's items (schemas/contamination.yaml)."""
    config = schemas().contamination
    return [f"`decontamination/` lets you check a training corpus for this release's items without their text: "
            f"`windows.parquet` holds the hash of every {config['window']}-character window of each item's matching "
            "form (NFKC, casefolded, katakana as hiragana, whitespace, punctuation and symbols removed), "
            "`items.parquet` each item's split and number of windows, `index.json` the hash written out so any "
            "language can recompute it. An item shorter than one window is found only as a whole record or line; "
            "one of only symbols or emoji (an empty matching form) is hashed on its NFKC text without "
            "invisible characters and whitespace, and found "
            "the same way. "
            "With this repository's tool, on one machine or a Ray cluster:", "", "```",
            "curation contamination CORPUS... --release PATH [--text-field text] [--engine ray --address HOST:PORT]",
            "```", "", f"It reports each document holding at least {config['min_coverage']:.0%} of an item's windows "
            "(file and line or row, item ids, coverage) and every document with the canary GUID."]


def card(version: str, records: pd.DataFrame, tables: Tables, accounting: dict, change: dict,
         agreement: pd.DataFrame, adjudication_queue: int, viewpoint_coverage: pd.DataFrame,
         goal_coverage: pd.DataFrame, responses: list[str] = (), suggestion: list[str] = ()) -> str:
    """The dataset card; `responses`: the section on model responses (responses/scores.py), if any;
    `suggestion`: how the release's suggestion model scored (suggest/evaluation.py)."""
    s = schemas()
    rows_per_config = row_counts(tables)
    dataset = s.dataset
    splits = dataset["splits"]["names"]
    per_split = lambda mask: [int((mask & (records["split"] == sp)).sum()) for sp in splits]  # noqa: E731
    out = [f"# {dataset['pretty_name']} (v{version})", "", f"> {dataset['canary']}", "",
           dataset["summary_en"], "", dataset["summary_ja"], "",
           "## Loading", "", "```python", "from datasets import load_dataset",
           f'ds = load_dataset("<org>/{dataset["name"]}", revision="v{version}")           # default config',
           f'aisev = load_dataset("<org>/{dataset["name"]}", "aisev", revision="v{version}")  # aisev columns',
           "```", "", "## Configs", ""]
    out += table(["config", *splits, "what it holds"], [
        [c, *[n.get(sp, 0) for sp in splits],
         dataset["configs"].get(c, {}).get("en", "Every field below, one row per prompt.")]
        for c, n in rows_per_config.items()])
    out += ["", "## Fields (`default` and `borderline`)", ""]
    out += table(["field", "type", "description", "説明"], [
        [f"`{f.name}`", f"list of {f.items}" if f.type == "list" else f.type, f.en, f.ja] for f in s.fields])
    out += ["", "## Evaluation viewpoints (評価観点)", "",
            "Primary viewpoint counts per split; codes are the stable values in `viewpoints` and "
            "`primary_viewpoint`, the Japanese names are what aisev's `ten_perspective` holds.", ""]
    out += table(["#", "code", "評価観点", "viewpoint", *splits], [
        [v["number"], f"`{v['code']}`", v["ja"], v["en"], *per_split(records["primary_viewpoint"] == v["code"])]
        for v in s.viewpoints])
    targets = dataset["coverage"]
    out += ["", "### Coverage", "",
            f"Items whose `viewpoints` include each viewpoint, per split, against the targets (at least "
            f"{targets['viewpoint']['all']} in all and {targets['viewpoint']['test']} in test per viewpoint, "
            f"{targets['goal']['all']} per second-level goal):", ""]
    out += coverage_rows(viewpoint_coverage, splits)
    second = goal_coverage[goal_coverage["level"] == "SecondGoal"]
    under = second[second["under_target"] != ""]
    out += ["", "Goals are AISI's GSN goal trees (`gsn_goal`; 254 goals, of them 177 leaves, as aisev ships "
            "them). An item under a goal counts for every goal above it. The picture shows every leaf goal "
            "and every second-level goal; red hatched ones have no item:", "",
            f"![Items per goal of the GSN trees]({COVERAGE_PNG})", "",
            f"Second-level goals under target: {len(under)} of {len(second)}. Items per second-level goal:", ""]
    out += coverage_rows(second, splits)
    leaves = goal_coverage[goal_coverage["leaf"]]
    counts = leaves.set_index("code")[[*splits, "all"]].to_dict("index")
    per_viewpoint = leaves.assign(viewpoint=leaves["code"].str.extract(r"^G(\d+)-", expand=False).astype(int),
                                  covered=leaves["all"] > 0).groupby("viewpoint")
    out += ["", "Leaf goals with at least one item, per viewpoint (the leaf ids are what aisev's GSN "
            "registration matches):", ""]
    out += table(["#", "評価観点", "leaf goals", "with items", "items on leaves"], [
        [v["number"], v["ja"], int(per_viewpoint.size().get(v["number"], 0)),
         int(per_viewpoint["covered"].sum().get(v["number"], 0)), int(per_viewpoint["all"].sum().get(v["number"], 0))]
        for v in s.viewpoints])
    usable, left_out = goal_tree_use(records)
    out += ["", f"Rows aisev's goal-tree (GSN) scoring can use: {int(usable['usable'].sum())} of "
            f"{int(usable['rows'].sum())}. aisev registers a row on its GSN route only when `gsn_perspective` is a "
            "leaf goal; any other row is skipped without an error, and with GSN scoring on, aisev scores a "
            "viewpoint by its GSN rows only.", ""]
    out += table(["#", "評価観点", "rows", "usable by GSN scoring"],
                 [[r["number"], r["ja"], r["rows"], r["usable"]] for r in usable.to_dict("records")])
    out += ["", *[f"- Not usable: {line}" for line in left_out]] if left_out else []
    tree = s.goal_tree
    out += ["", "Per second-level goal, the leaf goals that have items (with their counts per split) and those "
            "that have none:", ""]
    out += table(["goal", "leaves with items", "leaves without items"], [
        [f"`{goal}`", ", ".join(f"`{leaf}` ({'/'.join(str(counts[leaf][sp]) for sp in splits)})"
                                for leaf in tree.leaves_under(goal) if counts[leaf]["all"]) or "–",
         ", ".join(f"`{leaf}`" for leaf in tree.leaves_under(goal) if not counts[leaf]["all"]) or "–"]
        for goal in second["code"] if not tree[goal].leaf])
    if suggestion:
        out += ["", "### Suggestion model", "", "`model/` holds the model that suggests viewpoints and leaf goals to "
                "annotators (`curation tag`, Label Studio pre-annotations), trained on this release's decided items, "
                "AISI's preset prompts and AISI's goal texts. It is not part of the "
                "`datasets` configs, and no released label comes from it.", "", *suggestion]
    out += ["", "## Labels and borderline items", ""]
    label_rows = [[f"`{lab['code']}`", lab["ja"], *per_split(records["label"] == lab["code"])]
                  for lab in s.taxonomy["labels"]]
    label_rows.append(["(none)", "要件（requirement）だけで判定", *per_split(records["label"].isna())])
    out += table(["label", "意味", *splits], label_rows)
    out += ["", "An item has a safe/unsafe label, a `requirement` (what a good answer must do, as in AISI's aisev "
            "presets), or both. aisev's `requirement` scorer and the Inspect task's `requirement` grader judge "
            "every item by the same text: its own requirement, else its label's default.", ""]
    out += ["", "Borderline items are safe prompts that look unsafe; each type follows XSTest's safe types. "
            "A borderline item and its unsafe contrast point at each other through `contrast_id` and "
            "always share a split.", ""]
    out += table(["borderline_type", "種別", "example", *splits], [
        [f"`{b['code']}`", b["ja"], b["example"], *per_split(records["borderline_type"] == b["code"])]
        for b in s.taxonomy["borderline_types"]])
    out += ["", "## Regions", ""]
    region_counts = records["regions"].explode().dropna().value_counts()
    names = {r["code"]: r["ja"] for r in s.regions}
    out += table(["region", "名称", "items"], [[f"`{c}`", names.get(c, ""), int(n)]
                                             for c, n in sorted(region_counts.items())]) if len(region_counts) else \
        ["No item names a region."]
    out += ["", "## Annotation", ""]
    decided = records["label_source"].value_counts()
    out += table(["label_source", "判定の根拠", "items"], [[f"`{e['code']}`", e["ja"], int(decided.get(e["code"], 0))]
                                                    for e in s.taxonomy["label_sources"]])
    out += ["", f"Items waiting for adjudication: {adjudication_queue}. Agreement (Krippendorff's alpha; nominal "
            "distance, MASI for the multi-select fields) over items with two or more annotations:", ""]
    fields = [c for c in agreement.columns if c not in ("batch", "items")]
    out += table(["batch", "items", *fields], [
        [row["batch"], row["items"], *("–" if pd.isna(row[f]) else f"{row[f]:.3f}" for f in fields)]
        for row in agreement.to_dict("records")]) if len(agreement) and agreement["items"].iloc[0] else \
        ["No item has two annotations yet."]
    out += ["", *responses, "## Sources and licences", ""] if responses else ["", "## Sources and licences", ""]
    by_source = records.groupby(["source", "origin", "license"]).size().reset_index(name="items")
    out += table(["source", "origin", "licence", "items"], by_source.values.tolist())
    out += ["", "## How this release was curated", "",
            f"- Input records: {accounting['input records']}; released: {accounting['released']}; "
            f"awaiting annotation: {accounting['awaiting']}; "
            f"dropped as duplicates: {accounting['duplicate']}; quarantined: {accounting['quarantined']}. "
            "Every input record is accounted for in `reports/accounting.jsonl`.",
            "- Released `text` is the contributor's text, Unicode NFC only. Exact duplicates are found on a "
            "matching form: NFKC (full/half width), case folded, invisible characters, whitespace, punctuation "
            "and symbols removed (separators between digits kept: 1.5g is not 15g), katakana as hiragana, "
            "runs of ー collapsed.",
            "- Near duplicates (character 2-gram MinHash/LSH, verified by exact Jaccard) are classified by what "
            "differs, on UniDic words: spelling, kana, particle or punctuation variants are dropped as "
            "duplicates; a changed content word, negation or number, different labels, or a shared template "
            "are linked for review and kept, in one split (`reports/near_duplicates.md`).",
            "- Of duplicates one record is kept: a prompt an earlier release holds keeps its id; then a "
            "decided record over one awaiting annotation, expert over peer over crowd, annotated over "
            "unannotated, earliest otherwise.",
            f"- Splits {', '.join(splits)}: stratified by primary viewpoint and borderline "
            f"({dataset['splits']['test_fraction']:.0%} to test), deterministic, and stable: an id never "
            "changes split, and duplicates go where the item they duplicate is.",
            "- Contributors appear only as keyed pseudonyms (`contributor`).",
            "- Well-formed items without a judgement (no viewpoint, or neither label nor requirement) are held "
            "for annotators, not released, until annotators decide them (`reports/accounting.jsonl`: awaiting).",
            "- Personal data is screened in every free-text field: contact and identifying data (phone, e-mail, "
            "My Number, card number, an address with block or house number) stop the release unless the item "
            "is fictional or a maintainer acknowledged the hit after review; a name alone is reported for review "
            "(`reports/personal_data.jsonl` lists every hit, never the data).",
            "", "## Decontamination index", "",
            *decontamination_section(), "", "## Changes", ""]
    prev = change["previous_version"]
    out.append(f"Against v{prev}: " if prev else "First release: ")
    out[-1] += (f"{len(change['added'])} added, {len(change['removed'])} removed, "
                f"{len(change['relabelled'])} relabelled, {len(change['text_changed'])} with changed text. "
                "See CHANGELOG.md.")
    out += ["", "## Terms", "", dataset["gating"]["extra_gated_prompt"], "",
            "Do not train on this data. Every file carries the canary:", "", f"`{dataset['canary']}`", ""]
    body = "\n".join(out)
    # DatasetCard's layout, but not DatasetCardData.to_yaml: it wraps at 80 columns, and earlier releases
    # keep each value (the gating prompt) on one line.
    front = yaml.safe_dump(front_matter(records, tables), allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n\n{body}"
