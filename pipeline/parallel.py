"""One parallel map for every per-document stage, with its backend set in params.yaml.

`loky` runs worker processes on this machine; `dask` hands the same map to an existing
Dask cluster (`parallel.scheduler`) through joblib's Dask backend, so scaling out is a
setting, not a second code path. Results come back in input order, whatever finished
first, which keeps outputs deterministic.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from joblib import Parallel, delayed, parallel_config

from pipeline.errors import DocumentError, ParamsError

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger("crp")


@dataclass(frozen=True)
class ParallelSettings:
    backend: str = "loky"
    n_jobs: int = 2
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.backend not in ("loky", "threading", "sequential", "dask"):
            raise ValueError(f"backend={self.backend!r}: use loky, threading, sequential or dask")
        if self.backend == "dask" and not self.scheduler:
            raise ValueError("backend=dask needs scheduler: tcp://host:8786")
        if self.n_jobs == 0:
            raise ValueError("n_jobs=0: use a positive count, or -1 for every core")


def parallel_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    settings: ParallelSettings,
    desc: str = "",
    offset: int = 0,
    total: int | None = None,
) -> list[R]:
    """`[fn(item) for item in items]`, spread over the configured workers (`offset` and
    `total`: where these items stand in a larger job, for the progress shown)."""
    if not items:
        return []
    total = len(items) if total is None else total
    if settings.backend == "sequential" or len(items) == 1 or settings.n_jobs == 1:
        return list(progress((fn(i) for i in items), total, desc, offset))
    with _backend(settings):
        jobs = Parallel(n_jobs=settings.n_jobs, return_as="generator")
        return list(progress(jobs(delayed(fn)(i) for i in items), total, desc, offset))


@contextlib.contextmanager
def _backend(settings: ParallelSettings) -> Iterator[None]:
    if settings.backend != "dask":
        with parallel_config(backend=settings.backend):
            yield
        return
    try:
        from dask.distributed import Client  # optional: only where a cluster is used
    except ImportError:
        raise ParamsError(
            "params.yaml [parallel.backend]: dask needs the extra: pip install 'crp-pipeline[dask]'"
        ) from None
    with Client(settings.scheduler) as _client, parallel_config(backend="dask"):
        yield


def progress(results: Iterable[R], total: int, desc: str, offset: int = 0) -> Iterator[R]:
    """A progress bar on a terminal; a log line every ~10 % elsewhere (CI logs)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        yield from tqdm(results, total=total, initial=offset, desc=desc, unit="doc", leave=False)
        return
    step = max(1, total // 10)
    for done, result in enumerate(results, start=offset + 1):
        if desc and (done % step == 0 or done == total) and total >= 20:
            log.info("%s: %d/%d", desc, done, total)
        yield result


@contextlib.contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Raise DocumentError if the block runs longer than `seconds` (main thread only).

    Worker processes run tasks in their main thread, so a PDF that makes a parser hang
    is stopped there; in threads the readers' own per-page deadline still applies.
    """
    usable = seconds and threading.current_thread() is threading.main_thread()
    if not usable or not hasattr(signal, "setitimer"):
        yield
        return

    def _expired(signum: int, frame: Any) -> None:
        raise DocumentError(
            "timed out", f"{what} took longer than {seconds:g} s (params.yaml extract.timeout_s)"
        )

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
