"""Briefings on a schedule: the file, due-ness at a given --now, the runner's state and log, and delivery to
a real SMTP server on loopback (aiosmtpd), started and stopped by the tests.

One test renders a real briefing end to end through `digigov schedule run-once`; the others use a stand-in
renderer (the rendering itself is tested in test_briefing_cli.py).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from digigov.cli import main
from digigov.export.images import chromium_available
from digigov.schedule import (
    LOG_FILE,
    MAX_ATTEMPTS,
    STATE_FILE,
    Runner,
    ScheduleBusy,
    ScheduleError,
    decide,
    load_schedule,
    locked,
    parse_when,
    read_log,
    run_forever,
)
from tests.paths import ROOT

PASSWORD = "s3cret-Pa55"  # must never reach the log, the output or the state
FAKE_PDF = b"%PDF-1.7\n% stand-in briefing\n%%EOF\n"
EXAMPLE = ROOT / "docs" / "schedule.example.toml"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def fake_render(document, formats):
    return {fmt: FAKE_PDF if fmt == "pdf" else b"\x89PNG\r\n\x1a\n" for fmt in formats}


def write_schedule(folder: Path, body: str, mail: str = "") -> Path:
    path = folder / "schedule.toml"
    path.write_text(f'output = "out"\n{mail}\n{body}', encoding="utf-8")
    return path


JOB = """
[[job]]
name = "weekly"
data = "sample"
when = "weekly mon 08:00"
"""


# --------------------------------------------------------------------------------------------- the file
def test_the_documented_example_is_valid():
    schedule = load_schedule(EXAMPLE)
    assert [j.name for j in schedule.jobs] == ["weekly-national", "monthly-index-en"]
    weekly, monthly = schedule.jobs
    assert weekly.to and weekly.pages == ("overview", "regional", "channels") and weekly.formats == ("pdf",)
    assert monthly.formats == ("pdf", "png") and monthly.max_delay == dt.timedelta(hours=72)
    assert schedule.mail is not None and schedule.mail.starttls and schedule.mail.port == 587
    assert schedule.mail.password_env == "DIGIGOV_SMTP_PASSWORD"
    assert schedule.timezone == "Asia/Shanghai" and schedule.output == (ROOT / "userdata" / "briefings").resolve()


MAIL = '[mail]\nhost = "127.0.0.1"\nfrom = "briefs@example.gov.cn"\nstarttls = false\n'


@pytest.mark.parametrize(
    ("body", "mail", "expected"),
    [
        ("", "", "job"),
        (JOB.replace("weekly mon 08:00", "weekly funday 08:00"), "", 'job[1] (weekly).when cannot be "weekly funday'),
        (JOB.replace("08:00", "25:00"), "", "25:00"),
        (JOB + 'pages = ["overview", "maps"]\n', "", "job[1] (weekly).pages cannot be “maps”"),
        (JOB + 'pagse = ["overview"]\n', "", "unknown field job[1] (weekly).pagse"),
        (JOB + 'to = ["leader@example"]\n', MAIL, "“leader@example” in job[1] (weekly).to"),
        (
            JOB + 'to = ["leader@example.gov.cn"]\n',
            "",
            "job[1] (weekly).to lists recipients but the file has no [mail]",
        ),
        (JOB + 'year = "2024"\n', "", 'job[1] (weekly).year must be a whole number from 1900 to 2200, not "2024"'),
        (JOB + "max_delay_hours = -1\n", "", "job[1] (weekly).max_delay_hours must be a positive number, not -1"),
        (JOB + 'lang = "fr"\n', "", "job[1] (weekly).lang cannot be “fr”"),
        (JOB + JOB, "", "job[2].name “weekly” is already the name"),
        (JOB.replace('name = "weekly"', 'name = "../etc"'), "", "job[1].name must be letters"),
        (JOB.replace('data = "sample"\n', ""), "", "the field job[1] (weekly).data is missing"),
        (JOB, MAIL + 'user = "briefs"\n', "the field mail.password_env is missing"),
        (JOB, MAIL + f'user = "briefs"\npassword_env = "{PASSWORD}!"\n', "mail.password_env must be the name"),
        (JOB, MAIL.replace('from = "briefs@example.gov.cn"', 'from = "nobody"'), "mail.from"),
        (JOB, MAIL + "port = 70000\n", "mail.port must be a whole number from 1 to 65535, not 70000"),
        (JOB + "when = 1\n", "", "not valid TOML"),
        ('timezone = "Mars/Olympus"\n' + JOB, "", 'timezone cannot be "Mars/Olympus"'),
    ],
)
def test_errors_name_the_file_the_field_and_the_value(tmp_path, body, mail, expected):
    path = write_schedule(tmp_path, body, mail)
    with pytest.raises(ScheduleError) as error:
        load_schedule(path)
    message = error.value.message("en")
    assert str(path) in message and expected in message
    assert PASSWORD not in message or "password_env" in message  # only ever the variable's (bad) name


def test_ssl_and_starttls_together_are_refused(tmp_path):
    path = write_schedule(tmp_path, JOB, MAIL.replace("starttls = false", "starttls = true") + "ssl = true\n")
    with pytest.raises(ScheduleError, match=r"mail\.starttls and mail\.ssl cannot both be true"):
        load_schedule(path)


def test_the_check_command_exits_2_on_a_bad_file_and_names_the_field(tmp_path, capsys):
    path = write_schedule(tmp_path, JOB.replace("weekly mon", "weekly moon"))
    assert main(["schedule", "check", str(path)]) == 2
    assert "job[1] (weekly).when" in capsys.readouterr().err
    assert main(["schedule", "run-once", str(path), "--lang", "en"]) == 2
    assert main(["schedule", "check", str(EXAMPLE), "--now", "2025-01-06T08:05", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "weekly-national (weekly mon 08:00): last slot 2025-01-06T08:00, due now; next 2025-01-13T08:00" in out


# --------------------------------------------------------------------------------------------- due-ness
@pytest.mark.parametrize(
    ("spec", "now", "latest", "following"),
    [
        ("daily 08:00", "2025-01-06T08:00", "2025-01-06T08:00", "2025-01-07T08:00"),
        ("daily 08:00", "2025-01-06T07:59", "2025-01-05T08:00", "2025-01-06T08:00"),
        ("weekly mon 08:00", "2025-01-08T12:00", "2025-01-06T08:00", "2025-01-13T08:00"),  # a Wednesday
        ("weekly Monday 08:00", "2025-01-06T07:00", "2024-12-30T08:00", "2025-01-06T08:00"),
        ("weekly sun 23:30", "2025-01-06T00:00", "2025-01-05T23:30", "2025-01-12T23:30"),
        ("monthly 1 09:30", "2025-01-01T09:29", "2024-12-01T09:30", "2025-01-01T09:30"),
        ("monthly 31 18:00", "2025-02-28T18:00", "2025-02-28T18:00", "2025-03-31T18:00"),  # clamped in February
        ("monthly 31 18:00", "2025-03-15T00:00", "2025-02-28T18:00", "2025-03-31T18:00"),
        ("monthly last 18:00", "2024-02-29T19:00", "2024-02-29T18:00", "2024-03-31T18:00"),  # a leap year
        ("monthly last 18:00", "2025-01-01T00:00", "2024-12-31T18:00", "2025-01-31T18:00"),
    ],
)
def test_latest_and_next_slots(spec, now, latest, following):
    when = parse_when(spec)
    assert when is not None
    assert when.latest(at(now)) == at(latest) and when.next(at(now)) == at(following)


@pytest.mark.parametrize(
    "spec",
    [
        "hourly 08:00",
        "daily 8",
        "daily mon 08:00",
        "weekly 08:00",
        "monthly 0 08:00",
        "monthly 32 08:00",
        "monthly first 08:00",
        "weekly mo 08:00",
        "daily 08:60",
    ],
)
def test_specs_that_are_not_times(spec):
    assert parse_when(spec) is None


def test_due_missed_done_and_retry_are_decided_from_the_state(tmp_path):
    job = load_schedule(write_schedule(tmp_path, JOB)).jobs[0]
    assert decide(job, None, at("2025-01-06T08:00")).action == "run"  # at the slot
    assert decide(job, None, at("2025-01-07T07:59")).action == "run"  # within the 24 h window
    missed = decide(job, None, at("2025-01-07T08:01"))
    assert missed.action == "missed" and missed.slot == at("2025-01-06T08:00")
    done = {"slot": "2025-01-06T08:00", "status": "ok", "attempts": 1}
    assert decide(job, done, at("2025-01-06T09:00")).action == "done"
    assert decide(job, done, at("2025-01-13T08:00")).action == "run"  # the next week's slot
    failed = {"slot": "2025-01-06T08:00", "status": "failed", "attempts": 1}
    retry = decide(job, failed, at("2025-01-06T08:15"))
    assert retry.action == "run" and retry.attempt == 2
    assert decide(job, {**failed, "attempts": MAX_ATTEMPTS}, at("2025-01-06T08:15")).action == "done"
    assert decide(job, {**failed, "status": "mail_failed"}, at("2025-01-06T08:15")).action == "done"


def test_run_once_is_idempotent_and_catches_up_once_after_downtime(tmp_path):
    daily = JOB.replace("weekly mon 08:00", "daily 08:00") + "max_delay_hours = 6\n"
    schedule = load_schedule(write_schedule(tmp_path, daily))
    runner = Runner(schedule, render=fake_render)
    first = runner.run_once(at("2025-01-06T08:05"))
    assert [(e["job"], e["status"], e["file"]) for e in first] == [("weekly", "ok", "weekly/weekly_20250106-0800.pdf")]
    assert (schedule.output / "weekly" / "weekly_20250106-0800.pdf").read_bytes() == FAKE_PDF
    assert runner.run_once(at("2025-01-06T08:20")) == []  # already ran
    assert runner.run_once(at("2025-01-06T13:59")) == []
    # Off from the 7th to the 10th at noon: the 7th-9th are not sent; the slot of the 10th, 4 h old, is.
    caught_up = runner.run_once(at("2025-01-10T12:00"))
    assert [(e["slot"], e["status"]) for e in caught_up] == [("2025-01-10T08:00", "ok")]
    # Back 7 h after a slot, beyond the 6 h allowed: logged as missed, once; the next slot runs as usual.
    assert [e["status"] for e in runner.run_once(at("2025-01-12T15:00"))] == ["missed"]
    assert runner.run_once(at("2025-01-12T16:00")) == []
    assert [e["slot"] for e in runner.run_once(at("2025-01-13T08:30"))] == ["2025-01-13T08:00"]
    log = read_log(schedule.output)
    assert [e["status"] for e in log] == ["ok", "ok", "missed", "ok"]
    assert set(log[0]) >= {"job", "time", "slot", "status", "file", "recipients", "error"}
    assert log[2]["file"] is None and "2025-01-12T08:00" in log[2]["error"]
    state = json.loads((schedule.output / STATE_FILE).read_text(encoding="utf-8"))
    assert state["jobs"]["weekly"]["slot"] == "2025-01-13T08:00"
    assert sorted(p.name for p in (schedule.output / "weekly").iterdir()) == [
        "weekly_20250106-0800.pdf",
        "weekly_20250110-0800.pdf",
        "weekly_20250113-0800.pdf",
    ]


def test_a_failed_render_is_logged_and_retried_within_the_window(tmp_path):
    schedule = load_schedule(write_schedule(tmp_path, JOB))
    calls = []

    def broken(document, formats):
        from digigov.export.browser import ExportTimeout

        calls.append(1)
        raise ExportTimeout(120)

    runner = Runner(schedule, render=broken)
    for minute in range(MAX_ATTEMPTS + 2):
        runner.run_once(at(f"2025-01-06T08:{minute:02d}"))
    log = read_log(schedule.output)
    assert len(calls) == MAX_ATTEMPTS and [e["status"] for e in log] == ["failed"] * MAX_ATTEMPTS
    assert "120" in log[0]["error"] and log[-1]["attempt"] == MAX_ATTEMPTS
    assert not (schedule.output / "weekly").exists()


def test_a_job_on_unusable_data_fails_with_the_reason(tmp_path):
    schedule = load_schedule(write_schedule(tmp_path, JOB.replace('"sample"', '"missing.csv"') + 'lang = "en"\n'))
    [entry] = Runner(schedule, render=fake_render).run_once(at("2025-01-06T08:00"))
    assert entry["status"] == "failed" and "Cannot find “missing.csv”" in entry["error"]


def test_one_runner_at_a_time(tmp_path, capsys):
    schedule = load_schedule(write_schedule(tmp_path, JOB))
    with locked(schedule.output):
        with pytest.raises(ScheduleBusy):
            Runner(schedule, render=fake_render).run_once(at("2025-01-06T08:00"))
        assert main(["schedule", "run-once", str(schedule.path), "--now", "2025-01-06T08:00", "--lang", "en"]) == 1
        assert "Another schedule runner" in capsys.readouterr().err
    assert not (schedule.output / LOG_FILE).exists()


def test_the_loop_runs_due_jobs_and_sleeps_until_the_next_slot(tmp_path):
    path = write_schedule(tmp_path, JOB.replace("weekly mon 08:00", "daily 08:00"))
    times = iter([at("2025-01-06T08:00"), at("2025-01-06T08:00"), at("2025-01-06T08:01"), at("2025-01-06T08:01")])
    sleeps: list[float] = []
    out = io.StringIO()
    run_forever(
        path, environ={}, out=out, clock=lambda s: next(times), sleep=sleeps.append, passes=2, render=fake_render
    )
    entries = [json.loads(x) for x in out.getvalue().splitlines() if x.startswith("{")]
    assert [e["status"] for e in entries] == ["ok"] and sleeps == [60.0]


# --------------------------------------------------------------------------------------------- delivery
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        self.received.set()
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"briefs"
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticate, auth_require_tls=False)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def mail_table(port: int) -> str:
    return (
        f'[mail]\nhost = "127.0.0.1"\nport = {port}\nfrom = "briefs@example.gov.cn"\nstarttls = false\n'
        'user = "briefs"\npassword_env = "TEST_SMTP_PASSWORD"\ntimeout = 10\n'
    )


RECIPIENTS = 'to = ["leader@example.gov.cn", "office@example.gov.cn"]\n'


@pytest.mark.skipif(not chromium_available(), reason="no Chromium for rendering")
def test_run_once_mails_the_rendered_pdf_and_logs_it(tmp_path, smtp, monkeypatch, capsys):
    """End to end: the command, a real briefing, a real SMTP server with login on loopback."""
    inbox, port = smtp
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    path = write_schedule(tmp_path, JOB + RECIPIENTS + 'pages = ["overview"]\n', mail_table(port))
    assert main(["schedule", "run-once", str(path), "--now", "2025-01-06T08:05"]) == 0
    assert inbox.received.wait(10)
    [(sender, rcpt, message)] = inbox.messages
    assert sender == "briefs@example.gov.cn" and rcpt == ["leader@example.gov.cn", "office@example.gov.cn"]
    subject = str(message["Subject"])
    assert (
        "2025-01-06" in subject
        and "31 个省（区、市）及地级市，2024 年" in subject
        and "数字政府建设发展情况简报" in subject
    )
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "weekly_20250106-0800.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF") and pdf == (tmp_path / "out" / "weekly" / "weekly_20250106-0800.pdf").read_bytes()
    assert "示例数据" in message.get_body(("plain",)).get_content()  # the sample note travels with the mail
    [entry] = read_log(tmp_path / "out")
    assert entry["status"] == "ok" and entry["recipients"] == ["leader@example.gov.cn", "office@example.gov.cn"]
    assert entry["file"] == "weekly/weekly_20250106-0800.pdf" and entry["error"] is None
    everything = capsys.readouterr().out + "".join(p.read_text() for p in (tmp_path / "out").glob(".*json*"))
    assert PASSWORD not in everything + (tmp_path / "out" / LOG_FILE).read_text(encoding="utf-8")


def test_a_mail_server_that_is_down_is_logged_and_the_pdf_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    schedule = load_schedule(write_schedule(tmp_path, JOB + RECIPIENTS, mail_table(free_port())))  # nobody listens
    [entry] = Runner(schedule, {"TEST_SMTP_PASSWORD": PASSWORD}, render=fake_render).run_once(at("2025-01-06T08:00"))
    assert entry["status"] == "mail_failed" and "ConnectionRefusedError" in entry["error"]
    assert (schedule.output / entry["file"]).read_bytes() == FAKE_PDF
    assert read_log(schedule.output) == [entry]
    # the slot counts as done: the PDF is there to be sent by hand; no second briefing at the next run
    assert Runner(schedule, render=fake_render).run_once(at("2025-01-06T08:15")) == []
    assert PASSWORD not in (schedule.output / LOG_FILE).read_text(encoding="utf-8")


def test_a_refused_login_and_a_missing_password_are_logged(tmp_path, smtp):
    inbox, port = smtp
    schedule = load_schedule(write_schedule(tmp_path, JOB + RECIPIENTS, mail_table(port)))
    [entry] = Runner(schedule, {"TEST_SMTP_PASSWORD": "wrong-" + PASSWORD}, render=fake_render).run_once(
        at("2025-01-06T08:00")
    )
    assert entry["status"] == "mail_failed" and "SMTPAuthenticationError" in entry["error"]
    assert PASSWORD not in entry["error"] and inbox.messages == []
    other = tmp_path / "other"
    other.mkdir()
    schedule2 = load_schedule(write_schedule(other, JOB + RECIPIENTS + 'lang = "en"\n', mail_table(port)))
    [entry] = Runner(schedule2, {}, render=fake_render).run_once(at("2025-01-06T08:00"))
    assert entry["status"] == "mail_failed" and "TEST_SMTP_PASSWORD" in entry["error"]
    assert (schedule2.output / entry["file"]).exists() and inbox.messages == []
