"""Service code for the instructors' admin: questions, statistics, users and the audit log."""
