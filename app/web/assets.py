"""Our own static files (styles, script, icon), linked by their content.

A page links each file with a hash of what it holds (`asset_url`), and a request
carrying the current hash may be kept by the browser for a year. So a deploy that
changes app.js reaches every browser on its next page load, instead of whenever a
cached copy happens to expire (an old script with a new page can misbehave)."""

import hashlib
from functools import lru_cache
from os import PathLike
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
KEEP_FOR_A_YEAR = "public, max-age=31536000, immutable"


@lru_cache(maxsize=64)
def _version(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def version_of(path: Path) -> str:
    """The hash of a file's content, read again only when the file changes."""
    stat = path.stat()
    return _version(path, stat.st_mtime_ns, stat.st_size)


def asset_url(name: str, directory: Path = STATIC_DIR) -> str:
    return f"/static/{name}?v={version_of(directory / name)}"


class Assets(StaticFiles):
    """StaticFiles, telling browsers to keep a file asked for by its current hash."""

    def file_response(self, full_path: PathLike, stat_result, scope: Scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v")
        if asked == [version_of(Path(full_path))]:
            response.headers["Cache-Control"] = KEEP_FOR_A_YEAR
        else:  # unversioned, or an old page asking for what is gone: check each time
            response.headers["Cache-Control"] = "no-cache"
        return response
