"""The Label Studio labeling interfaces (prompts, model responses), generated from schemas/ and the
annotation guidelines.

Every control's `name` is the record field it fills; every choice shows the Japanese name and carries
the stable code as its `alias`, which is what Label Studio stores in results. The instruction shown
beside each control is the first paragraph of its section in the subject's guideline (annotation/).
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.sax.saxutils import quoteattr

from ..schema import schemas
from .controls import NO, PROMPTS, YES, Subject
from .settings import ANNOTATION_DIR

SECTION = re.compile(r"^## (\w+) — (.+?)\n\n(.+?)\n", re.M)
# What a task shows above the controls; the controls point at the `text` element (their toName).
SHOWN = {
    "prompts": ['  <Header value="プロンプト（prompt）" size="4"/>',
                '  <Text name="text" value="$text" granularity="word"/>',
                '  <Header value="自動候補（suggestions: check them, never accept them unread）" size="6"/>',
                '  <Text name="suggestions" value="$suggestions"/>'],
    # Blind: the model that answered is not shown, and tasks of different models are interleaved.
    "responses": ['  <Header value="プロンプト（prompt）" size="5"/>',
                  '  <Text name="prompt" value="$prompt"/>',
                  '  <Header value="期待される対応（what the prompt asks of a careful model）" size="6"/>',
                  '  <Text name="expected" value="$expected"/>',
                  '  <Header value="モデルの応答（response; the model is not named）" size="4"/>',
                  '  <Text name="text" value="$response" granularity="word"/>'],
}


@lru_cache(maxsize=4)
def instructions(guideline: str = PROMPTS.guideline) -> dict[str, tuple[str, str]]:
    """control name -> (Japanese title, one-paragraph instruction), from a guideline's sections."""
    return {m.group(1): (m.group(2).strip(), m.group(3).strip())
            for m in SECTION.finditer((ANNOTATION_DIR / guideline).read_text(encoding="utf-8"))}


def choices(name: str) -> list[tuple[str, str, str]]:
    """(alias = stable code, shown value, hint) of every choice of a control."""
    s = schemas()
    if name == "label":
        return [(lab["code"], lab["ja"], lab["code"]) for lab in s.taxonomy["labels"]]
    if name in ("viewpoints", "primary_viewpoint", "violation_viewpoints"):
        return [(v["code"], f"{v['number']}. {v['ja']}", v["en"]) for v in s.viewpoints]
    if name == "borderline":
        return [(YES, "はい", "a safe prompt that looks unsafe"), (NO, "いいえ", "")]
    if name == "borderline_type":
        return [(b["code"], b["ja"], f"{b['en']}: {b['example']}") for b in s.taxonomy["borderline_types"]]
    if name == "fictional":
        return [("fictional", "架空の個人情報", "the personal data in the prompt is invented on purpose")]
    if name == "invalid":
        return [("invalid", "無効・要修正", "not a valid prompt / needs rewrite")]
    if name in ("verdict", "severity"):
        return [(v["code"], v["ja"], v["en"])
                for v in s.taxonomy[{"verdict": "verdicts", "severity": "severities"}[name]]]
    raise KeyError(name)


def taxonomy(name: str) -> list[tuple]:
    """(alias = stable code, shown value, hint, children) of every node of a taxonomy control, nested."""
    s = schemas()
    if name == "gsn_goal":  # the viewpoints' goal trees: a viewpoint leads to its own goals only
        tree = s.goal_tree

        def node(goal_id: str) -> tuple:
            goal = tree[goal_id]
            return (goal.id, f"{goal.id} {goal.name}", goal.question, tuple(node(c) for c in goal.children))

        return [(tree.top(v["number"]).id, f"{v['number']}. {v['ja']}", v["en"],
                 tuple(node(c) for c in tree.top(v["number"]).children)) for v in s.viewpoints]
    if name == "regions":  # 地方 → 都道府県, then the countries
        return [(area["code"], area["ja"], area["en"],
                 tuple((r["code"], r["ja"], r["en"], ()) for r in s.regions
                       if s.region_area[r["code"]] == area["code"]))
                for area in s.regions_doc["areas"]]
    raise KeyError(name)


def choices_xml(nodes: list[tuple], indent: str) -> list[str]:
    """<Choice> elements, nested for a taxonomy: the value is shown, the alias (a stable code) is stored."""
    lines = []
    for alias, value, hint, children in nodes:
        attributes = f"value={quoteattr(value)} alias={quoteattr(alias)} hint={quoteattr(hint)}"
        if children:
            lines += [f"{indent}<Choice {attributes}>", *choices_xml(list(children), indent + "  "),
                      f"{indent}</Choice>"]
        else:
            lines.append(f"{indent}<Choice {attributes}/>")
    return lines


@lru_cache(maxsize=2)
def labeling_config(subject: Subject = PROMPTS) -> str:
    """The Label Studio XML config. Never edit the XML by hand: change schemas/ or the guideline."""
    guide = instructions(subject.guideline)
    parts = ['<View>', *SHOWN[subject.name]]
    for control in subject.controls:
        name = control.name
        if name == "invalid_reason":  # explained in the guideline's `invalid` section
            title, help_text = f"{guide['invalid'][0]}の理由", ""
        else:
            title, help_text = guide[name]
        parts.append('  <View style="margin-top: 1em">')
        parts.append(f"    <Header value={quoteattr(f'{title}（{name}）')} size=\"5\"/>")
        if help_text:
            parts.append(f"    <Header value={quoteattr(help_text)} size=\"6\"/>")
        required = ' required="true"' if control.required else ""
        if control.kind == "textarea":
            parts.append(f'    <TextArea name="{name}" toName="text" rows="2" maxSubmissions="1" editable="true"/>')
        elif control.kind == "taxonomy":
            # Several regions, each a prefecture or a country; one goal, at any depth of its tree.
            usage = ' leafsOnly="true"' if control.multiple else ' maxUsages="1"'
            parts.append(f'    <Taxonomy name="{name}" toName="text"{usage} showFullPath="true"{required}>')
            parts += choices_xml(taxonomy(name), "      ")
            parts.append("    </Taxonomy>")
        else:
            mode = "multiple" if control.multiple else "single-radio"
            parts.append(f'    <Choices name="{name}" toName="text" choice="{mode}" showInline="true"{required}>')
            parts += choices_xml([(*choice, ()) for choice in choices(name)], "      ")
            parts.append("    </Choices>")
        parts.append("  </View>")
    parts.append("</View>")
    return "\n".join(parts) + "\n"
