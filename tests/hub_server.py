"""A local stand-in for the Hugging Face Hub's HTTP protocol, for tests: the real Hub cannot be reached here.

It serves, on 127.0.0.1, the endpoints that the real `huggingface_hub` client and `datasets.load_dataset`
call for dataset repos (see ../shared/reference/hub.md): repo create/info/settings, YAML validation,
preupload, the Git LFS batch API and PUT of LFS objects, NDJSON commits, tags and refs, tree and
paths-info listings, and resolve (HEAD/GET with ETag, X-Repo-Commit, X-Linked-Etag/-Size and Range).
State (repos, commits, refs, blobs, LFS objects) lives on disk under one folder. Xet is not served:
clients must run with HF_HUB_DISABLE_XET=1.

Tests can make a call fail (`fail_next`) to cut a push off halfway, and read `requests` (method and path,
never headers) to see what a client did. Requests nothing here answers are logged as `unhandled`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n*.arrow filter=lfs diff=lfs merge=lfs -text\n"
LFS_SUFFIXES = (".parquet", ".arrow")
LFS_MIN_SIZE = 10 * 1024 * 1024


def git_blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Failure:
    method: str
    path_pattern: str
    status: int
    after: bool  # True: do the work, then answer with the error (the reply is lost, the change is not)


class HubState:
    """Repos on disk: `<root>/lfs/<sha256>`, `<root>/blobs/<git oid>`, `<root>/repos/<org>/<name>.json`
    (settings, refs, commits; a commit maps each path to its blob or LFS object)."""

    def __init__(self, root: Path):
        self.root = root
        for sub in ("lfs", "blobs", "repos"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()

    def _repo_file(self, repo: str) -> Path:
        return self.root / "repos" / f"{repo}.json"

    def load(self, repo: str) -> dict | None:
        path = self._repo_file(repo)
        return json.loads(path.read_text()) if path.exists() else None

    def save(self, repo: str, doc: dict) -> None:
        path = self._repo_file(repo)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=1))

    def put_blob(self, data: bytes) -> str:
        oid = git_blob_oid(data)
        (self.root / "blobs" / oid).write_bytes(data)
        return oid

    def has_lfs(self, sha256: str) -> bool:
        return (self.root / "lfs" / sha256).is_file()

    def content(self, entry: dict) -> bytes:
        return (self.root / ("lfs" if entry.get("lfs") else "blobs") / (entry["lfs"] or entry["oid"])).read_bytes()

    def create(self, repo: str, private: bool) -> bool:
        with self.lock:
            if self.load(repo):
                return False
            doc = {"private": private, "gated": False, "refs": {"heads": {}, "tags": {}}, "commits": {}}
            files = {".gitattributes": {"oid": self.put_blob(GITATTRIBUTES), "size": len(GITATTRIBUTES), "lfs": None}}
            self._add_commit(doc, None, files, "initial commit")
            self.save(repo, doc)
            return True

    @staticmethod
    def _add_commit(doc: dict, parent: str | None, files: dict, title: str, branch: str = "main") -> str:
        body = json.dumps({"parent": parent, "files": files, "title": title, "n": len(doc["commits"])}, sort_keys=True)
        oid = hashlib.sha1(body.encode()).hexdigest()
        doc["commits"][oid] = {"parent": parent, "files": files, "title": title,
                               "date": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}
        doc["refs"]["heads"][branch] = oid
        return oid

    @staticmethod
    def resolve(doc: dict, rev: str) -> str | None:
        rev = unquote(rev).removeprefix("refs/heads/").removeprefix("refs/tags/")
        for kind in ("heads", "tags"):
            if rev in doc["refs"][kind]:
                return doc["refs"][kind][rev]
        matches = [oid for oid in doc["commits"] if len(rev) >= 7 and oid.startswith(rev)]
        return matches[0] if len(matches) == 1 else None

    def commit(self, repo: str, branch: str, lines: list[dict]) -> tuple[int, dict]:
        with self.lock:
            doc = self.load(repo)
            head = doc["refs"]["heads"].get(branch)
            header = next(line["value"] for line in lines if line["key"] == "header")
            if header.get("parentCommit") and header["parentCommit"] != head:
                return 412, {"error": "A commit has happened since. Please refresh and try again."}
            files = dict(doc["commits"][head]["files"]) if head else {}
            for line in lines:
                key, value = line["key"], line["value"]
                if key == "file":
                    data = base64.b64decode(value["content"])
                    files[value["path"]] = {"oid": self.put_blob(data), "size": len(data), "lfs": None}
                elif key == "lfsFile":
                    if not self.has_lfs(value["oid"]):
                        return 422, {"error": f"LFS object {value['oid']} of {value['path']} was never uploaded"}
                    size = (self.root / "lfs" / value["oid"]).stat().st_size
                    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{value['oid']}\nsize {size}\n"
                    files[value["path"]] = {"oid": git_blob_oid(pointer.encode()), "size": size, "lfs": value["oid"],
                                            "pointer_size": len(pointer)}
                elif key == "deletedFile":
                    files.pop(value["path"], None)
                elif key == "deletedFolder":
                    files = {p: e for p, e in files.items() if not p.startswith(value["path"].rstrip("/") + "/")}
                elif key != "header":
                    return 400, {"error": f"unknown commit operation {key}"}
            oid = self._add_commit(doc, head, files, header.get("summary", ""), branch)
            self.save(repo, doc)
            return 200, {"commitOid": oid, "success": True, "pullRequestUrl": None}


class HubServer:
    """Start with `with HubServer(tmp_path, token) as hub:`; `hub.url` is the endpoint."""

    def __init__(self, root: Path, token: str):
        self.state = HubState(root)
        self.token = token
        self.requests: list[str] = []
        self.unhandled: list[str] = []
        self.failures: list[Failure] = []
        handler = type("Handler", (_Handler,), {"hub": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail_next(self, method: str, path_pattern: str, status: int = 500, after: bool = False) -> None:
        self.failures.append(Failure(method, path_pattern, status, after))

    def take_failure(self, method: str, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.method == method and re.search(failure.path_pattern, path):
                self.failures.remove(failure)
                return failure
        return None

    # -- what tests inspect ---------------------------------------------------------------------------
    def repo(self, repo: str) -> dict | None:
        return self.state.load(repo)

    def files_at(self, repo: str, rev: str) -> dict[str, bytes]:
        doc = self.state.load(repo)
        commit = doc["commits"][self.state.resolve(doc, rev)]
        return {path: self.state.content(entry) for path, entry in commit["files"].items()}


ROUTES: list[tuple[str, str, str]] = [  # method, path regex, handler name; repo ids are `org/name`
    ("GET", r"^/api/agent-harnesses$", "not_served"),  # user-agent hints; the client does without them
    ("POST", r"^/api/repos/create$", "create_repo"),
    ("POST", r"^/api/validate-yaml$", "validate_yaml"),
    ("GET", r"^/api/datasets/(?P<repo>[^/]+/[^/]+)(?:/revision/(?P<rev>.+))?$", "repo_info"),
    ("PUT", r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/settings$", "settings"),
    ("POST", r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/preupload/(?P<rev>.+)$", "preupload"),
    ("POST", r"^/datasets/(?P<repo>[^/]+/[^/]+)\.git/info/lfs/objects/batch$", "lfs_batch"),
    ("PUT", r"^/lfs-objects/(?P<oid>[0-9a-f]{64})$", "lfs_put"),
    ("POST", r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/commit/(?P<rev>.+)$", "commit"),
    ("POST", r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/tag/(?P<rev>.+)$", "tag"),
    ("GET", r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/refs$", "refs"),
    ("GET", r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?$", "tree"),
    ("POST", r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/paths-info/(?P<rev>[^/]+)$", "paths_info"),
    ("HEAD", r"^/datasets/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)$", "resolve"),
    ("GET", r"^/datasets/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)$", "resolve"),
]
# Calls that need the token. The LFS PUT does not: on the Hub it goes to a pre-signed storage URL.
WRITES = {"create_repo", "settings", "preupload", "lfs_batch", "commit", "tag"}


class _Handler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # the test log is `hub.requests`; headers are never logged
        pass

    def do_GET(self): self._dispatch("GET")  # noqa: E704
    def do_HEAD(self): self._dispatch("HEAD")  # noqa: E704
    def do_POST(self): self._dispatch("POST")  # noqa: E704
    def do_PUT(self): self._dispatch("PUT")  # noqa: E704
    def do_DELETE(self): self._dispatch("DELETE")  # noqa: E704

    # -- plumbing ---------------------------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        self.query = parse_qs(url.query)
        self.method, self.body = method, self._read_body()
        self.hub.requests.append(f"{method} {url.path}")
        for route_method, pattern, name in ROUTES:
            match = re.match(pattern, url.path)
            if route_method == method and match:
                args = {k: unquote(v) if v else v for k, v in match.groupdict().items()}
                failure = self.hub.take_failure(method, url.path)
                if failure and not failure.after:
                    return self._error(failure.status, "injected failure", "")
                if name in WRITES and not self._authorized():
                    return self._error(401, "Invalid credentials in Authorization header", "")
                result = getattr(self, name)(**args)  # None: the handler already sent an error
                if failure:
                    return self._error(failure.status, "injected failure after the change was made", "")
                if result is not None:
                    self._send(*result)
                return None
        self.hub.unhandled.append(f"{method} {self.path}")
        self._error(404, "not served by the local Hub stand-in", "")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":  # LFS PUTs of a file object are chunked
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():  # trailers, up to the blank line
            pass
        return b"".join(chunks)

    def _authorized(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {self.hub.token}"

    def _send(self, status: int, headers: dict, body: bytes) -> None:
        self.send_response(status)
        headers = {"Content-Length": str(len(body)), **headers}
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.method != "HEAD":  # a HEAD answer has the headers of the GET answer and no body
            self.wfile.write(body)

    def _json(self, doc, status: int = 200, headers: dict | None = None):
        return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(doc).encode()

    def _error(self, status: int, message: str, code: str):
        headers = {"X-Error-Message": message, **({"X-Error-Code": code} if code else {})}
        self._send(status, {"Content-Type": "application/json", **headers}, json.dumps({"error": message}).encode())

    def _repo_or_error(self, repo: str, rev: str | None = "main"):
        """(doc, commit oid) or None after sending the error the Hub sends."""
        doc = self.hub.state.load(repo)
        if doc is None or (doc["private"] and not self._authorized()):
            self._error(404 if doc is None else 401, "Repository not found", "RepoNotFound")
            return None
        oid = self.hub.state.resolve(doc, rev or "main")
        if oid is None:
            self._error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            return None
        return doc, oid

    def _entry(self, path: str, entry: dict) -> dict:
        out = {"type": "file", "oid": entry["oid"], "size": entry["size"], "path": path}
        if entry.get("lfs"):
            out["lfs"] = {"oid": entry["lfs"], "size": entry["size"], "pointerSize": entry["pointer_size"]}
        return out

    @staticmethod
    def _folder(path: str) -> dict:
        return {"type": "directory", "oid": hashlib.sha1(path.encode()).hexdigest(), "size": 0, "path": path}

    # -- endpoints ------------------------------------------------------------------------------------------
    def not_served(self):
        return self._error(404, "not served by the local Hub stand-in", "")

    def create_repo(self):
        payload = json.loads(self.body)
        repo = f"{payload['organization']}/{payload['name']}"
        url = f"{self.hub.url}/datasets/{repo}"
        if not self.hub.state.create(repo, private=payload.get("visibility", "public") != "public"):
            return self._json({"error": "You already created this dataset repo", "url": url}, 409)
        return self._json({"url": url, "name": repo})

    def validate_yaml(self):
        return self._json({"errors": [], "warnings": []})

    def repo_info(self, repo: str, rev: str | None = None):
        found = self._repo_or_error(repo, rev)
        if not found:
            return None
        doc, oid = found
        commit = doc["commits"][oid]
        return self._json({"id": repo, "_id": repo, "author": repo.split("/")[0], "sha": oid,
                           "private": doc["private"], "gated": doc["gated"], "disabled": False,
                           "lastModified": commit["date"], "tags": [], "downloads": 0, "likes": 0,
                           "siblings": [{"rfilename": p} for p in sorted(commit["files"])]})

    def settings(self, repo: str):
        if not self._repo_or_error(repo):
            return None
        with self.hub.state.lock:
            doc = self.hub.state.load(repo)
            payload = json.loads(self.body)
            if "gated" in payload:
                doc["gated"] = payload["gated"]
            if "visibility" in payload:
                doc["private"] = payload["visibility"] != "public"
            self.hub.state.save(repo, doc)
        return self._json({})

    def preupload(self, repo: str, rev: str):
        found = self._repo_or_error(repo, rev)
        if not found:
            return None
        doc, oid = found
        current = doc["commits"][oid]["files"]
        out = []
        for file in json.loads(self.body)["files"]:
            sample = base64.b64decode(file["sample"])
            lfs = file["path"].endswith(LFS_SUFFIXES) or file["size"] >= LFS_MIN_SIZE or b"\0" in sample
            remote = current.get(file["path"])
            remote_oid = (remote["lfs"] or remote["oid"]) if remote else None
            out.append({"path": file["path"], "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False,
                        "oid": remote_oid})
        return self._json({"files": out, "commitOid": oid})

    def lfs_batch(self, repo: str):
        if not self._repo_or_error(repo):
            return None
        objects = []
        for obj in json.loads(self.body)["objects"]:
            entry = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if not self.hub.state.has_lfs(obj["oid"]):  # present objects get no actions: nothing to upload
                entry["actions"] = {"upload": {"href": f"{self.hub.url}/lfs-objects/{obj['oid']}", "header": {}}}
            objects.append(entry)
        return 200, {"Content-Type": "application/vnd.git-lfs+json"}, json.dumps(
            {"transfer": "basic", "objects": objects}).encode()

    def lfs_put(self, oid: str):
        if hashlib.sha256(self.body).hexdigest() != oid:
            return self._json({"error": "sha256 of the body does not match the object id"}, 400)
        (self.hub.state.root / "lfs" / oid).write_bytes(self.body)
        return self._json({})

    def commit(self, repo: str, rev: str):
        if not self._repo_or_error(repo, rev):
            return None
        lines = [json.loads(line) for line in self.body.splitlines() if line.strip()]
        status, doc = self.hub.state.commit(repo, unquote(rev), lines)
        if status == 200:
            doc["commitUrl"] = f"{self.hub.url}/datasets/{repo}/commit/{doc['commitOid']}"
        return self._json(doc, status)

    def tag(self, repo: str, rev: str):
        found = self._repo_or_error(repo, rev)
        if not found:
            return None
        _, oid = found
        name = json.loads(self.body)["tag"]
        with self.hub.state.lock:
            doc = self.hub.state.load(repo)
            if name in doc["refs"]["tags"]:
                return self._json({"error": f"Tag {name} already exists"}, 409)
            doc["refs"]["tags"][name] = oid
            self.hub.state.save(repo, doc)
        return self._json({})

    def refs(self, repo: str):
        found = self._repo_or_error(repo)
        if not found:
            return None
        doc, _ = found

        def refs(kind: str, prefix: str) -> list[dict]:
            return [{"name": n, "ref": f"{prefix}{n}", "targetCommit": o} for n, o in doc["refs"][kind].items()]
        return self._json({"branches": refs("heads", "refs/heads/"), "tags": refs("tags", "refs/tags/"),
                           "converts": [], "pullRequests": []})

    def _listing(self, files: dict, folder: str, recursive: bool) -> list[dict] | None:
        prefix = folder.strip("/") + "/" if folder.strip("/") else ""
        entries, folders = [], set()
        for path in sorted(files):
            if not path.startswith(prefix):
                continue
            parts = path[len(prefix):].split("/")
            for depth in range(1, len(parts)):
                folders.add(prefix + "/".join(parts[:depth]))
                if not recursive:
                    break
            if recursive or len(parts) == 1:
                entries.append(self._entry(path, files[path]))
        if prefix and not entries and not folders:
            return None
        return [self._folder(f) for f in sorted(folders)] + entries

    def tree(self, repo: str, rev: str, path: str | None = None):
        found = self._repo_or_error(repo, rev)
        if not found:
            return None
        doc, oid = found
        recursive = self.query.get("recursive", ["false"])[0].lower() in ("1", "true")
        listing = self._listing(doc["commits"][oid]["files"], path or "", recursive)
        if listing is None:
            return self._error(404, f"{path} does not exist at {rev}", "EntryNotFound")
        return self._json(listing)

    def paths_info(self, repo: str, rev: str):
        found = self._repo_or_error(repo, rev)
        if not found:
            return None
        doc, oid = found
        files = doc["commits"][oid]["files"]
        out = []
        for path in parse_qs(self.body.decode()).get("paths", []):
            path = path.strip("/")
            if path in files:
                out.append(self._entry(path, files[path]))
            elif any(p.startswith(path + "/") for p in files) or path == "":
                out.append(self._folder(path))
        return self._json(out)

    def resolve(self, repo: str, rev: str, path: str):
        found = self._repo_or_error(repo, rev)
        if not found:
            return None
        doc, oid = found
        entry = doc["commits"][oid]["files"].get(path)
        if entry is None:
            return self._error(404, f"{path} does not exist at {rev}", "EntryNotFound")
        data = self.hub.state.content(entry)
        headers = {"X-Repo-Commit": oid, "ETag": f'"{entry["lfs"] or entry["oid"]}"', "Accept-Ranges": "bytes"}
        if entry.get("lfs"):
            headers |= {"X-Linked-Etag": f'"{entry["lfs"]}"', "X-Linked-Size": str(entry["size"])}
        ranged = re.match(r"bytes=(\d*)-(\d*)$", self.headers.get("Range", ""))
        if ranged:
            start, end = ranged.groups()
            first = int(start) if start else max(len(data) - int(end), 0)
            last = int(end) if start and end else len(data) - 1
            last = min(last, len(data) - 1)
            headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
            return 206, headers, data[first:last + 1]
        return 200, headers, data
