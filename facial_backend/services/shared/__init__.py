"""Rules every origin shares: users, health checks, in-process locks."""
