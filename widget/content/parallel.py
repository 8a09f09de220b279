"""Many article files parsed by a process per CPU: parsing is pure Python, so threads would share one."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .checker import Checked, check_file
from .model import printable

logger = logging.getLogger(__name__)

PARALLEL_CHUNK = 32  # files a process at least: enough to outweigh starting it
MAX_PROCESSES = 8  # each child imports the app (about 60 MB): a container's CPU quota is not visible here
POOL_TIMEOUT = 60.0  # seconds, plus the per-file allowance below, before the pool counts as hung
POOL_SECONDS_PER_FILE = 0.1  # twenty times what a file takes


def usable_cpus() -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, MAX_PROCESSES))


def check_files(paths: list[Path], processes: int, parallel_from: int) -> list[Checked]:
    """What each of ``paths`` gave, in order; in several processes when there are enough files.

    Any failure of the pool (a child that dies, hangs or cannot start) falls back to parsing here:
    slower, but the same result.
    """
    processes = min(processes, len(paths) // PARALLEL_CHUNK)
    # In a pool's child (which imported the caller's main module again), never a pool of its own.
    nested = multiprocessing.parent_process() is not None
    if len(paths) < parallel_from or processes < 2 or nested:
        return [check_file(path) for path in paths]
    began = time.monotonic()
    try:
        found = check_elsewhere(paths, processes)
    except Exception as exc:  # any failure of the pool: parse here instead, slower but sure
        logger.warning("Parsing in %d processes failed (%s); parsing in this one", processes, printable(str(exc)))
        return [check_file(path) for path in paths]
    took = time.monotonic() - began
    logger.info("Parsed %d article files in %d processes in %.1f s", len(paths), processes, took)
    return found


def check_elsewhere(paths: list[Path], processes: int) -> list[Checked]:
    """Check ``paths`` in ``processes`` fresh interpreters, in order.

    Spawned, not forked: the caller is a server whose other threads (the content watcher, gunicorn's
    gthread workers) may hold locks at the moment of a fork, which the child would inherit held.
    A spawned child imports the caller's main module again, as multiprocessing does: gunicorn's,
    flask's and pytest's guard their work with ``if __name__ == "__main__"``, and a script that
    loads content must too, or each child repeats the script's work before parsing.
    The results come back through the pool's own pipes from processes this one started, so they
    are unpickled as the pool does, not through the cache file's allowlist.
    """
    size = -(-len(paths) // processes)
    timeout = POOL_TIMEOUT + POOL_SECONDS_PER_FILE * size
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
    try:
        found = list(pool.map(check_file, paths, chunksize=size, timeout=timeout))
    except TimeoutError:
        _kill(pool)
        raise RuntimeError(f"the parsing processes took over {timeout:.0f} s") from None
    except BaseException:
        _kill(pool)
        raise
    pool.shutdown()
    return found


def _kill(pool: ProcessPoolExecutor) -> None:
    # shutdown() waits for a running task, and a hung child never finishes one; Python 3.11's pool
    # has no public way to stop its workers (terminate_workers() arrived in 3.14).
    for process in list((pool._processes or {}).values()):  # noqa: SLF001
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
