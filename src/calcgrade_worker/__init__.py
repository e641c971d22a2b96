"""The untrusted side of calcgrade: what runs in the student's process.

This package holds no grader, no reference and no secret. It is the whole of
what a sandboxed worker can see of calcgrade: the wire format (``wire``), the
session that executes a submission and answers requests (``session``) and the
request loop over a pair of pipes (``serve``). It imports NumPy and the
standard library only.
"""
