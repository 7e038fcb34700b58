"""What every command shares: the registry path, and lazily the registry and engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import click
from sqlalchemy import Engine

from trustwatch.db.engine import get_engine
from trustwatch.registry import Registry, load_registry


@dataclass
class AppContext:
    config_path: Path
    _cache: dict[str, object] = field(default_factory=dict)

    @cached_property
    def registry(self) -> Registry:
        return load_registry(self.config_path)

    @property
    def engine(self) -> Engine:
        return get_engine()


pass_app = click.make_pass_decorator(AppContext)
