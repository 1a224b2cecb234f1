"""Fuzzing harnesses (atheris) for the parsers that meet untrusted input; see fuzz/run.py."""
