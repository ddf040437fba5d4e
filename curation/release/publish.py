"""Publish: a local release folder to a Hub dataset repo as one commit, tagged vX.Y.Z, then checked the way
researchers will read it.

The endpoint is huggingface_hub's (HF_ENDPOINT), the token its own (HF_TOKEN or the stored login). The token
is never printed: every error leaving `publish` has it redacted.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..address import CONNECT_SECONDS, reason, shown
from ..errors import PublishError, ReleaseError
from ..fileinfo import file_entry
from ..report import StageReport
from .layout import MANIFEST, verify_release

GATING_KEYS = ("extra_gated_prompt", "extra_gated_fields")



@dataclass
class Plan:
    folder: Path
    repo: str
    tag: str
    manifest: dict
    files: dict[str, dict]  # path in the repo -> {sha256, bytes}: every file of the release, manifest.json too


@dataclass
class PublishResult:
    plan: Plan
    commit: str | None  # None on a dry run
    uploaded: bool = False
    report: StageReport = field(default_factory=lambda: StageReport("publish"))

    def lines(self) -> list[str]:
        return self.report.notes if self.commit is None else self.report.lines()


def plan(folder: Path, repo: str) -> Plan:
    """What would be published: the release verified against its manifest, and its card's gating form."""
    if repo.count("/") != 1 or not all(repo.split("/")):
        raise PublishError(f"repo {repo!r} is not ORG/NAME")
    manifest = verify_release(folder)
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(folder / "README.md").data.to_dict()
    missing = [k for k in GATING_KEYS if not card.get(k)]
    if missing:
        raise PublishError(f"{folder}/README.md has no {', '.join(missing)}: the Hub would gate it without a form")
    files = dict(manifest["files"])
    files[MANIFEST] = file_entry(folder / MANIFEST)
    return Plan(folder, repo, f"v{manifest['version']}", manifest, dict(sorted(files.items())))


def dry_run_lines(p: Plan, endpoint: str) -> list[str]:
    width = max(len(path) for path in p.files)
    total = sum(entry["bytes"] for entry in p.files.values())
    return [f"would publish {p.folder} to {endpoint}/datasets/{p.repo} (created private if new, gated with the "
            f"card's form) as one commit tagged {p.tag}:",
            *[f"  {path:<{width}}  {entry['bytes']:>12,} bytes" for path, entry in p.files.items()],
            f"  total {total:,} bytes",
            "dry run: nothing uploaded; add --yes to publish"]


def redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "[token redacted]") if secret else text


def publish(folder: Path, repo: str, yes: bool = False, timeout: float = 60) -> PublishResult:
    """Dry run unless `yes`. With `yes`: create the repo (private) if needed, gate it, push the release as one
    commit, tag it at exactly that commit, and verify. A tag that already exists is checked instead:
    the same content is a no-op, different content is refused. `timeout`: seconds any request may wait for
    the Hub's answer (huggingface_hub's own client waits without end)."""
    import httpx2
    from huggingface_hub import HfApi, constants, get_session, get_token

    p = plan(folder, repo)
    result = PublishResult(p, None)
    if not yes:
        result.report.notes += dry_run_lines(p, constants.ENDPOINT)
        return result
    token = get_token()
    if not token:
        raise PublishError("no Hub token: set HF_TOKEN or log in with `hf auth login`")
    get_session().timeout = httpx2.Timeout(timeout, connect=min(timeout, CONNECT_SECONDS))
    try:
        return _push(HfApi(token=token), result)
    except Exception as exc:  # anything the client raises may quote a request; never let the token through
        message = exc if isinstance(exc, (PublishError, ReleaseError)) else \
            f"talking to the Hub at {shown(constants.ENDPOINT)}: {reason(exc)}"
        raise PublishError(redact(str(message), token)) from None


def _push(api, result: PublishResult) -> PublishResult:
    p, report = result.plan, result.report
    api.create_repo(p.repo, repo_type="dataset", private=True, exist_ok=True)
    api.update_repo_settings(p.repo, repo_type="dataset", gated="auto")  # the form comes from the card
    tags = {t.name: t.target_commit for t in api.list_repo_refs(p.repo, repo_type="dataset").tags}
    if p.tag in tags:
        problems = remote_differences(api, p, p.tag)
        if problems:
            raise PublishError(f"{p.repo} already has {p.tag} with different content; a released version is never "
                               f"changed (publish a new version instead):\n  " + "\n  ".join(problems))
        result.commit = tags[p.tag]
        report.notes.append(f"{p.tag} is already on {p.repo} with exactly this content: nothing uploaded")
    else:
        result.commit, result.uploaded = push_commit(api, p), True
        api.create_tag(p.repo, repo_type="dataset", tag=p.tag, revision=result.commit)  # only after the commit
        report.notes.append(f"pushed {len(p.files)} files to {p.repo} as commit {result.commit}, tagged {p.tag}")
        tagged = {t.name: t.target_commit for t in api.list_repo_refs(p.repo, repo_type="dataset").tags}
        if tagged.get(p.tag) != result.commit:
            raise PublishError(f"{p.tag} resolves to {tagged.get(p.tag)}, not to the pushed commit {result.commit}")
        problems = remote_differences(api, p, p.tag)
        if problems:
            raise PublishError(f"{p.repo}@{p.tag} does not match the manifest:\n  " + "\n  ".join(problems))
    report.count("files verified", len(p.files))
    problems = row_count_differences(api, p)
    if problems:
        raise PublishError(f"load_dataset({p.repo!r}, revision={p.tag!r}) does not give the manifest's rows:\n  "
                           + "\n  ".join(problems))
    report.count("configs loaded", len(p.manifest["configs"]))
    info = api.repo_info(p.repo, repo_type="dataset")
    report.notes += [f"{p.repo}: {'private' if info.private else 'PUBLIC'}, gated: {info.gated}",
                     f"cite: {p.repo} revision {p.tag} = commit {result.commit}"]
    return result


def push_commit(api, p: Plan) -> str:
    """The release as exactly one commit on main (create_commit, not upload_folder: through Xet,
    upload_folder may split a folder into several commits). Files of an earlier version that this one
    no longer has are deleted in the same commit. Content already on the Hub (a push cut off halfway) is
    not uploaded again; if main already holds exactly this release, its head is returned unchanged."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    head = api.repo_info(p.repo, repo_type="dataset").sha
    stale = set(api.list_repo_files(p.repo, repo_type="dataset", revision=head)) - set(p.files) - {".gitattributes"}
    operations = [CommitOperationAdd(path_in_repo=path, path_or_fileobj=p.folder / path) for path in p.files]
    operations += [CommitOperationDelete(path_in_repo=path) for path in sorted(stale)]
    commit = api.create_commit(p.repo, operations, repo_type="dataset", parent_commit=head,
                               commit_message=f"Release {p.tag}",
                               commit_description=f"{p.manifest['dataset']} {p.tag}, files as in {MANIFEST}")
    return commit.oid


def remote_differences(api, p: Plan, revision: str) -> list[str]:
    """Every file downloaded at `revision` against the manifest: missing, extra, size or sha256 different."""
    with tempfile.TemporaryDirectory() as cache:
        root = Path(api.snapshot_download(p.repo, repo_type="dataset", revision=revision, cache_dir=cache))
        remote = {str(f.relative_to(root)): f.read_bytes() for f in root.rglob("*") if f.is_file()}
    remote.pop(".gitattributes", None)
    problems = [f"{path}: on the Hub, not in the release" for path in sorted(set(remote) - set(p.files))]
    problems += [f"{path}: in the release, not on the Hub" for path in sorted(set(p.files) - set(remote))]
    for path in sorted(set(remote) & set(p.files)):
        data, expected = remote[path], p.files[path]
        if len(data) != expected["bytes"]:
            problems.append(f"{path}: {len(data):,} bytes on the Hub, {expected['bytes']:,} in the release")
        elif hashlib.sha256(data).hexdigest() != expected["sha256"]:
            problems.append(f"{path}: sha256 on the Hub differs from the release")
    return problems


def row_count_differences(api, p: Plan) -> list[str]:
    """`load_dataset(repo, config, revision=tag)` for every config, in a fresh cache (datasets caches by name)."""
    from datasets import load_dataset

    problems = []
    with tempfile.TemporaryDirectory() as cache:
        for config, entry in p.manifest["configs"].items():
            loaded = load_dataset(p.repo, config, revision=p.tag, cache_dir=cache, token=api.token)
            rows = {split: loaded[split].num_rows for split in loaded}
            if rows != entry["rows"]:
                problems.append(f"config {config}: {rows}, manifest says {entry['rows']}")
    return problems
