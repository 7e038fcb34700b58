"""Personal data: everything that decides who a record is about and how long it is kept.

`pseudonyms` keys author hashes; `identify` finds the one author a request names;
`erasure` and `subject_access` answer data-protection requests; `retention` enforces the
registry's periods; `redaction` strips names from text that leaves the warehouse;
`staff_text` lists the staff free-text columns that follow the same rules.
"""
