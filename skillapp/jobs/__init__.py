"""Scheduled work: ``skillapp jobs run``, for cron or a systemd timer."""
