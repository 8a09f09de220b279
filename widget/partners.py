"""Partners, the sites that may embed widgets under the "partners" policy, read from a TOML file.

Knows nothing of HTTP or Flask: views and embedding.py ask :class:`Partners` who an origin belongs to.
The file looks like::

    [partners.demo]
    name = "Demo partner"
    origins = ["http://localhost:8001", "http://127.0.0.1:8001"]
    theme = "auto"   # optional: light | dark | auto
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .names import NAME_PATTERN
from .origins import ORIGIN_HELP, normalize_origin
from .plaintext import hidden_character, shown
from .urls import THEMES, Theme

logger = logging.getLogger(__name__)


# A partners file is a short list; the cap keeps a wrong WIDGET_PARTNERS_FILE from being read whole.
MAX_FILE_BYTES = 64 * 1024
MAX_ID_LENGTH = 50
MAX_NAME_LENGTH = 200
ID_PATTERN = re.compile(NAME_PATTERN, re.ASCII)  # ids travel in URLs (?partner=), like slugs
PARTNER_KEYS = ("name", "origins", "theme")


class PartnersError(ValueError):
    """The partners file cannot be used; each line of the message names the file, partner, field and value."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Partner:
    id: str
    name: str
    origins: tuple[str, ...]
    # The default theme of this partner's iframes; None leaves it to the widget's own default.
    theme: Theme | None = None


@dataclass(frozen=True, slots=True)
class Partners:
    partners: Mapping[str, Partner]
    _by_origin: Mapping[str, Partner] = field(init=False, repr=False, compare=False)
    _origins: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Indexed once: by_origin() and origins run on every embed request.
        by_origin: dict[str, Partner] = {}
        for partner in self.partners.values():
            for raw in partner.origins:
                origin = normalize_origin(raw)
                if origin is None:
                    raise ValueError(f"partner {shown(partner.id)}: {shown(raw)} is not {ORIGIN_HELP}.")
                owner = by_origin.setdefault(origin, partner)
                if owner.id != partner.id:
                    raise ValueError(f"partner '{partner.id}': '{origin}' is already declared by '{owner.id}'.")
        object.__setattr__(self, "partners", MappingProxyType(dict(self.partners)))
        object.__setattr__(self, "_by_origin", MappingProxyType(by_origin))
        object.__setattr__(self, "_origins", tuple(sorted(by_origin)))

    def get(self, partner_id: str) -> Partner | None:
        """The partner with this id, or None."""
        return self.partners.get(partner_id)

    def by_origin(self, origin: str) -> Partner | None:
        """The partner that declared this origin, or None if it is unknown or not an origin."""
        normalized = normalize_origin(origin)
        return None if normalized is None else self._by_origin.get(normalized)

    @property
    def origins(self) -> tuple[str, ...]:
        """Every declared origin, normalized, deduplicated and sorted (for CSP frame-ancestors)."""
        return self._origins

    @classmethod
    def empty(cls) -> Partners:
        """No partners: under the "partners" policy, nobody may embed."""
        return cls(MappingProxyType({}))


def load_partners(path: Path) -> Partners:
    """Read and check the partners file, or raise :class:`PartnersError` listing every problem."""
    file = str(path)
    data = _read_toml(path, file)
    problems: list[str] = []
    partners = _check_partners(file, data, problems)
    if problems:
        raise PartnersError(*problems)
    logger.info("Loaded %d partners from %s", len(partners), path)
    return Partners(MappingProxyType(partners))


def _read_toml(path: Path, file: str) -> dict[str, Any]:
    if not path.exists():
        raise PartnersError(f"{file}: there is no such file.")
    if not path.is_file():
        raise PartnersError(f"{file}: must be a TOML file, got a folder or a special file.")
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise PartnersError(f"{file}: cannot be read: {exc.strerror}.") from exc
    if len(raw) > MAX_FILE_BYTES:
        size = path.stat().st_size
        raise PartnersError(f"{file}: must be at most {MAX_FILE_BYTES} bytes (64 KiB), got {size} bytes.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PartnersError(
            f"{file}: must be UTF-8 text, got byte 0x{raw[exc.start]:02x} at offset {exc.start}."
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with where it stopped: "(at line 3, column 7)".
        raise PartnersError(f"{file}: is not valid TOML: {exc}.") from None


def _check_partners(file: str, data: dict[str, Any], problems: list[str]) -> dict[str, Partner]:
    for key in data:
        if key != "partners":
            problems.append(f"{file}: unknown top-level key {shown(key)}; the file holds only [partners.<id>] tables.")
    # A file with no [partners] table is valid: it declares nobody, as a fresh deployment may.
    entries = data.get("partners", {})
    if not isinstance(entries, dict):
        problems.append(f"{file}: partners must be a table of [partners.<id>] tables, got {_show(entries)}.")
        return {}
    partners: dict[str, Partner] = {}
    owners: dict[str, str] = {}
    for partner_id, entry in entries.items():
        partner = _check_partner(file, partner_id, entry, owners, problems)
        if partner is not None:
            partners[partner_id] = partner
    return partners


def _check_partner(
    file: str, partner_id: str, entry: object, owners: dict[str, str], problems: list[str]
) -> Partner | None:
    before = len(problems)
    where = f"{file}: partner {shown(partner_id)}"
    if len(partner_id) > MAX_ID_LENGTH or not ID_PATTERN.fullmatch(partner_id):
        problems.append(
            f"{file}: partner ids must be at most {MAX_ID_LENGTH} lowercase letters and digits,"
            f" in words joined by single hyphens, like 'acme-health', got {shown(partner_id)}."
        )
    if not isinstance(entry, dict):
        problems.append(f"{where} must be a table with name and origins, got {_show(entry)}.")
        return None
    for key in entry:
        if key not in PARTNER_KEYS:
            problems.append(f"{where}: unknown key {shown(key)}; a partner has only name, origins and theme.")
    name = _check_name(where, entry, problems)
    origins = _check_origins(where, partner_id, entry, owners, problems)
    theme = _check_theme(where, entry, problems)
    if len(problems) > before or name is None:
        return None
    return Partner(partner_id, name, origins, theme)


def _check_name(where: str, entry: dict[str, Any], problems: list[str]) -> str | None:
    if "name" not in entry:
        problems.append(f"{where}: name is required.")
        return None
    name = entry["name"]
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: name must be a non-empty string, got {_show(name)}.")
        return None
    name = name.strip()
    if (hidden := hidden_character(name)) is not None:
        problems.append(
            f"{where}: name must be plain text without control or invisible formatting characters,"
            f" got {hidden} in {shown(name)}."
        )
        return None
    if len(name) > MAX_NAME_LENGTH:
        problems.append(f"{where}: name must be at most {MAX_NAME_LENGTH} characters, got {len(name)} characters.")
        return None
    return name


def _check_origins(
    where: str, partner_id: str, entry: dict[str, Any], owners: dict[str, str], problems: list[str]
) -> tuple[str, ...]:
    if "origins" not in entry:
        problems.append(f"{where}: origins is required.")
        return ()
    values = entry["origins"]
    if not isinstance(values, list) or not values:
        problems.append(f"{where}: origins must be a non-empty list of origins, got {_show(values)}.")
        return ()
    origins: list[str] = []
    for index, value in enumerate(values):
        at = f"{where}: origins[{index}]"
        if not isinstance(value, str):
            problems.append(f"{at} must be a string, got {_show(value)}.")
            continue
        if "*" in value:
            # A wildcard would hide "everyone" inside a list of partners; the open policy says it plainly.
            problems.append(
                f"{at} must not be a wildcard: list each origin, or use the open embed policy"
                f" to let every site embed the widgets, got {shown(value)}."
            )
            continue
        origin = normalize_origin(value)
        if origin is None:
            problems.append(f"{at} must be {ORIGIN_HELP}, got {shown(value)}.")
            continue
        if origin in origins:
            problems.append(f"{at} repeats '{origin}', already listed as origins[{_index(values, origin)}].")
            continue
        owner = owners.setdefault(origin, partner_id)
        if owner != partner_id:
            problems.append(
                f"{at} '{origin}' is already declared by partner {shown(owner)}; an origin has one partner."
            )
            continue
        origins.append(origin)
    return tuple(origins)


def _check_theme(where: str, entry: dict[str, Any], problems: list[str]) -> Theme | None:
    if "theme" not in entry:
        return None
    value = entry["theme"]
    for theme in THEMES:
        if value == theme:
            return theme
    problems.append(f"{where}: theme must be one of {', '.join(THEMES)}, got {_show(value)}.")
    return None


def _index(values: list[Any], origin: str) -> int:
    """Where ``origin`` first appears in the raw list, however it was spelled there."""
    return next(i for i, value in enumerate(values) if isinstance(value, str) and normalize_origin(value) == origin)


def _show(value: object) -> str:
    """A TOML value as the operator wrote it (escaped, cut short), or its kind when it is a table or list."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return str(value)


__all__ = [
    "THEMES",
    "Partner",
    "Partners",
    "PartnersError",
    "Theme",
    "load_partners",
    "normalize_origin",
]
