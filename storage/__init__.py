"""Models, sessions, migrations and the domain services. Nothing here imports Slack."""
