"""Queries of the operator console: who sees which session, the sessions table, a timeline."""
