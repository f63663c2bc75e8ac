"""The entry points: the `invitebot` command (web, worker, clock, serve, admin commands, demo) and
`bootstrap`, the one place that builds a process's services. Nothing below imports this package."""
