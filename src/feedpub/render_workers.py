"""Render a build's shorter files in forked worker processes.

The workers inherit the plan and its preloaded Articles, so only indexes go
to them and only bytes come back. An article is listed by several feeds (the
overall feed and each of its topics'), and its item has the same bytes in
every feed of one format (feedmeta.Frame): the workers first render each
article's item once per format, a group of articles in one document, and
each feed's frame (its document without items); the build's process puts
the items in the frames as it writes each file.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Union

from .model import Listing
from . import plan as planning
from .plan import Plan, PlannedFeed, RenderedItems

# Articles whose items a worker renders in one document (one task): enough
# to make the document's own cost small, few enough to share the work out.
ITEM_GROUP = 50


@dataclass(frozen=True, slots=True)
class ItemGroup:
    """Items a worker renders together: of ``listings`` in feeds ``fmt``."""

    fmt: str
    listings: tuple[Listing, ...]


# A step of the work: render a group of items, render file n (an int), or
# forget the items kept so far (None), which no later file lists.
Step = Union[ItemGroup, int, None]


def render_in_workers(plan: Plan, planned: list[PlannedFeed | None], renders: list[Callable[[], Iterable[bytes]]],
                      short: list[int], processes: int, minimum: int) -> Iterator[Iterable[bytes]]:
    """The bytes of each pending file, in order, as chunks: files ``short``
    rendered by ``processes`` workers (with at least ``minimum`` tasks), the
    others here. ``planned`` is each file's feed (None for the other files),
    ``renders`` each file's render; every article of the ``short`` feeds
    must be preloaded (Resolver.preload)."""
    from . import atom, jsonfeed, rss  # noqa: F401  imported once here, not in every worker
    from .parallel import ordered_map

    work = _Work(plan, planned, renders, steps(planned, short))
    key = id(work)  # one entry per build, should two run in threads of one process
    _RENDERS[key] = work
    try:
        tasks = [(key, number) for number, step in enumerate(work.steps) if step is not None]
        results = ordered_map(_render_one, tasks, processes, minimum)
        # Fork the workers now, while every preloaded article is still loaded:
        # rendering a long feed here lets the Resolver forget some.
        results = itertools.chain([next(results)], results)
        remaining = iter(work.steps)
        items = RenderedItems(plan.resolver, plan.refs)  # the items the workers rendered
        in_workers = set(short)
        for n, render in enumerate(renders):
            if n not in in_workers:
                yield render()
                continue
            for step in remaining:  # up to file n's step, in the order of the tasks
                if step is None:
                    items = RenderedItems(plan.resolver, plan.refs)
                elif isinstance(step, ItemGroup):
                    items.keep(step.fmt, step.listings, next(results))
                else:
                    result, feed = next(results), planned[step]
                    yield (result,) if feed is None else plan.render_chunks(feed, result, items)
                    break
    finally:
        del _RENDERS[key]


def steps(planned: list[PlannedFeed | None], short: list[int]) -> list[Step]:
    """The work of rendering files ``short`` in order: before each feed, the
    groups of its items not rendered yet (each article's once per format),
    so that each file can be written as soon as it is rendered. At most
    ITEM_MEMORY items (an article in a format) are kept at a time: past
    that, those kept so far are forgotten, and later feeds' items rendered
    again, so memory stays bounded however many feeds there are."""
    work: list[Step] = []
    kept: set[tuple[str, str]] = set()
    for n in short:
        feed = planned[n]
        if feed is not None:
            new = [item for item in feed.items if (feed.fmt, item.source) not in kept]
            if len(kept) + len(new) > planning.ITEM_MEMORY:
                work.append(None)
                kept, new = set(), list(feed.items)
            kept.update((feed.fmt, item.source) for item in new)
            work += [ItemGroup(feed.fmt, tuple(new[i:i + ITEM_GROUP])) for i in range(0, len(new), ITEM_GROUP)]
        work.append(n)
    return work


@dataclass(slots=True)
class _Work:
    """What forked workers inherit of one build: its plan, each pending
    file's feed (None for the other files) and render, and the steps."""

    plan: Plan
    planned: list[PlannedFeed | None]
    renders: list[Callable[[], Iterable[bytes]]]
    steps: list[Step]


def _render_one(task: tuple[int, int]) -> object:
    """Worker: for the build ``key`` that forked this process, do step
    ``number``: the bytes of a group's items, a feed's frame, or another
    file's bytes."""
    key, number = task
    work = _RENDERS[key]
    step = work.steps[number]
    if isinstance(step, ItemGroup):
        return work.plan.items.render(step.listings, step.fmt)
    feed = work.planned[step]
    if feed is None:
        return b"".join(work.renders[step]())
    return work.plan.frame(feed)


# What forked render workers inherit: the work of each build.
_RENDERS: dict[int, _Work] = {}
