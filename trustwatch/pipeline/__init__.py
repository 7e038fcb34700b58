"""Orchestration glue the DAG tasks call: one function per task, testable without Airflow.

Each step opens its own warehouse session, works on one data interval (or one instant,
the interval's end) and returns a small dict of keys and counts: the only thing that
travels between tasks through XCom.
"""
