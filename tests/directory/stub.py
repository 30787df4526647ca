"""A directory at the edge of the unit tier: the portal's own store, told to fail on demand."""

from accounts.directory import Directory, DirectoryError


class FailingDirectory(Directory):
    """Behaves as the portal's own accounts until `failure` is set; then raises it, once
    per call, before anything is written, as a server that refuses or has gone away does."""

    name = "failing"

    def __init__(self) -> None:
        self.failure: DirectoryError | None = None
        self.calls: list[str] = []

    def _maybe_fail(self, call: str) -> None:
        self.calls.append(call)
        if self.failure is not None:
            raise self.failure

    def set_password(self, user, password, *, must_change=False) -> None:
        self._maybe_fail("set_password")
        super().set_password(user, password, must_change=must_change)

    def change_password(self, user, old_password, new_password) -> None:
        self._maybe_fail("change_password")
        super().change_password(user, old_password, new_password)

    def require_change(self, user) -> None:
        self._maybe_fail("require_change")

    def unlock(self, user) -> None:
        self._maybe_fail("unlock")

