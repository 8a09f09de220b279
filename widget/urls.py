"""The widgets' names and their absolute URLs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

Kind = Literal["takeaway", "comparison", "sources", "sections"]
Mode = Literal["embed", "fragment"]
KINDS: Final[tuple[Kind, ...]] = ("takeaway", "comparison", "sources", "sections")
MODES: Final[tuple[Mode, ...]] = ("embed", "fragment")
Theme = Literal["light", "dark", "auto"]
THEMES: Final[tuple[Theme, ...]] = ("light", "dark", "auto")
DEFAULT_THEME: Final[Theme] = "auto"


@dataclass(frozen=True, slots=True)
class Links:
    """Absolute URLs: a fragment lands on a partner's page, where a relative URL would point home."""

    public_url: str
    # Plain static name -> content-hashed name (see widget.assets); a name not in it is served as is.
    manifest: Mapping[str, str] = field(default_factory=dict)

    def static(self, name: str) -> str:
        return f"{self.public_url}/static/{self.manifest.get(name, name)}"

    def widget(self, mode: Mode, slug: str, kind: Kind) -> str:
        return f"{self.public_url}/{mode}/{slug}/{kind}"

    def article(self, slug: str) -> str:
        return f"{self.public_url}/articles/{slug}"

    def home(self) -> str:
        return f"{self.public_url}/"
