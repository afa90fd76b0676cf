"""A public form's two bot traps, for every public form (the newsletter sign-up, the news
release form): a honeypot field hidden from people, and a time trap (a signed stamp of when the
form was shown: core.signed.TimeTrap)."""

from __future__ import annotations

from wiredesk.core.signed import TimeTrap


class TrappedForm:
    """Mixed into a Django form that sets ``trap``, ``honeypot`` (the hidden field's name) and
    ``now``; the form carries its stamp in a field named ``stamp``."""

    trap: TimeTrap
    honeypot: str
    stamp_min_seconds: float | None = None  # for a stamp shown anew; None: the trap's own

    def _sent(self, name: str) -> str:
        return str(self.data.get(name, "")) if self.is_bound else ""

    @property
    def fresh_stamp(self) -> str:
        """The stamp to show: the one the form came with while it is good, else a new one."""
        return self.trap.carry(self._sent("stamp"), self.now, min_seconds=self.stamp_min_seconds)

    @property
    def is_bot(self) -> bool:
        """The honeypot was filled in."""
        return bool(self._sent(self.honeypot).strip())

    @property
    def trap_verdict(self) -> str:
        """``ok``, or why the time trap did not take the post (see TimeTrap.verdict)."""
        return self.trap.verdict(self._sent("stamp"), self.now) if self.is_bound else "ok"

    @property
    def trapped(self) -> bool:
        """Sent too fast after the form was shown, too late, or with a missing or altered stamp."""
        return self.trap_verdict != "ok"
