"""The `qualifier` command line.

Commands are thin: each parses its options and calls one function of the
module that owns the work (`assistant.corpus` for qualify/evaluate/extract,
`assistant.serve` for serve, `assistant.db` for init-db).
"""

from __future__ import annotations

from pathlib import Path

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="inbound-qualifier")
def cli() -> None:
    """Qualify inbound inquiries: forms and chats in, routed leads with briefs out.

    \b
    Examples:
      qualifier init-db
      qualifier serve --port 8000
      qualifier extract "We need a CRM for 12 reps by end of Q3, budget 20k"
      qualifier qualify corpus.jsonl --out predictions.jsonl
      qualifier evaluate corpus.jsonl --by-tag
    """


def _app_or_exit():  # noqa: ANN202 - the Flask app; imported lazily to keep the CLI fast
    """The app, or a clean error naming the bad setting or policy key."""
    from assistant import create_app
    from assistant.config import ConfigError
    from assistant.policy import PolicyFileError

    try:
        return create_app()
    except (ConfigError, PolicyFileError) as exc:
        raise click.ClickException(str(exc)) from None


@cli.command("init-db")
def init_db_command() -> None:
    """Create the database schema, or upgrade it to the newest version.

    Safe to run again: an up-to-date database is left as it is. The database
    is QUALIFIER_DATABASE_URL (default: sqlite:///instance/qualifier.db under
    the working directory).

    \b
    Examples:
      qualifier init-db
      QUALIFIER_DATABASE_URL=postgresql+psycopg://app@db/qualifier qualifier init-db
    """
    from assistant.serve import init_db

    app = _app_or_exit()
    revision = init_db(app)
    click.echo(f"Database ready at revision {revision}.")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on."
)
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn worker processes."
)
@click.option(
    "--debug", is_flag=True, help="Flask's development server with the reloader instead of gunicorn."
)
def serve_command(host: str, port: int, workers: int, debug: bool) -> None:
    """Serve the webhooks, API and pages (gunicorn; --debug: Flask's server).

    Upgrades the database first (as init-db does) and processes any inquiry
    that was acknowledged but not processed when the last server stopped.

    \b
    Examples:
      qualifier serve
      qualifier serve --host 0.0.0.0 --port 8080 --workers 4
      QUALIFIER_API_TOKENS=dev-token qualifier serve --debug
    """
    from assistant.serve import serve

    _app_or_exit()  # validate settings and policy before printing anything else
    serve(host, port, workers, debug, echo=click.echo)


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty (scripts and tests).")
def worker_command(burst: bool) -> None:
    """Run a queue-mode worker: analysis, briefs and notifications of queued webhooks.

    Needs QUALIFIER_REDIS_URL (and the same QUALIFIER_DATABASE_URL as the web
    servers). Reads RQ jobs from the queue QUALIFIER_QUEUE_NAME (default
    qualifier), processes events a crashed process left behind at start and
    every QUALIFIER_SWEEP_SECONDS, and stops after the current job on SIGTERM.
    Run as many as the load needs, on any machine.

    \b
    Examples:
      QUALIFIER_REDIS_URL=redis://127.0.0.1:6379/0 qualifier worker
      QUALIFIER_REDIS_URL=redis://cache:6379/0 QUALIFIER_DATABASE_URL=postgresql+psycopg://app@db/qualifier qualifier worker
    """
    from assistant.worker import main

    _app_or_exit()  # validate settings and policy before anything else
    try:
        main(burst=burst, echo=click.echo)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command("replay")
@click.option("--inquiry", "inquiry_id", metavar="ID", help="Process this inquiry's stored event again.")
@click.option("--failed", is_flag=True, help="Process every failed event again.")
@click.option("--since", metavar="ISO8601", help="Process every event received since this time again.")
def replay_command(inquiry_id: str | None, failed: bool, since: str | None) -> None:
    """Process stored webhooks again: one inquiry, every failed one, or all since a time.

    The raw bodies are the source of truth: each is qualified again with the
    current analysis and policy, which adds a new qualification to the same
    inquiry (never a second inquiry) and updates its route and brief. A
    conversation is qualified again as a whole. Notifications go only to
    targets the lead has not had yet. A failed replay is retried with backoff
    like any failure. Prints one line per event; exits 1 if any failed.

    \b
    Examples:
      qualifier replay --failed
      qualifier replay --inquiry inq_01JQ4Z8X6W3V2T1S0R9P8N7M6K
      qualifier replay --since 2026-03-10T00:00:00Z
    """
    from datetime import UTC, datetime

    from assistant import pipeline, runtime_of

    if sum((inquiry_id is not None, failed, since is not None)) != 1:
        raise click.UsageError("give exactly one of --inquiry ID, --failed or --since ISO8601")
    moment = None
    if since is not None:
        try:
            moment = datetime.fromisoformat(since.strip())
        except ValueError:
            raise click.BadParameter(f"{since!r} is not an ISO 8601 time", param_hint="--since") from None
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    app = _app_or_exit()
    runtime = runtime_of(app)
    outcomes = []
    with runtime.sessions() as session:
        try:
            ids = pipeline.replay_event_ids(session, inquiry_id=inquiry_id, failed=failed, since=moment)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        for raw_event_id in ids:
            outcome = pipeline.replay_event(
                session, raw_event_id, runtime.policy, runtime.settings, now=datetime.now(UTC)
            )
            outcomes.append(outcome)
            line = f"{outcome.inquiry_id}: {outcome.status}"
            if outcome.route:
                line += f" (route {outcome.route})"
            if outcome.error:
                line += f" ({outcome.error})"
            click.echo(line)
    if not outcomes:
        click.echo("Nothing to replay.")
    if any(o.status == "failed" for o in outcomes):
        raise SystemExit(1)


@cli.command("normalize")
@click.argument("source")
@click.argument("file", type=click.File("rb"))
@click.option(
    "-H",
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="A request header the vendor sends with the body (repeatable).",
)
def normalize_command(source: str, file, headers: tuple[str, ...]) -> None:  # noqa: ANN001 - click file
    """Print the normalized inquiry a vendor's webhook body becomes, as JSON.

    SOURCE is the webhook source name (generic, typeform, hubspot, ...); FILE
    is the body as the vendor posts it ('-' reads standard input). Exits with 1
    when the body cannot be read as that source's payload.

    \b
    Examples:
      qualifier normalize generic form.json
      qualifier normalize typeform response.json -H 'Typeform-Signature: sha256=...'
      curl -s https://example.com/sample.json | qualifier normalize generic -
    """
    import json

    import forms

    if source not in forms.ADAPTERS:
        raise click.BadParameter(
            f"unknown source {source!r}; known sources: {', '.join(sorted(forms.ADAPTERS))}",
            param_hint="SOURCE",
        )
    from werkzeug.datastructures import Headers

    header_map = Headers()  # case-insensitive, as on a real request
    for header in headers:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise click.BadParameter(f"{header!r} is not 'Name: value'", param_hint="--header")
        header_map.add(name.strip(), value.strip())
    body = file.read()
    try:
        inquiry = forms.normalize(source, body, header_map)
    except forms.FormError as exc:
        raise click.ClickException(f"{file.name}: {exc.message}") from None
    click.echo(json.dumps(inquiry.to_json(), indent=2, ensure_ascii=False))


def _policy_or_exit(path):  # noqa: ANN001, ANN202 - Path | None -> Policy
    from assistant.corpus import policy_for
    from assistant.policy import PolicyFileError

    try:
        return policy_for(path)
    except PolicyFileError as exc:
        raise click.UsageError(str(exc)) from None


def _read_corpora(paths, labelled: bool):  # noqa: ANN001, ANN202 - list of Case
    from assistant.corpus import CorpusError, read_corpus

    cases = []
    try:
        for path in paths:
            cases.extend(read_corpus(path, labelled=labelled))
    except CorpusError as exc:
        raise click.ClickException(str(exc)) from None
    return cases


def _qualify_with_progress(cases, policy, label: str):  # noqa: ANN001, ANN202 - (rows, Timing)
    """Qualify every case; a progress bar on stderr only when stderr is a terminal."""
    import sys

    from assistant.corpus import CorpusError, qualify_all

    def bar(items):  # noqa: ANN001, ANN202
        with click.progressbar(items, label=label, file=sys.stderr) as progress:
            yield from progress

    try:
        return qualify_all(cases, policy, progress=bar if sys.stderr.isatty() else None)
    except CorpusError as exc:
        raise click.ClickException(str(exc)) from None


policy_option = click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Routing policy TOML (default: QUALIFIER_POLICY_FILE, else ./qualifier.toml, else built-in defaults).",
)


@cli.command("qualify")
@click.argument("corpus", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    show_default=True,
    help="Where to write the predictions (JSON Lines; '-' is standard output).",
)
@policy_option
def qualify_command(corpus: Path, out, policy_file: Path | None) -> None:  # noqa: ANN001 - click file
    """Qualify every inquiry of a corpus file and write one prediction per line.

    Reads only `id`, `received_at`, `channel` and `payload` of each line
    (labels may be absent and are never used) and writes
    {"id": ..., "predicted": {intent, need, budget, timeframe, authority,
    route, redirect_to, score, reasons, ...}} in the corpus's order. A line
    that cannot be read stops the run with its file and line number (exit 1).

    \b
    Examples:
      qualifier qualify corpus.jsonl --out predictions.jsonl
      qualifier qualify corpus.jsonl | jq -c '[.id, .predicted.route]'
    """
    import json

    policy = _policy_or_exit(policy_file)
    cases = _read_corpora([corpus], labelled=False)
    rows, _timing = _qualify_with_progress(cases, policy, "Qualifying")
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()


@cli.command("evaluate")
@click.argument("corpora", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--json",
    "json_out",
    type=click.File("w", encoding="utf-8", lazy=True),
    help="Also write every number as JSON to this file ('-' is standard output).",
)
@click.option("--by-tag", is_flag=True, help="Also show route accuracy per case tag.")
@click.option(
    "--misses",
    default=15,
    show_default=True,
    type=click.IntRange(0, 10_000),
    help="How many of the worst misses to list.",
)
@policy_option
def evaluate_command(
    corpora: tuple[Path, ...],
    json_out,
    by_tag: bool,
    misses: int,  # noqa: ANN001
    policy_file: Path | None,
) -> None:
    """Qualify labelled corpora and score them with SCHEMA.md's metrics.

    Prints route accuracy, SQL precision and recall, intent macro-F1,
    redirect_to accuracy, junk leak, slot presence and value accuracy,
    fabricated evidence, the route confusion matrix and the worst misses.
    Several files are scored together (with a per-file route accuracy). The
    exit code is 0 whatever the scores; 1 when a file cannot be read.

    \b
    Examples:
      qualifier evaluate corpus.jsonl
      qualifier evaluate forms.jsonl chats.jsonl --by-tag --json report.json
    """
    import json

    from assistant.corpus import render_report, score

    policy = _policy_or_exit(policy_file)
    cases = _read_corpora(corpora, labelled=True)
    rows, timing = _qualify_with_progress(cases, policy, "Evaluating")
    report = score(cases, rows)
    report.timing = timing
    click.echo(render_report(report, by_tag=by_tag, misses=misses))
    if json_out is not None:
        json_out.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
        json_out.flush()


@cli.command("extract")
@click.argument("text")
@click.option(
    "--now",
    "now",
    metavar="ISO8601",
    help="Reference time for relative dates, with a timezone (default: now, UTC).",
)
@click.option("--explain", is_flag=True, help="Also list every candidate finding with its rule id.")
@policy_option
def extract_command(text: str, now: str | None, explain: bool, policy_file: Path | None) -> None:
    """Print the `predicted` object for one free-text message, as JSON.

    TEXT becomes a one-field form inquiry (its `message`). With --explain,
    every candidate the extractors proposed follows the JSON, one per line:
    slot, rule id, confidence, negated/hedged, value and evidence; the chosen
    ones are starred.

    \b
    Examples:
      qualifier extract "We need a CRM for 12 reps by end of Q3, budget 20k"
      qualifier extract "Can we book a demo next week?" --now 2026-03-10T14:05:00Z --explain
    """
    import json
    from datetime import UTC, datetime

    from assistant.corpus import explain_lines, text_inquiry
    from assistant.pipeline import qualify_inquiry

    if now is None:
        reference = datetime.now(UTC)
    else:
        try:
            reference = datetime.fromisoformat(now)
        except ValueError:
            raise click.BadParameter(f"{now!r} is not an ISO 8601 time", param_hint="--now") from None
        if reference.tzinfo is None:
            raise click.BadParameter(f"{now!r} has no timezone (add Z or +02:00)", param_hint="--now")
    if not text.strip():
        raise click.BadParameter("the message is empty", param_hint="TEXT")
    policy = _policy_or_exit(policy_file)
    signals, _decision, predicted = qualify_inquiry(text_inquiry(text), reference, policy)
    click.echo(json.dumps(predicted, indent=2, ensure_ascii=False))
    if explain:
        click.echo("")
        for line in explain_lines(signals):
            click.echo(line)


@cli.command("replay-deliveries")
@click.option(
    "--inquiry", "inquiry_id", metavar="ID", help="Send this lead's notifications again (all of them)."
)
def replay_deliveries_command(inquiry_id: str | None) -> None:
    """Send notifications again: every failed one, or all of one lead's.

    Without --inquiry, every delivery that gave up (a receiver was down for
    longer than the retries, a secret was missing) is tried again now. With
    --inquiry, all of that lead's Slack, email and webhook notifications are
    sent again, including targets added to the policy since. Prints each
    delivery's outcome; failures keep retrying with backoff as usual.

    \b
    Examples:
      qualifier replay-deliveries
      qualifier replay-deliveries --inquiry inq_01JQ4Z8X6W3V2T1S0R9P8N7M6K
    """
    from datetime import UTC, datetime

    from assistant import delivery, runtime_of

    app = _app_or_exit()
    runtime = runtime_of(app)
    with runtime.sessions() as session:
        try:
            attempts = delivery.replay(session, runtime.policy, now=datetime.now(UTC), inquiry_id=inquiry_id)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
    if not attempts:
        click.echo(
            "Nothing to send." if inquiry_id is None else f"No notifications for {inquiry_id} in the policy."
        )
    for attempt in attempts:
        line = f"{attempt.inquiry_id} {attempt.channel} {attempt.target}: {attempt.status}"
        if attempt.error:
            line += f" ({attempt.error})"
        if attempt.next_attempt_at:
            line += f", next try {attempt.next_attempt_at.isoformat(timespec='seconds')}"
        click.echo(line)
    if any(a.status == "failed" for a in attempts):
        raise SystemExit(1)


@cli.command("train")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def train_command(quiet: bool) -> None:
    """Build the small trained components from the training data in the repository.

    Today that is the intent classifier (intents/training/intent_train.jsonl,
    written for this project), a spaCy bag-of-words text classifier saved to
    intents/models/intent/ (git-ignored). The analysis works without it: the
    cue tables decide, and the classifier only breaks ties they leave open.
    The same data always gives the same model (fixed seed). `make install`
    runs this once.

    \b
    Examples:
      qualifier train
      qualifier train --quiet
    """
    from intents.training.model import load_intent_model
    from intents.training.train import TrainingDataError, train_intent

    try:
        report = train_intent()
    except TrainingDataError as exc:
        raise click.ClickException(str(exc)) from None
    load_intent_model.cache_clear()
    if not quiet:
        counts = ", ".join(f"{label} {n}" for label, n in report.per_label.items())
        click.echo(
            f"Trained {report.component} classifier on {report.examples} examples ({counts}) "
            f"in {report.seconds:.1f}s; training accuracy {report.training_accuracy:.2f}; saved to {report.path}."
        )


@cli.command("import-events")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_events_command(file) -> None:  # noqa: ANN001 - click file
    """Import behaviour events from a CSV file and update engagement and lifecycle stages.

    The header names the columns email, type and at (ISO 8601 with a
    timezone, or a date); an optional properties column holds a JSON object.
    Types and points are DESIGN.md's lead-scoring table (policy
    [scoring.events]). The file is checked first: one bad row and nothing is
    imported, and the error names the line. Events already stored (same
    person, type and time) are not counted twice. Contacts whose engagement
    reaches scoring.mql_threshold become MQLs.

    \b
    Examples:
      qualifier import-events events.csv
      printf 'email,type,at\npat@acme.com,pricing_page_visit,2026-03-10T14:05:00Z\n' > e.csv
      qualifier import-events e.csv
    """
    from datetime import UTC, datetime

    from assistant import runtime_of
    from assistant.events import EventFileError, import_events, read_events_csv

    try:
        events = read_events_csv(file.read(), source=file.name)
    except EventFileError as exc:
        raise click.ClickException(str(exc)) from None
    app = _app_or_exit()
    runtime = runtime_of(app)
    with runtime.sessions() as session:
        stored, results = import_events(session, events, runtime.policy, datetime.now(UTC))
    promoted = [r for r in results if r.promoted]
    click.echo(
        f"Imported {stored} events ({len(events) - stored} already stored) for {len(results)} people; "
        f"{len(promoted)} contacts promoted."
    )
    for r in promoted:
        click.echo(f"  {r.email}: {r.promoted_from or 'new'} -> {r.stage} (engagement {r.engagement})")


@cli.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["sdr", "admin"]),
    required=True,
    help="sdr: works their leads in the dashboard; admin: also reassigns any lead and exports lead CSVs.",
)
@click.option("--name", help="The name the dashboard shows.")
@click.option(
    "--sdr",
    "sdr_id",
    metavar="ID",
    help="The policy roster's SDR id whose leads are this user's (default: the SDR with this email).",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting."
)
@click.option("--update", is_flag=True, help="Change an existing user's password, role, name and SDR id.")
def create_user_command(
    email: str, role: str, name: str | None, sdr_id: str | None, password_stdin: bool, update: bool
) -> None:
    """Create a dashboard user (SDR or admin) with a password.

    The password is asked for twice, or read from standard input with
    --password-stdin (one line, for scripts); it needs at least 10
    characters and is stored only as a scrypt hash. An SDR's leads are those
    the policy's roster assigns to the SDR with the same email, or to --sdr.

    \b
    Examples:
      qualifier create-user maria@example.com --role sdr --name "Maria Lopez"
      printf '%s\\n' "$PASSWORD" | qualifier create-user ops@example.com --role admin --password-stdin
    """
    import sys
    from datetime import UTC, datetime

    from sqlalchemy.exc import OperationalError, ProgrammingError

    from assistant import auth, runtime_of

    app = _app_or_exit()  # a bad setting is reported before the password is typed
    runtime = runtime_of(app)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with runtime.sessions() as session:
        try:
            user = auth.create_user(
                session,
                email,
                password,
                role=role,
                name=name,
                sdr_id=sdr_id,
                update=update,
                now=datetime.now(UTC),
                roster=runtime.policy.roster,
            )
        except auth.UserError as exc:
            raise click.ClickException(str(exc)) from None
        except (OperationalError, ProgrammingError):
            raise click.ClickException(
                "the database has no users table yet: run `qualifier init-db` first"
            ) from None
        on_roster = f", works leads of roster SDR {user.sdr_id}" if user.sdr_id else ", not on the SDR roster"
        click.echo(f"{'Updated' if update else 'Created'} {user.role} {user.email}{on_roster}.")


@cli.command("export-feedback")
@click.option(
    "--out",
    "out",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    show_default=True,
    help="Where to write the corpus (JSON Lines; '-' is standard output).",
)
@click.option("--since", metavar="ISO8601", help="Only leads decided at or after this time.")
def export_feedback_command(out, since: str | None) -> None:  # noqa: ANN001 - click file
    """Export the SDRs' accepted and rejected leads as a labelled corpus.

    One line per decided lead in the corpus format (SCHEMA.md): the inquiry
    as the generic webhook's payload, and as `expected` the stored
    qualification with the SDR's corrections, routed as the SDR decided
    (accepted: sql; rejected: the route chosen, else nurture; rerouted: the
    route chosen). Score the qualifier on it with `qualifier evaluate`.

    \b
    Examples:
      qualifier export-feedback --out feedback.jsonl
      qualifier export-feedback --since 2026-03-01 --out march.jsonl && qualifier evaluate march.jsonl
    """
    from datetime import UTC, datetime

    from assistant import feedback, runtime_of

    start = None
    if since is not None:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(
                f"{since!r} is not an ISO 8601 date or time", param_hint="--since"
            ) from None
        start = start.replace(tzinfo=UTC) if start.tzinfo is None else start
    app = _app_or_exit()
    runtime = runtime_of(app)
    with runtime.sessions() as session:
        count = feedback.export(session, out, since=start)
    out.flush()
    click.echo(f"Exported {count} decided lead{'s' if count != 1 else ''}.", err=True)


@cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(1, 36_500),
    metavar="N",
    help="Keep this many days (default: QUALIFIER_RETENTION_DAYS, else [retention] days, else 365).",
)
def purge_command(days: int | None) -> None:
    """Delete raw bodies and chat transcripts older than the retention period.

    Inquiries older than that are kept for analytics, anonymised: their
    route, score, intent and slot values stay; the contact, what the person
    wrote, the evidence quotes and the brief go. Raw events, chat turns and
    behaviour events older than that are deleted, and contacts left with
    nothing. Events still waiting to be processed are kept. Safe to run
    again; run it daily (a cron job or systemd timer).

    \b
    Examples:
      qualifier purge
      qualifier purge --days 90
    """
    from datetime import UTC, datetime

    from assistant import runtime_of
    from assistant.privacy import purge, retention_days

    app = _app_or_exit()
    runtime = runtime_of(app)
    keep = days if days is not None else retention_days(runtime.settings, runtime.policy.raw)
    try:
        with runtime.sessions() as session:
            report = purge(session, datetime.now(UTC), keep)
    finally:
        runtime.engine.dispose()
    for line in report.lines():
        click.echo(line)


def main() -> None:  # pragma: no cover - console entry
    cli()
