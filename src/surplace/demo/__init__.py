"""The demo scenario: synthetic people and organisations, never a real person."""
