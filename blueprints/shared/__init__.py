"""Routes every origin shares: auth, health, docs, storage links, stored media."""
