"""`make demo`: replay the bundled corpus through the real Airflow DAGs, then summarise.

Everything runs on the embedded default: the SQLite warehouse and Airflow's own SQLite
metadata, both under `var/`. The replay corpus (`connectors/replay/corpus/`) is walked
with a simulated clock: at each simulated instant the three ingest DAGs, `classify`,
`sla_and_alerts` and `warehouse_checks` run in schedule order through `dag.test()`, each
with that instant as its logical date. Every figure printed at the end is read back from
the warehouse.

Cadence: hourly over the corpus's ~5 weeks would be ~800 runs of each DAG, far beyond the
10-minute budget on 2 cores. So the demo runs the chain every `--step-hours` (default 24)
of simulated time, except through the school hours of one busy day (`--hourly-day`,
default Tuesday 17 November 2026, 07:00-19:00 UTC) where it runs every hour, as
production does. Time to alert is reported separately for items created 06:00-19:00 that
day (picked up by hourly runs) and for the rest (the coarse cadence).

Last, the event segment (`trustwatch.pipeline.event_demo`): signed webhook deliveries
replayed at a real `trustwatch receive` process, then the `ingest_events` steps, and the
time from delivery to alert.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Sequence

from trustwatch.cli import main as cli_main
from trustwatch.pipeline.airflow_home import configure
from trustwatch.settings import get_settings

DEFAULT_STEP_HOURS = 24.0
DEFAULT_HOURLY_DAY = dt.date(2026, 11, 17)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trustwatch.demo", description=__doc__)
    parser.add_argument(
        "--step-hours",
        type=float,
        default=DEFAULT_STEP_HOURS,
        help="simulated hours between pipeline runs (1 = the production schedule)",
    )
    parser.add_argument(
        "--hourly-day",
        type=dt.date.fromisoformat,
        default=DEFAULT_HOURLY_DAY,
        help="a day (UTC, YYYY-MM-DD) replayed hourly, as production runs",
    )
    parser.add_argument(
        "--max-steps", type=int, default=None, help="stop after this many simulated steps"
    )
    parser.add_argument(
        "--skip-events",
        action="store_true",
        help="leave out the event segment (webhook deliveries replayed at the receiver)",
    )
    return parser.parse_args(argv)


def _prepare_environment() -> None:
    """Airflow under var/airflow, the replay source, quick retries; before airflow imports."""
    settings = get_settings()
    configure(settings.var_dir / "airflow")
    os.environ.setdefault("TRUSTWATCH_INGEST_SOURCE", "replay")
    os.environ.setdefault("TRUSTWATCH_RETRY_DELAY_SECONDS", "2")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _progress(step, started: float) -> None:  # type: ignore[no-untyped-def]
    states = " ".join(
        f"{dag_id}={'ok' if state == 'success' else state.upper()}"
        for dag_id, state in step.states.items()
    )
    print(
        f"  {step.at:%Y-%m-%d %H:%M} UTC  {sum(step.seconds.values()):5.1f}s  {states}"
        f"  [{time.perf_counter() - started:5.0f}s]",
        flush=True,
    )


def run(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    started = time.perf_counter()
    _prepare_environment()
    for command in (["registry", "check"], ["init"]):
        print(f"$ trustwatch {' '.join(command)}", flush=True)
        code = cli_main(command)
        if code != 0:
            return code

    from connectors.replay import ReplayCorpus
    from trustwatch.pipeline import simulation
    from trustwatch.pipeline.airflow_home import migrate_metadata
    from trustwatch.pipeline.classify_step import CLASSIFIER_ENV, load_classifier

    home = os.environ["AIRFLOW_HOME"]
    print(f"migrating Airflow's metadata database ({home}/airflow.db)", flush=True)
    migrate_metadata()
    dags = simulation.load_dags()
    loaded = time.perf_counter()
    try:
        load_classifier(os.environ.get(CLASSIFIER_ENV, "").strip())
    except FileNotFoundError as exc:
        print(
            f"error: the classifier artefact is missing ({exc.filename}). Fix: check out the "
            "committed artefact under classifiers/artefacts/, or train it with "
            "`trustwatch model train`.",
            file=sys.stderr,
        )
        return 2
    print(f"classifier loaded in {time.perf_counter() - loaded:.1f}s", flush=True)

    step = dt.timedelta(hours=args.step_hours)
    hourly = _hourly_window(args.hourly_day)
    coarse = simulation.active_steps(simulation.corpus_moments(ReplayCorpus()), step=step)
    steps = simulation.with_hourly_window(coarse, *hourly)
    if args.max_steps is not None:
        steps = steps[: args.max_steps]
    print(
        f"replaying {len(steps)} simulated instants from {steps[0]:%Y-%m-%d %H:%M} to "
        f"{steps[-1]:%Y-%m-%d %H:%M} UTC: every {args.step_hours:g} h, and hourly on "
        f"{args.hourly_day}",
        flush=True,
    )
    results = simulation.replay(dags, steps, on_step=lambda s: _progress(s, started))
    failed = [(r.at, dag_id) for r in results for dag_id in r.failed]

    report_code = _weekly_report(steps[-1])
    _print_summary(step, hourly)
    if not args.skip_events:
        from trustwatch.pipeline.event_demo import run_event_segment

        run_event_segment(get_settings().resolved_warehouse_url)
    elapsed = time.perf_counter() - started
    print(f"\ndemo finished in {elapsed / 60:.1f} min ({len(steps)} steps x 6 DAGs)")
    if report_code != 0:
        return report_code
    if failed:
        print(f"{len(failed)} DAG run(s) failed, first: {failed[0][1]} at {failed[0][0]}")
        return 1
    return 0


def _hourly_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Hourly runs 07:00 .. 19:00 UTC: they pick up items created 06:00 .. 19:00."""
    start = dt.datetime.combine(day, dt.time(7), tzinfo=dt.UTC)
    return start, start + dt.timedelta(hours=12)


def _weekly_report(now: dt.datetime) -> int:
    """The trust leaders' view of the demo: last complete week's report, as report_weekly
    would write it on the Monday (the demo sends no email: there is no SMTP server)."""
    command = ["report", "--period", "week", "--now", now.isoformat()]
    print(f"\n$ trustwatch {' '.join(command)}", flush=True)
    return cli_main(command)


def _print_summary(step: dt.timedelta, hourly: tuple[dt.datetime, dt.datetime]) -> None:
    from trustwatch.db.engine import get_engine, session_scope
    from trustwatch.pipeline.demo_report import collect, render
    from trustwatch.registry import load_registry

    with session_scope(get_engine()) as session:
        print(render(collect(session), cadence=step, hourly=hourly))
    registry = load_registry(get_settings().config)
    print(
        "\nwhere to look next:\n"
        f"  {get_settings().var_dir / 'reports'}     the weekly trend report (HTML and PDF)\n"
        "  trustwatch checks            data-check results (Great Expectations suites)\n"
        f"  make serve                   the review app at {registry.notifications.app_base_url}\n"
        f"  {get_settings().var_dir / 'airflow'}      Airflow home (metadata, task logs)"
    )


if __name__ == "__main__":
    sys.exit(run())
