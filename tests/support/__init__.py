"""Test support: building persons, driving the CLI in-process or against a real server."""
