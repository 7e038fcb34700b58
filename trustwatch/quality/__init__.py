"""Data checks: Great Expectations suites that gate each ingested batch and the warehouse.

`batch` checks records before they load (a failing record is quarantined, the batch goes
on); `warehouse` checks the tables after each load (a breach fails the checks task);
`store` keeps every suite's outcome in `validation_results` for data staff.
"""
