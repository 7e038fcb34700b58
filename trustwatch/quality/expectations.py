"""Great Expectations expectations that build their configuration once.

GX 1.x rebuilds an expectation's `ExpectationConfiguration` from its pydantic fields
(`.dict()`, then a camel-to-snake regex on the class name) on every read of
`Expectation.configuration`. One validation of the 8-check batch suite reads it about 950
times, whatever the number of rows: a third of the fixed cost the pre-load gate pays on
every page (cProfile of `benchmarks/fuzz_ingest.py --page-size 1`), which is what made a
page of one record cost as much as a page of fifty.

`memoised(expectation)` returns the same expectation as an instance of a subclass that
keeps the configuration it built until one of its fields is assigned. The subclass
inherits everything else (metrics, validation, results), so the suite checks exactly what
it did; it is registered with GX under its own type name (the original name + `_memo`)
so GX's own class for that name is left untouched for any other caller.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def memo_class(cls: type) -> type:
    """The memoising subclass of one GX expectation class (built once per process)."""
    import pydantic.v1 as pydantic

    def configuration(self: Any) -> Any:
        built = self._tw_configuration
        if built is None:
            built = cls.configuration.fget(self)
            object.__setattr__(self, "_tw_configuration", built)
        return built

    def __setattr__(self: Any, name: str, value: Any) -> None:
        cls.__setattr__(self, name, value)
        if not name.startswith("_"):
            object.__setattr__(self, "_tw_configuration", None)

    namespace = {
        "__module__": __name__,
        "__doc__": cls.__doc__,
        "_tw_configuration": pydantic.PrivateAttr(default=None),
        "configuration": property(configuration),
        "__setattr__": __setattr__,
    }
    return type(cls)(f"{cls.__name__}Memo", (cls,), namespace)


def memoised(expectation: Any) -> Any:
    """`expectation` as its memoising subclass, with the same fields."""
    if type(expectation).__module__ == __name__:
        return expectation
    cls = memo_class(type(expectation))
    fields = {name: getattr(expectation, name) for name in expectation.__fields_set__}
    return cls(**fields)
