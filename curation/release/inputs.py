"""What `curation release` reads besides the sources, said before it runs, and what the maintainer should
hear after it: the shipped judgements and responses belong to the shipped data only, ids and splits are
stable only against the releases in OUT, and a person's decision that left other than by withdrawal."""

from __future__ import annotations

from pathlib import Path

from .history import Release, load_release, release_folders

SHIPPED_RAW, SHIPPED_RELEASES = Path("data/raw"), Path("data/release")
SHIPPED = {"annotations": Path("annotation"), "responses": Path("data/responses")}


def chosen_folder(flag: str | None, raw: Path, shipped: Path) -> Path | None:
    """A folder flag's value: the folder named (`none`: none); by default the shipped folder for the shipped
    raw folder, and none for any other (its items are not those the shipped files judge or answer)."""
    if flag is None:
        return shipped if raw.resolve() == SHIPPED_RAW.resolve() and shipped.is_dir() else None
    return None if flag == "none" else Path(flag)


def release_inputs(raw: Path, flags: dict[str, str | None]) -> tuple[dict[str, Path | None], str]:
    """The annotations and responses folders a release reads (flags: name -> the flag's value), and the
    line that says which and why."""
    chosen = {name: chosen_folder(flags[name], raw, SHIPPED[name]) for name in SHIPPED}
    default = ("the default for data/raw" if raw.resolve() == SHIPPED_RAW.resolve()
               else "another raw folder than data/raw reads none unless named")
    return chosen, "[inputs] " + "; ".join(
        f"{name}: {chosen[name] or 'none'} ({'--' + name if flags[name] is not None else default})"
        for name in SHIPPED)


def shipped_reference(out: Path) -> Release | None:
    """The shipped newest release, when OUT is another folder with no release yet: ids and splits drawn
    there are not kept stable against it."""
    if out.resolve() == SHIPPED_RELEASES.resolve() or release_folders(out):
        return None
    shipped = release_folders(SHIPPED_RELEASES)
    return load_release(shipped[-1]) if shipped else None


def split_warning(reference: Release, written: Path) -> list[str]:
    """Which of the shipped newest release's prompts landed in another split in the release `written`
    (none: no warning)."""
    from .changes import changes

    moved = changes(reference, load_release(written).records)["moved_split"]
    if not moved:  # other prompts than the shipped ones: nothing to keep stable
        return []
    lines = [f"warning: {written.parent} had no earlier release, so splits were drawn afresh there (they are "
             f"stable only against the releases in OUT): against the shipped v{reference.version} "
             f"({reference.path}), {len(moved)} prompts moved split; release into {reference.path.parent} to "
             "keep them"]
    return lines + [f"  moved: {rid} {d['from']} → {d['to']}" for rid, d in list(moved.items())[:20]]


def lost_warning(lost: dict[str, str], changelog: Path) -> list[str]:
    """A warning when people's decisions of the previous release left other than by withdrawal (lost: item
    -> why, as the changelog names them)."""
    unexpected = {item: why for item, why in lost.items() if not why.startswith("withdrawn:")}
    if not unexpected:  # a withdrawal is meant; any other loss of a person's decision is worth a second look
        return []
    item, why = next(iter(unexpected.items()))
    return [f"warning: {len(unexpected)} people's decisions of the previous release are no longer in force, not "
            f"by withdrawal (first: {item}: {why}); each is named in {changelog}"]
