"""Bounce, complaint and inbound-unsubscribe events from the mail provider (anymail signals)."""
