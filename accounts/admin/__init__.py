"""The administrators' pages, on Django's admin: users, reset jobs, policies, audit log."""

from . import audit, jobs, policies, users

__all__ = ["audit", "jobs", "policies", "users"]
