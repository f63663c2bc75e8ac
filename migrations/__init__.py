"""Alembic migrations, shipped in the wheel as the package `migrations` (core.db.migrations_dir)."""
