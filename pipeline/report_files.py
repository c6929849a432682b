"""The report's files, written only where their content changed.

Rewriting the whole site on every run cost the report stage most of its time at corpus
scale: at 2,000 documents, removing and writing again 6,800 files (216 MB) took longer
than rendering what changed, and DVC then hashed every file again because every file was
new on disk. `reports/` is a `persist: true` output, so the last run's files are still
there; a manifest (in the report's cache folder) records, for each file written, the
SHA-256 of its content, the key it was made from (a document page's cache key, the
search index's inputs) and the size and modification time it was left with. A file whose
content (or key) is unchanged and which nobody touched since is left as it is; any other
is written; a file the run did not produce is removed, so the folder always equals a
fresh build's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("crp")
MANIFEST = "site-files.json"


class SiteFiles:
    """The files of `root`, kept or written; `close` removes the rest and saves the manifest
    into `state` (a folder that survives between runs; None: nothing is remembered)."""

    def __init__(self, root: Path, state: Path | None = None) -> None:
        self.root, self.state = root, state
        self.before = _read_manifest(state / MANIFEST) if state else {}
        self.after: dict[str, list] = {}
        self.written = 0
        root.mkdir(parents=True, exist_ok=True)

    def write(self, rel: str, text: str, key: str = "") -> None:
        """`text` as the file `rel` (a path under root, with /), unless it is there already."""
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        entry = self.before.get(rel)
        if entry and entry[0] == sha and self._untouched(rel, entry):
            self.after[rel] = [sha, key, *entry[2:]]
            return
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self._record(rel, sha, key)

    def write_keyed(self, rel: str, key: str, produce: Callable[[], str]) -> bool:
        """The file `rel` made from `key`: `produce` is called only when the file on disk
        was not made from that key or was touched since. Returns whether it was kept."""
        entry = self.before.get(rel)
        if entry and key and entry[1] == key and self._untouched(rel, entry):
            self.after[rel] = entry
            return True
        self.write(rel, produce(), key)
        return False

    def close(self) -> None:
        """Remove what this run did not produce (a removed document's page, an old index
        shard) and remember what it did."""
        stale = 0
        for folder, _, names in os.walk(self.root, topdown=False):
            for name in names:
                path = Path(folder, name)
                if path.relative_to(self.root).as_posix() not in self.after:
                    path.unlink()
                    stale += 1
            if Path(folder) != self.root and not os.listdir(folder):
                os.rmdir(folder)
        if self.state is not None:
            self.state.mkdir(parents=True, exist_ok=True)
            text = json.dumps(self.after, sort_keys=True, separators=(",", ":"))
            (self.state / MANIFEST).write_text(text, encoding="utf-8")
        log.info(
            "report: %d file(s) written, %d unchanged, %d removed",
            self.written,
            len(self.after) - self.written,
            stale,
        )

    def _untouched(self, rel: str, entry: list) -> bool:
        try:
            stat = (self.root / rel).stat()
        except OSError:
            return False
        return [stat.st_size, stat.st_mtime_ns] == entry[2:]

    def _record(self, rel: str, sha: str, key: str) -> None:
        stat = (self.root / rel).stat()
        self.after[rel] = [sha, key, stat.st_size, stat.st_mtime_ns]
        self.written += 1


def _read_manifest(path: Path) -> dict[str, list]:
    """The last run's manifest; empty when there is none or it cannot be read (every file
    is then written again, which is always correct)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, list) and len(v) == 4}
