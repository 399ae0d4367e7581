"""Where the grading tasks run: a Dask cluster (a LocalCluster by default, or an existing scheduler).

:func:`connect` gives a client: to ``--scheduler tcp://HOST:8786`` or ``$DASK_SCHEDULER_ADDRESS``
when set, otherwise to a LocalCluster sized to this machine. :func:`run_tasks` sends the tasks,
shows a progress bar on stdout (done, running, failed, time left) and hands each outcome to a
callback as it arrives, so the coordinator records results while the rest still run.

Faults: a worker that dies mid-task loses nothing; the scheduler runs the task again on another
worker, at most ``distributed.scheduler.allowed-failures`` times (3 by default); after that the
task comes back as a failure of this run (nothing recorded, so the next run grades it).
"""
import contextlib
import os
import sys

#: Memory a grading kernel may need (the LocalCluster's worker count leaves this much per task).
MEMORY_PER_TASK = 2 * 1024 ** 3


def local_workers(memory_per_task=MEMORY_PER_TASK):
    """Tasks to run at once on this machine: the core count, fewer if memory is short."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return max(1, cores)
    return max(1, min(cores, avail // memory_per_task))


@contextlib.contextmanager
def connect(scheduler=None, workers=None):
    """A ``distributed.Client``: to ``scheduler`` (or ``$DASK_SCHEDULER_ADDRESS``), else a LocalCluster.

    The LocalCluster runs ``workers`` tasks at once (default :func:`local_workers`), as threads of
    one worker process: each task's work happens in its own nbgrader process anyway.
    """
    import logging

    from distributed import Client, LocalCluster

    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        try:
            client = Client(address, timeout="20s")
        except OSError as e:
            from .assignments import CourseError

            raise CourseError(f"cannot reach the Dask scheduler at {address} ({e}); start one with "
                              f"`dask scheduler` and workers with `dask worker {address}`") from e
        with client:
            yield client
        return
    n = workers or local_workers()
    with LocalCluster(n_workers=1, threads_per_worker=n, processes=False, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def running_count(client):
    """Tasks the workers are running now (the scheduler's processing sets)."""
    try:
        return sum(len(keys) for keys in client.processing().values())
    except Exception:  # the scheduler may be going away; the bar is not worth a crash
        return 0


def run_tasks(client, tasks, bundle, on_result, on_error, progress=True, retries=1):
    """Run ``run_task(task, bundle)`` for every task on ``client``; call back as each one ends.

    Parameters
    ----------
    client : distributed.Client
    tasks : list of GradeTask
    bundle : Bundle
        Scattered to every worker once.
    on_result : callable(GradeResult)
        Called in this thread for every task that returned.
    on_error : callable(GradeTask, BaseException)
        Called for every task that raised or lost its worker too often (``KilledWorker``).
    progress : bool
        Show a progress bar on stdout.
    retries : int
        Extra attempts for a task that raised (lost workers are retried by the scheduler).
    """
    import dask
    from distributed import as_completed

    from .tasks import run_task

    if not tasks:
        return
    bundle_future = client.scatter(bundle, broadcast=True, hash=False)
    by_key = {}
    futures = []
    # Each task carries one student's files and models (MBs for assignment 2) inside the graph, on
    # purpose: scattered data dies with its worker, and a task must be able to rerun elsewhere. Dask's
    # warning about graphs over 10 MB is therefore expected here, not a mistake to report.
    with dask.config.set({"distributed.admin.large-graph-warning-threshold": "4GiB"}):
        for t in tasks:
            f = client.submit(run_task, t, bundle_future, key=t.key, pure=False, retries=retries)
            by_key[f.key] = t
            futures.append(f)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(futures), desc="grading", unit="task", file=sys.stdout, dynamic_ncols=True)
    failed = 0
    try:
        for f in as_completed(futures):
            task = by_key[f.key]
            if f.status == "finished":
                on_result(f.result())
            else:
                failed += 1
                on_error(task, f.exception())
            f.release()
            if bar is not None:
                bar.set_postfix(running=running_count(client), failed=failed, refresh=False)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        for f in futures:
            f.release()
