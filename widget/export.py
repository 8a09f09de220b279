"""``flask --app widget export DIR``: the pre-rendered table on disk, for nginx or any static host.

Every body in the table becomes a file (with ``.gz`` and ``.br`` siblings holding the exact bytes of
its encodings), the static files are copied under both their hashed and plain names, and an
``nginx.conf`` serves the folder with the headers the app sends under the ``open`` policy. The app
and the export read one table, so they never serve different bytes; each body's file and each nginx
route come from its key (widget.urls). Written to a temporary sibling and renamed into place, so a
failed export leaves nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final, cast
from urllib.parse import urlsplit

from flask import Flask
from whitenoise.base import WhiteNoise
from whitenoise.media_types import MediaTypes

from .assets import ASSETS_DIR, HASHED
from .embedding import BASE_HEADERS, FALLBACK_CSP, preflight_headers, response_headers
from .fastpath import Responder
from .live import LiveContent
from .names import NAME_PATTERN
from .serving import Body, Encoding
from .settings import PROJECT_ROOT, Settings
from .urls import DEFAULT_THEME, KEY_TYPES, THEMES, BodyKey, HeaderKind, Links, field_names

CONFIG_NAME: Final = "nginx.conf"
# Fixed modes, whatever the umask: nginx's workers run as another user and must read every file;
# nobody but the owner may change what a CDN will serve.
FILE_MODE: Final = 0o644
FOLDER_MODE: Final = 0o755
# Characters nginx.conf cannot hold inside a double-quoted string ($ starts a variable).
_UNQUOTABLE = re.compile(r'["$\\\n\r]')
# Body.encoded's compressed codings and the suffixes nginx's gzip_static and brotli_static look for.
_SIBLINGS: Final[tuple[tuple[Encoding, str], ...]] = (("gzip", "gz"), ("br", "br"))


class ExportError(Exception):
    """The export cannot be written; the message names the folder or body and what to do."""


@dataclass(frozen=True, slots=True)
class ExportReport:
    folder: Path
    files: int
    bytes: int
    warnings: tuple[str, ...] = ()


def export_site(app: Flask, folder: Path, *, force: bool = False) -> ExportReport:
    """Write every body, the static files and ``nginx.conf`` to ``folder``; replace it only with ``force``."""

    folder = folder.absolute()
    settings = cast(Settings, app.extensions["widget.settings"])
    live = cast(LiveContent, app.extensions["widget.live"])
    links = cast(Links, app.extensions["widget.links"])
    responder = cast(Responder, app.extensions["widget.responder"])
    _check_target(folder, force, settings)
    table = live.snapshot.table

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".export", dir=folder.parent))
    try:
        staging.chmod(FOLDER_MODE)  # mkdtemp made it private
        written: list[Path] = []
        scripted: dict[PurePosixPath, BodyKey] = {}  # the documents that load htmx
        for key, body in table.items():  # one at a time: a large catalogue is never in memory whole
            file = key.file()
            written += _write_body(staging, file, body)
            if body.scripts:
                scripted[file] = key
        written += _copy_static(staging / "static", PROJECT_ROOT / "static", ASSETS_DIR, links.manifest)
        config = nginx_config(
            root=folder,
            settings=settings,
            responder=responder,
            scripted=scripted,
            static_names=[p.relative_to(staging / "static").as_posix() for p in written if _is_static(p, staging)],
        )
        (staging / CONFIG_NAME).write_text(config, encoding="utf-8")
        (staging / CONFIG_NAME).chmod(FILE_MODE)
        written.append(staging / CONFIG_NAME)
        size = sum(path.stat().st_size for path in written)
        _swap_into_place(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    warnings: tuple[str, ...] = ()
    if settings.embed_policy != "open":
        warnings = (
            f"WIDGET_EMBED_POLICY is '{settings.embed_policy}', but the export serves the 'open' policy: "
            f"any site may frame its widgets and read its fragments. Edit frame-ancestors and "
            f"Access-Control-Allow-Origin in {folder / CONFIG_NAME} before serving it.",
        )
    return ExportReport(folder, len(written), size, warnings)


def _check_target(folder: Path, force: bool, settings: Settings) -> None:
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"'{folder}' exists and is not a folder.")
    if folder.is_dir() and any(folder.iterdir()):
        if not force:
            raise ExportError(f"'{folder}' exists and is not empty; pass --force to replace it.")
        resolved = folder.resolve()
        for precious in (PROJECT_ROOT, settings.content_dir):
            if precious.resolve().is_relative_to(resolved):
                raise ExportError(f"'{folder}' holds '{precious}'; --force would delete it. Choose another folder.")
    if _UNQUOTABLE.search(str(folder)):
        raise ExportError(f"'{folder}' cannot be written into nginx.conf (it has a quote, '$', '\\' or a newline).")


def _write_body(root: Path, file: PurePosixPath, body: Body) -> list[Path]:
    """The identity bytes, and a sibling per encoding the app keeps: exactly Body.encoded."""
    path = root / file
    _make_folders(root, file.parent)
    out = [(path, body.encoded.get("identity", body.data))]
    out += [
        (path.with_name(f"{path.name}.{suffix}"), body.encoded[enc]) for enc, suffix in _SIBLINGS if enc in body.encoded
    ]
    # nginx's Last-Modified is the file's mtime: make it the app's.
    stamp = body.modified.timestamp()
    for target, data in out:
        target.write_bytes(data)
        target.chmod(FILE_MODE)
        os.utime(target, (stamp, stamp))
    return [target for target, _ in out]


def _make_folders(root: Path, relative: PurePosixPath) -> None:
    folder = root
    for part in relative.parts:
        folder = folder / part
        if not folder.is_dir():
            folder.mkdir()
            folder.chmod(FOLDER_MODE)


def _copy_static(target: Path, plain_root: Path, hashed_root: Path, manifest: Mapping[str, str]) -> list[Path]:
    """The hashed names (with their siblings), and the plain names, as WhiteNoise serves both."""
    copied: list[Path] = []
    for plain, hashed in sorted(manifest.items()):
        sources = [(plain_root / plain, plain), (hashed_root / hashed, hashed)]
        sources += [(hashed_root / f"{hashed}.{suffix}", f"{hashed}.{suffix}") for _, suffix in _SIBLINGS]
        for source, name in sources:
            if not source.is_file():
                continue  # small or binary files have no siblings
            out = target / name
            _make_folders(target.parent, PurePosixPath(target.name, name).parent)
            shutil.copy2(source, out)  # keeps the mtime, which WhiteNoise sends as Last-Modified
            out.chmod(FILE_MODE)
            copied.append(out)
    return copied


def _is_static(path: Path, staging: Path) -> bool:
    return path.is_relative_to(staging / "static") and path.suffix not in (".gz", ".br")


def _swap_into_place(staging: Path, folder: Path) -> None:
    """Replace ``folder`` with ``staging``: two renames, and the old export removed last."""
    if not folder.exists():
        staging.rename(folder)
        return
    old = staging.with_name(staging.name + ".old")  # unique, as mkdtemp made staging's name
    folder.rename(old)
    try:
        staging.rename(folder)
    except OSError:
        old.rename(folder)
        raise
    shutil.rmtree(old, ignore_errors=True)


# -- nginx.conf -----------------------------------------------------------------------------------

# Which headers a response gets is a "profile", chosen per route (set $hw_profile); every header is
# then a map from "<profile>:<ok|error>" to its value, added once at server level. Profiles, not
# add_header per location, because nginx drops inherited add_headers in any block that has its own.
SUCCESS: Final = (200, 204, 206, 304)
HEADER_KINDS: Final[tuple[HeaderKind, ...]] = ("page", "embed", "fragment")


def nginx_config(
    *,
    root: Path,
    settings: Settings,
    responder: Responder,
    scripted: Mapping[PurePosixPath, BodyKey],
    static_names: Iterable[str],
) -> str:
    """The includable nginx file: the maps and one ``server {}`` that serves the exported folder."""
    origin = settings.asset_origin
    # Each route's profile admits no script; the documents that load htmx get their own (below).
    loaders = {path: key.HEADERS for path, key in scripted.items()}
    profiles: dict[str, Mapping[str, str]] = {}
    variants = [(kind, False) for kind in HEADER_KINDS] + [(kind, True) for kind in sorted(set(loaders.values()))]
    for kind, loads in variants:
        # The open policy: anyone may frame embeds and read fragments (Policy.frame_ancestors, .cors_origin).
        profiles[_profile(kind, loads)] = dict(
            responder.headers(kind, "*", "*" if kind == "fragment" else None, loads, False)
        )
    error = response_headers("error", settings.cache_max_age, origin, frame_ancestors="*")
    fragment_error = response_headers("fragment-error", settings.cache_max_age, origin, cors="*")
    # What the app sends with a static file: WhiteNoise's (allow_all_origins, FOREVER, as widget/__init__.py
    # configures it), and the base headers SecureDefaults adds to every response that lacks them.
    static = {"Access-Control-Allow-Origin": "*", **BASE_HEADERS, "Content-Security-Policy": FALLBACK_CSP}
    profiles["static"] = {**static, "Cache-Control": f"max-age={settings.cache_max_age}, public"}
    profiles["static-immutable"] = {**static, "Cache-Control": f"max-age={WhiteNoise.FOREVER}, public, immutable"}
    profiles["preflight"] = preflight_headers("*")

    names = _header_names([*profiles.values(), error, fragment_error])
    maps = [
        "map $status $hw_outcome {\n"
        + "".join(f"    {status:<7} ok;\n" for status in SUCCESS)
        + "    default error;\n}\n",
        # Regexes, not strings: nginx matches a map's strings without regard to case; the app does not.
        f'map $arg_theme $hw_theme {{\n    ""  {DEFAULT_THEME};\n    "~^(?:{"|".join(THEMES)})$"  $arg_theme;\n'
        + '    default "";  # the app answers 400\n}\n',
        f'map $arg_open $hw_open {{\n    ""  _;\n    "~^{NAME_PATTERN}$"  $arg_open;\n    default "";  # the app answers 400\n}}\n',
    ]
    for name in names:
        lines = [f"map $hw_profile:$hw_outcome {_variable(name)} {{", f"    default {_quote(error.get(name, ''))};"]
        for profile, headers in profiles.items():
            lines.append(f"    {_quote(profile + ':ok'):<24} {_quote(headers.get(name, ''))};")
            if profile.startswith("fragment"):
                lines.append(f"    {_quote(profile + ':error'):<24} {_quote(fragment_error.get(name, ''))};")
        maps.append("\n".join(lines) + "\n}\n")

    server = SERVER.format(
        host=urlsplit(settings.public_url).hostname or "_",
        root=_quote(str(root)),
        add_headers="\n".join(f"    add_header {name} {_variable(name)} always;" for name in names),
        routes="".join(_location(key_type) for key_type in KEY_TYPES),
        internal="".join(f"    location {place} {{ internal; }}\n" for place in _file_places()),
        exceptions="".join(
            f"    location = /{path} {{ internal; set $hw_profile {_profile(kind, True)}; }}\n"
            for path, kind in sorted(loaders.items())
        )
        or "    # (none)\n",
        static_types=_static_types(static_names),
        hashed=HASHED.pattern,
    )
    return HEADER.format(root=root) + "\n" + MAPS + "\n".join(maps) + "\n" + server


def _file_places() -> dict[str, None]:
    """Where the exported files of each kind of key sit, as nginx location prefixes (in route order)."""
    return dict.fromkeys(f"/{k.PATH[0]}/" if k.PATH else f"= /{k.FILE}" for k in KEY_TYPES)


def _location(key_type: type[BodyKey]) -> str:
    """The nginx route of one kind of key: its path as parse() reads it, rewritten to its file.

    The path's fields are named captures matching exactly what widget.urls accepts; the fields a
    document takes from its query (an embed's theme and open part) come from the maps above, and
    a value the app would refuse leaves its map empty, which is a 400 here too.
    """
    if not key_type.PATH:
        return f"    location = / {{\n        set $hw_profile {key_type.HEADERS};\n        rewrite ^ /{key_type.FILE} last;\n    }}\n"
    segments = [s if isinstance(s, str) else f"(?<hw_{s.name}>{s.pattern})" for s in key_type.PATH]
    path_fields = {s.name for s in key_type.PATH if not isinstance(s, str)}
    query_fields = [name for name in field_names(key_type) if name not in path_fields]
    lines = [f'    location ~ "^/{"/".join(segments)}$" {{', f"        set $hw_profile {key_type.HEADERS};"]
    if key_type.HEADERS == "fragment":
        lines += [
            "        # htmx's HX-* request headers make every cross-origin request send a CORS preflight.",
            "        if ($request_method = OPTIONS) {",
            "            set $hw_profile preflight;",
            "            return 204;",
            "        }",
        ]
    for name in query_fields:
        lines += [f'        if ($hw_{name} = "") {{', "            return 400;", "        }"]
    file = key_type.FILE.format(**{name: f"$hw_{name}" for name in (*path_fields, *query_fields)})
    lines += [f"        rewrite ^ /{file} last;", "    }"]
    return "\n".join(lines) + "\n"


def _profile(kind: HeaderKind, scripts: bool) -> str:
    return f"{kind}-scripts" if scripts else kind


def _header_names(header_sets: Iterable[Mapping[str, str]]) -> list[str]:
    names: dict[str, None] = {}
    for headers in header_sets:
        names.update(dict.fromkeys(headers))
    return list(names)


def _variable(header: str) -> str:
    return "$hw_h_" + header.lower().replace("-", "_")


def _quote(value: str) -> str:
    if _UNQUOTABLE.search(value):
        raise ExportError(f"Header value {value!r} cannot be written into nginx.conf (quote, '$', '\\' or newline).")
    return f'"{value}"'


def _static_types(names: Iterable[str]) -> str:
    """An nginx ``types {}`` with WhiteNoise's media type for each extension exported, so both agree."""
    media = MediaTypes()
    by_type: dict[str, set[str]] = {}
    for name in names:
        extension = PurePosixPath(name).suffix.lower()
        media_type = media.types_map.get(extension)
        if media_type:
            by_type.setdefault(media_type, set()).add(extension.removeprefix("."))
    lines = [f"            {media_type} {' '.join(sorted(exts))};" for media_type, exts in sorted(by_type.items())]
    text_types = " ".join(sorted(t for t in by_type if t.startswith("text/"))) or "text/plain"
    return "\n".join(
        [
            "        types {",
            *lines,
            "        }",
            "        default_type application/octet-stream;",
            # WhiteNoise adds a charset to text/* types only.
            f"        charset_types {text_types};",
        ]
    )


HEADER: Final = """\
# nginx configuration for a health-widgets export, written by `flask --app widget export`.
#
# It serves the folder {root} with the bytes and headers the app serves under
# WIDGET_EMBED_POLICY=open. Include it inside http {{}}; it holds the maps and one server {{}} (one
# export per http {{}}: the maps' variable names are global):
#
#     http {{
#         include {root}/nginx.conf;
#     }}
#
# Then set `listen` (and TLS) to your needs, and `server_name` if it is not the WIDGET_PUBLIC_URL
# the export was made with. If you move the folder, change `root`.
#
# Not reproduced: the `partners` policy and the ?partner= parameter (per-partner frame-ancestors and
# CORS grants are computed per request by the app); /oembed, /healthz and /readyz; 400 for an
# unknown ?open= part (404 here). A `partner` parameter is ignored. The ETags are nginx's own, not
# the app's.
#
# brotli_static needs ngx_brotli's static module: on Debian `apt-get install
# libnginx-mod-http-brotli-static` (it loads itself); elsewhere `load_module
# modules/ngx_http_brotli_static_module.so;` in the main context. Without it, delete that line and
# clients get gzip.
"""

MAPS: Final = """\
# Each location names the headers its answers get with `set $hw_profile`; each header is a map from
# "<profile>:<ok|error>" to the app's value for it (empty: not sent). Errors get the app's error
# headers: a short Cache-Control, and CORS on fragment paths.

"""

SERVER: Final = """\
server {{
    listen 80;
    server_name {host};
    root {root};
    server_tokens off;
    log_not_found off;  # an unknown slug is an ordinary 404, not an error worth a log line

    types {{ text/html html; }}
    default_type text/html;
    charset utf-8;
    # Exactly the app's bytes: the precompressed siblings, never compression on the fly (bodies under
    # 512 bytes have no siblings and go out as identity, as from the app).
    gzip off;
    gzip_static on;
    brotli_static on;  # needs the brotli static module, see the top of this file
    gzip_vary on;
    gzip_proxied any;  # a CDN in front (it sends Via) gets the compressed files too

    set $hw_profile "";
{add_headers}

    # The routes, one per kind of URL (widget.urls); an embed's ?theme= (empty: the default) and
    # ?open= (empty: none, the file "_") pick the document.
{routes}
    # The files themselves, reached only through the routes above.
{internal}    # The documents that load htmx: their Content-Security-Policy admits it.
{exceptions}
    location /static/ {{
        set $hw_profile static;
        try_files $uri =404;
{static_types}
        # Content-hashed names never change: ten years, immutable (widget.assets.is_immutable).
        location ~ "{hashed}" {{
            set $hw_profile static-immutable;
            try_files $uri =404;
        }}
    }}

    location / {{
        return 404;
    }}
}}
"""
