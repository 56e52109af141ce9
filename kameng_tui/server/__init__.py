"""`kameng-tui demo-server`: the demo platform over kameng-tui's own API (docs/api.md)."""
