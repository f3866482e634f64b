"""Talking to other systems and to people: the outbox, its relay and the delivery channels (issue 11)."""
