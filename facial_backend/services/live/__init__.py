"""Live evaluator/client sessions: membership, sockets, presence, one audio segment per image."""
