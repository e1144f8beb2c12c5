"""Fair slots: a pool's ``size`` job slots, of which one client holds at most a share.

The client is :data:`current_client`, a context variable the web layer sets per request (a
remote address; later a token), so no caller between the HTTP view and the pool passes it on.
Without a client (the command line, a job of the server's own) no share applies."""

from __future__ import annotations

import threading
from contextvars import ContextVar

#: Who asks for the job now (a remote address, later a token); None: not counted per client.
#: The web layer sets it per request, so no caller has to pass it down.
current_client: ContextVar[str | None] = ContextVar("evawkg_current_client", default=None)


class Slots:
    """``size`` slots, of which one client holds at most ``share`` (None: no per-client cap)."""

    def __init__(self, size: int, share: int | None):
        self.size = size
        self.share = share
        self.in_use = 0
        self._held: dict[str, int] = {}
        self._changed = threading.Condition()

    def _fits(self, client: str | None) -> bool:
        return self.in_use < self.size and not self._over_share(client)

    def _over_share(self, client: str | None) -> bool:
        return (client is not None and self.share is not None
                and self._held.get(client, 0) >= self.share)

    def acquire(self, client: str | None, wait: float) -> str | None:
        """Take a slot within ``wait`` seconds: None, or why not ("client": this client holds
        its share; "all": every slot is busy)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._fits(client), timeout=wait):
                return "client" if self._over_share(client) else "all"
            self.in_use += 1
            if client is not None:
                self._held[client] = self._held.get(client, 0) + 1
            return None

    def release(self, client: str | None) -> None:
        with self._changed:
            self.in_use -= 1
            if client is not None:
                left = self._held.pop(client) - 1
                if left:
                    self._held[client] = left
            self._changed.notify_all()
