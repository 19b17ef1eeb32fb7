"""Constants that schemas and services both need, one module per client family."""
