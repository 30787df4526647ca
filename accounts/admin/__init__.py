"""The administrators' pages on Django's admin: users, lockouts, jobs, policies, audit log."""

from . import audit, jobs, lockouts, policies, users

__all__ = ["audit", "jobs", "lockouts", "policies", "users"]
