"""Benchmarks for codex-dash: a reproducible database generator and store-vs-sqlite3 ratios.

Scripts, not tests: on a shared machine only ratios against a baseline measured in the same run
mean anything, so nothing here asserts an absolute time.
"""
