"""Render a build's shorter files in forked worker processes.

The workers inherit the plan and the cache's records of the articles to
render (Resolver.prefetch), so only indexes go to them and only bytes come
back. An article is listed by several feeds (the overall feed and each of
its topics', in each format), and its item has the same bytes in every feed
of one format (feedmeta.Frame): the workers first render each article's
items, in every format at once, a group of articles in one document per
format, and each feed's frame (its document without items); the build's
process puts the items in the frames as it writes each file. An article is
thus loaded by one worker only, and never by the build's process.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Container, Iterable, Iterator, Union

from .model import Listing
from . import plan as planning
from .plan import Plan, PlannedFeed

# Articles whose items a worker renders in one document per format (one
# task): enough to make the documents' own cost small, few enough to share
# the work out.
ITEM_GROUP = 50


@dataclass(frozen=True, slots=True)
class ItemGroup:
    """Items a worker renders together: of ``listings`` in feeds of each of ``fmts``."""

    fmts: tuple[str, ...]
    listings: tuple[Listing, ...]


# A step of the work: render a group of items, render file n (an int), or
# forget the items kept so far (None), which no later file lists.
Step = Union[ItemGroup, int, None]


def render_in_workers(plan: Plan, planned: list[PlannedFeed | None], renders: list[Callable[[], Iterable[bytes]]],
                      short: list[int], processes: int, minimum: int) -> Iterator[Iterable[bytes]]:
    """The bytes of each pending file, in order, as chunks: files ``short``
    rendered by ``processes`` workers (with at least ``minimum`` steps), the
    others here. ``planned`` is each file's feed (None for the other files),
    ``renders`` each file's render; every article of the ``short`` feeds
    must have been prefetched (Resolver.prefetch)."""
    from . import atom, jsonfeed, rss  # noqa: F401  imported once here, not in every worker
    from .parallel import ordered_map

    work = _Work(plan, planned, renders, steps(planned, short, plan.reused_items))
    key = id(work)  # one entry per build, should two run in threads of one process
    _RENDERS[key] = work
    try:
        runs = _runs(work.steps)
        if sum(map(len, runs)) < minimum:
            processes = 1
        # A run at a time to each worker: a run renders tens of articles in
        # each format, and a chunk of several runs would leave one worker
        # rendering the last of them while the other has nothing to do.
        tasks = [(key, run) for run in runs]
        results = itertools.chain.from_iterable(ordered_map(_render_run, tasks, processes, 1, chunk=1))
        # Fork the workers now, while every prefetched record is still there.
        results = itertools.chain([next(results)], results)
        remaining = iter(work.steps)
        items = plan.items.fresh()  # the items the workers rendered, and those reused
        in_workers = set(short)
        for n, render in enumerate(renders):
            if n not in in_workers:
                yield render()
                continue
            for step in remaining:  # up to file n's step, in the order of the tasks
                if step is None:
                    items = plan.items.fresh()
                elif isinstance(step, ItemGroup):
                    for fmt, rendered in zip(step.fmts, next(results)):
                        items.keep(fmt, step.listings, rendered)
                else:
                    result, feed = next(results), planned[step]
                    yield (result,) if feed is None else plan.render_chunks(feed, result, items)
                    break
    finally:
        del _RENDERS[key]


def steps(planned: list[PlannedFeed | None], short: list[int],
          reused: Container[tuple[str, str]] = ()) -> list[Step]:
    """The work of rendering files ``short`` in order: before each feed, the
    groups of its items not rendered yet (each article's once per format)
    nor ``reused`` (by format and source: taken from an earlier build's files),
    so that each file can be written as soon as it is rendered. A group
    renders its articles in the format of the feed and in those of the
    feeds after it that list the same items (the feed in its other
    formats), so that each article is loaded by one worker. At most
    ITEM_MEMORY items (an article in a format) are kept at a time: past
    that, those kept so far are forgotten, and later feeds' items rendered
    again, so memory stays bounded however many feeds there are."""
    work: list[Step] = []
    kept: set[tuple[str, str]] = set()
    later = _later_formats(planned, short)
    for position, n in enumerate(short):
        feed = planned[n]
        if feed is not None:
            fmts = later[position]
            if len(fmts) * len(feed.items) > planning.ITEM_MEMORY:
                fmts = (feed.fmt,)
            new = [item for item in feed.items if (feed.fmt, item.source) not in kept
                   and (feed.fmt, item.source) not in reused]
            if len(kept) + len(fmts) * len(new) > planning.ITEM_MEMORY:
                work.append(None)
                kept, new = set(), [item for item in feed.items if (feed.fmt, item.source) not in reused]
            kept.update((fmt, item.source) for fmt in fmts for item in new)
            work += [ItemGroup(fmts, tuple(new[i:i + ITEM_GROUP])) for i in range(0, len(new), ITEM_GROUP)]
        work.append(n)
    return work


def _later_formats(planned: list[PlannedFeed | None], short: list[int]) -> list[tuple[str, ...]]:
    """For each feed of ``short``, its format, then those of the feeds after
    it that list the very same items (a plan gives a feed's formats one
    tuple of items)."""
    formats: dict[int, list[str]] = {}
    for n in reversed(short):
        feed = planned[n]
        if feed is not None:
            formats.setdefault(id(feed.items), []).append(feed.fmt)
    later: list[tuple[str, ...]] = []
    for n in short:
        feed = planned[n]
        if feed is None:
            later.append(())
            continue
        remaining = formats[id(feed.items)]
        later.append(tuple(dict.fromkeys(reversed(remaining))))
        remaining.pop()
    return later


@dataclass(slots=True)
class _Work:
    """What forked workers inherit of one build: its plan, each pending
    file's feed (None for the other files) and render, and the steps."""

    plan: Plan
    planned: list[PlannedFeed | None]
    renders: list[Callable[[], Iterable[bytes]]]
    steps: list[Step]


def _runs(work: list[Step]) -> list[list[int]]:
    """The numbers of the steps of ``work`` (but forgetting, None), in runs a
    worker does at a time: a group of items, then the steps up to the next
    group (frames, other files: each a small part of a group's work)."""
    runs: list[list[int]] = []
    for number, step in enumerate(work):
        if step is None:
            continue
        if isinstance(step, ItemGroup) or not runs:
            runs.append([])
        runs[-1].append(number)
    return runs


def _render_run(task: tuple[int, list[int]]) -> list[object]:
    """Worker: for the build ``key`` that forked this process, the result of
    each step of ``numbers`` (:func:`_render_step`)."""
    key, numbers = task
    work = _RENDERS[key]
    return [_render_step(work, number) for number in numbers]


def _render_step(work: _Work, number: int) -> object:
    """Step ``number`` of ``work``: the bytes of a group's items (in each of
    its formats), a feed's frame, or another file's bytes."""
    step = work.steps[number]
    if isinstance(step, ItemGroup):
        return [work.plan.items.render(step.listings, fmt) for fmt in step.fmts]
    feed = work.planned[step]
    if feed is None:
        return b"".join(work.renders[step]())
    return work.plan.frame(feed)


# What forked render workers inherit: the work of each build.
_RENDERS: dict[int, _Work] = {}
