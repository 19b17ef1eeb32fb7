"""HTTP routes of live evaluator/client sessions."""
