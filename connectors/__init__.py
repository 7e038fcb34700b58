"""Platform connectors over one stream base (see README, "Connectors").

`connectors.registered()` lists every platform the ingest job knows; a new platform is
one module (streams + a `Connector`) and one entry there.
"""

from __future__ import annotations

from typing import Any


def registered() -> list[Any]:
    """The platform connectors, imported on first use (they pull in their client libraries)."""
    from connectors import facebook, reddit, x

    return [x.CONNECTOR, facebook.CONNECTOR, reddit.CONNECTOR]
