"""When a worker that stopped answering its health check is restarted.

A Streamlit process that is merely busy (25 officials opening the channels page at once) answers its health
check late, with its CPU at 100 %; one that is locked up (the GIL deadlock of issue 17) never answers and uses
no CPU at all, and ignores SIGTERM. So the rule is: restart when the health check has failed for `hang_after_s`
*and* the process used less than `idle_cpu_s` of CPU in that time (locked up), or when it has failed for
`unresponsive_after_s` whatever its CPU (a runaway). A new process gets `startup_grace_s` before it is judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    STARTING = "starting"
    HEALTHY = "healthy"
    FAILING = "failing"  # not answering, not yet long enough to act
    HUNG = "hung"  # not answering and not using CPU: locked up
    UNRESPONSIVE = "unresponsive"  # not answering for the hard limit, busy or not


@dataclass(frozen=True)
class Limits:
    hang_after_s: float = 20.0
    idle_cpu_s: float = 1.0
    unresponsive_after_s: float = 120.0
    startup_grace_s: float = 90.0


@dataclass
class Watch:
    """What the watchdog remembers about one worker process."""

    started_at: float
    ever_healthy: bool = False
    failing_since: float | None = None
    cpu_when_failing: float | None = None

    def judge(self, now: float, healthy: bool, cpu_seconds: float | None, limits: Limits) -> Verdict:
        """Record one health probe (healthy or not, and the process's CPU seconds so far) and say what it means."""
        if healthy:
            self.ever_healthy = True
            self.failing_since = self.cpu_when_failing = None
            return Verdict.HEALTHY
        if not self.ever_healthy:
            if now - self.started_at < limits.startup_grace_s:
                return Verdict.STARTING
            return Verdict.UNRESPONSIVE
        if self.failing_since is None:
            self.failing_since, self.cpu_when_failing = now, cpu_seconds
            return Verdict.FAILING
        failing_for = now - self.failing_since
        if failing_for >= limits.unresponsive_after_s:
            return Verdict.UNRESPONSIVE
        if failing_for >= limits.hang_after_s:
            used = None if cpu_seconds is None or self.cpu_when_failing is None else cpu_seconds - self.cpu_when_failing
            if used is None or used < limits.idle_cpu_s:
                return Verdict.HUNG
        return Verdict.FAILING


def needs_restart(verdict: Verdict) -> bool:
    return verdict in (Verdict.HUNG, Verdict.UNRESPONSIVE)
