"""An administrator resets the passwords of others: one user, a selection, or everyone else.

Every reset is a job that a worker runs in chunks of SSPR_ADMIN_RESET_CHUNK_SIZE users, so
a selection of any size works and the progress bar moves with each chunk. A chunk is:

1. a claim, one short transaction with the items and their users locked: the authority rule
   is asked again of each user (a target may have been promoted since the job was queued),
   and every user still allowed is leased to the job for SSPR_ADMIN_RESET_LEASE_SECONDS.
   While a lease runs nobody can raise that user's privileges (accounts.staff takes the
   same row lock and refuses), so the rule's answer still holds when the password is
   written, with no lock held across the directory (issue 12; issue 9's check-then-write).
2. the writes, one user at a time and outside any transaction; a refusal or an outage fails
   that user only. With the portal's own accounts the write only changes the row in memory.
3. a record, one transaction for the chunk: password state, history, lockouts cleared,
   audit events and what must reach someone (the link message, or the generated password
   sealed), leases ended. Messages are handed to the delivery state machine once that
   commits: nobody is told of a reset that was rolled back, and nothing is lost once an
   account changed.

A killed worker leaves its chunk pending and leased; the task acknowledges late, and the
run that picks the job up again leaves leased users until their leases end, then claims
them afresh. A record takes only items still leased to its own claim, so nobody is
recorded twice and nobody is skipped.

A typed password must reach a directory as itself, so the job keeps it sealed with
accounts.messages.seal (Fernet, keyed from SECRET_KEY, which the worker holds) and erases it
when the job ends or fails. Someone with a copy of the database alone reads nothing of it;
someone who also has SECRET_KEY can already forge set-password links and sessions, and
gains the typed password of a job still running, never of one that has ended.
"""

from .passwords import AlreadyRevealedError, reveal_passwords
from .start import OwnAccountError, ResetOptions, admin_reset_passwords, enqueue_job
from .worker import reset_chunk, run_job

__all__ = ["AlreadyRevealedError", "OwnAccountError", "ResetOptions", "admin_reset_passwords",
           "enqueue_job", "reset_chunk", "reveal_passwords", "run_job"]
