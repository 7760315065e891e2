"""Briefings on a schedule, as Superset's and Metabase's scheduled reports: a TOML file names the jobs (which
data, which pages, which language, when), the output folder and, when configured, the e-mail delivery.

``digigov schedule run SCHEDULE.toml`` loops and runs each job when it is due; ``digigov schedule run-once
SCHEDULE.toml [--now ISO]`` runs what is due now and exits (for cron and systemd timers); ``digigov schedule
check SCHEDULE.toml`` validates the file and prints each job's last and next time.

When a job is due: its latest scheduled time (its *slot*: ``daily 08:00``, ``weekly mon 08:00``,
``monthly 1 08:00``, ``monthly last 18:00``) is at or before now, not yet done, and at most ``max_delay_hours``
old (default 24). A slot further back was missed (the machine was off): it is logged as ``missed`` and the job
waits for its next slot, so a runner that comes back after a week sends one briefing, not seven. A job whose
render failed is tried again at the next run within the same window, at most MAX_ATTEMPTS times. What ran is
kept in the output folder (``.schedule-state.json``, written atomically under a lock), so the outcome depends
only on the files and ``--now``. Every attempt appends one JSON line to ``schedule-log.jsonl``: job, time,
slot, status (ok, mail_failed, failed, missed), file, recipients, error. The briefing is written before it is
mailed: a failed e-mail is logged and the PDF stays in the folder. The SMTP password is read from the
environment variable the file names (``password_env``), never from the file, and never logged.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import fcntl
import json
import logging
import os
import re
import signal
import smtplib
import ssl
import sys
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Literal, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digigov.errors import UserFacingError
from digigov.i18n import LANGUAGES, t

log = logging.getLogger(__name__)

STATE_FILE = ".schedule-state.json"
LOCK_FILE = ".schedule.lock"
LOG_FILE = "schedule-log.jsonl"
MAX_ATTEMPTS = 3
DEFAULT_MAX_DELAY_HOURS = 24.0
LOOP_MAX_SLEEP_S = 60.0
SMTP_TIMEOUT_S = 30.0
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_NAMES: dict[str, int] = {**{d: i for i, d in enumerate(WEEKDAYS)}, **{d: i for i, d in enumerate(_FULL_DAYS)}}
JOB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
EMAIL = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WHEN = re.compile(
    r"(?P<every>daily|weekly|monthly)(?:\s+(?P<on>[A-Za-z]+|\d{1,2}))?\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})"
)
TOP_FIELDS = frozenset({"output", "timezone", "mail", "job"})
MAIL_FIELDS = frozenset({"host", "port", "from", "starttls", "ssl", "user", "password_env", "timeout"})
JOB_FIELDS = frozenset({"name", "data", "pages", "lang", "when", "formats", "to", "year", "title", "max_delay_hours"})
Status = Literal["ok", "mail_failed", "failed", "missed"]


class ScheduleError(UserFacingError):
    """The schedule file cannot be used; the message names the file, the field and the value."""


class ScheduleBusy(UserFacingError):
    def __init__(self, folder: Path) -> None:
        super().__init__("schedule.busy", folder=str(folder))


# --------------------------------------------------------------------------------------------- when
@dataclass(frozen=True)
class When:
    """A daily, weekly or monthly time. weekday: 0 = Monday; day: 1-31 (clamped to the month) or -1 = last."""

    every: Literal["daily", "weekly", "monthly"]
    at: dt.time
    weekday: int | None = None
    day: int | None = None

    def _day_in(self, year: int, month: int) -> int:
        last = calendar.monthrange(year, month)[1]
        return last if self.day is None or self.day == -1 else min(self.day, last)

    def latest(self, now: dt.datetime) -> dt.datetime:
        """The last scheduled time at or before now."""
        if self.every == "daily":
            slot = dt.datetime.combine(now.date(), self.at)
            return slot if slot <= now else slot - dt.timedelta(days=1)
        if self.every == "weekly":
            assert self.weekday is not None
            day = now.date() - dt.timedelta(days=(now.weekday() - self.weekday) % 7)
            slot = dt.datetime.combine(day, self.at)
            return slot if slot <= now else slot - dt.timedelta(days=7)
        year, month = now.year, now.month
        slot = dt.datetime(year, month, self._day_in(year, month), self.at.hour, self.at.minute)
        if slot <= now:
            return slot
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return dt.datetime(year, month, self._day_in(year, month), self.at.hour, self.at.minute)

    def next(self, now: dt.datetime) -> dt.datetime:
        """The first scheduled time after now."""
        if self.every == "daily":
            return self.latest(now) + dt.timedelta(days=1)
        if self.every == "weekly":
            return self.latest(now) + dt.timedelta(days=7)
        slot = self.latest(now)
        year, month = (slot.year + 1, 1) if slot.month == 12 else (slot.year, slot.month + 1)
        return dt.datetime(year, month, self._day_in(year, month), self.at.hour, self.at.minute)


def parse_when(text: str) -> When | None:
    """``daily HH:MM``, ``weekly mon HH:MM`` (mon … sun), ``monthly D HH:MM`` (1-31) or ``monthly last HH:MM``;
    None when text is none of them."""
    match = _WHEN.fullmatch(" ".join(text.strip().lower().split()))
    if not match:
        return None
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        return None
    at = dt.time(hour, minute)
    on = match["on"]
    if match["every"] == "daily":
        return When("daily", at) if on is None else None
    if match["every"] == "weekly":
        weekday = DAY_NAMES.get(on or "")
        return None if weekday is None else When("weekly", at, weekday=weekday)
    if on == "last":
        return When("monthly", at, day=-1)
    if on is None or not on.isdigit() or not 1 <= int(on) <= 31:
        return None
    return When("monthly", at, day=int(on))


# --------------------------------------------------------------------------------------------- the file
@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    sender: str
    starttls: bool = False
    use_ssl: bool = False
    user: str | None = None
    password_env: str | None = None  # the environment variable that holds the password
    timeout: float = SMTP_TIMEOUT_S


@dataclass(frozen=True)
class Job:
    name: str
    data: str
    when: When
    when_text: str
    pages: tuple[str, ...] | None = None
    lang: str = "zh"
    formats: tuple[str, ...] = ("pdf",)
    to: tuple[str, ...] = ()
    year: int | None = None
    title: str | None = None
    max_delay: dt.timedelta = dt.timedelta(hours=DEFAULT_MAX_DELAY_HOURS)


@dataclass(frozen=True)
class Schedule:
    path: Path
    output: Path
    jobs: tuple[Job, ...]
    mail: MailConfig | None = None
    timezone: str | None = None

    @property
    def base(self) -> Path:
        """The folder relative data paths are read from: the schedule file's."""
        return self.path.parent

    def zone(self) -> dt.tzinfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None


class _Fields:
    """Reads one TOML table, naming each field as ``prefix.name`` in errors."""

    def __init__(self, file: str, table: Mapping[str, Any], prefix: str, known: frozenset[str]) -> None:
        self.file, self.table, self.prefix = file, table, prefix
        for key in table:
            if key not in known:
                raise ScheduleError(
                    "schedule.error.unknown_field", file=file, field=self.name(key), known=", ".join(sorted(known))
                )

    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def error(self, key: str, problem: str, **values: object) -> ScheduleError:
        value = self.table.get(key)
        shown = json.dumps(value, ensure_ascii=False, default=str) if value is not None else ""
        return ScheduleError(f"schedule.error.{problem}", file=self.file, field=self.name(key), value=shown, **values)

    def text(self, key: str, required: bool = False) -> str | None:
        if key not in self.table:
            if required:
                raise ScheduleError("schedule.error.missing", file=self.file, field=self.name(key))
            return None
        value = self.table[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "text")
        return value.strip()

    def boolean(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "boolean")
        return value

    def integer(self, key: str, low: int, high: int) -> int | None:
        if key not in self.table:
            return None
        value = self.table[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.error(key, "integer", low=low, high=high)
        return value

    def positive(self, key: str, default: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or value != value:
            raise self.error(key, "positive")
        return float(value)

    def texts(self, key: str) -> tuple[str, ...] | None:
        if key not in self.table:
            return None
        value = self.table[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(key, "list")
        return tuple(v.strip() for v in value)

    def choices(self, key: str, allowed: Sequence[str]) -> tuple[str, ...] | None:
        values = self.texts(key)
        if values is None:
            return None
        for value in values:
            if value not in allowed:
                raise ScheduleError(
                    "schedule.error.choice",
                    file=self.file,
                    field=self.name(key),
                    value=value,
                    choices=", ".join(allowed),
                )
        return tuple(dict.fromkeys(values))


def _mail(file: str, table: object) -> MailConfig:
    if not isinstance(table, dict):
        raise ScheduleError("schedule.error.table", file=file, field="mail")
    f = _Fields(file, table, "mail", MAIL_FIELDS)
    host = f.text("host", required=True)
    sender = f.text("from", required=True)
    if not EMAIL.fullmatch(sender or ""):
        raise f.error("from", "email")
    use_ssl = f.boolean("ssl", False)
    starttls = f.boolean("starttls", not use_ssl)
    if use_ssl and starttls:
        raise ScheduleError("schedule.error.ssl_and_starttls", file=file, field="mail.starttls")
    port = f.integer("port", 1, 65535) or (465 if use_ssl else 587 if starttls else 25)
    user = f.text("user")
    password_env = f.text("password_env")
    if password_env is not None and not ENV_NAME.fullmatch(password_env):
        raise f.error("password_env", "env_name")
    if user is not None and password_env is None:
        raise ScheduleError("schedule.error.missing", file=file, field="mail.password_env")
    assert host is not None and sender is not None
    return MailConfig(host, port, sender, starttls, use_ssl, user, password_env, f.positive("timeout", SMTP_TIMEOUT_S))


def _job(file: str, table: object, number: int, mail: MailConfig | None) -> Job:
    from digigov.briefing_cli import FORMATS, PAGES

    if not isinstance(table, dict):
        raise ScheduleError("schedule.error.table", file=file, field=f"job[{number}]")
    named = table.get("name")
    label = f"job[{number}] ({named})" if isinstance(named, str) and JOB_NAME.fullmatch(named) else f"job[{number}]"
    f = _Fields(file, table, label, JOB_FIELDS)
    name = f.text("name", required=True)
    if not JOB_NAME.fullmatch(name or ""):
        raise f.error("name", "name")
    data = f.text("data", required=True)
    when_text = f.text("when", required=True)
    when = parse_when(when_text or "")
    if when is None:
        raise f.error("when", "when")
    lang = f.text("lang") or "zh"
    if lang not in LANGUAGES:
        raise ScheduleError(
            "schedule.error.choice", file=file, field=f.name("lang"), value=lang, choices=", ".join(LANGUAGES)
        )
    recipients = f.texts("to") or ()
    for address in recipients:
        if not EMAIL.fullmatch(address):
            raise ScheduleError("schedule.error.email", file=file, field=f.name("to"), value=address)
    if recipients and mail is None:
        raise ScheduleError("schedule.error.no_mail", file=file, field=f.name("to"))
    assert name is not None and data is not None and when_text is not None
    return Job(
        name=name,
        data=data,
        when=when,
        when_text=when_text,
        pages=f.choices("pages", PAGES),
        lang=lang,
        formats=f.choices("formats", FORMATS) or ("pdf",),
        to=tuple(dict.fromkeys(recipients)),
        year=f.integer("year", 1900, 2200),
        title=f.text("title"),
        max_delay=dt.timedelta(hours=f.positive("max_delay_hours", DEFAULT_MAX_DELAY_HOURS)),
    )


def load_schedule(path: Path | str) -> Schedule:
    """The schedule in path; ScheduleError naming the file, field and value for anything unusable."""
    path = Path(path)
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ScheduleError("schedule.error.unreadable", file=file, error=err.strerror or str(err)) from err
    try:
        doc = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise ScheduleError("schedule.error.encoding", file=file) from err
    except tomllib.TOMLDecodeError as err:
        raise ScheduleError("schedule.error.toml", file=file, detail=str(err)) from err
    top = _Fields(file, doc, "", TOP_FIELDS)
    output_text = top.text("output", required=True)
    assert output_text is not None
    output = Path(output_text).expanduser()
    output = (output if output.is_absolute() else path.parent / output).resolve()
    timezone = top.text("timezone")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise top.error("timezone", "timezone") from None
    mail = _mail(file, doc["mail"]) if "mail" in doc else None
    tables = doc.get("job")
    if not isinstance(tables, list) or not tables:
        raise ScheduleError("schedule.error.no_jobs", file=file, field="job")
    jobs = tuple(_job(file, table, i, mail) for i, table in enumerate(tables, start=1))
    seen: set[str] = set()
    for i, job in enumerate(jobs, start=1):
        if job.name in seen:
            raise ScheduleError("schedule.error.duplicate", file=file, field=f"job[{i}].name", value=job.name)
        seen.add(job.name)
    return Schedule(path=path, output=output, jobs=jobs, mail=mail, timezone=timezone)


# --------------------------------------------------------------------------------------------- time
def local_now(schedule: Schedule) -> dt.datetime:
    """Now as wall-clock time in the schedule's zone (the machine's when it names none), without tzinfo."""
    zone = schedule.zone()
    return dt.datetime.now(zone).replace(tzinfo=None) if zone else dt.datetime.now()


def parse_now(text: str, schedule: Schedule) -> dt.datetime:
    """--now: an ISO time; without an offset it is wall-clock time in the schedule's zone."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ScheduleError("schedule.error.now", value=text) from None
    if moment.tzinfo is None:
        return moment.replace(microsecond=0)
    zone = schedule.zone()
    return (moment.astimezone(zone) if zone else moment.astimezone()).replace(tzinfo=None, microsecond=0)


# --------------------------------------------------------------------------------------------- state and log
def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="minutes")


def _write_json_atomic(path: Path, payload: object) -> None:
    from digigov.briefing_cli import write_atomic

    write_atomic(path, (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def read_state(output: Path) -> dict[str, dict[str, Any]]:
    path = output / STATE_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        # A state that cannot be read would make every job look new: keep it aside and say so in the log.
        log.warning("schedule state %s unreadable; kept as %s.bad, starting afresh", path, path.name, exc_info=True)
        path.replace(path.with_suffix(".json.bad"))
        return {}
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    return {k: v for k, v in jobs.items() if isinstance(v, dict)} if isinstance(jobs, dict) else {}


def append_log(output: Path, entry: Mapping[str, object]) -> None:
    output.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    with (output / LOG_FILE).open("a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def read_log(output: Path) -> list[dict[str, Any]]:
    path = output / LOG_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@contextmanager
def locked(output: Path) -> Iterator[None]:
    """One runner at a time per output folder; ScheduleBusy when another holds it."""
    output.mkdir(parents=True, exist_ok=True)
    with (output / LOCK_FILE).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ScheduleBusy(output) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --------------------------------------------------------------------------------------------- due-ness
@dataclass(frozen=True)
class Decision:
    job: Job
    slot: dt.datetime
    action: Literal["run", "missed", "done"]
    attempt: int = 1


def decide(job: Job, state: Mapping[str, Any] | None, now: dt.datetime) -> Decision:
    """What to do with job at now, given what its state records (slot done, status, attempts)."""
    slot = job.when.latest(now)
    done_slot = state.get("slot") if state else None
    if isinstance(done_slot, str) and done_slot >= _iso(slot):
        attempts = int(state.get("attempts", 1)) if state else 1
        retry = done_slot == _iso(slot) and state and state.get("status") == "failed" and attempts < MAX_ATTEMPTS
        if retry and now - slot <= job.max_delay:
            return Decision(job, slot, "run", attempt=attempts + 1)
        return Decision(job, slot, "done")
    if now - slot > job.max_delay:
        return Decision(job, slot, "missed")
    return Decision(job, slot, "run")


def plan(schedule: Schedule, now: dt.datetime, state: Mapping[str, Mapping[str, Any]] | None = None) -> list[Decision]:
    state = read_state(schedule.output) if state is None else state
    return [decide(job, state.get(job.name), now) for job in schedule.jobs]


# --------------------------------------------------------------------------------------------- mail
@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    maintype: str
    subtype: str


def build_message(
    mail: MailConfig, to: Sequence[str], subject: str, body: str, attachments: Sequence[Attachment]
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=mail.sender.rsplit("@", 1)[-1])
    message.set_content(body)
    for item in attachments:
        message.add_attachment(item.data, maintype=item.maintype, subtype=item.subtype, filename=item.filename)
    return message


def send_mail(mail: MailConfig, password: str | None, message: EmailMessage) -> None:
    """Deliver message over SMTP (SMTPS, STARTTLS or plain, login when a user is set). Raises on failure."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if mail.use_ssl:
        client = smtplib.SMTP_SSL(mail.host, mail.port, timeout=mail.timeout, context=context)
    else:
        client = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout)
    with client:
        client.ehlo()
        if mail.starttls:
            client.starttls(context=context)
            client.ehlo()
        if mail.user:
            client.login(mail.user, password or "")
        client.send_message(message)


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


# --------------------------------------------------------------------------------------------- running
Renderer = Callable[[Any, Sequence[str]], dict[str, bytes]]
Sender = Callable[[MailConfig, str | None, EmailMessage], None]


@dataclass
class Runner:
    """Runs a schedule's due jobs. render and send are the real renderer and SMTP client unless replaced."""

    schedule: Schedule
    environ: Mapping[str, str] = field(default_factory=dict)  # where password_env is looked up
    render: Renderer | None = None
    send: Sender = send_mail

    def _render(self, document: Any, formats: Sequence[str]) -> dict[str, bytes]:
        if self.render is not None:
            return self.render(document, formats)
        from digigov.briefing_cli import render

        return render(document, formats)

    def run_once(self, now: dt.datetime) -> list[dict[str, Any]]:
        """Run every due job at now; returns the log entries written (missed slots included)."""
        output = self.schedule.output
        entries: list[dict[str, Any]] = []
        with locked(output):
            state = read_state(output)
            for decision in plan(self.schedule, now, state):
                if decision.action == "done":
                    continue
                if decision.action == "missed":
                    entry = self._entry(
                        decision, now, "missed", error=t("schedule.missed", decision.job.lang, slot=_iso(decision.slot))
                    )
                else:
                    entry = self._run(decision, now)
                append_log(output, entry)
                state[decision.job.name] = {
                    "slot": _iso(decision.slot),
                    "status": entry["status"],
                    "attempts": decision.attempt,
                    "time": entry["time"],
                }
                _write_json_atomic(output / STATE_FILE, {"jobs": state})
                entries.append(entry)
        return entries

    def _entry(self, decision: Decision, now: dt.datetime, status: Status, **extra: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "job": decision.job.name,
            "time": _iso(now),
            "slot": _iso(decision.slot),
            "status": status,
            "file": None,
            "files": [],
            "recipients": list(decision.job.to),
            "error": None,
            "attempt": decision.attempt,
        }
        entry.update(extra)
        return entry

    def _run(self, decision: Decision, now: dt.datetime) -> dict[str, Any]:
        from digigov.briefing_cli import BriefFailure, BriefRequest, build_briefing, resolve_data, write_atomic
        from digigov.export.browser import ExportError

        job, output = decision.job, self.schedule.output
        started = time.monotonic()
        request = BriefRequest(
            pages=job.pages, year=job.year, lang=job.lang, title=job.title, date=decision.slot.date()
        )
        try:
            built = build_briefing(resolve_data(job.data, job.lang, base=self.schedule.base), request)
            rendered = self._render(built.briefing, job.formats)
            stem = f"{job.name}_{decision.slot:%Y%m%d-%H%M}"
            files = []
            for fmt in job.formats:
                target = output / job.name / f"{stem}.{fmt}"
                write_atomic(target, rendered[fmt])
                files.append(target)
        except BriefFailure as failure:
            return self._entry(decision, now, "failed", error=failure.text, seconds=_since(started))
        except ExportError as error:
            return self._entry(decision, now, "failed", error=error.message(job.lang), seconds=_since(started))
        except OSError as error:
            log.warning("schedule job %s could not write its briefing", job.name, exc_info=True)
            return self._entry(
                decision, now, "failed", error=f"{type(error).__name__}: {error}", seconds=_since(started)
            )
        names = [str(p.relative_to(output)) for p in files]
        main_file = names[job.formats.index("pdf")] if "pdf" in job.formats else names[0]
        extra: dict[str, Any] = {"file": main_file, "files": names, "notes": list(built.notes)}
        if not job.to:
            return self._entry(decision, now, "ok", recipients=[], seconds=_since(started), **extra)
        problem = self._deliver(job, built, files)
        status: Status = "ok" if problem is None else "mail_failed"
        return self._entry(decision, now, status, error=problem, seconds=_since(started), **extra)

    def _deliver(self, job: Job, built: Any, files: Sequence[Path]) -> str | None:
        """Mail the files to job.to; None when the server accepted it, else the error (without the password)."""
        mail = self.schedule.mail
        assert mail is not None  # load_schedule refuses recipients without [mail]
        password = self.environ.get(mail.password_env) if mail.password_env else None
        if mail.user and not password:
            return t("schedule.no_password", job.lang, variable=mail.password_env)
        b = built.briefing
        subject = t("schedule.subject", job.lang, title=b.title, date=b.date.isoformat(), scope=built.scope)
        lines = [
            b.title,
            f"{t('export.date_label', job.lang)}{b.date.isoformat()}",
            f"{t('export.scope_label', job.lang)}{built.scope}",
            "",
        ]
        if b.findings:
            lines += [t("export.findings_heading", job.lang), *(f"- {f}" for f in b.findings), ""]
        if b.sample_data:
            lines += [t("export.sample_footer", job.lang), ""]
        lines.append(t("schedule.body_attached", job.lang, files=", ".join(p.name for p in files)))
        attachments = [
            Attachment(p.name, p.read_bytes(), "application", "pdf")
            if p.suffix == ".pdf"
            else Attachment(p.name, p.read_bytes(), "image", "png")
            for p in files
        ]
        message = build_message(mail, job.to, subject, "\n".join(lines) + "\n", attachments)
        try:
            self.send(mail, password, message)
        except (smtplib.SMTPException, OSError) as error:
            text = _scrub(f"{type(error).__name__}: {error}", password)
            log.warning("schedule job %s: mail to %s failed: %s", job.name, mail.host, text)
            return text
        return None


def _since(started: float) -> float:
    return round(time.monotonic() - started, 2)


def next_wake(schedule: Schedule, now: dt.datetime) -> dt.datetime:
    return min(job.when.next(now) for job in schedule.jobs)


def run_forever(
    path: Path,
    *,
    environ: Mapping[str, str],
    out: TextIO,
    lang: str = "zh",
    clock: Callable[[Schedule], dt.datetime] = local_now,
    sleep: Callable[[float], None] = time.sleep,
    passes: int | None = None,
    render: Renderer | None = None,
) -> int:
    """Re-read the schedule, run what is due, sleep until the next slot (at most a minute); forever, or for
    `passes` rounds. An edited file that no longer validates is reported and the last good one kept."""
    schedule = load_schedule(path)
    done = 0
    while passes is None or done < passes:
        try:
            schedule = load_schedule(path)
        except ScheduleError as error:
            print(error.message(lang), file=out)
        now = clock(schedule)
        try:
            for entry in Runner(schedule, environ, render).run_once(now):
                print(json.dumps(entry, ensure_ascii=False), file=out, flush=True)
        except ScheduleBusy as busy:
            print(busy.message(lang), file=out, flush=True)
        done += 1
        if passes is not None and done >= passes:
            break
        wait = (next_wake(schedule, now) - clock(schedule)).total_seconds()
        sleep(min(LOOP_MAX_SLEEP_S, max(1.0, wait)))
    return 0


# --------------------------------------------------------------------------------------------- commands
def _environment() -> Mapping[str, str]:
    """The process environment, handed to the runner whole: the schedule file names the variable to read."""
    return os.environ


def _load(args: argparse.Namespace, err: TextIO) -> Schedule | None:
    try:
        return load_schedule(args.schedule)
    except ScheduleError as error:
        print(error.message(args.lang), file=err)
        return None


def run_once_command(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    schedule = _load(args, err)
    if schedule is None:
        return 2
    try:
        now = parse_now(args.now, schedule) if args.now else local_now(schedule)
        entries = Runner(schedule, _environment()).run_once(now)
    except (ScheduleError, ScheduleBusy) as error:
        print(error.message(args.lang), file=err)
        return 2 if isinstance(error, ScheduleError) else 1
    for entry in entries:
        print(json.dumps(entry, ensure_ascii=False), file=out)
    if not entries:
        print(t("schedule.nothing_due", args.lang, now=_iso(now)), file=out)
    return 1 if any(e["status"] in ("failed", "mail_failed") for e in entries) else 0


def run_command(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    if _load(args, err) is None:
        return 2

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # systemd stops the service with SIGTERM: end as after Ctrl-C
    try:
        return run_forever(Path(args.schedule), environ=_environment(), out=out, lang=args.lang)
    except KeyboardInterrupt:
        return 0


def check_command(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    schedule = _load(args, err)
    if schedule is None:
        return 2
    try:
        now = parse_now(args.now, schedule) if args.now else local_now(schedule)
    except ScheduleError as error:
        print(error.message(args.lang), file=err)
        return 2
    print(
        t(
            "schedule.check_ok",
            args.lang,
            file=str(schedule.path),
            jobs=len(schedule.jobs),
            output=str(schedule.output),
        ),
        file=out,
    )
    for decision in plan(schedule, now):
        job = decision.job
        print(
            t(
                "schedule.check_job",
                args.lang,
                job=job.name,
                when=job.when_text,
                last=_iso(decision.slot),
                action=t(f"schedule.action.{decision.action}", args.lang),
                next=_iso(job.when.next(now)),
                to=", ".join(job.to) or "-",
            ),
            file=out,
        )
    return 0


def add_commands(commands: Any) -> None:
    """Register ``schedule run | run-once | check`` on the ``digigov`` parser's subcommands."""
    schedule = commands.add_parser(
        "schedule",
        help="briefings on a schedule: run the jobs of a schedule file when they are due",
        description="Run the briefing jobs of a TOML schedule file (see docs/schedule.example.toml).",
    )
    actions = schedule.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="loop: run each job when it is due (Ctrl-C or SIGTERM stops)")
    once = actions.add_parser("run-once", help="run what is due now and exit (for cron or a systemd timer)")
    check = actions.add_parser("check", help="validate the file and print each job's last and next time")
    for parser, command in ((run, run_command), (once, run_once_command), (check, check_command)):
        parser.add_argument("schedule", metavar="SCHEDULE.toml")
        parser.add_argument("--lang", choices=LANGUAGES, default="zh", help="language of the messages")
        if parser is not run:
            parser.add_argument("--now", default=None, metavar="ISO", help="the time to decide at (default: now)")
        parser.set_defaults(run=command)
